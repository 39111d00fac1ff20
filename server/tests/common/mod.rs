//! WebSocket client helpers shared by the server's integration tests.
#![allow(dead_code)]

use futures_util::{SinkExt, StreamExt};
use roomcast::protocol::envelope::{ClientFrame, ServerFrame};
use std::{net::SocketAddr, time::Duration};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::oneshot,
    task::JoinHandle,
};
use tokio_tungstenite::{connect_async, tungstenite::Message, MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to `ws://{addr}/ws` and checks the first frame is `welcome`.
pub async fn connect_addr(addr: &str) -> Ws {
    connect_path(addr, "/ws").await
}

/// Connects to `ws://{addr}{path}` and checks the first frame is `welcome`.
pub async fn connect_path(addr: &str, path: &str) -> Ws {
    let (mut ws, _) = connect_async(format!("ws://{addr}{path}")).await.unwrap();
    let first = envelope(&mut ws).await;
    assert!(
        matches!(first, ServerFrame::Welcome { version: 1, .. }),
        "{first:?}"
    );
    ws
}

pub async fn next(ws: &mut Ws) -> Message {
    tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .expect("no frame within 5 s")
        .expect("stream ended")
        .expect("websocket error")
}

/// The next data frame, skipping ping/pong.
pub async fn data(ws: &mut Ws) -> Message {
    loop {
        match next(ws).await {
            Message::Ping(_) | Message::Pong(_) => continue,
            other => return other,
        }
    }
}

pub async fn envelope(ws: &mut Ws) -> ServerFrame {
    match data(ws).await {
        Message::Text(t) => serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}")),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

pub async fn text(ws: &mut Ws) -> String {
    match data(ws).await {
        Message::Text(t) => t.to_string(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

pub async fn send(ws: &mut Ws, frame: ClientFrame) {
    ws.send(Message::Text(frame.to_json().into()))
        .await
        .unwrap();
}

/// Sends a chat message with `id`.
pub async fn say(ws: &mut Ws, id: &str, text: &str) {
    send(
        ws,
        ClientFrame::Message {
            id: id.into(),
            text: text.into(),
        },
    )
    .await;
}

pub async fn hello(ws: &mut Ws, name: &str) -> ServerFrame {
    send(
        ws,
        ClientFrame::Hello {
            name: name.into(),
            since: None,
        },
    )
    .await;
    envelope(ws).await
}

/// Says hello (resuming after `since`, if given); returns who is here and the history.
pub async fn joined(
    ws: &mut Ws,
    name: &str,
    since: Option<u64>,
) -> (Vec<String>, Vec<ServerFrame>) {
    send(
        ws,
        ClientFrame::Hello {
            name: name.into(),
            since,
        },
    )
    .await;
    // Until the server has read the hello, this is a plain-text client: a
    // join in the room (through Redis, at any moment) reaches it as the plain
    // notice "NAME joined". Only those are passed over.
    let reply = loop {
        match data(ws).await {
            Message::Text(t) if t.ends_with(" joined") && !t.starts_with('{') => continue,
            Message::Text(t) => {
                break serde_json::from_str::<ServerFrame>(&t)
                    .unwrap_or_else(|e| panic!("{e}: {t}"))
            }
            other => panic!("expected a text frame, got {other:?}"),
        }
    };
    match reply {
        ServerFrame::Joined { users, history, .. } => (users, history),
        other => panic!("expected joined, got {other:?}"),
    }
}

pub async fn hello_since(ws: &mut Ws, name: &str, since: Option<u64>) -> Vec<ServerFrame> {
    joined(ws, name, since).await.1
}

pub fn seq(frame: &ServerFrame) -> u64 {
    match frame {
        ServerFrame::Message { seq, .. } => *seq,
        other => panic!("not a message: {other:?}"),
    }
}

/// A reference server on a free loopback port, stopped by `stop`.
pub struct Server {
    pub addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: JoinHandle<std::io::Result<()>>,
}

pub async fn start() -> Server {
    start_with(Duration::from_secs(15)).await
}

pub async fn start_with(heartbeat: Duration) -> Server {
    start_settings(|s| s.heartbeat = heartbeat).await
}

pub async fn start_settings(change: impl FnOnce(&mut roomcast_server::Settings)) -> Server {
    let dist = std::env::temp_dir().join(format!(
        "roomcast-dist-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Roomcast</title>",
    )
    .unwrap();
    std::fs::write(dist.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    // A brotli copy beside it, as the release build writes (not real brotli:
    // the test reads which file was sent).
    std::fs::write(dist.join("app_bg.wasm.br"), b"brotli copy").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = oneshot::channel::<()>();
    let mut settings = roomcast_server::Settings::new(dist);
    change(&mut settings);
    let task = tokio::spawn(roomcast_server::serve(listener, settings, async {
        let _ = rx.await;
    }));
    Server { addr, stop, task }
}

pub fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}
