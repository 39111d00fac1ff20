//! The memory ceiling: a week-long tab holds at most `keep` lines (plus one
//! chunk), and every per-line structure stays bounded with it.

use super::*;

fn peer(i: usize) -> Input {
    text(&format!(
        r#"{{"type":"message","id":"p{i}","from":"bob","text":"line {i}","ts":{i}}}"#
    ))
}

fn room_keeping(keep: usize) -> Room {
    let mut config = config(Dialect::Json);
    config.keep = keep;
    joined_with(config)
}

#[test]
fn the_log_keeps_at_most_keep_lines_and_says_how_many_left() {
    let mut room = room_keeping(100);
    for i in 0..10_000 {
        room.handle(peer(i), 10);
    }
    let len = room.lines().len();
    assert!((100..=110).contains(&len), "{len} lines in memory");
    assert_eq!(
        room.dropped() + len,
        10_000 + 1,
        "every line kept or counted"
    );
    assert_eq!(room.lines().last().unwrap().text, "line 9999");
    // Keys stay increasing, so lookups by key still work after trimming.
    assert!(room.lines().windows(2).all(|w| w[0].key < w[1].key));
    let (seen, own) = room.tracked();
    assert!(seen <= 100, "{seen} ids remembered");
    assert_eq!(own, 0);
}

#[test]
fn an_undelivered_line_stays_past_the_ceiling_and_is_delivered_once() {
    let mut room = room_keeping(100);
    room.handle(Input::Disconnect, 3);
    compose(&mut room, "c1", "still here");
    for i in 0..1_000 {
        room.handle(peer(i), 10);
    }
    assert_eq!(
        deliveries(&room),
        vec![("still here".into(), Delivery::Queued)],
        "the undelivered line is pinned in memory"
    );
    assert_eq!(room.unsent().len(), 1);
    room.handle(Input::ReconnectNow, 20);
    let fx = room.handle(opened(), 21);
    assert_eq!(sent_frames(&fx).len(), 2, "hello and the line: {fx:?}");
    let echo = r#"{"type":"message","id":"c1","from":"alice","text":"still here"}"#;
    room.handle(text(echo), 23);
    assert_eq!(
        deliveries(&room),
        vec![("still here".into(), Delivery::Delivered)]
    );
}

#[test]
fn a_late_repeat_of_an_own_line_that_left_memory_stays_hidden() {
    let mut room = room_keeping(100);
    compose(&mut room, "c1", "early");
    let echo = r#"{"type":"message","id":"c1","from":"alice","text":"early"}"#;
    room.handle(text(echo), 5);
    // Enough for the line to leave memory, within the ids still remembered
    // (servers resend their recent history after a drop).
    for i in 0..120 {
        room.handle(peer(i), 10);
    }
    assert!(room.lines().iter().all(|l| l.text != "early"));
    let before = room.lines().len();
    room.handle(text(echo), 11);
    assert_eq!(room.lines().len(), before, "the repeat is not shown as new");
}

#[test]
fn own_ids_are_bounded_in_a_long_session() {
    let mut room = room_keeping(100);
    for i in 0..2_000 {
        let id = format!("c{i}");
        compose(&mut room, &id, "x");
        let echo = format!(r#"{{"type":"message","id":"{id}","from":"alice","text":"x"}}"#);
        room.handle(text(&echo), 10);
    }
    let (seen, own) = room.tracked();
    assert!(own <= 110, "{own} own ids tracked");
    assert!(seen <= 100, "{seen} ids remembered");
    assert_eq!(room.outstanding(), 0);
}

#[test]
fn history_since_a_key_is_what_a_save_up_to_it_has_not_kept() {
    let mut room = room_keeping(1000);
    for i in 0..10 {
        room.handle(peer(i), 10);
    }
    let upto = room.lines()[room.lines().len() - 4].key;
    let tail: Vec<_> = room
        .history_since(upto, 5000)
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(tail, ["line 7", "line 8", "line 9"]);
    assert_eq!(room.history_since(0, 5000).len(), 10);
}

/// Found by the `room` fuzz target: connecting again with a smaller `keep`
/// left the lines above the new ceiling until the next one came.
#[test]
fn a_smaller_ceiling_on_a_new_connect_holds_at_once() {
    let mut room = room_keeping(1000);
    for i in 0..500 {
        room.handle(peer(i), 10);
    }
    let mut smaller = config(Dialect::Json);
    smaller.keep = 100;
    room.handle(Input::Connect(smaller), 20);
    let len = room.lines().len();
    assert!((100..=110).contains(&len), "{len} lines in memory");
    assert_eq!(room.lines().last().unwrap().text, "line 499");
    assert_eq!(room.dropped() + len, 500 + 1, "every line kept or counted");
}
