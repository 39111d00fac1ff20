//! A TCP proxy on loopback that breaks connections the way networks do: `cut`
//! ends every connection without a close frame (an outage as a browser sees
//! it) and refuses new ones until `restore`; `stall` freezes the connections
//! open now (bytes stop flowing, nothing is closed: a dead NAT entry or a
//! pulled cable) while new ones work, until `release` drops the frozen ones.

use crate::Result;
use std::{
    io::{Read, Write},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    thread,
    time::Duration,
};

pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Connections accepted before this generation are frozen...
    stalled_before: Arc<AtomicU64>,
    /// ...and before this one, gone.
    dead_before: Arc<AtomicU64>,
    /// Open connections: (generation, stream).
    live: Arc<Mutex<Vec<(u64, TcpStream)>>>,
}

impl Proxy {
    /// Forwards a free loopback port to `upstream` (e.g. `127.0.0.1:8080`).
    pub fn start(upstream: &str) -> Result<Proxy> {
        let upstream: SocketAddr = upstream.parse()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let up = Arc::new(AtomicBool::new(true));
        let stalled_before = Arc::new(AtomicU64::new(0));
        let dead_before = Arc::new(AtomicU64::new(0));
        let live: Arc<Mutex<Vec<(u64, TcpStream)>>> = Arc::default();
        let (up2, live2) = (up.clone(), live.clone());
        let marks = (stalled_before.clone(), dead_before.clone());
        thread::spawn(move || {
            for (generation, client) in (1u64..).zip(listener.incoming().flatten()) {
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let pipes = (client.try_clone(), server.try_clone());
                let (Ok(client2), Ok(server2)) = pipes else {
                    continue;
                };
                if let Ok(mut live) = live2.lock() {
                    live.extend(client.try_clone().map(|s| (generation, s)));
                    live.extend(server.try_clone().map(|s| (generation, s)));
                }
                pump(client, server2, generation, marks.clone());
                pump(server, client2, generation, marks.clone());
            }
        });
        Ok(Proxy {
            port,
            up,
            stalled_before,
            dead_before,
            live,
        })
    }

    /// Cuts every connection (no close frame) and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.dead_before.store(self.newest() + 1, Ordering::SeqCst);
        self.drop_where(|_| true);
    }

    fn newest(&self) -> u64 {
        self.live
            .lock()
            .map(|l| l.iter().map(|(g, _)| *g).max().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// Freezes every connection open now; later ones flow.
    pub fn stall(&self) {
        self.stalled_before
            .store(self.newest() + 1, Ordering::SeqCst);
    }

    /// Drops the frozen connections (as the far end finally would).
    pub fn release(&self) {
        let before = self.stalled_before.load(Ordering::SeqCst);
        self.dead_before.fetch_max(before, Ordering::SeqCst);
        self.drop_where(|g| g < before);
    }

    fn drop_where(&self, which: impl Fn(u64) -> bool) {
        if let Ok(mut live) = self.live.lock() {
            live.retain(|(g, stream)| {
                if which(*g) {
                    let _ = stream.shutdown(Shutdown::Both);
                    false
                } else {
                    true
                }
            });
        }
    }
}

/// Copies `from` to `to` until either ends; holds the bytes (without closing)
/// while this connection's generation is stalled, until it is dropped.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    generation: u64,
    (stalled_before, dead_before): (Arc<AtomicU64>, Arc<AtomicU64>),
) {
    thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        let dead = || generation < dead_before.load(Ordering::SeqCst);
        while let Ok(n @ 1..) = from.read(&mut buf) {
            while generation < stalled_before.load(Ordering::SeqCst) && !dead() {
                thread::sleep(Duration::from_millis(50));
            }
            if dead() || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}
