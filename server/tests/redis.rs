//! Two real `roomcast-server` processes sharing a real `redis-server` form one
//! room: chat across them, shared history, resume and presence.

mod common;

use common::*;
use roomcast::protocol::envelope::ServerFrame;
use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn redis() -> (Proc, String) {
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is needed for this test (Debian: apt-get install redis-server)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Proc(child), format!("redis://127.0.0.1:{port}"))
}

/// A roomcast-server process on a free port using `redis`; returns its address.
fn server(redis: &str) -> (Proc, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roomcast-server"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--dist",
            "/nonexistent",
            "--redis",
            redis,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    (Proc(child), addr)
}

/// The next `message` frame (skipping presence, join, leave, ping).
async fn message(ws: &mut Ws) -> ServerFrame {
    loop {
        let frame = envelope(ws).await;
        if matches!(frame, ServerFrame::Message { .. }) {
            return frame;
        }
    }
}

fn text_of(frame: &ServerFrame) -> &str {
    match frame {
        ServerFrame::Message { text, .. } => text,
        _ => "",
    }
}

#[tokio::test]
async fn two_servers_on_one_redis_are_one_room() {
    let (_redis, url) = redis();
    let (_a, addr_a) = server(&url);
    let (_b, addr_b) = server(&url);

    let mut alice = connect_addr(&addr_a).await;
    let (users, _) = joined(&mut alice, "alice", None).await;
    assert_eq!(users, ["alice"]);
    let mut bob = connect_addr(&addr_b).await;
    let (users, _) = joined(&mut bob, "bob", None).await;
    assert_eq!(users, ["alice", "bob"], "presence counts both servers");
    // A name taken on the other server is taken here too.
    let mut other = connect_addr(&addr_b).await;
    let (users, _) = joined(&mut other, "alice", None).await;
    assert!(users.contains(&"alice2".to_string()), "{users:?}");
    drop(other);

    say(&mut alice, "a-1", "from server A").await;
    assert_eq!(text_of(&message(&mut bob).await), "from server A");
    assert_eq!(text_of(&message(&mut alice).await), "from server A");
    say(&mut bob, "b-1", "from server B").await;
    let last = message(&mut alice).await;
    assert_eq!(text_of(&last), "from server B");
    assert_eq!(text_of(&message(&mut bob).await), "from server B");

    // Shared history: a newcomer on A sees both lines, in order.
    let mut carol = connect_addr(&addr_a).await;
    let (_, history) = joined(&mut carol, "carol", None).await;
    let texts: Vec<&str> = history.iter().map(text_of).collect();
    assert_eq!(texts, ["from server A", "from server B"]);

    // Resume across servers: bob leaves B, misses two lines, comes back on A.
    let since = match last {
        ServerFrame::Message { seq, .. } => seq,
        _ => unreachable!(),
    };
    drop(bob);
    say(&mut alice, "a-2", "missed 1").await;
    say(&mut alice, "a-3", "missed 2").await;
    assert_eq!(text_of(&message(&mut carol).await), "missed 1");
    assert_eq!(text_of(&message(&mut carol).await), "missed 2");
    let mut bob = connect_addr(&addr_a).await;
    let (_, missed) = joined(&mut bob, "bob", Some(since)).await;
    let texts: Vec<&str> = missed.iter().map(text_of).collect();
    assert_eq!(texts, ["missed 1", "missed 2"], "exactly the gap");

    // A resend of an id another server broadcast is confirmed, not repeated.
    let mut resender = connect_addr(&addr_b).await;
    joined(&mut resender, "dave", None).await;
    say(&mut resender, "a-1", "from server A").await;
    assert!(
        matches!(message(&mut resender).await, ServerFrame::Message { id: Some(id), .. } if id == "a-1")
    );
    say(&mut alice, "a-4", "after the resend").await;
    assert_eq!(
        text_of(&message(&mut carol).await),
        "after the resend",
        "carol never saw a-1 twice"
    );

    // Room `lab` across both servers: its own channel, history and presence.
    let mut erin = connect_path(&addr_a, "/ws/lab").await;
    let (users, history) = joined(&mut erin, "erin", None).await;
    assert_eq!(
        (users.as_slice(), history.len()),
        (&["erin".to_string()][..], 0)
    );
    let mut finn = connect_path(&addr_b, "/ws/lab").await;
    let (users, _) = joined(&mut finn, "finn", None).await;
    assert_eq!(
        users,
        ["erin", "finn"],
        "the lab's presence spans both servers"
    );
    say(&mut erin, "lab-1", "in the lab").await;
    assert_eq!(text_of(&message(&mut finn).await), "in the lab");
    say(&mut alice, "a-5", "in the lobby").await;
    assert_eq!(text_of(&message(&mut carol).await), "in the lobby");
    say(&mut finn, "lab-2", "lab again").await;
    assert_eq!(
        text_of(&message(&mut erin).await),
        "in the lab",
        "erin's own line first"
    );
    assert_eq!(
        text_of(&message(&mut erin).await),
        "lab again",
        "the lobby's line never reached the lab"
    );
}
