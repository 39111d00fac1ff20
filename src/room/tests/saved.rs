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
        Unsent::plain("a".into(), "one".into(), 5, None),
        Unsent::plain("b".into(), "two".into(), 6, Some("refused".into())),
        // A file's record says so; its bytes are kept apart.
        Unsent {
            file: true,
            ..Unsent::plain("c".into(), "dot.png".into(), 7, None)
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
fn a_file_attached_while_disconnected_is_saved_at_once() {
    let mut room = open(Dialect::Json);
    room.handle(Input::Disconnect, 2);
    let fx = room.handle(
        Input::ComposeFile {
            client_id: "f1".into(),
            name: "dot.png".into(),
            bytes: vec![1, 2, 3],
        },
        3,
    );
    assert!(fx.contains(&Effect::SaveOutbox), "{fx:?}");
}

#[test]
fn a_queued_file_is_saved_without_its_bytes_and_comes_back_with_them() {
    let mut room = open(Dialect::Json);
    room.handle(Input::Disconnect, 2);
    room.handle(
        Input::ComposeFile {
            client_id: "f1".into(),
            name: "dot.png".into(),
            bytes: vec![1, 2, 3],
        },
        3,
    );
    compose(&mut room, "c1", "after the file");
    let unsent = room.unsent();
    assert_eq!(unsent.len(), 2);
    assert!(unsent[0].file && unsent[0].bytes.as_deref() == Some(&[1, 2, 3][..]));
    let json = serde_json::to_string(&unsent).unwrap();
    assert!(
        json.contains(r#""file":true"#) && !json.contains("[1,2,3]"),
        "{json}"
    );
    // The next page: the record, and the bytes read back from where they were kept.
    let mut read = Unsent::list_from_value(&serde_json::from_str(&json).unwrap());
    read[0].bytes = Some(vec![1, 2, 3].into());
    let (mut next, _) = connect(Dialect::Json);
    next.handle(Input::Restore(read), 10);
    assert_eq!(
        deliveries(&next),
        vec![
            ("dot.png".into(), Delivery::Queued),
            ("after the file".into(), Delivery::Queued),
        ]
    );
    assert!(matches!(
        &next.lines()[0].kind,
        Kind::Own { file: Some(f), .. } if f.bytes[..] == [1, 2, 3]
    ));
}

#[test]
fn a_file_not_kept_or_in_flight_at_the_reload_is_said_so() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME), 1);
    room.handle(
        Input::ComposeFile {
            client_id: "f1".into(),
            name: "sent.png".into(),
            bytes: vec![1],
        },
        3,
    );
    // Sent, not echoed: a file has no id, so sending it again is the user's call.
    let unsent = room.unsent();
    assert!(unsent[0].failed.is_some(), "{unsent:?}");
    let lost = Unsent {
        file: true,
        ..Unsent::plain("f2".into(), "lost.png".into(), 4, None)
    };
    let mut next = open(Dialect::Json);
    next.handle(Input::Restore(vec![lost]), 10);
    assert!(
        deliveries(&next).is_empty(),
        "no line to send without bytes"
    );
    let said = &next.lines()[0];
    assert!(
        matches!(said.kind, Kind::System(Level::Error)) && said.text.contains("lost.png"),
        "{said:?}"
    );
}

#[test]
fn messages_taken_over_while_connected_go_out_at_once() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME), 1);
    let fx = room.handle(
        Input::Restore(vec![Unsent::plain(
            "other-1".into(),
            "from a closed tab".into(),
            5,
            None,
        )]),
        10,
    );
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"other-1","text":"from a closed tab"}"#.to_string()]
    );
    assert_eq!(
        deliveries(&room),
        vec![("from a closed tab".into(), Delivery::Sent)]
    );
}
