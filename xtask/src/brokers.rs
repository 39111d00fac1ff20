//! The real servers of issue 15 that are not npm scripts: RabbitMQ (Debian
//! `rabbitmq-server`, web-stomp and plain STOMP) under private
//! `RABBITMQ_*` directories, started once per test run; gorilla's chat
//! example built from Debian's `golang-github-gorilla-websocket-dev`; and
//! Action Cable under puma (Debian `ruby-actioncable`, `puma`).

use crate::{root, Result};
use std::cell::RefCell;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until something accepts connections on `port`.
pub fn wait_port(port: u16, timeout: Duration, what: &str) -> Result<()> {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!("{what} did not listen on {port} within {timeout:?}").into())
}

/// A child in its own process group, killed with the whole group (once).
struct Group(Option<Child>);

impl Group {
    fn spawn(cmd: &mut Command, log: &Path) -> Result<Group> {
        let out = std::fs::File::create(log)?;
        let child = cmd
            .stdout(out.try_clone()?)
            .stderr(out)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
        Ok(Group(Some(child)))
    }

    fn stop(&mut self) {
        let Some(mut child) = self.0.take() else {
            return;
        };
        let pid = child.id();
        // `--` is not optional: procps' kill reads `-KILL -PID` as
        // `kill(-1, SIGKILL)`, every process this user may signal.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{pid}")])
            .status();
        let _ = child.wait();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A RabbitMQ node of our own on loopback.
pub struct Rabbit {
    node: Option<Group>,
    dir: PathBuf,
    /// web-stomp: `ws://127.0.0.1:PORT/ws`.
    pub web_stomp: u16,
    /// Plain STOMP over TCP (for STOMP over SockJS through a bridge).
    pub stomp: u16,
    epmd: u16,
}

impl Rabbit {
    fn start() -> Result<Rabbit> {
        let dir = root().join("target/xtask/rabbitmq");
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["mnesia", "log"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        let (amqp, web_stomp, stomp, dist, epmd) = (
            free_port()?,
            free_port()?,
            free_port()?,
            free_port()?,
            free_port()?,
        );
        std::fs::write(
            dir.join("rabbitmq.conf"),
            format!(
                "listeners.tcp.default = 127.0.0.1:{amqp}\n\
                 stomp.listeners.tcp.1 = 127.0.0.1:{stomp}\n\
                 web_stomp.tcp.port = {web_stomp}\n\
                 web_stomp.tcp.ip = 127.0.0.1\n\
                 loopback_users = none\n"
            ),
        )?;
        std::fs::write(
            dir.join("enabled_plugins"),
            "[rabbitmq_stomp,rabbitmq_web_stomp].\n",
        )?;
        let mut rabbit = Rabbit {
            node: None,
            dir,
            web_stomp,
            stomp,
            epmd,
        };
        rabbit.node = Some(rabbit.spawn(dist)?);
        Ok(rabbit)
    }

    fn spawn(&self, dist: u16) -> Result<Group> {
        let d = &self.dir;
        let started = Instant::now();
        // The Debian wrapper switches to the `rabbitmq` user; the script
        // under /usr/lib runs the node as we are, in our directories.
        let group = Group::spawn(
            Command::new("/usr/lib/rabbitmq/bin/rabbitmq-server")
                .env("RABBITMQ_NODENAME", "roomcast-test@localhost")
                .env("RABBITMQ_MNESIA_BASE", d.join("mnesia"))
                .env("RABBITMQ_LOG_BASE", d.join("log"))
                .env("RABBITMQ_ENABLED_PLUGINS_FILE", d.join("enabled_plugins"))
                .env("RABBITMQ_CONFIG_FILE", d.join("rabbitmq"))
                .env("RABBITMQ_FEATURE_FLAGS_FILE", d.join("feature_flags"))
                .env("RABBITMQ_PID_FILE", d.join("pid"))
                .env("RABBITMQ_DIST_PORT", dist.to_string())
                .env("ERL_EPMD_PORT", self.epmd.to_string())
                .env("HOME", d),
            &d.join("console.log"),
        )?;
        wait_port(
            self.web_stomp,
            Duration::from_secs(90),
            "RabbitMQ web-stomp",
        )?;
        wait_port(self.stomp, Duration::from_secs(30), "RabbitMQ STOMP")?;
        eprintln!(
            "    RabbitMQ up in {:.1} s (web-stomp :{}, log: target/xtask/rabbitmq)",
            started.elapsed().as_secs_f64(),
            self.web_stomp
        );
        Ok(group)
    }

    /// Kills the broker (as a crash would) and waits until its ports are free.
    pub fn kill(&mut self) {
        if let Some(mut node) = self.node.take() {
            node.stop();
        }
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.web_stomp)).is_ok() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts the broker again after [`Rabbit::kill`], with the same ports.
    pub fn revive(&mut self) -> Result<()> {
        if self.node.is_none() {
            self.node = Some(self.spawn(free_port()?)?);
        }
        Ok(())
    }

    fn stop(&mut self) {
        self.kill();
        let _ = Command::new("epmd")
            .args(["-port", &self.epmd.to_string(), "-kill"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

thread_local! {
    // Trials run on one thread (see suite.rs).
    static RABBIT: RefCell<Option<Rabbit>> = const { RefCell::new(None) };
}

/// Runs `f` with the run's RabbitMQ, starting it on first use (and again
/// if a test left it down).
pub fn with_rabbit<R>(f: impl FnOnce(&mut Rabbit) -> Result<R>) -> Result<R> {
    RABBIT.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Rabbit::start()?);
        }
        let rabbit = slot.as_mut().ok_or("no RabbitMQ")?;
        rabbit.revive()?;
        f(rabbit)
    })
}

/// Stops the run's RabbitMQ, if one started.
pub fn stop_all() {
    RABBIT.with(|cell| {
        if let Some(mut rabbit) = cell.borrow_mut().take() {
            rabbit.stop();
        }
    });
}

/// A server binary or script on a port, stopped (with its group) on drop.
pub struct Program {
    _group: Group,
    pub port: u16,
}

/// gorilla/websocket's chat example (tests/peers/gorilla-chat, copied
/// from the upstream repository), built against Debian's package.
pub fn gorilla_chat() -> Result<Program> {
    let src = root().join("tests/peers/gorilla-chat");
    let bin = root().join("target/xtask/gorilla-chat");
    let newer = |a: &Path, b: &Path| {
        let t = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        t(a) > t(b)
    };
    if !bin.exists() || newer(&src.join("client.go"), &bin) {
        crate::run(
            Command::new("go")
                .args(["build", "-o"])
                .arg(&bin)
                .arg(".")
                .current_dir(&src)
                .env("GOPATH", "/usr/share/gocode")
                .env("GO111MODULE", "off")
                .env("GOCACHE", root().join("target/xtask/gocache")),
        )?;
    }
    let port = free_port()?;
    let group = Group::spawn(
        Command::new(&bin)
            .arg("-addr")
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(&src),
        &root().join("target/xtask/gorilla-chat.log"),
    )?;
    wait_port(port, Duration::from_secs(10), "gorilla's chat")?;
    Ok(Program {
        _group: group,
        port,
    })
}

/// Action Cable with the async adapter under puma (tests/peers/cable).
/// On `port`, or a free one.
pub fn action_cable(port: Option<u16>) -> Result<Program> {
    let port = match port {
        Some(port) => port,
        None => free_port()?,
    };
    let group = Group::spawn(
        Command::new("puma")
            .args(["-b", &format!("tcp://127.0.0.1:{port}"), "-t", "1:4"])
            .arg("config.ru")
            .current_dir(root().join("tests/peers/cable")),
        &root().join("target/xtask/action-cable.log"),
    )?;
    wait_port(port, Duration::from_secs(30), "Action Cable (puma)")?;
    Ok(Program {
        _group: group,
        port,
    })
}
