//! The session against frames as socket.io 2 and 4 servers send them.

use super::*;

fn t(s: &str) -> Frame {
    Frame::Text(s.into())
}

const OPEN_V4: &str =
    r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
const OPEN_V3: &str = r#"0{"sid":"b","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#;

fn sent(step: &Step) -> Vec<String> {
    step.send
        .iter()
        .map(|f| match f {
            Frame::Text(s) => s.clone(),
            Frame::Binary(b) => format!("<{} bytes>", b.len()),
        })
        .collect()
}

#[test]
fn v4_joins_at_once_answers_pings_and_delivers_by_ack() {
    let mut s = Session::new(DEFAULT_EVENT, "/", None);
    let step = s.receive(t(OPEN_V4));
    assert_eq!(sent(&step), ["40"]);
    assert!(matches!(step.incoming[0], Incoming::EngineOpen { .. }));
    assert_eq!(s.version(), Some(Eio::V4));
    let step = s.receive(t(r#"40{"sid":"x"}"#));
    assert_eq!(step.incoming, [Incoming::NamespaceJoined]);
    assert_eq!(step.timer, None, "v4 servers ping; the client does not");
    assert_eq!(sent(&s.receive(t("2"))), ["3"]);
    assert_eq!(s.emit("c1", "hi"), t(r#"420["chat message","hi"]"#));
    assert_eq!(s.emit("c2", "yo"), t(r#"421["chat message","yo"]"#));
    assert_eq!(
        s.receive(t(r#"431[]"#)).incoming,
        [Incoming::Acked {
            client_id: "c2".into()
        }]
    );
    // An ack nobody waits for is nothing.
    assert!(s.receive(t(r#"431[]"#)).incoming.is_empty());
}

#[test]
fn v3_is_told_by_the_unasked_connect_and_the_client_pings() {
    let mut s = Session::new(DEFAULT_EVENT, "/", None);
    let step = s.receive(t(OPEN_V3));
    assert!(
        sent(&step).is_empty(),
        "nothing sent before the version is known"
    );
    assert_eq!(step.timer, Some(VERSION_WAIT_MS));
    let step = s.receive(t("40"));
    assert_eq!(s.version(), Some(Eio::V3));
    assert_eq!(step.incoming, [Incoming::NamespaceJoined]);
    assert!(
        sent(&step).is_empty(),
        "no second connect to / (it would join twice)"
    );
    assert_eq!(step.timer, Some(25_000));
    let ping = s.on_timer();
    assert_eq!(sent(&ping), ["2"]);
    assert_eq!(ping.timer, Some(25_000));
    assert!(s.receive(t("3")).incoming.is_empty());
}

#[test]
fn a_silent_server_after_an_open_without_max_payload_is_v4() {
    let mut s = Session::new(DEFAULT_EVENT, "/", None);
    s.receive(t(
        r#"0{"sid":"c","upgrades":[],"pingInterval":25000,"pingTimeout":20000}"#,
    ));
    let step = s.on_timer();
    assert_eq!(sent(&step), ["40"]);
    assert_eq!(s.version(), Some(Eio::V4));
    assert_eq!(s.receive(t("40")).incoming, [Incoming::NamespaceJoined]);
}

#[test]
fn namespaces_on_both_versions() {
    let mut v4 = Session::new(DEFAULT_EVENT, "/chat", None);
    assert_eq!(sent(&v4.receive(t(OPEN_V4))), ["40/chat,"]);
    assert!(v4.receive(t("40")).incoming.is_empty(), "another namespace");
    assert_eq!(
        v4.receive(t(r#"40/chat,{"sid":"x"}"#)).incoming,
        [Incoming::NamespaceJoined]
    );
    assert!(v4
        .receive(t(r#"42["chat message","root"]"#))
        .incoming
        .is_empty());
    assert_eq!(
        v4.receive(t(r#"42/chat,["chat message","here"]"#)).incoming,
        [plain("here".into())]
    );
    assert_eq!(v4.emit("c1", "x"), t(r#"42/chat,0["chat message","x"]"#));

    let mut v3 = Session::new(DEFAULT_EVENT, "/chat", Some(Eio::V3));
    let step = v3.receive(t(OPEN_V3));
    assert_eq!(sent(&step), ["40/chat,"]);
    assert!(v3.receive(t("40")).incoming.is_empty());
    assert_eq!(
        v3.receive(t("40/chat")).incoming,
        [Incoming::NamespaceJoined]
    );
}

#[test]
fn refusals_and_other_events_are_in_words() {
    let mut s = Session::new(DEFAULT_EVENT, "/admin", None);
    s.receive(t(OPEN_V4));
    match &s
        .receive(t(r#"44/admin,{"message":"Not authorized"}"#))
        .incoming[0]
    {
        Incoming::ServerError { message, .. } => {
            assert!(
                message.contains("/admin") && message.contains("Not authorized"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    let mut s = Session::new(DEFAULT_EVENT, "/", None);
    s.receive(t(OPEN_V4));
    s.receive(t("40"));
    assert_eq!(
        s.receive(t(r#"42["user joined","ann"]"#)).incoming,
        [Incoming::Event {
            name: "user joined".into(),
            args: "ann".into()
        }]
    );
    assert!(matches!(
        s.receive(t("41")).incoming[0],
        Incoming::ServerClosed(_)
    ));
}

#[test]
fn binary_attachments_both_ways() {
    let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
    let mut v4 = Session::new(DEFAULT_EVENT, "/", None);
    v4.receive(t(OPEN_V4));
    v4.receive(t("40"));
    let step = v4.receive(t(r#"451-["chat message",{"_placeholder":true,"num":0}]"#));
    assert!(step.incoming.is_empty(), "waits for the attachment");
    assert_eq!(
        v4.receive(Frame::Binary(png.clone())).incoming,
        [Incoming::Binary(png.clone())]
    );
    let frames = v4.emit_file("c1", &png);
    assert_eq!(
        frames,
        [
            t(r#"451-0["chat message",{"_placeholder":true,"num":0}]"#),
            Frame::Binary(png.clone())
        ]
    );
    // v3 puts a 4 before binary messages, both ways.
    let mut v3 = Session::new(DEFAULT_EVENT, "/", Some(Eio::V3));
    v3.receive(t(OPEN_V3));
    v3.receive(t("40"));
    v3.receive(t(r#"451-["chat message",{"_placeholder":true,"num":0}]"#));
    let mut framed = vec![4];
    framed.extend_from_slice(&png);
    assert_eq!(
        v3.receive(Frame::Binary(framed.clone())).incoming,
        [Incoming::Binary(png.clone())]
    );
    assert_eq!(v3.emit_file("c1", &png)[1], Frame::Binary(framed));
    // Another event with attachments shows their sizes.
    v4.receive(t(
        r#"452-["files",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
    ));
    v4.receive(Frame::Binary(vec![1]));
    match &v4.receive(Frame::Binary(vec![1, 2])).incoming[0] {
        Incoming::Event { name, args } => {
            assert_eq!(name, "files");
            assert!(args.contains("1 bytes, 2 bytes"), "{args}");
        }
        other => panic!("{other:?}"),
    }
}
