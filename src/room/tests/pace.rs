//! Pacing: a long queue goes out at the server's rate, and refused lines retry.

use super::*;

#[test]
fn a_long_queue_goes_out_paced_by_the_servers_rate_limit_in_order() {
    let (mut room, _) = connect(Dialect::Auto);
    for i in 1..=6 {
        compose(&mut room, &format!("c{i}"), &format!("m{i}"));
    }
    room.handle(opened(), 0);
    let fx = room.handle(text(WELCOME_RATE), 0);
    // Burst 3: the hello and two messages now; the rest wait for tokens.
    let sent = sent_frames(&fx);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[0].contains("hello") && sent[1].contains("m1") && sent[2].contains("m2"));
    assert_eq!(started(&fx, Timer::Flush), Some(201));
    // A new message waits behind the queue instead of overtaking it.
    assert!(sent_frames(&compose(&mut room, "c7", "m7")).is_empty());
    let fx = room.handle(Input::Timer(Timer::Flush), 201);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"c3","text":"m3"}"#.to_string()]
    );
    let fx = room.handle(Input::Timer(Timer::Flush), 1000);
    let sent = sent_frames(&fx);
    assert_eq!(
        sent.len(),
        3,
        "4 tokens refilled, burst caps at 3: {sent:?}"
    );
    assert!(sent[0].contains("m4") && sent[2].contains("m6"));
    let fx = room.handle(Input::Timer(Timer::Flush), 1200);
    assert!(sent_frames(&fx)[0].contains("m7"));
}

#[test]
fn rate_limited_messages_go_back_in_the_queue_and_retry_by_themselves() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME_RATE), 0);
    compose(&mut room, "c1", "too fast");
    let fx = room.handle(
        text(r#"{"type":"error","code":"rate_limited","message":"slow down","id":"c1"}"#),
        10,
    );
    assert_eq!(
        deliveries(&room),
        vec![("too fast".into(), Delivery::Queued)]
    );
    assert_eq!(started(&fx, Timer::Flush), Some(201));
    let fx = room.handle(Input::Timer(Timer::Flush), 211);
    assert_eq!(
        sent_frames(&fx),
        vec![r#"{"type":"message","id":"c1","text":"too fast"}"#.to_string()]
    );
}

#[test]
fn a_typing_notice_takes_a_token_and_is_skipped_without_one() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME_RATE), 0);
    // Burst 3: three messages use it up; the notice would be refused.
    for i in 1..=3 {
        compose(&mut room, &format!("c{i}"), &format!("m{i}"));
    }
    assert_eq!(room.typing(10), None, "no token: skipped");
    // A token later, it goes (and takes that token).
    assert!(room.typing(250).is_some());
    let fx = room.handle(Input::Timer(Timer::Flush), 260);
    assert!(sent_frames(&fx).is_empty());
    let fx = compose(&mut room, "c4", "m4");
    assert!(sent_frames(&fx).is_empty(), "waits for the next token");
    assert!(started(&fx, Timer::Flush).is_some());
}

#[test]
fn a_refused_frame_without_a_line_waits_quietly() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME_RATE), 0);
    let before = room.lines().len();
    let fx = room.handle(
        text(r#"{"type":"error","code":"rate_limited","message":"slow down"}"#),
        10,
    );
    assert_eq!(
        room.lines().len(),
        before,
        "no error line for a typing notice"
    );
    assert_eq!(started(&fx, Timer::Flush), Some(201));
    // The queue waits for the token the server says is gone.
    assert!(sent_frames(&compose(&mut room, "c1", "m1")).is_empty());
    let fx = room.handle(Input::Timer(Timer::Flush), 211);
    assert!(sent_frames(&fx)[0].contains("m1"));
}

#[test]
fn setup_frames_an_application_ping_and_raw_frames_take_tokens_too() {
    let mut room = Room::new(1);
    let mut config = config(Dialect::Auto);
    config.send = vec![r#"{"type":"join","room":"a"}"#.into()];
    config.ping = Some(r#"{"type":"ping"}"#.into());
    config.ping_ms = 5000;
    room.handle(Input::Connect(config), 0);
    for i in 1..=3 {
        compose(&mut room, &format!("c{i}"), &format!("m{i}"));
    }
    room.handle(opened(), 0);
    // Burst 3: the hello, the join and one line; the server would refuse a
    // fourth frame.
    let fx = room.handle(text(WELCOME_RATE), 0);
    let sent = sent_frames(&fx);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent[1].contains("join") && sent[2].contains("m1"),
        "{sent:?}"
    );
    assert_eq!(started(&fx, Timer::Flush), Some(201));
    // The ping at 200 ms takes the token that came, so m2 waits for the next.
    let fx = room.handle(Input::Timer(Timer::AppPing), 200);
    assert_eq!(sent_frames(&fx), [r#"{"type":"ping"}"#]);
    let fx = room.handle(Input::Timer(Timer::Flush), 201);
    assert!(sent_frames(&fx).is_empty(), "{:?}", sent_frames(&fx));
    // A raw frame takes one as well.
    room.handle(Input::RawSend(Frame::Text("raw".into())), 450);
    let fx = room.handle(Input::Timer(Timer::Flush), 451);
    assert!(sent_frames(&fx).is_empty(), "{:?}", sent_frames(&fx));
    let fx = room.handle(Input::Timer(Timer::Flush), 651);
    assert!(sent_frames(&fx)[0].contains("m2"));
}
