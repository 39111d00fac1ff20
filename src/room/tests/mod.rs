use super::*;
use crate::config::Config;

const WELCOME: &str =
    r#"{"type":"welcome","server":"roomcast-server","version":1,"users":["bob"]}"#;
const WELCOME_HB: &str =
    r#"{"type":"welcome","server":"roomcast-server","version":1,"users":[],"heartbeat_ms":1000}"#;
const SERVER: &str = "ws://h/ws";

fn text(s: &str) -> Input {
    Input::Frame(Frame::Text(s.into()))
}

fn compose(room: &mut Room, id: &str, text: &str) -> Vec<Effect> {
    room.handle(
        Input::Compose {
            client_id: id.into(),
            text: text.into(),
        },
        1,
    )
}

fn sent_frames(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Transmit {
                frame: Frame::Text(t),
                ..
            } => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn started(fx: &[Effect], timer: Timer) -> Option<u32> {
    fx.iter().find_map(|e| match e {
        Effect::StartTimer { timer: t, ms } if *t == timer => Some(*ms),
        _ => None,
    })
}

fn deliveries(room: &Room) -> Vec<(String, Delivery)> {
    room.lines()
        .iter()
        .filter_map(|l| match &l.kind {
            Kind::Own { delivery, .. } => Some((l.text.clone(), delivery.clone())),
            _ => None,
        })
        .collect()
}

fn config(dialect: Dialect) -> Config {
    Config::new(SERVER, "alice", dialect)
}

fn connect(dialect: Dialect) -> (Room, Vec<Effect>) {
    let mut room = Room::new(1);
    let fx = room.handle(Input::Connect(config(dialect)), 0);
    (room, fx)
}

fn opened() -> Input {
    Input::Opened {
        protocol: String::new(),
        extensions: String::new(),
    }
}

fn open(dialect: Dialect) -> Room {
    let (mut room, _) = connect(dialect);
    room.handle(opened(), 0);
    room
}

fn opens(fx: &[Effect], url: &str) -> bool {
    fx.iter()
        .any(|e| matches!(e, Effect::Open { url: u, .. } if u == url))
}

fn close(room: &mut Room, code: u16, now: u64) -> Vec<Effect> {
    room.handle(
        Input::Closed {
            code,
            reason: String::new(),
            clean: false,
        },
        now,
    )
}

#[test]
fn connect_opens_the_socket_with_a_handshake_timeout() {
    let (room, fx) = connect(Dialect::Auto);
    assert!(opens(&fx, SERVER));
    assert_eq!(
        started(&fx, Timer::ConnectTimeout),
        Some(CONNECT_TIMEOUT_MS)
    );
    assert_eq!(room.status_text(0), "Connecting to ws://h/ws\u{2026}");
}

#[test]
fn auto_queues_until_welcome_then_says_hello_before_the_queue_in_order() {
    let (mut room, _) = connect(Dialect::Auto);
    assert!(sent_frames(&compose(&mut room, "c1", "one")).is_empty());
    assert!(sent_frames(&compose(&mut room, "c2", "two")).is_empty());
    let fx = room.handle(opened(), 0);
    assert_eq!(started(&fx, Timer::Probe), Some(PROBE_MS));
    assert!(fx.contains(&Effect::CancelTimer(Timer::ConnectTimeout)));
    assert!(!room.status_text(0).contains("Connected"));
    let fx = room.handle(text(WELCOME), 0);
    assert_eq!(
        sent_frames(&fx),
        vec![
            r#"{"type":"hello","name":"alice"}"#.to_string(),
            r#"{"type":"message","id":"c1","text":"one"}"#.to_string(),
            r#"{"type":"message","id":"c2","text":"two"}"#.to_string(),
        ]
    );
    assert!(fx.contains(&Effect::SaveOutbox));
    assert_eq!(room.conn(), &Conn::Open(Wire::Envelope));
    assert_eq!(room.users(), ["bob".to_string()]);
    // A late probe timeout changes nothing and sends nothing again.
    assert!(room.handle(Input::Timer(Timer::Probe), 0).is_empty());
}

#[test]
fn auto_settles_on_text_when_the_server_says_nothing() {
    let (mut room, _) = connect(Dialect::Auto);
    compose(&mut room, "c1", "queued");
    room.handle(opened(), 0);
    let fx = room.handle(Input::Timer(Timer::Probe), 0);
    assert_eq!(sent_frames(&fx), vec!["queued".to_string()]);
    assert_eq!(room.status_text(0), "Connected to ws://h/ws");
}

#[test]
fn auto_settles_on_text_at_a_plain_greeting_and_keeps_the_line() {
    let mut room = open(Dialect::Auto);
    room.handle(text("Hello Client, you connected to /room"), 5);
    assert_eq!(room.conn(), &Conn::Open(Wire::Text));
    assert_eq!(room.lines().len(), 1);
    assert_eq!(room.lines()[0].kind, Kind::Peer { from: None });
}

#[test]
fn a_late_welcome_switches_to_the_envelope_and_says_hello() {
    let mut room = open(Dialect::Auto);
    room.handle(Input::Timer(Timer::Probe), 0);
    let fx = room.handle(text(WELCOME), 0);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"hello","name":"alice"}"#.to_string()]
    );
    assert_eq!(room.conn(), &Conn::Open(Wire::Envelope));
}

