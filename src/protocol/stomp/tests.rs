use super::*;
use crate::protocol::session::Format;

fn setup() -> Setup {
    Setup {
        room: "/topic/chat".into(),
        name: "ann".into(),
        format: Format::Json,
        action: "speak".into(),
        qos: 1,
        seed: 1,
    }
}

fn text(frame: &Frame) -> &str {
    match frame {
        Frame::Text(t) => t,
        Frame::Binary(_) => panic!("binary"),
    }
}

fn connected(s: &mut Session, beats: &str) -> Step {
    s.opened();
    s.receive(Frame::Text(format!(
        "CONNECTED\nversion:1.2\nheart-beat:{beats}\nserver:RabbitMQ/3.10.8\n\n\0"
    )))
}

#[test]
fn connects_offering_every_version_and_beats() {
    let mut s = Session::new(setup());
    let step = s.opened();
    let connect = text(&step.send[0]);
    assert!(connect.starts_with("CONNECT\n"), "{connect:?}");
    assert!(connect.contains("accept-version:1.2,1.1,1.0\n"));
    assert!(connect.contains("heart-beat:10000,10000\n"));
    assert!(connect.ends_with("\n\n\0"));
}

#[test]
fn connected_subscribes_and_negotiates_heart_beats() {
    let mut s = Session::new(setup());
    let step = connected(&mut s, "4000,20000");
    let sub = text(&step.send[0]);
    assert!(sub.starts_with("SUBSCRIBE\n") && sub.contains("destination:/topic/chat\n"));
    // We send every max(10000, 20000); we expect theirs every max(10000, 4000).
    assert_eq!(step.timer, Some(20_000));
    assert!(step.incoming.contains(&Incoming::Beat {
        dead_after_ms: 21_000
    }));
    assert!(matches!(step.incoming.last(), Some(Incoming::Ready(n)) if n.contains("STOMP 1.2")));
    assert_eq!(text(&s.on_timer().send[0]), "\n");
    // A server that wants no beats gets none.
    let mut quiet = Session::new(setup());
    let step = connected(&mut quiet, "0,0");
    assert_eq!(step.timer, None);
    assert!(!step
        .incoming
        .iter()
        .any(|i| matches!(i, Incoming::Beat { .. })));
}

#[test]
fn a_line_goes_out_with_a_receipt_that_delivers_it() {
    let mut s = Session::new(setup());
    connected(&mut s, "0,0");
    let send = s.send("c1", "hi: there\n");
    let frame = take_frames(&mut text(&send).to_string()).remove(0).unwrap();
    assert_eq!(frame.command, "SEND");
    assert_eq!(frame.header("destination"), Some("/topic/chat"));
    assert_eq!(frame.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&frame.body).unwrap();
    assert_eq!(body["text"], "hi: there\n");
    assert_eq!(body["id"], "c1");
    assert_eq!(body["name"], "ann");
    let receipt = frame.header("receipt").unwrap().to_string();
    let step = s.receive(Frame::Text(format!("RECEIPT\nreceipt-id:{receipt}\n\n\0")));
    assert_eq!(
        step.incoming,
        vec![Incoming::Acked {
            client_id: "c1".into()
        }]
    );
    // Only once.
    let again = s.receive(Frame::Text(format!("RECEIPT\nreceipt-id:{receipt}\n\n\0")));
    assert!(again.incoming.is_empty());
}

#[test]
fn messages_become_lines_whatever_the_framing() {
    let mut s = Session::new(setup());
    connected(&mut s, "0,0");
    // Two frames and heart-beat EOLs in one WebSocket message, then one split in two.
    let step = s.receive(Frame::Text(
        "\nMESSAGE\ndestination:/topic/chat\nmessage-id:1\n\n{\"name\":\"bob\",\"text\":\"hi\"}\0\r\nMESSAGE\nmessage-id:2\n\nplain words\0\n".into(),
    ));
    assert_eq!(step.incoming.len(), 2, "{:?}", step.incoming);
    assert!(
        matches!(&step.incoming[0], Incoming::Message { from: Some(f), text, .. } if f == "bob" && text == "hi")
    );
    assert!(
        matches!(&step.incoming[1], Incoming::Message { from: None, text, .. } if text == "plain words")
    );
    assert!(s
        .receive(Frame::Text("MESSAGE\ncontent-length:5\n\nab".into()))
        .incoming
        .is_empty());
    let step = s.receive(Frame::Text("\0de\0".into()));
    assert!(matches!(&step.incoming[0], Incoming::Message { text, .. } if text == "ab\0de"));
}

#[test]
fn errors_are_put_in_words_and_name_the_refused_line() {
    let mut s = Session::new(setup());
    connected(&mut s, "0,0");
    let send = s.send("c9", "x");
    let receipt = take_frames(&mut text(&send).to_string()).remove(0).unwrap();
    let receipt = receipt.header("receipt").unwrap();
    let step = s.receive(Frame::Text(format!(
        "ERROR\nmessage:not_found\nreceipt-id:{receipt}\n\nno exchange 'nope' in vhost '/'\0"
    )));
    assert_eq!(
        step.incoming,
        vec![Incoming::ServerError {
            code: "STOMP ERROR".into(),
            message: "not_found: no exchange 'nope' in vhost '/'".into(),
            id: Some("c9".into()),
        }]
    );
}

#[test]
fn headers_are_escaped_both_ways() {
    let frame = StompFrame::new("SEND", &[("destination", "/topic/a:b\\c\nd")], "");
    let encoded = frame.encode();
    assert!(
        encoded.contains("destination:/topic/a\\cb\\\\c\\nd\n"),
        "{encoded:?}"
    );
    let back = take_frames(&mut encoded.clone()).remove(0).unwrap();
    assert_eq!(back, frame);
}

#[test]
fn garbage_is_named_never_a_panic() {
    let mut s = Session::new(setup());
    for junk in [
        "\0",
        "\n\n\0",
        "X\n\n",
        "\u{0}\u{0}MESSAGE",
        "MESSAGE\ncontent-length:99999999999999999999\n\n\0",
        "MESSAGE\ncontent-length:18446744073709551615\n\n\0",
    ] {
        let _ = s.receive(Frame::Text(junk.into()));
    }
    // A content-length that ends inside a character.
    let _ = s.receive(Frame::Text(
        "MESSAGE\ncontent-length:1\n\n\u{20ac}\u{20ac}\0".into(),
    ));
    let step = s.receive(Frame::Binary(vec![0xff, 0xfe]));
    assert!(matches!(step.incoming[0], Incoming::Binary(_)));
    let mut buf = "BOGUS\nx:y\n\nbody\0".to_string();
    assert!(take_frames(&mut buf)[0].is_ok());
    assert!(buf.is_empty());
}

#[test]
fn content_length_inside_a_character() {
    let mut buf = "MESSAGE\ncontent-length:1\n\n\u{20ac}\u{20ac}\0".to_string();
    let frames = take_frames(&mut buf);
    assert!(frames[0].is_err(), "{frames:?}");
}
