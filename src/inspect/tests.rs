use super::*;

#[test]
fn frames_are_counted_described_and_bounded() {
    let mut log = FrameLog::default();
    let out = Frame::Text(r#"42["chat message","hi"]"#.into());
    log.record(Dir::Out, &out, Dialect::SocketIo, 1_000);
    log.record(Dir::In, &Frame::Text("2".into()), Dialect::SocketIo, 1_001);
    let r: Vec<&Record> = log.records().collect();
    assert_eq!(
        (r[0].dir, r[0].size, r[0].summary.as_str()),
        (Dir::Out, 23, "42 chat message")
    );
    assert_eq!(r[1].summary, "2 ping");
    assert_eq!((log.outbound.frames, log.outbound.bytes), (1, 23));
    for i in 0..(KEEP as u64 + 10) {
        log.record(
            Dir::In,
            &Frame::Binary(vec![0; 3]),
            Dialect::Text,
            2_000 + i,
        );
    }
    assert_eq!(log.records().count(), KEEP);
    assert_eq!(log.inbound.frames, KEEP as u64 + 11);
    // Frames at 2.000 to 2.509 s: in the next second the rate is 510/s.
    assert_eq!(log.inbound.rate(3_100), 510);
    assert_eq!(log.inbound.rate(2_600), 1, "the second before had one");
    assert_eq!(log.inbound.rate(9_000), 0);
}

#[test]
fn paused_it_counts_but_holds_the_list_still() {
    let mut log = FrameLog {
        paused: true,
        ..FrameLog::default()
    };
    let rev = log.rev();
    log.record(Dir::In, &Frame::Text("x".into()), Dialect::Text, 1);
    assert_eq!((log.records().count(), log.inbound.frames), (0, 1));
    assert_ne!(log.rev(), rev, "the totals show the change");
}

#[test]
fn each_dialect_names_its_frames() {
    let d = |t: &str, dialect| describe(&Frame::Text(t.into()), dialect);
    assert_eq!(
        d("MESSAGE\ndestination:/t\n\nhi\0", Dialect::Stomp),
        "MESSAGE"
    );
    assert_eq!(d("\n", Dialect::Stomp), "STOMP heart-beat");
    assert_eq!(d(r#"a["x"]"#, Dialect::Stomp), "SockJS messages");
    assert_eq!(d("o", Dialect::SockJs), "SockJS open");
    assert_eq!(d(r#"{"type":"welcome"}"#, Dialect::ActionCable), "welcome");
    assert_eq!(
        d(r#"{"command":"subscribe"}"#, Dialect::ActionCable),
        "subscribe"
    );
    assert_eq!(d("[1,2]", Dialect::Auto), "JSON");
    assert_eq!(d("hello", Dialect::Auto), "text");
    assert_eq!(
        describe(&Frame::Binary(vec![0x30, 0]), Dialect::Mqtt),
        "PUBLISH"
    );
    assert_eq!(
        describe(&Frame::Binary(vec![0xd0, 0]), Dialect::Mqtt),
        "PINGRESP"
    );
    assert_eq!(describe(&Frame::Binary(vec![]), Dialect::Mqtt), "empty");
    assert_eq!(describe(&Frame::Binary(vec![1]), Dialect::Text), "binary");
}

#[test]
fn binary_shows_as_hex_and_utf8() {
    let dump = hexdump(b"Hello, \x00\xffworld! and more");
    assert_eq!(
        dump.lines().next(),
        Some("00000000  48 65 6c 6c 6f 2c 20 00 ff 77 6f 72 6c 64 21 20  Hello, ..world! ")
    );
    assert!(dump
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("00000010  61 6e 64"));
}

#[test]
fn raw_frames_from_text_hex_and_base64() {
    assert_eq!(
        parse_raw(RawKind::Text, "hi\n"),
        Ok(Frame::Text("hi\n".into()))
    );
    assert_eq!(
        parse_raw(RawKind::Hex, "0x00 ff:10,AB"),
        Ok(Frame::Binary(vec![0, 255, 16, 171]))
    );
    assert!(parse_raw(RawKind::Hex, "abc").is_err());
    assert!(parse_raw(RawKind::Hex, "zz").is_err());
    assert!(parse_raw(RawKind::Hex, "éé").is_err());
    assert_eq!(
        parse_raw(RawKind::Base64, " AP8Q "),
        Ok(Frame::Binary(vec![0, 255, 16]))
    );
    assert!(parse_raw(RawKind::Base64, "***").is_err());
    assert_eq!(RawKind::parse("hex"), RawKind::Hex);
}