#[test]
fn own_echo_by_id_is_one_delivered_line_and_peer_repeats_are_dropped() {
    let (mut room, _) = connect(Dialect::Json);
    let fx = room.handle(opened(), 0);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"hello","name":"alice"}"#.to_string()]
    );
    room.handle(
        text(r#"{"type":"joined","name":"alice","users":["alice"]}"#),
        0,
    );
    assert_eq!(room.status_text(0), "Connected to ws://h/ws as alice");
    let fx = compose(&mut room, "c9", "hi");
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"c9","text":"hi"}"#.to_string()]
    );
    assert_eq!(deliveries(&room), vec![("hi".into(), Delivery::Sent)]);
    let echo = r#"{"type":"message","id":"c9","from":"alice","text":"hi","ts":42}"#;
    room.handle(text(echo), 0);
    room.handle(text(echo), 0); // a resent copy changes nothing
    assert_eq!(deliveries(&room), vec![("hi".into(), Delivery::Delivered)]);
    let own: Vec<_> = room.lines().iter().filter(|l| l.text == "hi").collect();
    assert_eq!((own.len(), own[0].ts), (1, 42));
    assert_eq!(room.outstanding(), 0);
    // Another client's line with the same text is a separate line, shown once.
    let peer = r#"{"type":"message","id":"x1","from":"bob","text":"hi","ts":43}"#;
    room.handle(text(peer), 0);
    room.handle(text(peer), 0);
    let peers: Vec<_> = room
        .lines()
        .iter()
        .filter(|l| matches!(l.kind, Kind::Peer { .. }))
        .collect();
    assert_eq!(peers.len(), 1);
    assert_eq!(
        peers[0].kind,
        Kind::Peer {
            from: Some("bob".into())
        }
    );
}

#[test]
fn plain_echo_is_matched_by_text_once() {
    let mut room = open(Dialect::Text);
    compose(&mut room, "c1", "same");
    compose(&mut room, "c2", "same");
    // The ws broadcast example echoes as a binary frame.
    room.handle(Input::Frame(Frame::Binary(b"same".to_vec())), 0);
    assert_eq!(
        deliveries(&room),
        vec![
            ("same".into(), Delivery::Delivered),
            ("same".into(), Delivery::Sent)
        ]
    );
    room.handle(text("same"), 0);
    room.handle(text("same"), 0);
    // Two echoes matched, the third is someone else saying the same thing.
    assert_eq!(room.lines().len(), 3);
    assert_eq!(room.lines()[2].kind, Kind::Peer { from: None });
}

#[test]
fn a_drop_explains_requeues_and_schedules_a_jittered_retry() {
    let mut room = open(Dialect::Json);
    compose(&mut room, "c1", "unconfirmed");
    let fx = room.handle(
        Input::Closed {
            code: 1001,
            reason: "restart".into(),
            clean: true,
        },
        1_000,
    );
    let last = room.lines().last().unwrap();
    assert_eq!(last.kind, Kind::System(Level::Error));
    assert!(last.text.contains("going away") && last.text.contains("restart"));
    // With ids, an unconfirmed message goes out again (same id) after the next hello.
    assert_eq!(
        deliveries(&room),
        vec![("unconfirmed".into(), Delivery::Queued)]
    );
    assert!(fx.contains(&Effect::SaveOutbox));
    let delay = started(&fx, Timer::Reconnect).expect("a retry is planned");
    assert!((100..=500).contains(&delay), "{delay}");
    assert!(room
        .status_text(1_000)
        .starts_with("Reconnecting in 1 s (retry 1)"));
    compose(&mut room, "c2", "typed while down");
    let fx = room.handle(Input::Timer(Timer::Reconnect), 2_000);
    assert!(opens(&fx, SERVER));
    assert_eq!(
        room.status_text(2_000),
        "Reconnecting to ws://h/ws\u{2026} (retry 1)"
    );
    let fx = room.handle(opened(), 2_100);
    assert_eq!(
        sent_frames(&fx),
        vec![
            r#"{"type":"hello","name":"alice"}"#.to_string(),
            r#"{"type":"message","id":"c1","text":"unconfirmed"}"#.to_string(),
            r#"{"type":"message","id":"c2","text":"typed while down"}"#.to_string(),
        ]
    );
}

