use super::*;

fn setup(room: &str, format: Format) -> Setup {
    Setup {
        room: room.into(),
        name: "ann".into(),
        format,
        action: "speak".into(),
        qos: 1,
        seed: 1,
    }
}

fn json_of(frame: &Frame) -> Value {
    match frame {
        Frame::Text(t) => serde_json::from_str(t).unwrap(),
        Frame::Binary(_) => panic!("binary"),
    }
}

fn t(s: &str) -> Frame {
    Frame::Text(s.into())
}

#[test]
fn welcome_subscribes_and_confirmation_is_ready() {
    let mut s = Session::new(setup("ChatChannel", Format::Json));
    let step = s.receive(t(r#"{"type":"welcome"}"#));
    let sub = json_of(&step.send[0]);
    assert_eq!(sub["command"], "subscribe");
    assert_eq!(sub["identifier"], r#"{"channel":"ChatChannel"}"#);
    assert!(step.incoming.contains(&Incoming::Beat {
        dead_after_ms: STALE_MS
    }));
    let other = s.receive(t(
        r#"{"identifier":"{\"channel\":\"Other\"}","type":"confirm_subscription"}"#,
    ));
    assert!(other.incoming.is_empty());
    let ok = s.receive(t(
        r#"{"identifier":"{\"channel\":\"ChatChannel\"}","type":"confirm_subscription"}"#,
    ));
    assert!(matches!(&ok.incoming[0], Incoming::Ready(n) if n.contains("ChatChannel")));
    assert!(s
        .receive(t(r#"{"type":"ping","message":1700000000}"#))
        .incoming
        .is_empty());
}

#[test]
fn a_json_identifier_is_kept_as_given() {
    assert_eq!(
        identifier(r#"{"channel":"Room","id":3}"#),
        r#"{"channel":"Room","id":3}"#
    );
    assert_eq!(identifier("Chat"), r#"{"channel":"Chat"}"#);
    assert_eq!(identifier("{not json"), r#"{"channel":"{not json"}"#);
}

#[test]
fn lines_go_to_the_action_and_broadcasts_come_back() {
    let mut s = Session::new(setup("ChatChannel", Format::Json));
    let out = json_of(&s.speak("c1", "hi"));
    assert_eq!(out["command"], "message");
    let data: Value = serde_json::from_str(out["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["action"], "speak");
    assert_eq!(
        (data["id"].as_str(), data["text"].as_str()),
        (Some("c1"), Some("hi"))
    );
    let text = json_of(&Session::new(setup("C", Format::Text)).speak("c1", "yo"));
    assert_eq!(text["data"], r#"{"action":"speak","message":"yo"}"#);
    let step = s.receive(t(
        r#"{"identifier":"{\"channel\":\"ChatChannel\"}","message":{"id":"c1","name":"ann","text":"hi"}}"#,
    ));
    assert!(matches!(&step.incoming[0], Incoming::Message { id: Some(i), .. } if i == "c1"));
    let plain = s.receive(t(
        r#"{"identifier":"{\"channel\":\"ChatChannel\"}","message":"words"}"#,
    ));
    assert!(matches!(&plain.incoming[0], Incoming::Message { text, .. } if text == "words"));
    let theirs = s.receive(t(
        r#"{"identifier":"{\"channel\":\"X\"}","message":"not ours"}"#,
    ));
    assert!(theirs.incoming.is_empty());
}

#[test]
fn rejections_and_disconnects_are_in_words() {
    let mut s = Session::new(setup("Secret", Format::Json));
    let step = s.receive(t(
        r#"{"identifier":"{\"channel\":\"Secret\"}","type":"reject_subscription"}"#,
    ));
    assert_eq!(
        step.incoming,
        vec![Incoming::ServerClosed(
            "the server rejected the subscription to Secret".into()
        )]
    );
    let gone = s.receive(t(
        r#"{"type":"disconnect","reason":"unauthorized","reconnect":false}"#,
    ));
    assert!(matches!(&gone.incoming[0], Incoming::ServerClosed(w) if w.contains("unauthorized")));
    let restart = s.receive(t(
        r#"{"type":"disconnect","reason":"server_restart","reconnect":true}"#,
    ));
    assert!(matches!(&restart.incoming[0], Incoming::Notice(w) if w.contains("server_restart")));
    assert!(matches!(
        &s.receive(t("nope")).incoming[0],
        Incoming::Notice(_)
    ));
}
