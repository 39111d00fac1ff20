//! The room over the broker dialects (STOMP, MQTT, Action Cable), SockJS
//! framing and batching hubs: the outbox, exactly-once delivery and
//! reconnects work unchanged on all of them.

use super::*;
use crate::protocol::lines::Lines;

fn with(server: &str, dialect: Dialect, edit: impl FnOnce(&mut Config)) -> (Room, Vec<Effect>) {
    let mut room = Room::new(1);
    let mut config = Config::new(server, "alice", dialect);
    edit(&mut config);
    let fx = room.handle(Input::Connect(config), 0);
    (room, fx)
}

fn opened_with(protocol: &str) -> Input {
    Input::Opened {
        protocol: protocol.into(),
        extensions: String::new(),
    }
}

fn stomp_open(room: &mut Room) {
    let fx = room.handle(opened_with("v12.stomp"), 0);
    assert!(sent_frames(&fx)[0].starts_with("CONNECT\n"));
    assert!(
        !room.status_text(0).contains("Connected"),
        "not before CONNECTED"
    );
    let fx = room.handle(text("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0"), 5);
    assert!(sent_frames(&fx)[0].starts_with("SUBSCRIBE\n"));
    assert!(matches!(room.conn(), Conn::Open(Wire::Session)));
}

fn receipt_of(frame: &str) -> String {
    let frame = crate::protocol::stomp::take_frames(&mut frame.to_string())
        .remove(0)
        .unwrap();
    frame.header("receipt").unwrap().to_string()
}

#[test]
fn stomp_queues_until_subscribed_then_delivers_by_receipt_and_hides_its_echo() {
    let (mut room, fx) = with("ws://h:15674/ws", Dialect::Auto, |_| {});
    // Detected from RabbitMQ's web-stomp address, offering STOMP's subprotocols.
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Open { protocols, .. } if protocols[0] == "v12.stomp")));
    compose(&mut room, "c1", "queued while connecting");
    stomp_open(&mut room);
    assert!(
        room.status_text(9).contains("(STOMP, detected)"),
        "{}",
        room.status_text(9)
    );
    // Sent as soon as the subscription settled, not before.
    assert_eq!(
        deliveries(&room)[0],
        ("queued while connecting".into(), Delivery::Sent)
    );
    let fx = compose(&mut room, "c2", "hello broker");
    let send2 = sent_frames(&fx).remove(0);
    assert!(send2.contains("destination:/topic/chat"));
    room.handle(
        text(&format!("RECEIPT\nreceipt-id:{}\n\n\0", receipt_of(&send2))),
        10,
    );
    // The broadcast of our own line comes back with its id: not a second line.
    room.handle(
        text("MESSAGE\ndestination:/topic/chat\n\n{\"id\":\"c2\",\"name\":\"alice\",\"text\":\"hello broker\"}\0"),
        11,
    );
    room.handle(
        text("MESSAGE\ndestination:/topic/chat\n\n{\"name\":\"bob\",\"text\":\"hi alice\"}\0"),
        12,
    );
    let d = deliveries(&room);
    assert!(
        d.contains(&("hello broker".into(), Delivery::Delivered)),
        "{d:?}"
    );
    let peers: Vec<&str> = room
        .lines()
        .iter()
        .filter(|l| matches!(l.kind, Kind::Peer { .. }))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(peers, ["hi alice"]);
}

#[test]
fn stomp_error_fails_the_line_it_names_and_a_restart_resends_the_rest() {
    let (mut room, _) = with("ws://h/stomp", Dialect::Auto, |c| {
        c.room = "/topic/x".into()
    });
    stomp_open(&mut room);
    let send = sent_frames(&compose(&mut room, "c1", "one")).remove(0);
    compose(&mut room, "c2", "two");
    room.handle(
        text(&format!(
            "ERROR\nmessage:access_refused\nreceipt-id:{}\n\n\0",
            receipt_of(&send)
        )),
        20,
    );
    let d = deliveries(&room);
    assert!(
        matches!(&d[0].1, Delivery::Failed(w) if w.contains("access_refused")),
        "{d:?}"
    );
    // The broker restarts: the unconfirmed line goes back in the queue and out again.
    close(&mut room, 1006, 30);
    assert!(matches!(room.conn(), Conn::Reconnecting { .. }));
    room.handle(Input::Timer(Timer::Reconnect), 40_000);
    stomp_open(&mut room);
    let d = deliveries(&room);
    assert_eq!(d[1], ("two".into(), Delivery::Sent), "{d:?}");
}

