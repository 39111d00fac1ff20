//! A TCP proxy on loopback that can cut every connection without a close
//! frame (a network outage as a browser sees it) and refuse new ones until
//! it is restored.

use crate::Result;
use std::{
    io::copy,
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    thread,
};

pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Forwards a free loopback port to `upstream` (e.g. `127.0.0.1:8080`).
    pub fn start(upstream: &str) -> Result<Proxy> {
        let upstream: SocketAddr = upstream.parse()?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let up = Arc::new(AtomicBool::new(true));
        let live: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (up2, live2) = (up.clone(), live.clone());
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
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
                    live.extend(client.try_clone());
                    live.extend(server.try_clone());
                }
                pump(client, server2);
                pump(server, client2);
            }
        });
        Ok(Proxy { port, up, live })
    }

    /// Cuts every connection (no close frame) and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        if let Ok(mut live) = self.live.lock() {
            for stream in live.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` until either ends.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    thread::spawn(move || {
        let _ = copy(&mut from, &mut to);
        let _ = to.shutdown(Shutdown::Both);
    });
}
