use super::*;
use crate::protocol::session::Format;

fn setup(qos: u8) -> Setup {
    Setup {
        room: "chat".into(),
        name: "ann".into(),
        format: Format::Json,
        action: String::new(),
        qos,
        seed: 0xabc,
    }
}

fn bytes(frame: &Frame) -> &[u8] {
    match frame {
        Frame::Binary(b) => b,
        Frame::Text(_) => panic!("text"),
    }
}

const CONNACK_OK: [u8; 4] = [0x20, 2, 0, 0];

#[test]
fn connect_is_mqtt_3_1_1_with_a_clean_session() {
    let mut s = Session::new(setup(1));
    let step = s.opened();
    let c = bytes(&step.send[0]);
    assert_eq!(c[0], 0x10);
    assert_eq!(&c[2..10], b"\x00\x04MQTT\x04\x02");
    assert_eq!(u16::from_be_bytes([c[10], c[11]]), KEEPALIVE_S);
    assert!(std::str::from_utf8(&c[14..])
        .unwrap()
        .starts_with("roomcast-"));
    assert_eq!(usize::from(c[1]), c.len() - 2);
}

#[test]
fn connack_subscribes_then_suback_is_ready() {
    let mut s = Session::new(setup(1));
    s.opened();
    let step = s.receive(Frame::Binary(CONNACK_OK.to_vec()));
    assert_eq!(bytes(&step.send[0]), &subscribe(1, "chat", 1)[..]);
    assert_eq!(step.timer, Some(15_000));
    assert_eq!(bytes(&s.on_timer().send[0]), &PINGREQ);
    let step = s.receive(Frame::Binary(vec![0x90, 3, 0, 1, 1]));
    assert!(matches!(&step.incoming[0], Incoming::Ready(n) if n.contains("chat")));
    let refused = s.receive(Frame::Binary(vec![0x90, 3, 0, 1, 0x80]));
    assert!(matches!(&refused.incoming[0], Incoming::ServerError { .. }));
}

#[test]
fn refusals_are_in_words() {
    let mut s = Session::new(setup(1));
    s.opened();
    let step = s.receive(Frame::Binary(vec![0x20, 2, 0, 5]));
    assert_eq!(
        step.incoming,
        vec![Incoming::ServerClosed(
            "the MQTT broker refused the connection: not authorized".into()
        )]
    );
}

#[test]
fn qos1_publish_is_delivered_by_its_puback() {
    let mut s = Session::new(setup(1));
    s.opened();
    s.receive(Frame::Binary(CONNACK_OK.to_vec()));
    let p = s.publish("c1", "hi".as_bytes(), true);
    let packets = take_packets(&mut bytes(&p).to_vec()).unwrap();
    let Packet::Publish { topic, id, payload } = &packets[0] else {
        panic!("{packets:?}")
    };
    assert_eq!((topic.as_str(), bytes(&p)[0]), ("chat", 0x32));
    let body: serde_json::Value = serde_json::from_slice(payload).unwrap();
    assert_eq!(
        (body["id"].as_str(), body["text"].as_str()),
        (Some("c1"), Some("hi"))
    );
    let id = id.unwrap().to_be_bytes();
    let step = s.receive(Frame::Binary(vec![0x40, 2, id[0], id[1]]));
    assert_eq!(
        step.incoming,
        vec![Incoming::Acked {
            client_id: "c1".into()
        }]
    );
    // QoS 0: no packet id, nothing to wait for.
    let mut s0 = Session::new(setup(0));
    assert_eq!(bytes(&s0.publish("c2", b"x", true))[0], 0x30);
}

#[test]
fn incoming_publishes_are_lines_split_or_joined_across_frames() {
    let mut s = Session::new(setup(1));
    s.opened();
    let mut wire = CONNACK_OK.to_vec();
    wire.extend(publish(
        "chat",
        Some(7),
        br#"{"name":"bob","text":"hello"}"#,
    ));
    wire.extend(publish("chat", None, b"plain"));
    let (a, b) = wire.split_at(9);
    let first = s.receive(Frame::Binary(a.to_vec()));
    assert!(!first
        .incoming
        .iter()
        .any(|i| matches!(i, Incoming::Message { .. })));
    let step = s.receive(Frame::Binary(b.to_vec()));
    assert!(
        matches!(&step.incoming[0], Incoming::Message { from: Some(f), text, .. } if f == "bob" && text == "hello")
    );
    assert!(matches!(&step.incoming[1], Incoming::Message { text, .. } if text == "plain"));
    // QoS 1 from the broker is acknowledged.
    assert!(step.send.contains(&Frame::Binary(puback(7))));
}

#[test]
fn long_payloads_use_multi_byte_lengths() {
    let big = vec![b'x'; 200_000];
    let mut wire = publish("chat", None, &big);
    let packets = take_packets(&mut wire).unwrap();
    assert!(matches!(&packets[0], Packet::Publish { payload, .. } if payload.len() == 200_000));
    assert!(wire.is_empty());
}

#[test]
fn garbage_is_named_never_a_panic() {
    let mut s = Session::new(setup(1));
    for junk in [
        vec![0xff, 0xff, 0xff, 0xff, 0xff],
        vec![0x30, 1, 0],
        vec![0x20],
        vec![0x90, 0],
    ] {
        let _ = s.receive(Frame::Binary(junk));
    }
    assert!(matches!(
        &s.receive(Frame::Text("hello".into())).incoming[0],
        Incoming::Notice(n) if n.contains("text frame")
    ));
}
