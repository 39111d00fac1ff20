use super::*;

const WELCOME: &str =
    r#"{"type":"welcome","server":"roomcast-server","version":1,"users":["bob"]}"#;

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

fn deliveries(room: &Room) -> Vec<(String, Delivery)> {
    room.lines()
        .iter()
        .filter_map(|l| match &l.kind {
            Kind::Own { delivery, .. } => Some((l.text.clone(), delivery.clone())),
            _ => None,
        })
        .collect()
}

fn open(dialect: Dialect) -> Room {
    let mut room = Room::new(dialect, "alice");
    room.handle(
        Input::Connecting {
            server: "ws://h/ws".into(),
        },
        0,
    );
    room
}

#[test]
fn auto_queues_until_welcome_then_says_hello_before_the_queue_in_order() {
    let mut room = open(Dialect::Auto);
    assert!(compose(&mut room, "c1", "one").is_empty());
    assert!(compose(&mut room, "c2", "two").is_empty());
    assert_eq!(room.handle(Input::Opened, 0), vec![Effect::StartProbeTimer]);
    assert!(!room.status_text().contains("Connected"));
    let fx = room.handle(text(WELCOME), 0);
    assert_eq!(
        sent_frames(&fx),
        vec![
            r#"{"type":"hello","name":"alice"}"#.to_string(),
            r#"{"type":"message","id":"c1","text":"one"}"#.to_string(),
            r#"{"type":"message","id":"c2","text":"two"}"#.to_string(),
        ]
    );
    assert_eq!(room.conn(), &Conn::Open(Wire::Envelope));
    assert_eq!(room.users(), ["bob".to_string()]);
    // A late probe timeout changes nothing and sends nothing again.
    assert!(room.handle(Input::ProbeTimeout, 0).is_empty());
}

#[test]
fn auto_settles_on_text_when_the_server_says_nothing() {
    let mut room = open(Dialect::Auto);
    compose(&mut room, "c1", "queued");
    room.handle(Input::Opened, 0);
    let fx = room.handle(Input::ProbeTimeout, 0);
    assert_eq!(sent_frames(&fx), vec!["queued".to_string()]);
    assert_eq!(room.status_text(), "Connected to ws://h/ws");
}

#[test]
fn auto_settles_on_text_at_a_plain_greeting_and_keeps_the_line() {
    let mut room = open(Dialect::Auto);
    room.handle(Input::Opened, 0);
    room.handle(text("Hello Client, you connected to /room"), 5);
    assert_eq!(room.conn(), &Conn::Open(Wire::Text));
    assert_eq!(room.lines().len(), 1);
    assert_eq!(room.lines()[0].kind, Kind::Peer { from: None });
}

#[test]
fn a_late_welcome_switches_to_the_envelope_and_says_hello() {
    let mut room = open(Dialect::Auto);
    room.handle(Input::Opened, 0);
    room.handle(Input::ProbeTimeout, 0);
    let fx = room.handle(text(WELCOME), 0);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"hello","name":"alice"}"#.to_string()]
    );
    assert_eq!(room.conn(), &Conn::Open(Wire::Envelope));
}

#[test]
fn own_echo_by_id_is_one_delivered_line() {
    let mut room = open(Dialect::Json);
    let fx = room.handle(Input::Opened, 0);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"hello","name":"alice"}"#.to_string()]
    );
    room.handle(
        text(r#"{"type":"joined","name":"alice","users":["alice"]}"#),
        0,
    );
    assert_eq!(room.status_text(), "Connected to ws://h/ws as alice");
    let fx = compose(&mut room, "c9", "hi");
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"c9","text":"hi"}"#.to_string()]
    );
    assert_eq!(deliveries(&room), vec![("hi".into(), Delivery::Sent)]);
    room.handle(
        text(r#"{"type":"message","id":"c9","from":"alice","text":"hi","ts":42}"#),
        0,
    );
    assert_eq!(deliveries(&room), vec![("hi".into(), Delivery::Delivered)]);
    let own: Vec<_> = room.lines().iter().filter(|l| l.text == "hi").collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].ts, 42);
    // Another client's line with the same text is a separate line.
    room.handle(
        text(r#"{"type":"message","id":"x1","from":"bob","text":"hi","ts":43}"#),
        0,
    );
    assert_eq!(
        room.lines().last().map(|l| &l.kind),
        Some(&Kind::Peer {
            from: Some("bob".into())
        })
    );
}

#[test]
fn plain_echo_is_matched_by_text_once() {
    let mut room = open(Dialect::Text);
    room.handle(Input::Opened, 0);
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
fn close_explains_and_messages_typed_offline_go_out_once_after_reopen() {
    let mut room = open(Dialect::Text);
    room.handle(Input::Opened, 0);
    compose(&mut room, "c1", "before");
    room.handle(
        Input::Closed {
            code: 1001,
            reason: "restart".into(),
            clean: true,
        },
        0,
    );
    assert_eq!(room.status_text(), "Disconnected (code 1001)");
    let last = room.lines().last().unwrap();
    assert_eq!(last.kind, Kind::System(Level::Error));
    assert!(last.text.contains("going away") && last.text.contains("restart"));
    assert!(compose(&mut room, "c2", "offline").is_empty());
    assert_eq!(deliveries(&room)[1].1, Delivery::Queued);
    room.handle(
        Input::Connecting {
            server: "ws://h/ws".into(),
        },
        0,
    );
    let fx = room.handle(Input::Opened, 0);
    assert_eq!(sent_frames(&fx), vec!["offline".to_string()]);
    assert!(room.handle(Input::Opened, 0).iter().all(|e| !matches!(
        e,
        Effect::Transmit {
            client_id: Some(_),
            ..
        }
    )));
}

#[test]
fn failed_send_can_be_retried_or_discarded() {
    let mut room = open(Dialect::Text);
    room.handle(Input::Opened, 0);
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
    room.handle(
        Input::Discard {
            client_id: "c2".into(),
        },
        0,
    );
    assert_eq!(deliveries(&room), vec![("a".into(), Delivery::Sent)]);
    assert_eq!(room.outstanding(), 1);
}

#[test]
fn never_opened_connection_says_why() {
    let mut room = open(Dialect::Auto);
    room.handle(
        Input::Closed {
            code: 1006,
            reason: String::new(),
            clean: false,
        },
        0,
    );
    assert!(room.lines()[0].text.contains("never opened"));
    // A second close event for the same socket adds nothing.
    room.handle(
        Input::Closed {
            code: 1006,
            reason: String::new(),
            clean: false,
        },
        0,
    );
    assert_eq!(room.lines().len(), 1);
}

#[test]
fn presence_join_leave_and_server_errors_show() {
    let mut room = open(Dialect::Json);
    room.handle(Input::Opened, 0);
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
    room.handle(Input::Disconnected, 0);
    assert_eq!(room.status_text(), "Disconnected");
    assert!(room.users().is_empty());
}