#[test]
fn retries_grow_and_an_outage_is_explained_once() {
    let (mut room, _) = connect(Dialect::Auto);
    let mut ceilings = Vec::new();
    let mut now = 0;
    for _ in 0..6 {
        ceilings.push(room.backoff.ceiling());
        let fx = close(&mut room, 1006, now);
        let delay = started(&fx, Timer::Reconnect).unwrap();
        assert!(delay <= *ceilings.last().unwrap());
        now += u64::from(delay);
        room.handle(Input::Timer(Timer::Reconnect), now);
    }
    assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 16000]);
    let errors = room
        .lines()
        .iter()
        .filter(|l| l.kind == Kind::System(Level::Error))
        .count();
    assert_eq!(errors, 1, "{:?}", room.lines());
    assert!(room.lines()[0].text.contains("never opened"));
}

#[test]
fn a_connection_that_stayed_up_resets_the_backoff() {
    let (mut room, _) = connect(Dialect::Text);
    for _ in 0..4 {
        close(&mut room, 1006, 0);
        room.handle(Input::Timer(Timer::Reconnect), 0);
    }
    room.handle(opened(), 0);
    close(&mut room, 1006, 1_000); // up 1 s: not stable
    assert_eq!(room.backoff.attempt(), 5);
    room.handle(Input::Timer(Timer::Reconnect), 1_000);
    room.handle(opened(), 1_000);
    close(&mut room, 1006, 1_000 + STABLE_MS);
    assert_eq!(room.backoff.attempt(), 1, "reset, then one attempt planned");
}

#[test]
fn handshake_timeout_closes_and_retries() {
    let (mut room, _) = connect(Dialect::Auto);
    let fx = room.handle(
        Input::Timer(Timer::ConnectTimeout),
        CONNECT_TIMEOUT_MS.into(),
    );
    assert!(fx.contains(&Effect::Close));
    assert!(started(&fx, Timer::Reconnect).is_some());
    assert!(room.lines()[0].text.contains("handshake"));
}

#[test]
fn disconnect_stops_everything_and_late_events_do_not_restart() {
    let (mut room, _) = connect(Dialect::Auto);
    close(&mut room, 1006, 0);
    let fx = room.handle(Input::Disconnect, 0);
    assert!(fx.contains(&Effect::Close) && fx.contains(&Effect::CancelTimer(Timer::Reconnect)));
    assert_eq!(room.status_text(0), "Disconnected");
    for late in [
        Input::Timer(Timer::Reconnect),
        Input::Online,
        Input::Closed {
            code: 1006,
            reason: String::new(),
            clean: false,
        },
        Input::Timer(Timer::ConnectTimeout),
    ] {
        let fx = room.handle(late, 5);
        assert!(
            !fx.iter()
                .any(|e| matches!(e, Effect::Open { .. } | Effect::StartTimer { .. })),
            "{fx:?}"
        );
    }
    assert_eq!(room.status_text(5), "Disconnected");
    // Reconnect now / Connect bring it back.
    assert!(opens(&room.handle(Input::ReconnectNow, 6), SERVER));
}

#[test]
fn policy_close_is_not_retried() {
    let mut room = open(Dialect::Text);
    let fx = close(&mut room, 1008, 0);
    assert!(started(&fx, Timer::Reconnect).is_none());
    assert_eq!(room.status_text(0), "Disconnected (code 1008)");
}

#[test]
fn offline_waits_and_online_reconnects_at_once() {
    let (mut room, _) = connect(Dialect::Auto);
    close(&mut room, 1006, 0);
    let fx = room.handle(Input::Offline, 0);
    assert!(fx.contains(&Effect::CancelTimer(Timer::Reconnect)));
    assert_eq!(room.conn(), &Conn::Offline);
    assert!(room.handle(Input::Timer(Timer::Reconnect), 0).is_empty());
    let fx = room.handle(Input::Online, 0);
    assert!(opens(&fx, SERVER));
    assert_eq!(room.backoff.attempt(), 0);
    // While open, going offline leaves the socket to the heartbeat.
    room.handle(opened(), 0);
    room.handle(Input::Timer(Timer::Probe), 0);
    assert!(room.handle(Input::Offline, 0).is_empty());
}

