//! `cargo xtask load`: the reference server under load, on loopback, bounded.
//!
//! 1. Broadcast: 1,000 clients in one room; 100 of them send one message a
//!    second each (100 messages/s, so 100,000 deliveries/s) for 30 s. Every
//!    message must reach every client; prints counts and delivery latency.
//!    Then the same 1,000 clients and 100 senders spread over 10 rooms
//!    (`/ws` and `/ws/load-1` … `/ws/load-9`): every message reaches its
//!    room's 100 clients and no one else.
//! 2. Idle: 10,000 connections held at once; prints the server's memory per
//!    connection.

use crate::stats::percentile;
use crate::{cargo, root, run, server::Server, tools::step, Result};
use futures_util::{SinkExt, StreamExt};
use roomcast::protocol::envelope::ClientFrame;
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use tokio_tungstenite::{connect_async, tungstenite::Message};

const CLIENTS: usize = 1000;
const SENDERS: usize = 100;
const SECONDS: u64 = 30;
const IDLE: usize = 10_000;

/// The server's resident memory in KiB (Linux /proc).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

pub fn load() -> Result<()> {
    step("building the reference server (release)");
    run(cargo().args(["build", "--quiet", "--release", "-p", "roomcast-server"]))?;
    let bin = root().join("target/release/roomcast-server");
    let log = root().join("target/xtask/load-server.log");
    std::fs::create_dir_all(root().join("target/xtask"))?;
    let server = Server::start(
        &bin,
        &[
            "--history",
            "0",
            "--max-connections",
            "20000",
            "--rate",
            "50",
            "--burst",
            "100",
            "--idle-timeout-secs",
            "600",
        ],
        &log,
    )?;
    let pid = server.pid().ok_or("no server pid")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        broadcast(&server.addr, pid, 1).await?;
        broadcast(&server.addr, pid, 10).await?;
        idle(&server.addr, pid).await
    })
}

/// The path of room `r` of the load check (room 0 is the default room).
fn room_path(r: usize) -> String {
    if r == 0 {
        "/ws".into()
    } else {
        format!("/ws/load-{r}")
    }
}

async fn broadcast(addr: &str, pid: u32, rooms: usize) -> Result<()> {
    step(&format!(
        "broadcast: {CLIENTS} clients in {rooms} room(s), {SENDERS} senders at 1 message/s each, {SECONDS} s"
    ));
    let base = Instant::now();
    let delivered = Arc::new(AtomicU64::new(0));
    let crossed = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut writers = Vec::new();
    let mut readers = Vec::new();
    for i in 0..CLIENTS {
        let room = i % rooms;
        let (ws, _) = connect_async(format!("ws://{addr}{}", room_path(room))).await?;
        let (mut write, mut read) = ws.split();
        let hello = ClientFrame::Hello {
            name: format!("load-{i}"),
            since: None,
        };
        write.send(Message::Text(hello.to_json().into())).await?;
        let (delivered, crossed, mut stopped) =
            (delivered.clone(), crossed.clone(), stopped.clone());
        readers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let frame = tokio::select! {
                    frame = read.next() => frame,
                    _ = stopped.changed() => break,
                };
                let Some(Ok(frame)) = frame else { break };
                if let Message::Text(t) = frame {
                    // Only our own load lines: "text":"L<sent µs>R<room>".
                    if let Some(rest) = t.as_str().split("\"text\":\"L").nth(1) {
                        let body = rest.split('"').next().unwrap_or_default();
                        let (sent, from) = body.split_once('R').unwrap_or((body, ""));
                        let sent: u64 = sent.parse().unwrap_or(0);
                        if from.parse::<usize>().ok() != Some(room) {
                            crossed.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        let now = base.elapsed().as_micros() as u64;
                        mine.push(now.saturating_sub(sent).min(u64::from(u32::MAX)) as u32);
                        delivered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            mine
        }));
        writers.push(write);
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // joins and presence settle
    let rss_joined = rss_kib(pid);
    let sent = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::new();
    for (i, mut write) in writers.drain(..SENDERS).enumerate() {
        let sent = sent.clone();
        let room = i % rooms;
        senders.push(tokio::spawn(async move {
            let start = tokio::time::Instant::now() + Duration::from_millis(10 * i as u64);
            let mut tick = tokio::time::interval_at(start, Duration::from_secs(1));
            for k in 0..SECONDS {
                tick.tick().await;
                let text = format!("L{}R{room}", base.elapsed().as_micros());
                let frame = ClientFrame::Message {
                    id: format!("s{i}-{k}"),
                    text,
                };
                if write
                    .send(Message::Text(frame.to_json().into()))
                    .await
                    .is_ok()
                {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            write
        }));
    }
    let mut keep = Vec::new();
    for s in senders {
        keep.push(s.await?);
    }
    // Let the last deliveries arrive.
    // Each message reaches the clients of its room.
    let expected = sent.load(Ordering::Relaxed) * (CLIENTS / rooms) as u64;
    let deadline = Instant::now() + Duration::from_secs(20);
    while delivered.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    let got = delivered.load(Ordering::Relaxed);
    let mut lat = Vec::with_capacity(got as usize);
    for r in readers {
        lat.extend(r.await?);
    }
    drop(keep);
    drop(writers);
    lat.sort_unstable();
    let crossed = crossed.load(Ordering::Relaxed);
    println!(
        "broadcast ({rooms} room(s)): {} messages sent, {} of {} deliveries ({} missing, {crossed} in the wrong room), {:.0} deliveries/s; \
         latency p50 {:.1} ms, p99 {:.1} ms (sampled {}); server RSS with {CLIENTS} clients {} MiB",
        sent.load(Ordering::Relaxed),
        got,
        expected,
        expected.saturating_sub(got),
        got as f64 / SECONDS as f64,
        percentile(&lat, 0.5) / 1000.0,
        percentile(&lat, 0.99) / 1000.0,
        lat.len(),
        rss_joined / 1024,
    );
    if got < expected {
        return Err(format!("{} deliveries missing", expected - got).into());
    }
    if crossed > 0 {
        return Err(format!("{crossed} lines reached another room").into());
    }
    Ok(())
}

async fn idle(addr: &str, pid: u32) -> Result<()> {
    tokio::time::sleep(Duration::from_secs(2)).await; // the broadcast clients are gone
    step(&format!("idle: {IDLE} connections held at once"));
    let before = rss_kib(pid);
    let mut held = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        let (ws, _) = connect_async(format!("ws://{addr}/ws")).await?;
        held.push(ws);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid);
    // Every connection is still open: each gets a frame when one client speaks.
    println!(
        "idle: {} connections open; server RSS {} MiB before, {} MiB with them: {:.1} KiB per connection",
        held.len(),
        before / 1024,
        after / 1024,
        after.saturating_sub(before) as f64 / IDLE as f64
    );
    Ok(())
}
