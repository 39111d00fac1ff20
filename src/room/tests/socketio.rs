//! The room over socket.io sessions: both Engine.IO versions, acks, files.

use super::*;

const OPEN_V3: &str = r#"0{"sid":"b","upgrades":[],"pingInterval":1000,"pingTimeout":1000}"#;
const OPEN_V4: &str =
    r#"0{"sid":"a","upgrades":[],"pingInterval":1000,"pingTimeout":1000,"maxPayload":100}"#;

fn sio(server: &str) -> Room {
    let mut room = Room::new(1);
    room.handle(
        Input::Connect(Config::new(server, "a", Dialect::SocketIo)),
        0,
    );
    room.handle(opened(), 0);
    room
}

#[test]
fn socketio_2_is_pinged_by_the_client_and_dead_after_interval_plus_timeout() {
    let mut room = sio("ws://h");
    let fx = room.handle(text(OPEN_V3), 0);
    assert!(sent_frames(&fx).is_empty());
    assert_eq!(
        started(&fx, Timer::Dialect),
        Some(crate::protocol::socketio::VERSION_WAIT_MS)
    );
    room.handle(text("40"), 10);
    assert!(matches!(room.conn(), Conn::Open(Wire::Session)));
    let fx = room.handle(Input::Timer(Timer::Dialect), 1010);
    assert_eq!(sent_frames(&fx), ["2"]);
    room.handle(text("3"), 1020);
    // Quiet but answered: alive at 1.9 s after the last pong.
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 1020 + 1900);
    assert!(!fx.contains(&Effect::Close));
    // Nothing for longer than interval + timeout: dead.
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 1020 + 2100);
    assert!(fx.contains(&Effect::Close));
}

