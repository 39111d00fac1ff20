//! A misbehaving WebSocket server for the end-to-end hostile-input test. The
//! first connection gets a burst of 10,000 frames, then the whole hostile
//! corpus of `roomcast::protocol::hostile` (giant frames included), pings for
//! three seconds, and finally a text frame that is not UTF-8, which makes the
//! browser fail the connection. Every later connection gets one ordinary line.

use crate::Result;
use futures_util::SinkExt;
use roomcast::protocol::{hostile, Frame};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::{
    protocol::frame::{
        coding::{Data, OpCode},
        Frame as RawFrame,
    },
    Message,
};

/// Frames of the 10,000-frame burst.
pub const BURST: usize = 10_000;
/// What every connection after the first receives.
pub const LAST_LINE: &str = "last ordinary line";

pub struct HostileServer {
    pub port: u16,
    /// Frames sent so far, over all connections.
    pub sent: Arc<AtomicUsize>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl HostileServer {
    pub fn start() -> Result<HostileServer> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let port = std_listener.local_addr()?.port();
        let sent = Arc::new(AtomicUsize::new(0));
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let counter = sent.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("listener");
                let connections = Arc::new(AtomicUsize::new(0));
                tokio::select! {
                    _ = stop => {}
                    _ = async {
                        while let Ok((tcp, _)) = listener.accept().await {
                            let nth = connections.fetch_add(1, Ordering::SeqCst);
                            tokio::spawn(serve(tcp, nth, counter.clone()));
                        }
                    } => {}
                }
            });
        });
        Ok(HostileServer {
            port,
            sent,
            shutdown: Some(shutdown),
        })
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(tcp: tokio::net::TcpStream, nth: usize, sent: Arc<AtomicUsize>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
        return;
    };
    let send = |m: Message| {
        sent.fetch_add(1, Ordering::Relaxed);
        m
    };
    if nth > 0 {
        let _ = ws.send(send(Message::text(LAST_LINE))).await;
        // Stay open until the page goes.
        let _ = futures_util::StreamExt::next(&mut ws).await;
        return;
    }
    for i in 1..=BURST {
        if ws
            .feed(send(Message::text(format!("burst {i}"))))
            .await
            .is_err()
        {
            return;
        }
    }
    for (_, frame) in hostile::corpus(true) {
        let message = match frame {
            Frame::Text(t) => Message::text(t),
            Frame::Binary(b) => Message::binary(b),
        };
        if let Err(e) = ws.feed(send(message)).await {
            eprintln!("    hostile server: sending the corpus failed: {e}");
            return;
        }
    }
    // Chrome discards frames still queued when it fails a connection, so let
    // the page take in the giants first (pinging, as a live server would).
    for _ in 0..15 {
        if ws
            .send(send(Message::text(r#"{"type":"ping"}"#)))
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let bad = RawFrame::message(
        hostile::INVALID_UTF8.to_vec(),
        OpCode::Data(Data::Text),
        true,
    );
    let _ = ws.feed(send(Message::Frame(bad))).await;
    let _ = ws.flush().await;
    // The browser fails the connection now; wait for it to go.
    while let Some(Ok(_)) = futures_util::StreamExt::next(&mut ws).await {}
}