#[test]
fn mqtt_publishes_at_qos_1_and_puback_delivers() {
    let (mut room, fx) = with("ws://h:8883/mqtt", Dialect::Auto, |_| {});
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Open { protocols, .. } if protocols == &["mqtt"])));
    room.handle(opened_with("mqtt"), 0);
    room.handle(Input::Frame(Frame::Binary(vec![0x20, 2, 0, 0])), 1);
    let fx = room.handle(Input::Frame(Frame::Binary(vec![0x90, 3, 0, 1, 1])), 2);
    assert!(matches!(room.conn(), Conn::Open(Wire::Session)), "{fx:?}");
    let fx = compose(&mut room, "c1", "over mqtt");
    let Some(Effect::Transmit {
        frame: Frame::Binary(publish),
        ..
    }) = fx.first()
    else {
        panic!("{fx:?}")
    };
    let packets = crate::protocol::mqtt::take_packets(&mut publish.clone()).unwrap();
    let crate::protocol::mqtt::Packet::Publish { id: Some(id), .. } = packets[0] else {
        panic!("{packets:?}")
    };
    let id = id.to_be_bytes();
    room.handle(Input::Frame(Frame::Binary(vec![0x40, 2, id[0], id[1]])), 3);
    assert_eq!(
        deliveries(&room),
        [("over mqtt".into(), Delivery::Delivered)]
    );
    assert!(room.status_text(4).contains("MQTT"));
}