#[test]
fn an_ack_delivers_and_the_broadcast_of_it_is_not_a_second_line() {
    let mut room = sio("ws://h/chat");
    let fx = room.handle(text(OPEN_V4), 0);
    assert_eq!(sent_frames(&fx), ["40/chat,"]);
    room.handle(text(r#"40/chat,{"sid":"x"}"#), 1);
    let fx = compose(&mut room, "c1", "hi");
    assert_eq!(sent_frames(&fx), [r#"42/chat,0["chat message","hi"]"#]);
    room.handle(text("43/chat,0[]"), 5);
    assert_eq!(deliveries(&room), [("hi".into(), Delivery::Delivered)]);
    room.handle(text(r#"42/chat,["chat message","hi"]"#), 6);
    let his = room.lines().iter().filter(|l| l.text == "hi").count();
    assert_eq!(his, 1, "{:?}", room.lines());
    // Echo first, then the ack: nothing more is waited for, so the same
    // bytes or words from someone else right after are their own line.
    compose(&mut room, "c2", "again");
    room.handle(text(r#"42/chat,["chat message","again"]"#), 8);
    room.handle(text("43/chat,1[]"), 9);
    room.handle(text(r#"42/chat,["chat message","again"]"#), 10);
    assert_eq!(room.lines().iter().filter(|l| l.text == "again").count(), 2);
    // Someone else saying the same later is a line of its own.
    room.handle(text(r#"42/chat,["chat message","hi"]"#), 7);
    assert_eq!(room.lines().iter().filter(|l| l.text == "hi").count(), 2);
}

#[test]
fn files_go_as_attachments_and_their_echo_delivers_them() {
    let png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 7];
    let mut room = sio("ws://h");
    room.handle(text(OPEN_V4), 0);
    room.handle(text("40"), 1);
    let fx = room.handle(
        Input::ComposeFile {
            client_id: "f1".into(),
            name: "dot.png".into(),
            bytes: png.clone(),
        },
        2,
    );
    let frames: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Transmit { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(frames.len(), 2, "{fx:?}");
    assert_eq!(frames[1], Frame::Binary(png.clone()));
    room.handle(
        text(r#"451-["chat message",{"_placeholder":true,"num":0}]"#),
        3,
    );
    room.handle(Input::Frame(Frame::Binary(png)), 4);
    assert_eq!(deliveries(&room), [("dot.png".into(), Delivery::Delivered)]);
    assert!(
        !room
            .lines()
            .iter()
            .any(|l| matches!(l.kind, Kind::Image { .. })),
        "the echo is not a second image"
    );
}

#[test]
fn a_refused_websocket_falls_back_to_long_polling_at_once() {
    let mut room = Room::new(1);
    room.handle(
        Input::Connect(Config::new("ws://h:3/chat", "a", Dialect::SocketIo)),
        0,
    );
    let fx = close(&mut room, 1006, 10);
    assert!(
        fx.contains(&Effect::OpenPolling {
            url: "http://h:3/socket.io/?EIO=4&transport=polling&b64=1".into(),
            eio: crate::protocol::socketio::Eio::V4
        }),
        "{fx:?}"
    );
    assert!(started(&fx, Timer::Reconnect).is_none(), "no wait");
    assert!(room.lines()[0].text.contains("long-polling"));
    room.handle(opened(), 20);
    room.handle(text(OPEN_V4), 21);
    room.handle(text(r#"40/chat,{"sid":"x"}"#), 22);
    assert!(room.status_text(22).contains("Connected"));
    assert!(room.status_text(22).contains("long-polling"));
    // Polling refused too: explained with what the HTTP answer said, then
    // retried with the usual waits (still polling).
    let fx = room.handle(
        Input::Closed {
            code: 1006,
            reason: "long-polling: the server answered HTTP 400: bad".into(),
            clean: false,
        },
        30,
    );
    assert!(started(&fx, Timer::Reconnect).is_some());
    assert!(room.lines().last().unwrap().text.contains("HTTP 400"));
    let fx = room.handle(Input::Timer(Timer::Reconnect), 5_000);
    assert!(fx.iter().any(|e| matches!(e, Effect::OpenPolling { .. })));
    // A new connect by the user tries the WebSocket again.
    let fx = room.handle(
        Input::Connect(Config::new("ws://h:3/chat", "a", Dialect::SocketIo)),
        6_000,
    );
    assert!(fx.iter().any(|e| matches!(e, Effect::Open { .. })));
}

#[test]
fn socketio_handshake_joins_the_namespace_then_flushes_and_answers_pings() {
    let mut room = Room::new(1);
    let mut cfg = Config::new("ws://h:3000", "alice", Dialect::SocketIo);
    cfg.subprotocols = vec!["chat".into()];
    let fx = room.handle(Input::Connect(cfg), 0);
    assert!(fx.contains(&Effect::Open {
        url: "ws://h:3000/socket.io/?EIO=4&transport=websocket".into(),
        protocols: vec!["chat".into()],
    }));
    compose(&mut room, "c1", "queued early");
    let fx = room.handle(
        Input::Opened {
            protocol: "chat".into(),
            extensions: "permessage-deflate".into(),
        },
        0,
    );
    assert!(
        !fx.contains(&Effect::CancelTimer(Timer::ConnectTimeout)),
        "handshake not done yet"
    );
    assert_eq!(room.negotiated(), Some(("chat", "permessage-deflate")));
    let fx = room.handle(
        text(r#"0{"sid":"s","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1}"#),
        0,
    );
    assert_eq!(sent_frames(&fx), vec!["40".to_string()]);
    assert!(!room.status_text(0).contains("Connected"));
    let fx = room.handle(text(r#"40{"sid":"n"}"#), 0);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"420["chat message","queued early"]"#.to_string()]
    );
    assert_eq!(started(&fx, Timer::Heartbeat), Some(250));
    assert!(room.status_text(0).contains("Connected"));
    // The chat event from the server echoes our line (io.emit includes the sender).
    room.handle(text(r#"42["chat message","queued early"]"#), 0);
    assert_eq!(
        deliveries(&room),
        vec![("queued early".into(), Delivery::Delivered)]
    );
    assert_eq!(
        sent_frames(&room.handle(text("2"), 100)),
        vec!["3".to_string()]
    );
    // No ping for longer than pingInterval + pingTimeout (at least 1 s): dead.
    assert!(!room
        .handle(Input::Timer(Timer::Heartbeat), 100 + 501)
        .contains(&Effect::Close));
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 100 + 1001);
    assert!(fx.contains(&Effect::Close));
    assert!(room.lines().last().unwrap().text.contains("No heartbeat"));
}

#[test]
fn socketio_handshake_that_never_completes_times_out() {
    let mut room = Room::new(1);
    room.handle(
        Input::Connect(Config::new("ws://h", "a", Dialect::SocketIo)),
        0,
    );
    room.handle(opened(), 0);
    room.handle(text(r#"0{"pingInterval":25000,"pingTimeout":20000}"#), 0);
    let fx = room.handle(Input::Timer(Timer::ConnectTimeout), 10_000);
    assert!(fx.contains(&Effect::Close) && started(&fx, Timer::Reconnect).is_some());
}

#[test]
fn socketio_server_disconnect_is_not_retried_and_other_events_show() {
    let mut room = Room::new(1);
    room.handle(
        Input::Connect(Config::new("ws://h", "a", Dialect::SocketIo)),
        0,
    );
    room.handle(opened(), 0);
    room.handle(text("40"), 0);
    room.handle(text(r#"42["news",{"title":"x"}]"#), 0);
    assert_eq!(room.lines().last().unwrap().kind, Kind::System(Level::Info));
    assert!(room
        .lines()
        .last()
        .unwrap()
        .text
        .starts_with("event \u{201c}news\u{201d}"));
    let fx = room.handle(text("41"), 0);
    assert!(fx.contains(&Effect::Close));
    assert!(started(&fx, Timer::Reconnect).is_none());
    assert!(room.status_text(0).starts_with("Disconnected"));
}
