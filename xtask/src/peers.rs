//! The servers of PEERS.md, installed from their registries and run for real
//! on loopback: Node `ws`, `nodejs-websocket` and socket.io from npm (lock file
//! in tests/peers), Python `websockets` and python-socketio from PyPI (in
//! .tools/venv), Ruby
//! `em-websocket` from Debian.

use crate::{root, run, tools::step, Result};
use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{mpsc, Arc, Mutex},
    time::Duration,
};

fn dir() -> PathBuf {
    root().join("tests/peers")
}

fn venv_python() -> PathBuf {
    root().join(".tools/venv/bin/python")
}

/// Installs the npm and PyPI peers when missing; says how to get Ruby's.
pub fn install() -> Result<()> {
    let lock = dir().join("package-lock.json");
    let stamp = dir().join("node_modules/.package-lock.json");
    let fresh = |a: &PathBuf, b: &PathBuf| -> bool {
        let time = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        matches!((time(a), time(b)), (Some(a), Some(b)) if b >= a)
    };
    if !fresh(&lock, &stamp) {
        step("installing the Node test peers (npm ci in tests/peers)");
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir()))?;
    }
    // Every pinned `name==version` of requirements.txt installed, or install.
    let requirements = std::fs::read_to_string(dir().join("requirements.txt"))?;
    let have = Command::new(venv_python())
        .args(["-m", "pip", "freeze"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_ascii_lowercase())
        .unwrap_or_default();
    let missing = requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .any(|wanted| !have.lines().any(|h| h == wanted.to_ascii_lowercase()));
    if missing {
        step("installing the Python test peers (pip, in .tools/venv)");
        if !venv_python().exists() {
            run(Command::new("python3")
                .args(["-m", "venv"])
                .arg(root().join(".tools/venv")))?;
        }
        run(Command::new(venv_python())
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(dir().join("requirements.txt")))?;
    }
    Ok(())
}

/// One peer server on a free loopback port (or a client), stopped on drop.
pub struct Peer {
    child: Child,
    pub port: u16,
    /// What it printed after saying it was ready, line by line.
    output: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    /// Starts `program script PORT` from tests/peers and waits for it to say
    /// it is listening.
    pub fn start(program: &str, script: &str) -> Result<Peer> {
        Peer::start_with(program, script, &[])
    }

    /// [`Peer::start`] with more arguments after the port.
    pub fn start_with(program: &str, script: &str, args: &[&str]) -> Result<Peer> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        Peer::start_on(port, program, script, args)
    }

    /// [`Peer::start_with`] on a given port (to restart a server where it was).
    pub fn start_on(port: u16, program: &str, script: &str, args: &[&str]) -> Result<Peer> {
        let program = match program {
            "python" => venv_python().to_string_lossy().into_owned(),
            other => other.to_string(),
        };
        let mut child = Command::new(&program)
            .arg(dir().join(script))
            .arg(port.to_string())
            .args(args)
            .current_dir(dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {program} {script}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let (tx, rx) = mpsc::channel();
        let output = Arc::new(Mutex::new(Vec::new()));
        let keep = output.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let ready = lines
                .by_ref()
                .any(|l| l.is_ok_and(|l| l.starts_with("listening")));
            let _ = tx.send(ready);
            for line in lines.map_while(|l| l.ok()) {
                if let Ok(mut kept) = keep.lock() {
                    kept.push(line);
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(true) => Ok(Peer {
                child,
                port,
                output,
            }),
            _ => {
                let _ = child.kill();
                let mut why = String::new();
                BufReader::new(stderr)
                    .lines()
                    .map_while(|l| l.ok())
                    .take(20)
                    .for_each(|l| {
                        why.push_str(&l);
                        why.push('\n');
                    });
                Err(format!("{program} {script} did not start listening: {why}").into())
            }
        }
    }
}

impl Peer {
    /// The lines it printed since it was ready.
    pub fn output(&self) -> Vec<String> {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Waits until it printed a line containing `text`.
    pub fn wait_output(&self, text: &str, timeout: Duration) -> Result<()> {
        let until = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < until {
            if self.output().iter().any(|l| l.contains(text)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "the peer never printed {text:?}; it printed {:?}",
            self.output()
        )
        .into())
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
