//! What survives a reload: the outbox and the kept log; clearing.

use super::*;

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
