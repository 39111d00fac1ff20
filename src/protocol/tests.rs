//! Each dialect against frames recorded from the real servers of PEERS.md.

use super::*;

fn text(s: &str) -> Frame {
    Frame::Text(s.into())
}

fn one(dialect: Dialect, frame: Frame) -> Incoming {
    let mut all = decode(dialect, socketio::DEFAULT_EVENT, frame);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn line(text: &str) -> Incoming {
    Incoming::Message {
        id: None,
        seq: 0,
        from: None,
        text: text.into(),
        ts: None,
    }
}

#[test]
fn dialect_parse_accepts_known_and_explains_unknown() {
    assert_eq!(Dialect::parse(""), Some(Dialect::Auto));
    assert_eq!(Dialect::parse("JSON"), Some(Dialect::Json));
    assert_eq!(Dialect::parse(" text "), Some(Dialect::Text));
    assert_eq!(Dialect::parse("socket.io"), Some(Dialect::SocketIo));
    assert_eq!(Dialect::parse("MQTT"), Some(Dialect::Mqtt));
    assert_eq!(Dialect::parse("xml"), None);
    let err = crate::config::parse_dialect("xml").unwrap_err().to_string();
    assert!(err.contains("xml") && err.contains("actioncable"), "{err}");
    for d in Dialect::ALL {
        assert_eq!(Dialect::parse(d.as_str()), Some(d));
    }
    assert_eq!(Dialect::Auto.url("ws://h/x"), "ws://h/x");
    assert_eq!(
        Dialect::SocketIo.url("ws://h:3"),
        "ws://h:3/socket.io/?EIO=4&transport=websocket"
    );
}

#[test]
fn ws_broadcast_example_binary_utf8_is_text() {
    assert_eq!(one(Dialect::Auto, text("something")), line("something"));
    assert_eq!(
        one(Dialect::Auto, Frame::Binary(b"hello \xe2\x9c\x93".to_vec())),
        line("hello \u{2713}")
    );
}

#[test]
fn invalid_utf8_and_empty_frames() {
    let bytes = vec![0xff, 0xfe, 0x00, 0x41];
    assert_eq!(
        one(Dialect::Auto, Frame::Binary(bytes.clone())),
        Incoming::Binary(bytes.clone())
    );
    assert_eq!(
        one(Dialect::SocketIo, Frame::Binary(bytes.clone())),
        Incoming::Binary(bytes)
    );
    assert_eq!(one(Dialect::Auto, Frame::Binary(vec![])), line(""));
    assert_eq!(one(Dialect::Auto, text("")), line(""));
    assert_eq!(one(Dialect::Text, text("")), line(""));
}

#[test]
fn json_greeting_that_is_not_chat_is_pretty_json() {
    match one(Dialect::Auto, text(r#"{"attribute":"connected"}"#)) {
        Incoming::Json(pretty) => {
            assert!(pretty.contains("\"attribute\": \"connected\""), "{pretty}")
        }
        other => panic!("expected json, got {other:?}"),
    }
    assert!(matches!(
        one(Dialect::Auto, text("[1,2]")),
        Incoming::Json(_)
    ));
    // Broken JSON and bare numbers are text.
    assert_eq!(one(Dialect::Auto, text("{not json")), line("{not json"));
    assert_eq!(one(Dialect::Auto, text("42")), line("42"));
}

#[test]
fn generic_json_chat_objects_are_messages() {
    assert_eq!(
        one(
            Dialect::Auto,
            text(r#"{"username":"kim","msg":"hey","time":1700000000}"#)
        ),
        Incoming::Message {
            id: None,
            seq: 0,
            from: Some("kim".into()),
            text: "hey".into(),
            ts: Some(1_700_000_000_000)
        }
    );
    assert!(matches!(
        one(Dialect::Json, text(r#"{"text":"t"}"#)),
        Incoming::Message { .. }
    ));
}

#[test]
fn plain_text_servers_lines_show_as_they_are() {
    for recorded in [
        "user1 comes in",
        "user1 says: hi",
        "Hello Client, you connected to /room",
        "Pong: hi",
    ] {
        assert_eq!(one(Dialect::Auto, text(recorded)), line(recorded));
    }
}

#[test]
fn envelope_frames_decode_to_room_events() {
    let f = text(r#"{"type":"message","id":"c1","seq":9,"from":"bob","text":"yo","ts":7}"#);
    let expected = Incoming::Message {
        id: Some("c1".into()),
        seq: 9,
        from: Some("bob".into()),
        text: "yo".into(),
        ts: Some(7),
    };
    assert_eq!(one(Dialect::Auto, f.clone()), expected);
    assert_eq!(one(Dialect::Json, f.clone()), expected);
    // Forced text never interprets JSON.
    assert!(matches!(
        one(Dialect::Text, f),
        Incoming::Message { from: None, .. }
    ));
    assert_eq!(
        one(
            Dialect::Auto,
            text(r#"{"type":"welcome","server":"roomcast-server","version":1,"users":["a"]}"#)
        ),
        Incoming::Welcome {
            server: "roomcast-server".into(),
            users: vec!["a".into()],
            heartbeat_ms: None,
            rate: None,
        }
    );
    assert_eq!(
        one(Dialect::Auto, text(r#"{"type":"ping"}"#)),
        Incoming::Ping
    );
}

#[test]
fn socketio_chat_session_as_recorded() {
    let d = Dialect::SocketIo;
    assert_eq!(
        one(
            d,
            text(
                r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            )
        ),
        Incoming::EngineOpen {
            ping_interval_ms: 25_000,
            ping_timeout_ms: 20_000
        }
    );
    assert_eq!(
        one(d, text(r#"40{"sid":"tUaH0T0A2M0T5xRwAAAD"}"#)),
        Incoming::NamespaceJoined
    );
    // The session answers pings itself (see socketio::tests).
    assert!(decode(d, "chat message", text("2")).is_empty());
    assert_eq!(
        one(d, text(r#"42["chat message","hi there"]"#)),
        line("hi there")
    );
    assert!(decode(d, "chat message", text("3")).is_empty());
    // Another event name is shown readably; a chosen event name is the chat.
    assert_eq!(
        one(d, text(r#"42["typing",{"who":"ann"}]"#)),
        Incoming::Event {
            name: "typing".into(),
            args: r#"{"who":"ann"}"#.into()
        }
    );
    assert_eq!(
        decode(d, "typing", text(r#"42["typing","x"]"#)),
        vec![line("x")]
    );
    assert!(matches!(one(d, text("41")), Incoming::ServerClosed(_)));
    assert!(
        decode(d, "chat message", text("1")).is_empty(),
        "close: the close event explains"
    );
    assert!(
        matches!(one(d, text(r#"42["chat mess"#)), Incoming::Notice(n) if n.starts_with("socket.io:"))
    );
}

#[test]
fn encoding_follows_the_wire() {
    assert_eq!(encode_hello(Wire::Text, "a", None), None);
    assert_eq!(encode_hello(Wire::Session, "a", Some(1)), None);
    assert_eq!(
        encode_hello(Wire::Envelope, "a", None),
        Some(text(r#"{"type":"hello","name":"a"}"#))
    );
    assert_eq!(
        encode_hello(Wire::Envelope, "a", Some(5)),
        Some(text(r#"{"type":"hello","name":"a","since":5}"#))
    );
    assert_eq!(encode_message(Wire::Text, "ev", "c1", "hi"), text("hi"));
    assert_eq!(
        encode_message(Wire::Envelope, "ev", "c1", "hi"),
        text(r#"{"type":"message","id":"c1","text":"hi"}"#)
    );
    assert_eq!(
        encode_message(Wire::Session, "chat message", "c1", "hi"),
        text(r#"42["chat message","hi"]"#)
    );
    assert_eq!(encode_pong(Dialect::Auto), text(r#"{"type":"pong"}"#));
    assert_eq!(encode_pong(Dialect::SocketIo), text("3"));
}
