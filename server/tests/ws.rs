//! The reference server against real WebSocket clients on loopback.

use futures_util::{SinkExt, StreamExt};
use roomcast::protocol::envelope::{ClientFrame, ServerFrame};
use std::{net::SocketAddr, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{protocol::frame::coding::CloseCode, Message},
};

mod common;
use common::*;

async fn connect(server: &Server) -> Ws {
    connect_addr(&server.addr.to_string()).await
}

async fn join(server: &Server, name: &str) -> Ws {
    let mut ws = connect(server).await;
    match hello(&mut ws, name).await {
        ServerFrame::Joined {
            name: granted,
            users,
            ..
        } => {
            assert_eq!(granted, name);
            assert!(users.contains(&granted), "{users:?}");
        }
        other => panic!("expected joined, got {other:?}"),
    }
    // Everyone, the joiner included, then hears the new presence list
    // (a heartbeat may come first).
    let presence = loop {
        match envelope(&mut ws).await {
            ServerFrame::Ping => continue,
            other => break other,
        }
    };
    assert!(
        matches!(presence, ServerFrame::Presence { users } if users.contains(&name.to_string()))
    );
    ws
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn envelope_clients_chat_with_ids_senders_presence_and_leave() {
    let server = start().await;
    let mut alice = join(&server, "alice").await;
    let mut bob = join(&server, "bob").await;
    // bob's own join is not echoed to him; alice sees it and the new presence.
    assert!(matches!(envelope(&mut alice).await, ServerFrame::Join { name, .. } if name == "bob"));
    assert_eq!(
        envelope(&mut alice).await,
        ServerFrame::Presence {
            users: names(&["alice", "bob"])
        }
    );
    say(&mut alice, "c-1", "hello bob").await;
    for ws in [&mut alice, &mut bob] {
        match envelope(ws).await {
            ServerFrame::Message {
                id, from, text, ts, ..
            } => {
                assert_eq!(id.as_deref(), Some("c-1"));
                assert_eq!((from.as_str(), text.as_str()), ("alice", "hello bob"));
                assert!(ts > 1_600_000_000_000, "ts is epoch ms: {ts}");
            }
            other => panic!("expected the message, got {other:?}"),
        }
    }
    drop(bob);
    assert!(matches!(envelope(&mut alice).await, ServerFrame::Leave { name, .. } if name == "bob"));
    assert_eq!(
        envelope(&mut alice).await,
        ServerFrame::Presence {
            users: names(&["alice"])
        }
    );
}

#[tokio::test]
async fn plain_text_clients_get_plain_text_and_are_relayed_as_guests() {
    let server = start().await;
    let mut named = join(&server, "ann").await;
    let mut plain = connect(&server).await;
    plain
        .send(Message::Text("hi from plain".into()))
        .await
        .unwrap();
    // The plain sender hears its own line back verbatim, like any broadcast server.
    assert_eq!(text(&mut plain).await, "hi from plain");
    match envelope(&mut named).await {
        ServerFrame::Message { id, from, text, .. } => {
            assert_eq!(id, None);
            assert!(from.starts_with("guest-"), "{from}");
            assert_eq!(text, "hi from plain");
        }
        other => panic!("expected the relayed line, got {other:?}"),
    }
    say(&mut named, "c-2", "hello plain").await;
    assert_eq!(text(&mut plain).await, "ann: hello plain");
    // JSON that is not the envelope is relayed as text too.
    plain
        .send(Message::Text(r#"{"attribute":"x"}"#.into()))
        .await
        .unwrap();
    assert_eq!(text(&mut plain).await, r#"{"attribute":"x"}"#);
}

#[tokio::test]
async fn binary_frames_are_relayed_to_everyone() {
    let server = start().await;
    let mut a = connect(&server).await;
    let mut b = connect(&server).await;
    a.send(Message::Binary(vec![0, 159, 146, 150].into()))
        .await
        .unwrap();
    for ws in [&mut a, &mut b] {
        assert_eq!(
            data(ws).await,
            Message::Binary(vec![0, 159, 146, 150].into())
        );
    }
}

#[tokio::test]
async fn names_are_checked_and_made_unique_and_hello_comes_first() {
    let server = start().await;
    let _alice = join(&server, "alice").await;
    let mut other = connect(&server).await;
    say(&mut other, "c", "too early").await;
    assert!(
        matches!(envelope(&mut other).await, ServerFrame::Error { code, .. } if code == "not_joined")
    );
    assert!(
        matches!(hello(&mut other, " ").await, ServerFrame::Error { code, .. } if code == "bad_name")
    );
    assert!(
        matches!(hello(&mut other, "alice").await, ServerFrame::Joined { name, .. } if name == "alice2")
    );
    assert!(
        matches!(envelope(&mut other).await, ServerFrame::Presence { users } if users == names(&["alice", "alice2"]))
    );
    assert!(
        matches!(hello(&mut other, "x").await, ServerFrame::Error { code, .. } if code == "already_joined")
    );
}

#[tokio::test]
async fn oversized_frames_close_with_1009() {
    let server = start().await;
    let mut ws = connect(&server).await;
    let big = "x".repeat(roomcast_server::DEFAULT_MAX_MESSAGE_BYTES + 1);
    ws.send(Message::Text(big.into())).await.unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("no close in 5 s")
        {
            Some(Ok(Message::Close(Some(close)))) => {
                assert_eq!(close.code, CloseCode::Size);
                assert!(close.reason.contains("over the limit"), "{}", close.reason);
                break;
            }
            Some(Ok(_)) => continue,
            other => panic!("expected close 1009, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn shutdown_closes_every_client_with_1001_and_returns() {
    let server = start().await;
    let mut a = join(&server, "a").await;
    let mut b = connect(&server).await;
    server.stop.send(()).unwrap();
    for ws in [&mut a, &mut b] {
        loop {
            match next(ws).await {
                Message::Close(Some(close)) => {
                    assert_eq!(close.code, CloseCode::Away);
                    assert_eq!(close.reason, "server shutting down");
                    break;
                }
                Message::Close(None) => panic!("close without a code"),
                _ => continue,
            }
        }
    }
    tokio::time::timeout(Duration::from_secs(5), server.task)
        .await
        .expect("serve did not return after shutdown")
        .unwrap()
        .unwrap();
}

async fn get(addr: SocketAddr, path: &str) -> String {
    get_with(addr, path, "").await
}

/// `GET path` with `headers` (each ending in CRLF), the response lowercased.
async fn get_with(addr: SocketAddr, path: &str, headers: &str) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.unwrap();
    response.to_ascii_lowercase()
}

#[tokio::test]
async fn serves_the_client_with_wasm_mime_precompressed_copies_and_an_index_fallback() {
    let server = start().await;
    let wasm = get(server.addr, "/app_bg.wasm").await;
    assert!(wasm.starts_with("http/1.1 200"), "{wasm}");
    assert!(wasm.contains("content-type: application/wasm"), "{wasm}");
    assert!(
        !wasm.contains("content-encoding") && !wasm.contains("brotli copy"),
        "{wasm}"
    );
    // A browser that accepts brotli gets the copy beside it, still as wasm.
    let br = get_with(server.addr, "/app_bg.wasm", "Accept-Encoding: gzip, br\r\n").await;
    assert!(
        br.contains("content-encoding: br")
            && br.contains("content-type: application/wasm")
            && br.ends_with("brotli copy"),
        "{br}"
    );
    for path in ["/", "/?server=ws://x&name=y", "/some/deep/link"] {
        let page = get(server.addr, path).await;
        assert!(
            page.starts_with("http/1.1 200") && page.contains("<title>roomcast</title>"),
            "{path}: {page}"
        );
    }
    assert!(get(server.addr, "/healthz").await.ends_with("ok"));
}

#[tokio::test]
async fn heartbeat_is_announced_and_sent_to_envelope_clients_only() {
    let server = start_with(Duration::from_millis(100)).await;
    let (mut plain, _) = connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    assert!(matches!(
        envelope(&mut plain).await,
        ServerFrame::Welcome {
            heartbeat_ms: Some(100),
            ..
        }
    ));
    let mut named = join(&server, "pinged").await;
    let started = std::time::Instant::now();
    assert_eq!(envelope(&mut named).await, ServerFrame::Ping);
    assert!(started.elapsed() < Duration::from_millis(1000));
    send(&mut named, ClientFrame::Pong).await; // accepted silently
    assert_eq!(envelope(&mut named).await, ServerFrame::Ping);
    assert_eq!(text(&mut plain).await, "pinged joined");
    // Then only WebSocket-level pings: no `ping` text, no relayed pong.
    let until = tokio::time::Instant::now() + Duration::from_millis(350);
    let mut pings = 0;
    while let Ok(frame) = tokio::time::timeout_at(until, plain.next()).await {
        match frame {
            Some(Ok(Message::Ping(_))) => pings += 1,
            other => panic!("plain client got {other:?}"),
        }
    }
    assert!(
        pings >= 2,
        "WebSocket pings keep even plain clients checked ({pings})"
    );
}

#[tokio::test]
async fn a_resent_id_is_confirmed_to_its_sender_and_not_broadcast_again() {
    let server = start().await;
    let mut alice = join(&server, "alice").await;
    let mut bob = join(&server, "bob").await;
    let _ = envelope(&mut alice).await; // bob's join
    let _ = envelope(&mut alice).await; // presence
    let mut plain = connect(&server).await;
    for _ in 0..2 {
        say(&mut alice, "r-1", "once").await;
    }
    say(&mut alice, "r-2", "after").await;
    let first = envelope(&mut alice).await;
    assert!(matches!(&first, ServerFrame::Message { id: Some(id), .. } if id == "r-1"));
    assert_eq!(
        envelope(&mut alice).await,
        first,
        "the resend is confirmed with the original"
    );
    assert!(
        matches!(envelope(&mut alice).await, ServerFrame::Message { id: Some(id), .. } if id == "r-2")
    );
    // Everyone else gets r-1 once, then r-2.
    for expected in ["r-1", "r-2"] {
        assert!(
            matches!(envelope(&mut bob).await, ServerFrame::Message { id: Some(id), .. } if id == expected)
        );
    }
    assert_eq!(text(&mut plain).await, "alice: once");
    assert_eq!(text(&mut plain).await, "alice: after");
}

fn history_of(frame: ServerFrame) -> Vec<(Option<String>, String, String)> {
    match frame {
        ServerFrame::Joined { history, .. } => history
            .into_iter()
            .map(|f| match f {
                ServerFrame::Message { id, from, text, .. } => (id, from, text),
                other => panic!("history holds only messages: {other:?}"),
            })
            .collect(),
        other => panic!("expected joined, got {other:?}"),
    }
}

#[tokio::test]
async fn joining_clients_get_the_recent_history_in_order_and_bounded() {
    let server = start_settings(|s| s.history = 3).await;
    let mut alice = join(&server, "alice").await;
    let mut plain = connect(&server).await;
    for i in 1..=3 {
        say(&mut alice, &format!("h-{i}"), &format!("line {i}")).await;
    }
    for i in 1..=3 {
        assert_eq!(text(&mut plain).await, format!("alice: line {i}"));
    }
    plain
        .send(Message::Text("plain line".into()))
        .await
        .unwrap();
    assert_eq!(text(&mut plain).await, "plain line");
    let mut late = connect(&server).await;
    let history = history_of(hello(&mut late, "late").await);
    let texts: Vec<&str> = history.iter().map(|h| h.2.as_str()).collect();
    assert_eq!(
        texts,
        ["line 2", "line 3", "plain line"],
        "the last 3, oldest first"
    );
    assert_eq!(history[0].0.as_deref(), Some("h-2"));
    assert!(history[2].1.starts_with("guest-"));
}

#[tokio::test]
async fn history_file_survives_a_restart_and_keeps_resends_idempotent() {
    let file = std::env::temp_dir().join(format!("roomcast-history-{}.jsonl", rand_suffix()));
    let path = file.clone();
    let first = start_settings(move |s| s.history_file = Some(path)).await;
    let mut alice = join(&first, "alice").await;
    say(&mut alice, "keep-1", "before the restart").await;
    assert!(matches!(
        envelope(&mut alice).await,
        ServerFrame::Message { .. }
    ));
    first.stop.send(()).unwrap();
    first.task.await.unwrap().unwrap();

    let path = file.clone();
    let second = start_settings(move |s| s.history_file = Some(path)).await;
    let mut bob = connect(&second).await;
    let history = history_of(hello(&mut bob, "bob").await);
    assert_eq!(
        history,
        vec![(
            Some("keep-1".into()),
            "alice".into(),
            "before the restart".into()
        )]
    );
    let _ = envelope(&mut bob).await; // presence

    // alice lost the echo and resends after the restart: confirmed to her, not rebroadcast.
    let mut alice = join(&second, "alice").await;
    let _ = envelope(&mut bob).await; // alice's join
    let _ = envelope(&mut bob).await; // presence
    say(&mut alice, "keep-1", "before the restart").await;
    assert!(
        matches!(envelope(&mut alice).await, ServerFrame::Message { id: Some(id), .. } if id == "keep-1")
    );
    say(&mut alice, "keep-2", "next").await;
    assert!(
        matches!(envelope(&mut bob).await, ServerFrame::Message { id: Some(id), .. } if id == "keep-2")
    );
    let _ = std::fs::remove_file(file);
}

#[tokio::test]
async fn a_returning_client_gets_exactly_what_it_missed() {
    let server = start().await;
    let mut alice = join(&server, "alice").await;
    let mut bob = connect(&server).await;
    assert!(hello_since(&mut bob, "bob", None).await.is_empty());
    let _ = envelope(&mut alice).await; // bob's join
    let _ = envelope(&mut alice).await; // presence
    let _ = envelope(&mut bob).await; // presence
    say(&mut alice, "m1", "one").await;
    say(&mut alice, "m2", "two").await;
    let mut last = 0;
    for _ in 0..2 {
        let frame = envelope(&mut bob).await;
        assert!(seq(&frame) > last, "seq increases");
        last = seq(&frame);
    }
    drop(bob);
    for (id, text) in [("m3", "three"), ("m4", "four"), ("m5", "five")] {
        say(&mut alice, id, text).await;
    }
    // Wait until alice has seen all three broadcast.
    let mut seen = 0;
    while seen < 3 {
        if matches!(envelope(&mut alice).await, ServerFrame::Message { .. }) {
            seen += 1;
        }
    }
    let mut back = connect(&server).await;
    let missed = hello_since(&mut back, "bob", Some(last)).await;
    let ids: Vec<_> = missed
        .iter()
        .map(|f| match f {
            ServerFrame::Message { id, .. } => id.clone().unwrap_or_default(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(ids, ["m3", "m4", "m5"], "exactly the gap, in order");
    // A `since` from another clock (newer than anything here) gets everything.
    let mut other = connect(&server).await;
    assert_eq!(
        hello_since(&mut other, "carol", Some(u64::MAX)).await.len(),
        5
    );
}

#[tokio::test]
async fn the_rate_limit_refuses_excess_messages_by_id_and_relays_the_rest() {
    let server = start_settings(|s| {
        s.rate_burst = 3;
        s.rate_per_sec = 0.5;
    })
    .await;
    let mut alice = join(&server, "alice").await; // hello took one token
    for i in 1..=4 {
        say(&mut alice, &format!("r{i}"), "fast").await;
    }
    let mut broadcast = Vec::new();
    let mut refused = Vec::new();
    while broadcast.len() + refused.len() < 4 {
        match envelope(&mut alice).await {
            ServerFrame::Message { id: Some(id), .. } => broadcast.push(id),
            ServerFrame::Error {
                code,
                id: Some(id),
                message,
            } => {
                assert_eq!(code, "rate_limited");
                assert!(message.contains("slow down"), "{message}");
                refused.push(id);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(broadcast, ["r1", "r2"]);
    assert_eq!(refused, ["r3", "r4"]);
}

#[tokio::test]
async fn connections_beyond_the_maximum_are_closed_with_1013() {
    let server = start_settings(|s| s.max_connections = 2).await;
    let _a = connect(&server).await;
    let _b = connect(&server).await;
    let (mut c, _) = connect_async(format!("ws://{}/ws", server.addr))
        .await
        .unwrap();
    match next(&mut c).await {
        Message::Close(Some(close)) => {
            assert_eq!(u16::from(close.code), 1013);
            assert!(close.reason.contains("server full"), "{}", close.reason);
        }
        other => panic!("expected close 1013, got {other:?}"),
    }
}

#[tokio::test]
async fn only_allowed_origins_may_connect() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = start_settings(|s| s.allowed_origins = vec!["https://chat.example".into()]).await;
    let with_origin = |origin: &str| {
        let mut request = format!("ws://{}/ws", server.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        request
    };
    let refused = connect_async(with_origin("https://evil.example")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {other:?}"),
    }
    assert!(connect_async(with_origin("https://chat.example"))
        .await
        .is_ok());
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let server = start_settings(|s| {
        s.heartbeat = Duration::from_millis(100);
        s.idle_timeout = Duration::from_millis(300);
    })
    .await;
    let mut ws = connect(&server).await;
    // Not reading means not answering pings: the client is silent.
    tokio::time::sleep(Duration::from_millis(700)).await;
    loop {
        match next(&mut ws).await {
            Message::Close(Some(close)) => {
                assert_eq!(u16::from(close.code), roomcast_server::CLOSE_IDLE);
                assert!(close.reason.contains("idle"), "{}", close.reason);
                break;
            }
            Message::Ping(_) => continue,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn typing_goes_to_the_others_only() {
    let server = start().await;
    let mut alice = join(&server, "alice").await;
    let mut bob = join(&server, "bob").await;
    // alice sees bob's join and the presence; then bob says he is typing.
    envelope(&mut alice).await;
    envelope(&mut alice).await;
    send(&mut bob, ClientFrame::Typing).await;
    assert_eq!(
        envelope(&mut alice).await,
        ServerFrame::Typing { name: "bob".into() }
    );
    // bob does not hear about himself: his next frame is alice's message.
    say(&mut alice, "a-1", "after the typing").await;
    assert!(
        matches!(envelope(&mut bob).await, ServerFrame::Message { text, .. } if text == "after the typing")
    );
}
