//! The reference server as a child process that tests can kill, freeze and
//! restart on the same port.

use crate::{root, Result};
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct Server {
    bin: PathBuf,
    dist: PathBuf,
    args: Vec<String>,
    log: PathBuf,
    child: Option<Child>,
    /// `127.0.0.1:PORT`, the same across restarts.
    pub addr: String,
}

impl Server {
    /// Starts `bin` on a free loopback port with `args`, logging to `log`.
    pub fn start(bin: &Path, args: &[&str], log: &Path) -> Result<Server> {
        Server::start_serving(bin, &root().join("dist"), args, log)
    }

    /// [`Server::start`], serving the client from `dist`.
    pub fn start_serving(bin: &Path, dist: &Path, args: &[&str], log: &Path) -> Result<Server> {
        let mut server = Server {
            bin: bin.to_path_buf(),
            dist: dist.to_path_buf(),
            args: args.iter().map(|a| a.to_string()).collect(),
            log: log.to_path_buf(),
            child: None,
            addr: "127.0.0.1:0".into(),
        };
        std::fs::write(log, "")?;
        server.spawn()?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new().append(true).open(&self.log)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut child = Command::new(&self.bin)
                .args(["--addr", &self.addr, "--dist"])
                .arg(&self.dist)
                .args(&self.args)
                .stdout(Stdio::piped())
                .stderr(log.try_clone()?)
                .spawn()?;
            let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
            let first = lines.next().transpose()?.unwrap_or_default();
            let addr = first
                .split("http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next());
            if let Some(addr) = addr {
                self.addr = addr.to_string();
                std::thread::spawn(move || lines.for_each(drop));
                self.child = Some(child);
                return Ok(());
            }
            // The port may still be held by the previous process for a moment.
            let _ = child.wait();
            if Instant::now() > deadline {
                return Err(format!(
                    "the server did not start on {} (see {})",
                    self.addr,
                    self.log.display()
                )
                .into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The running server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends a signal (`KILL`, `INT`, `STOP`, `CONT`) to the running server.
    pub fn signal(&self, signal: &str) -> Result<()> {
        let pid = self.child.as_ref().ok_or("the server is not running")?.id();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("kill -{signal} {pid} failed").into())
        }
    }

    /// Stops the server with `signal` and waits for it to exit.
    pub fn stop(&mut self, signal: &str) -> Result<()> {
        self.signal(signal)?;
        if let Some(mut child) = self.child.take() {
            child.wait()?;
        }
        Ok(())
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) -> Result<()> {
        if self.child.is_none() {
            self.spawn()?;
        }
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