#[test]
fn action_cable_is_told_by_the_subprotocol_the_server_chose() {
    let (mut room, _) = with("ws://h/chat", Dialect::Auto, |c| {
        c.subprotocols = vec!["actioncable-v1-json".into()]
    });
    room.handle(opened_with("actioncable-v1-json"), 0);
    let fx = room.handle(text(r#"{"type":"welcome"}"#), 1);
    assert!(sent_frames(&fx)[0].contains(r#""command":"subscribe""#));
    room.handle(
        text(r#"{"identifier":"{\"channel\":\"ChatChannel\"}","type":"confirm_subscription"}"#),
        2,
    );
    assert!(
        room.status_text(3).contains("Action Cable, detected"),
        "{}",
        room.status_text(3)
    );
    // Rails pings every 3 s: silence past the stale limit is a dead connection.
    let fx = room.handle(
        Input::Timer(Timer::Heartbeat),
        2 + crate::protocol::cable::STALE_MS + 10,
    );
    assert!(fx.contains(&Effect::Close));
}

#[test]
fn sockjs_asks_info_then_opens_the_framed_endpoint_and_unwraps_frames() {
    let (mut room, fx) = with("ws://h:9999/chat", Dialect::SockJs, |_| {});
    assert!(fx.contains(&Effect::ProbeSockJs {
        url: "http://h:9999/chat/info".into()
    }));
    let fx = room.handle(Input::SockJsInfo(Ok(true)), 1);
    let url = fx
        .iter()
        .find_map(|e| match e {
            Effect::Open { url, protocols } if protocols.is_empty() => Some(url.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        url.starts_with("ws://h:9999/chat/") && url.ends_with("/websocket"),
        "{url}"
    );
    assert_eq!(url.matches('/').count(), 6, "{url}");
    compose(&mut room, "c1", "hi sockjs");
    room.handle(opened(), 2);
    assert!(!room.status_text(2).contains("Connected"), "waits for o");
    let fx = room.handle(text("o"), 3);
    assert_eq!(
        sent_frames(&fx),
        [r#"["{\"id\":\"c1\",\"name\":\"alice\",\"text\":\"hi sockjs\"}"]"#]
    );
    assert!(room.status_text(3).contains("(SockJS)"));
    room.handle(
        text(r#"a["{\"id\":\"c1\",\"name\":\"alice\",\"text\":\"hi sockjs\"}","plain from node"]"#),
        4,
    );
    room.handle(text("h"), 5);
    assert_eq!(
        deliveries(&room),
        [("hi sockjs".into(), Delivery::Delivered)]
    );
    assert_eq!(room.lines().last().unwrap().text, "plain from node");
    room.handle(text(r#"c[3000,"Go away!"]"#), 6);
    assert!(matches!(room.conn(), Conn::Reconnecting { .. }));
}

#[test]
fn sockjs_without_info_tries_the_raw_endpoint_and_with_websockets_off_says_so() {
    let (mut room, _) = with("ws://h/echo", Dialect::SockJs, |_| {});
    let fx = room.handle(Input::SockJsInfo(Err("HTTP 404".into())), 1);
    assert!(opens(&fx, "ws://h/echo/websocket"));
    assert!(room.lines()[0].text.contains("raw endpoint"));
    let (mut off, _) = with("ws://h/echo", Dialect::SockJs, |_| {});
    off.handle(Input::SockJsInfo(Ok(false)), 1);
    assert!(matches!(off.conn(), Conn::Closed(_)));
    assert!(off.lines()[0]
        .text
        .contains("WebSocket transport turned off"));
}

#[test]
fn stomp_over_sockjs_from_an_http_address_and_a_destination() {
    let (mut room, fx) = with("ws://h:8080/ws", Dialect::Auto, |c| {
        c.typed_http = true;
        c.room = "/topic/public".into();
    });
    assert!(fx.iter().any(|e| matches!(e, Effect::ProbeSockJs { .. })));
    room.handle(Input::SockJsInfo(Ok(true)), 1);
    room.handle(opened(), 2);
    let fx = room.handle(text("o"), 3);
    let sent = sent_frames(&fx);
    assert!(sent[0].starts_with(r#"["CONNECT\n"#), "{sent:?}");
    let fx = room.handle(
        text(r#"a["CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\u0000"]"#),
        4,
    );
    assert!(sent_frames(&fx)[0].starts_with(r#"["SUBSCRIBE\n"#));
    assert!(
        room.status_text(5).contains("STOMP over SockJS, detected"),
        "{}",
        room.status_text(5)
    );
    // An http address that is no SockJS server is a plain WebSocket.
    let (mut plain, _) = with("ws://h:8080/ws", Dialect::Auto, |c| c.typed_http = true);
    let fx = plain.handle(Input::SockJsInfo(Err("HTTP 404".into())), 1);
    assert!(opens(&fx, "ws://h:8080/ws"));
}

#[test]
fn a_batching_hub_is_found_by_our_own_line_inside_a_batch() {
    let mut room = open(Dialect::Text);
    // A person's multi-line message on a server not known to batch: one message.
    room.handle(text("roses are red\nviolets are blue"), 1);
    assert_eq!(
        room.lines().last().unwrap().text,
        "roses are red\nviolets are blue"
    );
    compose(&mut room, "c1", "mine");
    room.handle(text("bob 1\nmine\nbob 2\n"), 2);
    let texts: Vec<&str> = room.lines().iter().map(|l| l.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("joins messages into one frame")),
        "{texts:?}"
    );
    assert_eq!(deliveries(&room), [("mine".into(), Delivery::Delivered)]);
    room.handle(text("x\ny"), 3);
    let last: Vec<&str> = room
        .lines()
        .iter()
        .rev()
        .take(2)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(last, ["y", "x"]);
    // Forced either way.
    let (mut split, _) = with(SERVER, Dialect::Text, |c| c.lines = Lines::Split);
    split.handle(opened(), 0);
    split.handle(text("a\nb"), 1);
    assert_eq!(split.lines().len(), 2);
    let (mut whole, _) = with(SERVER, Dialect::Text, |c| c.lines = Lines::Whole);
    whole.handle(opened(), 0);
    compose(&mut whole, "c1", "mine");
    whole.handle(text("bob\nmine"), 1);
    assert_eq!(whole.lines().last().unwrap().text, "bob\nmine");
}

#[test]
fn an_http_address_whose_info_fails_asks_again_until_a_socket_opens() {
    // `auto` typed as http://: /info does not answer (the server is down),
    // so a plain socket is tried, and fails too.
    let (mut room, _) = with("ws://h:8080/ws", Dialect::Auto, |c| c.typed_http = true);
    let fx = room.handle(Input::SockJsInfo(Err("connection refused".into())), 1);
    assert!(opens(&fx, "ws://h:8080/ws"));
    close(&mut room, 1006, 2);
    // The next attempt asks /info again: a SockJS server may be back.
    let fx = room.handle(Input::Timer(Timer::Reconnect), 60_000);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::ProbeSockJs { .. })),
        "{fx:?}"
    );
    let fx = room.handle(Input::SockJsInfo(Ok(true)), 60_001);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Open { url, .. } if url.ends_with("/websocket"))),
        "{fx:?}"
    );
    // A plain server: once its socket has opened, reconnects go straight to it.
    let (mut plain, _) = with("ws://h:8080/ws", Dialect::Auto, |c| c.typed_http = true);
    plain.handle(Input::SockJsInfo(Err("HTTP 404".into())), 1);
    plain.handle(opened(), 2);
    close(&mut plain, 1006, 3);
    let fx = plain.handle(Input::Timer(Timer::Reconnect), 60_000);
    assert!(!fx.iter().any(|e| matches!(e, Effect::ProbeSockJs { .. })));
    assert!(opens(&fx, "ws://h:8080/ws"));
}
