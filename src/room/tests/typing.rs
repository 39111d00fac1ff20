//! Typing notices: throttled going out, shown, and expired.

use super::*;

#[test]
fn typing_is_throttled_shown_and_expires() {
    let mut room = open(Dialect::Json);
    room.handle(text(WELCOME), 1);
    room.handle(
        text(r#"{"type":"joined","name":"alice","users":["alice","bob"]}"#),
        2,
    );
    assert_eq!(
        room.typing(10),
        Some(Frame::Text(r#"{"type":"typing"}"#.into()))
    );
    assert_eq!(room.typing(10 + TYPING_EVERY_MS - 1), None, "throttled");
    assert!(room.typing(10 + TYPING_EVERY_MS).is_some());
    compose(&mut room, "c1", "done typing");
    assert!(
        room.typing(10 + TYPING_EVERY_MS + 1).is_some(),
        "a new message, new news"
    );

    let fx = room.handle(text(r#"{"type":"typing","name":"bob"}"#), 100);
    assert_eq!(started(&fx, Timer::Typing), Some(TYPING_SHOWS_MS as u32));
    room.handle(text(r#"{"type":"typing","name":"alice"}"#), 100);
    assert_eq!(room.typists(101), ["bob"], "not ourselves");
    room.handle(Input::Timer(Timer::Typing), 100 + TYPING_SHOWS_MS);
    assert!(room.typists(100 + TYPING_SHOWS_MS).is_empty(), "expired");
    room.handle(text(r#"{"type":"typing","name":"bob"}"#), 200);
    room.handle(
        text(r#"{"type":"message","id":"b1","from":"bob","text":"hi","ts":5}"#),
        201,
    );
    assert!(room.typists(202).is_empty(), "bob sent it");
    // Plain-text servers have no such frame.
    let mut plain = open(Dialect::Text);
    assert_eq!(plain.typing(5), None);
}