#[test]
fn silence_past_the_heartbeat_means_dead() {
    let (mut room, _) = connect(Dialect::Auto);
    room.handle(opened(), 0);
    let fx = room.handle(text(WELCOME_HB), 0);
    assert_eq!(started(&fx, Timer::Heartbeat), Some(1000));
    let fx = room.handle(text(r#"{"type":"ping"}"#), 900);
    assert_eq!(sent_frames(&fx), vec![r#"{"type":"pong"}"#.to_string()]);
    // Heard from 1.1 s ago: fine, check again later.
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 2_000);
    assert_eq!(started(&fx, Timer::Heartbeat), Some(1000));
    // Silent for 3.1 s > 2 × 1 s + 1 s: dead.
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 4_000);
    assert!(fx.contains(&Effect::Close));
    assert!(started(&fx, Timer::Reconnect).is_some());
    assert!(room.lines().last().unwrap().text.contains("No heartbeat"));
}

#[test]
fn plain_servers_that_echo_get_unconfirmed_lines_marked_failed_on_a_drop() {
    let mut room = open(Dialect::Text);
    compose(&mut room, "c1", "echoed");
    room.handle(text("echoed"), 0);
    compose(&mut room, "c2", "lost in flight");
    close(&mut room, 1006, 0);
    match &deliveries(&room)[1].1 {
        Delivery::Failed(why) => assert!(why.contains("before the server echoed")),
        other => panic!("{other:?}"),
    }
    // On a server that never echoes, "sent" is all we can say.
    let mut quiet = open(Dialect::Text);
    compose(&mut quiet, "c1", "x");
    close(&mut quiet, 1006, 0);
    assert_eq!(deliveries(&quiet)[0].1, Delivery::Sent);
}

#[test]
fn too_big_fails_the_largest_unconfirmed_message() {
    let mut room = open(Dialect::Json);
    compose(&mut room, "c1", "small");
    compose(&mut room, "c2", &"x".repeat(100));
    close(&mut room, 1009, 0);
    let d = deliveries(&room);
    assert_eq!(d[0].1, Delivery::Queued);
    assert!(matches!(&d[1].1, Delivery::Failed(why) if why.contains("1009")));
}

#[test]
fn failed_send_can_be_retried_or_discarded() {
    let mut room = open(Dialect::Text);
    compose(&mut room, "c1", "a");
    compose(&mut room, "c2", "b");
    for id in ["c1", "c2"] {
        room.handle(
            Input::SendFailed {
                client_id: id.into(),
                reason: "socket closed".into(),
            },
            0,
        );
    }
    assert_eq!(
        deliveries(&room)[0].1,
        Delivery::Failed("socket closed".into())
    );
    let fx = room.handle(
        Input::Retry {
            client_id: "c1".into(),
        },
        0,
    );
    assert_eq!(sent_frames(&fx), vec!["a".to_string()]);
    // Retrying what is not failed does nothing.
    assert!(room
        .handle(
            Input::Retry {
                client_id: "c1".into()
            },
            0
        )
        .is_empty());
    let fx = room.handle(
        Input::Discard {
            client_id: "c2".into(),
        },
        0,
    );
    assert_eq!(fx, vec![Effect::SaveOutbox]);
    assert_eq!(deliveries(&room), vec![("a".into(), Delivery::Sent)]);
    assert_eq!(room.outstanding(), 1);
}

#[test]
fn the_outbox_survives_a_reload_in_order_and_is_sent_once() {
    let (mut first, _) = connect(Dialect::Json);
    compose(&mut first, "c1", "one");
    compose(&mut first, "c2", "two");
    first.handle(
        Input::SendFailed {
            client_id: "c2".into(),
            reason: "x".into(),
        },
        0,
    );
    let saved = first.unsent();
    assert_eq!(
        saved.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        ["c1", "c2"]
    );
    let json = serde_json::to_string(&saved).unwrap();

    let mut second = Room::new(2);
    second.handle(
        Input::Restore(Unsent::list_from_value(
            &serde_json::from_str(&json).unwrap(),
        )),
        10,
    );
    second.handle(
        Input::Restore(Unsent::list_from_value(
            &serde_json::from_str(&json).unwrap(),
        )),
        10,
    ); // idempotent
    assert_eq!(
        deliveries(&second),
        vec![
            ("one".into(), Delivery::Queued),
            ("two".into(), Delivery::Failed("x".into()))
        ]
    );
    second.handle(Input::Connect(config(Dialect::Json)), 10);
    let fx = second.handle(opened(), 10);
    assert_eq!(
        sent_frames(&fx),
        vec![
            r#"{"type":"hello","name":"alice"}"#.to_string(),
            r#"{"type":"message","id":"c1","text":"one"}"#.to_string(),
        ]
    );
}

#[test]
fn never_opened_connection_says_why() {
    let (mut room, _) = connect(Dialect::Auto);
    close(&mut room, 1006, 0);
    assert!(room.lines()[0].text.contains("never opened"));
    // A second close event for the same socket adds nothing.
    close(&mut room, 1006, 0);
    assert_eq!(room.lines().len(), 1);
}

#[test]
fn presence_join_leave_and_server_errors_show() {
    let mut room = open(Dialect::Json);
    room.handle(
        text(r#"{"type":"joined","name":"alice2","users":["alice","alice2"]}"#),
        0,
    );
    assert_eq!(room.me(), Some("alice2"));
    assert!(room.lines()[0].text.contains("was taken"));
    room.handle(text(r#"{"type":"join","name":"carol","ts":1}"#), 0);
    room.handle(
        text(r#"{"type":"presence","users":["alice","alice2","carol"]}"#),
        0,
    );
    room.handle(text(r#"{"type":"leave","name":"carol","ts":2}"#), 0);
    room.handle(
        text(r#"{"type":"error","code":"bad_request","message":"nope"}"#),
        0,
    );
    let texts: Vec<_> = room.lines().iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts[1..],
        [
            "carol joined.",
            "carol left.",
            "Server error (bad_request): nope"
        ]
    );
    assert_eq!(room.users().len(), 3);
    room.handle(Input::Disconnect, 0);
    assert_eq!(room.status_text(0), "Disconnected");
    assert!(room.users().is_empty());
}

#[test]
fn history_on_join_fills_in_without_repeats_and_confirms_our_own() {
    let (mut room, _) = connect(Dialect::Json);
    compose(&mut room, "c1", "mine, sent before a drop");
    room.handle(opened(), 0);
    room.handle(
        text(r#"{"type":"message","id":"p1","from":"bob","text":"seen live","ts":1}"#),
        0,
    );
    room.handle(
        text(
            r#"{"type":"joined","name":"alice","users":["alice"],"history":[
                {"type":"message","id":"p1","from":"bob","text":"seen live","ts":1},
                {"type":"message","id":"p2","from":"bob","text":"said while away","ts":2},
                {"type":"message","id":"c1","from":"alice","text":"mine, sent before a drop","ts":3},
                {"type":"message","from":"guest-1","text":"plain","ts":4}]}"#,
        ),
        0,
    );
    let texts: Vec<&str> = room.lines().iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "mine, sent before a drop",
            "seen live",
            "You joined as alice.",
            "said while away",
            "plain"
        ]
    );
    assert_eq!(deliveries(&room)[0].1, Delivery::Delivered);
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

#[test]
fn binary_images_become_image_lines_and_other_bytes_are_described() {
    let mut room = open(Dialect::Text);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    room.handle(Input::Frame(Frame::Binary(png.clone())), 0);
    match &room.lines()[0].kind {
        Kind::Image { mime, bytes } => assert_eq!((*mime, &bytes[..]), ("image/png", &png[..])),
        other => panic!("{other:?}"),
    }
    room.handle(Input::Frame(Frame::Binary(vec![0xff, 0x00])), 0);
    assert_eq!(room.lines()[1].text, "Binary frame, 2 bytes: ff 00");
}

fn attach(room: &mut Room, id: &str, bytes: &[u8]) -> Vec<Effect> {
    room.handle(
        Input::ComposeFile {
            client_id: id.into(),
            name: format!("{id}.bin"),
            bytes: bytes.to_vec(),
        },
        1,
    )
}

#[test]
fn files_go_as_one_binary_frame_and_their_echo_is_matched_by_bytes() {
    let mut room = open(Dialect::Json);
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let fx = attach(&mut room, "f1", &png);
    assert!(fx.contains(&Effect::Transmit {
        frame: Frame::Binary(png.clone()),
        client_id: Some("f1".into())
    }));
    match &room.lines()[0].kind {
        Kind::Own {
            file: Some(file), ..
        } => assert_eq!(file.mime, Some("image/png")),
        other => panic!("{other:?}"),
    }
    assert_eq!(room.lines()[0].text, "f1.bin");
    // The reference server relays the bytes to everyone, the sender included.
    room.handle(Input::Frame(Frame::Binary(png.clone())), 2);
    assert_eq!(
        deliveries(&room),
        vec![("f1.bin".into(), Delivery::Delivered)]
    );
    assert_eq!(room.lines().len(), 1, "the echo is not a second line");
    // Someone else sending the same bytes later is a peer image.
    room.handle(Input::Frame(Frame::Binary(png)), 3);
    assert!(matches!(room.lines()[1].kind, Kind::Image { .. }));
    // Files are not saved for a reload (too big for storage).
    attach(&mut room, "f2", b"\xff\x00");
    assert!(room.unsent().is_empty());
    assert_eq!(room.outstanding(), 1);
}

#[test]
fn files_over_the_limit_are_refused_with_a_reason() {
    let mut room = open(Dialect::Text);
    let fx = attach(&mut room, "big", &vec![0u8; MAX_FILE_BYTES + 1]);
    assert!(fx.is_empty());
    assert_eq!(room.lines().len(), 1);
    assert_eq!(room.lines()[0].kind, Kind::System(Level::Error));
    assert!(room.lines()[0].text.contains("too big") && room.lines()[0].text.contains("1024 KiB"));
}

#[test]
fn unconfirmed_files_fail_on_a_drop_instead_of_being_resent() {
    let mut room = open(Dialect::Json);
    attach(&mut room, "f1", b"\xff\x01");
    compose(&mut room, "c1", "text");
    close(&mut room, 1006, 0);
    let d = deliveries(&room);
    assert!(matches!(&d[0].1, Delivery::Failed(why) if why.contains("before the server echoed")));
    assert_eq!(d[1].1, Delivery::Queued, "text with an id is resent");
}

#[test]
fn hello_after_a_drop_resumes_from_the_last_seq_seen() {
    let mut room = open(Dialect::Json);
    room.handle(
        text(r#"{"type":"message","id":"p1","seq":41,"from":"bob","text":"a","ts":1}"#),
        0,
    );
    room.handle(
        text(r#"{"type":"message","id":"p0","seq":40,"from":"bob","text":"late","ts":1}"#),
        0,
    );
    close(&mut room, 1006, 0);
    room.handle(Input::Timer(Timer::Reconnect), 1);
    let fx = room.handle(opened(), 1);
    assert_eq!(
        sent_frames(&fx)[0],
        r#"{"type":"hello","name":"alice","since":41}"#,
        "the highest seq, not the last one received"
    );
}

#[test]
fn a_refused_message_is_failed_with_the_servers_reason() {
    let mut room = open(Dialect::Json);
    compose(&mut room, "c1", "not allowed");
    let fx = room.handle(
        text(r#"{"type":"error","code":"forbidden_word","message":"that word is not allowed here","id":"c1"}"#),
        0,
    );
    assert!(fx.contains(&Effect::SaveOutbox));
    assert_eq!(
        deliveries(&room),
        vec![(
            "not allowed".into(),
            Delivery::Failed("that word is not allowed here (forbidden_word)".into())
        )]
    );
    // Errors about no message of ours are system lines.
    room.handle(
        text(r#"{"type":"error","code":"bad_name","message":"no"}"#),
        0,
    );
    assert_eq!(
        room.lines().last().unwrap().kind,
        Kind::System(Level::Error)
    );
}

const WELCOME_RATE: &str = r#"{"type":"welcome","server":"roomcast-server","version":1,"users":[],"rate":{"burst":3,"refill_ms":200}}"#;

#[test]
fn a_long_queue_goes_out_paced_by_the_servers_rate_limit_in_order() {
    let (mut room, _) = connect(Dialect::Auto);
    for i in 1..=6 {
        compose(&mut room, &format!("c{i}"), &format!("m{i}"));
    }
    room.handle(opened(), 0);
    let fx = room.handle(text(WELCOME_RATE), 0);
    // Burst 3: the hello and two messages now; the rest wait for tokens.
    let sent = sent_frames(&fx);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[0].contains("hello") && sent[1].contains("m1") && sent[2].contains("m2"));
    assert_eq!(started(&fx, Timer::Flush), Some(201));
    // A new message waits behind the queue instead of overtaking it.
    assert!(sent_frames(&compose(&mut room, "c7", "m7")).is_empty());
    let fx = room.handle(Input::Timer(Timer::Flush), 201);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"c3","text":"m3"}"#.to_string()]
    );
    let fx = room.handle(Input::Timer(Timer::Flush), 1000);
    let sent = sent_frames(&fx);
    assert_eq!(
        sent.len(),
        3,
        "4 tokens refilled, burst caps at 3: {sent:?}"
    );
    assert!(sent[0].contains("m4") && sent[2].contains("m6"));
    let fx = room.handle(Input::Timer(Timer::Flush), 1200);
    assert!(sent_frames(&fx)[0].contains("m7"));
}

#[test]
fn rate_limited_messages_go_back_in_the_queue_and_retry_by_themselves() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME_RATE), 0);
    compose(&mut room, "c1", "too fast");
    let fx = room.handle(
        text(r#"{"type":"error","code":"rate_limited","message":"slow down","id":"c1"}"#),
        10,
    );
    assert_eq!(
        deliveries(&room),
        vec![("too fast".into(), Delivery::Queued)]
    );
    assert_eq!(started(&fx, Timer::Flush), Some(201));
    let fx = room.handle(Input::Timer(Timer::Flush), 211);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"c1","text":"too fast"}"#.to_string()]
    );
}

#[test]
fn lines_group_by_sender_within_five_minutes() {
    let line = |ts, kind: Kind| Line {
        key: ts,
        ts,
        kind,
        text: String::new(),
    };
    let peer = |name: &str| Kind::Peer {
        from: Some(name.into()),
    };
    let own = || Kind::Own {
        client_id: "c".into(),
        delivery: Delivery::Sent,
        file: None,
        unsaved: false,
    };
    let a1 = line(1_000, peer("a"));
    assert!(line(2_000, peer("a")).continues(&a1));
    assert!(!line(2_000, peer("b")).continues(&a1));
    assert!(!line(1_000 + GROUP_MS + 1, peer("a")).continues(&a1));
    assert!(!line(500, peer("a")).continues(&a1), "out of order");
    assert!(line(2_000, own()).continues(&line(1_000, own())));
    assert!(!line(2_000, own()).continues(&a1));
    let system = line(2_000, Kind::System(Level::Info));
    assert!(!system.continues(&line(1_000, Kind::System(Level::Info))));
}

/// Found by the `room` fuzz target: an error frame naming a message that was
/// already delivered marked it failed while the outbox no longer held it.
#[test]
fn an_error_about_a_delivered_message_changes_nothing() {
    let mut room = Room::new(1);
    room.handle(
        Input::Restore(vec![Unsent {
            id: "r3".into(),
            text: "saved".into(),
            ts: 5,
            failed: Some("earlier".into()),
        }]),
        10,
    );
    room.handle(text(r#"{"user":"x","text":"line","id":"r3"}"#), 11);
    assert_eq!(
        deliveries(&room),
        vec![("saved".into(), Delivery::Delivered)]
    );
    for code in ["too_big", "rate_limited"] {
        let frame = format!(r#"{{"type":"error","code":"{code}","message":"m","id":"r3"}}"#);
        room.handle(text(&frame), 12);
        assert_eq!(
            deliveries(&room),
            vec![("saved".into(), Delivery::Delivered)]
        );
        assert_eq!(room.outstanding(), 0);
    }
    room.handle(
        Input::SendFailed {
            client_id: "r3".into(),
            reason: "late report".into(),
        },
        13,
    );
    assert_eq!(
        deliveries(&room),
        vec![("saved".into(), Delivery::Delivered)]
    );
}

/// An envelope room, welcomed and joined as alice.
fn joined_as_alice() -> Room {
    joined_with(config(Dialect::Json))
}

/// A room on `config`, opened, welcomed and joined as alice.
fn joined_with(config: Config) -> Room {
    let mut room = Room::new(1);
    room.handle(Input::Connect(config), 0);
    room.handle(opened(), 0);
    room.handle(text(WELCOME), 1);
    room.handle(
        text(r#"{"type":"joined","name":"alice","users":["alice"]}"#),
        2,
    );
    room
}

#[test]
fn history_survives_a_reload_and_resumes_after_the_last_seq() {
    let mut room = joined_as_alice();
    room.handle(
        text(r#"{"type":"message","id":"p1","seq":41,"from":"bob","text":"hi","ts":5}"#),
        3,
    );
    compose(&mut room, "c1", "mine");
    room.handle(
        text(r#"{"type":"message","id":"c1","seq":42,"from":"alice","text":"mine","ts":6}"#),
        4,
    );
    compose(&mut room, "c2", "not yet delivered");
    let saved = room.history(5000);
    let texts: Vec<&str> = saved.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        ["hi", "mine"],
        "no connection notes; undelivered ones live in the outbox"
    );
    assert_eq!(room.history(1).len(), 1, "bounded: the newest");
    let json = serde_json::to_string(&saved).unwrap();
    assert!(json.contains(r#""k":"p","f":"bob","t":"hi""#), "{json}");

    // The next page: the lines come back first, and hello resumes after seq 42.
    let mut next = Room::new(2);
    next.handle(
        Input::History {
            lines: Saved::list_from_value(&serde_json::from_str(&json).unwrap()),
            last_seq: room.last_seq(),
        },
        10,
    );
    let shown: Vec<(&str, bool)> = next
        .lines()
        .iter()
        .map(|l| {
            (
                l.text.as_str(),
                matches!(
                    l.kind,
                    Kind::Own {
                        delivery: Delivery::Delivered,
                        ..
                    }
                ),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("hi", false),
            ("mine", true),
            ("2 earlier lines, kept in this browser.", false)
        ]
    );
    next.handle(Input::Connect(config(Dialect::Auto)), 11);
    next.handle(opened(), 12);
    let fx = next.handle(text(WELCOME), 13);
    assert!(
        sent_frames(&fx).iter().any(|f| f.contains(r#""since":42"#)),
        "{:?}",
        sent_frames(&fx)
    );
}

#[test]
fn clearing_keeps_undelivered_lines_and_rtt_is_send_to_echo() {
    let mut room = joined_as_alice();
    room.handle(
        Input::Compose {
            client_id: "c1".into(),
            text: "one".into(),
        },
        100,
    );
    room.handle(
        text(r#"{"type":"message","id":"c1","seq":1,"from":"alice","text":"one","ts":6}"#),
        137,
    );
    assert_eq!(room.rtt_ms(), Some(37));
    room.handle(
        Input::Compose {
            client_id: "c2".into(),
            text: "two".into(),
        },
        200,
    );
    room.handle(Input::ClearLog, 201);
    assert_eq!(deliveries(&room), vec![("two".into(), Delivery::Sent)]);
    assert_eq!(room.lines().len(), 1);
}

#[test]
fn saved_records_read_back_and_garbage_is_skipped() {
    let unsent = vec![
        Unsent {
            id: "a".into(),
            text: "one".into(),
            ts: 5,
            failed: None,
        },
        Unsent {
            id: "b".into(),
            text: "two".into(),
            ts: 6,
            failed: Some("refused".into()),
        },
    ];
    let value = serde_json::to_value(&unsent).unwrap();
    assert_eq!(Unsent::list_from_value(&value), unsent);
    let garbage: serde_json::Value =
        serde_json::from_str(r#"[{"id":1},{"id":"c","text":"ok","ts":1},"x",null]"#).unwrap();
    assert_eq!(Unsent::list_from_value(&garbage).len(), 1);
    assert!(Unsent::list_from_value(&serde_json::Value::Null).is_empty());
    let saved: serde_json::Value =
        serde_json::from_str(r#"[{"ts":1,"k":"p","f":"bob","t":"hi"},{"ts":2,"k":"?","t":"x"}]"#)
            .unwrap();
    let read = Saved::list_from_value(&saved);
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].from.as_deref(), Some("bob"));
}

#[test]
fn typing_is_throttled_shown_and_expires() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME), 1);
    room.handle(
        text(r#"{"type":"joined","name":"alice","users":["alice","bob"]}"#),
        2,
    );
    assert_eq!(
        room.typing(10),
        Some(Frame::Text(r#"{"type":"typing"}"#.into()))
    );
    assert_eq!(room.typing(10 + TYPING_EVERY_MS - 1), None, "throttled");
    assert!(room.typing(10 + TYPING_EVERY_MS).is_some());
    compose(&mut room, "c1", "done typing");
    assert!(
        room.typing(10 + TYPING_EVERY_MS + 1).is_some(),
        "a new message, new news"
    );

    let fx = room.handle(text(r#"{"type":"typing","name":"bob"}"#), 100);
    assert_eq!(started(&fx, Timer::Typing), Some(TYPING_SHOWS_MS as u32));
    room.handle(text(r#"{"type":"typing","name":"alice"}"#), 100);
    assert_eq!(room.typists(101), ["bob"], "not ourselves");
    room.handle(Input::Timer(Timer::Typing), 100 + TYPING_SHOWS_MS);
    assert!(room.typists(100 + TYPING_SHOWS_MS).is_empty(), "expired");
    room.handle(text(r#"{"type":"typing","name":"bob"}"#), 200);
    room.handle(
        text(r#"{"type":"message","id":"b1","from":"bob","text":"hi","ts":5}"#),
        201,
    );
    assert!(room.typists(202).is_empty(), "bob sent it");
    // Plain-text servers have no such frame.
    let mut plain = open(Dialect::Text);
    assert_eq!(plain.typing(5), None);
}

mod ceiling;
mod socketio;
