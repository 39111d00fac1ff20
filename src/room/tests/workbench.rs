//! The workbench's parts in the room: on-connect frames, the application
//! ping and raw frames.

use super::*;

fn with(edit: impl FnOnce(&mut Config)) -> Room {
    let mut room = Room::new(1);
    let mut config = Config::new(SERVER, "alice", Dialect::Text);
    edit(&mut config);
    room.handle(Input::Connect(config), 0);
    room
}

#[test]
fn on_connect_frames_go_first_in_order_on_every_connection() {
    let mut room =
        with(|c| c.send = vec![r#"{"type":"join","room":"a"}"#.into(), "/nick alice".into()]);
    compose(&mut room, "c1", "queued");
    let fx = room.handle(opened(), 1);
    assert_eq!(
        sent_frames(&fx),
        [r#"{"type":"join","room":"a"}"#, "/nick alice", "queued"]
    );
    // Lost and back: the setup again, before anything typed meanwhile.
    close(&mut room, 1006, 2);
    compose(&mut room, "c2", "typed while away");
    room.handle(Input::Timer(Timer::Reconnect), 60_000);
    let fx = room.handle(opened(), 60_001);
    let sent = sent_frames(&fx);
    assert_eq!(
        sent[..3],
        [
            r#"{"type":"join","room":"a"}"#,
            "/nick alice",
            "typed while away"
        ]
    );
}

#[test]
fn the_application_ping_repeats_while_open_and_stops_when_closed() {
    let mut room = with(|c| {
        c.ping = Some(r#"{"type":"ping"}"#.into());
        c.ping_ms = 5000;
    });
    let fx = room.handle(opened(), 1);
    assert_eq!(started(&fx, Timer::AppPing), Some(5000));
    let fx = room.handle(Input::Timer(Timer::AppPing), 5001);
    assert_eq!(sent_frames(&fx), [r#"{"type":"ping"}"#]);
    assert_eq!(started(&fx, Timer::AppPing), Some(5000));
    let fx = close(&mut room, 1006, 6000);
    assert!(fx.contains(&Effect::CancelTimer(Timer::AppPing)));
    assert!(sent_frames(&room.handle(Input::Timer(Timer::AppPing), 10_001)).is_empty());
}

#[test]
fn raw_frames_go_as_typed_and_the_log_says_so() {
    let mut room = with(|_| {});
    let fx = room.handle(Input::RawSend(Frame::Binary(vec![0, 255])), 1);
    assert!(fx.is_empty(), "not connected: nothing sent");
    assert!(room.lines().last().unwrap().text.contains("was not sent"));
    room.handle(opened(), 2);
    let fx = room.handle(Input::RawSend(Frame::Binary(vec![0, 255])), 3);
    assert_eq!(
        fx,
        [Effect::Transmit {
            frame: Frame::Binary(vec![0, 255]),
            client_id: None
        }]
    );
    assert_eq!(
        room.lines().last().unwrap().text,
        "Sent a raw binary frame (2 bytes), bypassing the protocol."
    );
}
