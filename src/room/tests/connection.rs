//! The connection's life: drops, retries and their waits, timeouts, the
//! heartbeat, going offline, the user disconnecting.

use super::*;

#[test]
fn a_drop_explains_requeues_and_schedules_a_jittered_retry() {
    let mut room = open(Dialect::Json);
    compose(&mut room, "c1", "unconfirmed");
    let fx = room.handle(
        Input::Closed {
            code: 1001,
            reason: "restart".into(),
            clean: true,
        },
        1_000,
    );
    let last = room.lines().last().unwrap();
    assert_eq!(last.kind, Kind::System(Level::Error));
    assert!(last.text.contains("going away") && last.text.contains("restart"));
    // With ids, an unconfirmed message goes out again (same id) after the next hello.
    assert_eq!(
        deliveries(&room),
        vec![("unconfirmed".into(), Delivery::Queued)]
    );
    assert!(fx.contains(&Effect::SaveOutbox));
    let delay = started(&fx, Timer::Reconnect).expect("a retry is planned");
    assert!((100..=500).contains(&delay), "{delay}");
    assert!(room
        .status_text(1_000)
        .starts_with("Reconnecting in 1 s (retry 1)"));
    compose(&mut room, "c2", "typed while down");
    let fx = room.handle(Input::Timer(Timer::Reconnect), 2_000);
    assert!(opens(&fx, SERVER));
    assert_eq!(
        room.status_text(2_000),
        "Reconnecting to ws://h/ws\u{2026} (retry 1)"
    );
    let fx = room.handle(opened(), 2_100);
    assert_eq!(
        sent_frames(&fx),
        vec![
            r#"{"type":"hello","name":"alice"}"#.to_string(),
            r#"{"type":"message","id":"c1","text":"unconfirmed"}"#.to_string(),
            r#"{"type":"message","id":"c2","text":"typed while down"}"#.to_string(),
        ]
    );
}

#[test]
fn retries_grow_and_an_outage_is_explained_once() {
    let (mut room, _) = connect(Dialect::Auto);
    let mut ceilings = Vec::new();
    let mut now = 0;
    for _ in 0..6 {
        ceilings.push(room.backoff.ceiling());
        let fx = close(&mut room, 1006, now);
        let delay = started(&fx, Timer::Reconnect).unwrap();
        assert!(delay <= *ceilings.last().unwrap());
        now += u64::from(delay);
        room.handle(Input::Timer(Timer::Reconnect), now);
    }
    assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 16000]);
    let errors = room
        .lines()
        .iter()
        .filter(|l| l.kind == Kind::System(Level::Error))
        .count();
    assert_eq!(errors, 1, "{:?}", room.lines());
    assert!(room.lines()[0].text.contains("never opened"));
}

#[test]
fn a_connection_that_stayed_up_resets_the_backoff() {
    let (mut room, _) = connect(Dialect::Text);
    for _ in 0..4 {
        close(&mut room, 1006, 0);
        room.handle(Input::Timer(Timer::Reconnect), 0);
    }
    room.handle(opened(), 0);
    close(&mut room, 1006, 1_000); // up 1 s: not stable
    assert_eq!(room.backoff.attempt(), 5);
    room.handle(Input::Timer(Timer::Reconnect), 1_000);
    room.handle(opened(), 1_000);
    close(&mut room, 1006, 1_000 + STABLE_MS);
    assert_eq!(room.backoff.attempt(), 1, "reset, then one attempt planned");
}

#[test]
fn handshake_timeout_closes_and_retries() {
    let (mut room, _) = connect(Dialect::Auto);
    let fx = room.handle(
        Input::Timer(Timer::ConnectTimeout),
        CONNECT_TIMEOUT_MS.into(),
    );
    assert!(fx.contains(&Effect::Close));
    assert!(started(&fx, Timer::Reconnect).is_some());
    assert!(room.lines()[0].text.contains("handshake"));
}

#[test]
fn disconnect_stops_everything_and_late_events_do_not_restart() {
    let (mut room, _) = connect(Dialect::Auto);
    close(&mut room, 1006, 0);
    let fx = room.handle(Input::Disconnect, 0);
    assert!(fx.contains(&Effect::Close) && fx.contains(&Effect::CancelTimer(Timer::Reconnect)));
    assert_eq!(room.status_text(0), "Disconnected");
    for late in [
        Input::Timer(Timer::Reconnect),
        Input::Online,
        Input::Closed {
            code: 1006,
            reason: String::new(),
            clean: false,
        },
        Input::Timer(Timer::ConnectTimeout),
    ] {
        let fx = room.handle(late, 5);
        assert!(
            !fx.iter()
                .any(|e| matches!(e, Effect::Open { .. } | Effect::StartTimer { .. })),
            "{fx:?}"
        );
    }
    assert_eq!(room.status_text(5), "Disconnected");
    // Reconnect now / Connect bring it back.
    assert!(opens(&room.handle(Input::ReconnectNow, 6), SERVER));
}

#[test]
fn policy_close_is_not_retried() {
    let mut room = open(Dialect::Text);
    let fx = close(&mut room, 1008, 0);
    assert!(started(&fx, Timer::Reconnect).is_none());
    assert_eq!(room.status_text(0), "Disconnected (code 1008)");
}

#[test]
fn offline_waits_and_online_reconnects_at_once() {
    let (mut room, _) = connect(Dialect::Auto);
    close(&mut room, 1006, 0);
    let fx = room.handle(Input::Offline, 0);
    assert!(fx.contains(&Effect::CancelTimer(Timer::Reconnect)));
    assert_eq!(room.conn(), &Conn::Offline);
    assert!(room.handle(Input::Timer(Timer::Reconnect), 0).is_empty());
    let fx = room.handle(Input::Online, 0);
    assert!(opens(&fx, SERVER));
    assert_eq!(room.backoff.attempt(), 0);
    // While open, going offline leaves the socket to the heartbeat.
    room.handle(opened(), 0);
    room.handle(Input::Timer(Timer::Probe), 0);
    assert!(room.handle(Input::Offline, 0).is_empty());
}

#[test]
fn silence_past_the_heartbeat_means_dead() {
    let (mut room, _) = connect(Dialect::Auto);
    room.handle(opened(), 0);
    let fx = room.handle(text(WELCOME_HB), 0);
    assert_eq!(started(&fx, Timer::Heartbeat), Some(1000));
    let fx = room.handle(text(r#"{"type":"ping"}"#), 900);
    assert_eq!(sent_frames(&fx), vec![r#"{"type":"pong"}"#.to_string()]);
    // Heard from 1.1 s ago: fine, check again later.
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 2_000);
    assert_eq!(started(&fx, Timer::Heartbeat), Some(1000));
    // Silent for 3.1 s > 2 × 1 s + 1 s: dead.
    let fx = room.handle(Input::Timer(Timer::Heartbeat), 4_000);
    assert!(fx.contains(&Effect::Close));
    assert!(started(&fx, Timer::Reconnect).is_some());
    assert!(room.lines().last().unwrap().text.contains("No heartbeat"));
}

#[test]
fn never_opened_connection_says_why() {
    let (mut room, _) = connect(Dialect::Auto);
    close(&mut room, 1006, 0);
    assert!(room.lines()[0].text.contains("never opened"));
    // A second close event for the same socket adds nothing.
    close(&mut room, 1006, 0);
    assert_eq!(room.lines().len(), 1);
}
