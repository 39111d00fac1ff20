//! The room reducer fed arbitrary sequences of events (socket, timers, user,
//! network, frames drawn from every dialect): never a panic, and after every
//! step the invariants the UI and the outbox rely on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast::config::Config;
use roomcast::protocol::{Dialect, Frame};
use roomcast::room::{Conn, Delivery, Input, Kind, Room, Timer, Unsent};
use std::collections::HashSet;

/// Frames a server might send; `{id}` becomes one of a few ids, so echoes of
/// our own messages, repeats and strangers' ids all happen.
const FRAMES: [&str; 27] = [
    r#"{"type":"welcome","server":"roomcast-server","version":1,"users":["a"],"heartbeat_ms":1000,"rate":{"burst":2,"refill_ms":100}}"#,
    r#"{"type":"welcome","server":"s","version":1,"users":[]}"#,
    r#"{"type":"joined","name":"me","users":["me"],"history":[{"type":"message","id":"{id}","seq":3,"from":"b","text":"old","ts":5}]}"#,
    r#"{"type":"message","id":"{id}","seq":7,"from":"b","text":"hi","ts":9}"#,
    r#"{"type":"message","id":"{id}","from":"me","text":"line","ts":9}"#,
    r#"{"type":"error","code":"rate_limited","message":"slow","id":"{id}"}"#,
    r#"{"type":"error","code":"too_big","message":"big","id":"{id}"}"#,
    r#"{"type":"error","code":"rate_limited","message":"slow"}"#,
    r#"{"type":"ping"}"#,
    r#"{"type":"presence","users":["a","b"]}"#,
    "line",
    "0{\"sid\":\"s\",\"pingInterval\":300,\"pingTimeout\":200}",
    "40",
    "42[\"chat message\",\"line\"]",
    "2",
    "41",
    r#"{"user":"x","text":"line","id":"{id}"}"#,
    // STOMP, Action Cable, SockJS, a batching hub.
    "CONNECTED\nversion:1.2\nheart-beat:1000,1000\n\n\0",
    "MESSAGE\ndestination:/topic/chat\n\n{\"id\":\"{id}\",\"name\":\"me\",\"text\":\"line\"}\0",
    "RECEIPT\nreceipt-id:r-0\n\n\0",
    "ERROR\nmessage:nope\nreceipt-id:r-1\n\n\0",
    r#"{"type":"welcome"}"#,
    r#"{"identifier":"{\"channel\":\"ChatChannel\"}","type":"confirm_subscription"}"#,
    "o",
    r#"a["line","{\"id\":\"{id}\",\"text\":\"line\"}"]"#,
    r#"c[3000,"Go away!"]"#,
    "line\nbob 1\nline\n",
];
const CODES: [u16; 8] = [1000, 1001, 1003, 1006, 1008, 1009, 1011, 4000];
const TIMERS: [Timer; 7] = [
    Timer::Probe,
    Timer::ConnectTimeout,
    Timer::Reconnect,
    Timer::Heartbeat,
    Timer::Flush,
    Timer::Dialect,
    Timer::AppPing,
];

