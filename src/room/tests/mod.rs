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
fn a_probe_that_fires_late_waits_a_little_more_then_settles() {
    let (mut room, _) = connect(Dialect::Auto);
    room.handle(opened(), 1_000);
    // The page was busy: the timer fires 700 ms after the socket opened.
    let fx = room.handle(Input::Timer(Timer::Probe), 1_700);
    assert_eq!(started(&fx, Timer::Probe), Some(PROBE_MS / 2));
    assert!(!room.status_text(0).contains("Connected"));
    // The first frame that was queued behind it decides.
    room.handle(text(WELCOME), 1_701);
    assert_eq!(room.conn(), &Conn::Open(Wire::Envelope));
    // On time, or late past 3 probes: text.
    for at in [1_400, 2_300] {
        let (mut room, _) = connect(Dialect::Auto);
        room.handle(opened(), 1_000);
        room.handle(Input::Timer(Timer::Probe), at);
        assert_eq!(room.conn(), &Conn::Open(Wire::Text), "fired at {at}");
    }
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
fn a_line_too_big_is_saved_as_failed_so_a_reload_does_not_send_it_again() {
    let mut room = open(Dialect::Json);
    compose(&mut room, "c1", &"x".repeat(100));
    let fx = close(&mut room, 1009, 0);
    assert!(fx.contains(&Effect::SaveOutbox), "{fx:?}");
    let unsent = room.unsent();
    assert!(unsent[0]
        .failed
        .as_deref()
        .is_some_and(|w| w.contains("1009")));
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
        Input::Restore(vec![Unsent::plain(
            "r3".into(),
            "saved".into(),
            5,
            Some("earlier".into()),
        )]),
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

mod brokers;
mod ceiling;
mod connection;
mod files;
mod pace;
mod saved;
mod socketio;
mod typing;
mod workbench;