fn check(room: &Room, now: u64) {
    let lines = room.lines();
    assert!(
        lines.windows(2).all(|w| w[0].key < w[1].key),
        "line keys increase"
    );
    let mut own_ids = HashSet::new();
    let mut undelivered = 0;
    for line in lines {
        if let Kind::Own {
            client_id,
            delivery,
            ..
        } = &line.kind
        {
            assert!(
                own_ids.insert(client_id.clone()),
                "own id {client_id} twice in the log"
            );
            if *delivery != Delivery::Delivered {
                undelivered += 1;
            }
        }
    }
    // Memory has a ceiling: at most `keep` lines and one chunk, beside the
    // undelivered ones, which stay.
    let keep = room.keep();
    assert!(
        lines.len() <= keep + keep / 10 + room.outstanding(),
        "{} lines in memory past a ceiling of {keep}",
        lines.len()
    );
    let (seen, tracked) = room.tracked();
    assert!(seen <= keep && tracked <= keep + keep / 10 + room.outstanding());
    // Every message typed is delivered, or still pending (queued, sent or failed).
    assert_eq!(room.outstanding(), undelivered, "outbox and log disagree");
    let unsent = room.unsent();
    let ids: HashSet<_> = unsent.iter().map(|u| &u.id).collect();
    assert_eq!(ids.len(), unsent.len(), "an unsent id twice");
    assert_eq!(
        room.status_text(now).contains("Connected"),
        matches!(room.conn(), Conn::Open(_)),
        "status says Connected exactly when open"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut room = Room::new(1);
    let mut now = 1_000u64;
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let mut composed = 0u32;
    while let Some(op) = next() {
        let arg = next().unwrap_or(0);
        now += u64::from(arg) * 37;
        // Ids as the app makes them: fresh for every message composed here,
        // from an earlier page for restored ones; frames name either kind.
        let id = |n: u8| match n & 1 {
            0 => format!("n{}", n / 2 % 4),
            _ => format!("r{}", n / 2 % 4),
        };
        if op % 23 == 22 {
            // The user types (a typing notice, paced like a message).
            let _ = room.typing(now);
            check(&room, now);
            continue;
        }
        let input = match op % 23 {
            0 => Input::Connect(Config {
                // A small memory ceiling now and then, so trimming is exercised.
                keep: if arg & 8 == 0 { 100 } else { 50_000 },
                typed_http: arg & 16 != 0,
                send: if arg & 32 != 0 { vec!["join".into()] } else { Vec::new() },
                ping: (arg & 64 != 0).then(|| "ping".into()),
                ..Config::new(
                    if arg & 128 != 0 { "ws://h:15674/ws" } else { "ws://h/ws" },
                    "me",
                    Dialect::ALL[usize::from(arg) % Dialect::ALL.len()],
                )
            }),
            19 => Input::SockJsInfo(match arg % 3 {
                0 => Ok(true),
                1 => Ok(false),
                _ => Err("HTTP 404".into()),
            }),
            20 => Input::RawSend(Frame::Binary(vec![arg])),
            21 => Input::Opened {
                protocol: ["v12.stomp", "mqtt", "actioncable-v1-json"][usize::from(arg) % 3].into(),
                extensions: String::new(),
            },
            1 => Input::ConnectFailed {
                reason: "bad".into(),
            },
            2 => Input::Opened {
                protocol: String::new(),
                extensions: String::new(),
            },
            3 => Input::Frame(Frame::Text(
                FRAMES[usize::from(arg) % FRAMES.len()].replace("{id}", &id(arg / 16)),
            )),
            4 => Input::Frame(Frame::Binary(vec![arg; usize::from(arg % 8)])),
            5 => Input::Closed {
                code: CODES[usize::from(arg) % CODES.len()],
                reason: String::new(),
                clean: arg & 1 == 0,
            },
            6 => Input::Timer(TIMERS[usize::from(arg) % TIMERS.len()]),
            7 => Input::Disconnect,
            8 => Input::ReconnectNow,
            9 => Input::Online,
            10 => Input::Offline,
            11 => {
                composed += 1;
                Input::Compose {
                    client_id: format!("n{composed}"),
                    text: "line".into(),
                }
            }
            12 => Input::ComposeFile {
                client_id: {
                    composed += 1;
                    format!("n{composed}")
                },
                name: "a.png".into(),
                bytes: vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, arg],
            },
            13 => Input::FileRefused {
                name: "big".into(),
                size: u64::from(arg) << 20,
                unreadable: None,
            },
            14 => Input::SendFailed {
                client_id: id(arg),
                reason: "socket".into(),
            },
            15 => Input::Retry { client_id: id(arg) },
            16 => Input::Discard { client_id: id(arg) },
            17 => Input::OutboxSaved {
                unsaved: vec![id(arg)],
            },
            _ => Input::Restore(vec![Unsent {
                // A file, with or without its bytes kept.
                file: arg & 2 != 0,
                bytes: (arg & 4 != 0).then(|| vec![arg].into()),
                ..Unsent::plain(
                    format!("r{}", arg % 4),
                    "saved".into(),
                    now,
                    (arg & 1 == 1).then(|| "earlier".into()),
                )
            }]),
        };
        let _ = room.handle(input, now);
        check(&room, now);
    }
});
