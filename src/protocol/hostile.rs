//! A corpus of hostile frames: what a broken or malicious server or peer can
//! send. Native tests feed every frame to every decoder and to the room; the
//! end-to-end test (`cargo xtask e2e hostile`) serves the same frames from a
//! real misbehaving server to the page. Nothing here is linked into the app.

use super::Frame;

/// Markup and script in every shape a chat field can carry.
const MARKUP: [&str; 6] = [
    "<img src=x onerror=\"window.__pwned=1\">",
    "<script>window.__pwned=1</script>",
    "javascript:window.__pwned=1",
    "<a href=\"javascript:window.__pwned=1\">click</a>",
    "[click](javascript:window.__pwned=1)",
    "<svg onload=\"window.__pwned=1\"></svg><iframe src=\"javascript:window.__pwned=1\">",
];

/// Bytes that are not UTF-8.
pub const INVALID_UTF8: &[u8] = &[b'o', b'k', 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1];

/// Sizes of the two giant frames.
pub const BIG_TEXT: usize = 5 * 1024 * 1024;
pub const BIG_BINARY: usize = 16 * 1024 * 1024;

fn text(s: impl Into<String>) -> Frame {
    Frame::Text(s.into())
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.into()).to_string()
}

/// Every hostile frame with a label saying what it is. `giants` adds the
/// 5 MiB text and 16 MiB binary frames (the native tests that run each frame
/// through every dialect skip them to stay fast, and test them once).
pub fn corpus(giants: bool) -> Vec<(String, Frame)> {
    let mut out: Vec<(String, Frame)> = Vec::new();
    let mut add = |label: &str, frame: Frame| out.push((label.to_string(), frame));

    // Broken JSON.
    add("truncated", text(r#"{"type":"message","from":"a","te"#));
    add("malformed", text(r#"{"type":}"#));
    add("malformed", text("{,}"));
    add("malformed", text("]]]"));
    add("huge number", text("1e999999"));
    add(
        "huge number",
        text(r#"{"type":"message","from":"a","text":"x","ts":1e999999}"#),
    );
    add(
        "huge number",
        text(r#"{"user":"a","text":"x","ts":-1e999999}"#),
    );
    add("huge number", text(r#"{"user":"a","text":"x","ts":1e300}"#));
    add("deep", text("[".repeat(100_000) + &"]".repeat(100_000)));
    add(
        "deep",
        text(r#"{"a":"#.repeat(100_000) + "1" + &"}".repeat(100_000)),
    );
    for v in ["null", "[]", "\"\"", "{}", "true", "0", "-0", "\"\\ud800\""] {
        add("bare value", text(v));
    }

    // Fields of the wrong type.
    for v in [
        r#"{"type":"message","from":5,"text":["x"],"ts":"now"}"#,
        r#"{"type":"message","from":"a","text":"x","ts":1,"seq":-5,"id":{"x":1}}"#,
        r#"{"type":"welcome","server":"s","version":1,"users":"all"}"#,
        r#"{"type":"welcome","server":"s","version":1,"users":[],"heartbeat_ms":0,"rate":{"burst":0,"refill_ms":0}}"#,
        r#"{"type":"joined","name":"x","users":[],"history":"lots"}"#,
        r#"{"type":"joined","name":"","users":[null,1,"x"]}"#,
        r#"{"type":"presence","users":[null,1,"x"]}"#,
        r#"{"type":"presence","users":null}"#,
        r#"{"type":"error","code":1,"message":null}"#,
        r#"{"type":"error","code":"rate_limited","message":"slow down","id":"not-ours"}"#,
        r#"{"type":"ping","extra":[1,2,3]}"#,
        r#"{"type":["message"]}"#,
        r#"{"text":{"nested":1},"user":[1]}"#,
        r#"{"message":"hi","user":{"name":7}}"#,
        r#"{"msg":"hi","author":{"username":"<b>eve</b>"},"id":1.5e300}"#,
    ] {
        add("wrong types", text(v));
    }

    // Markup and javascript: URLs in every field.
    for m in MARKUP {
        let q = json_string(m);
        add("markup as text", text(m));
        add(
            "markup in envelope",
            text(format!(
                r#"{{"type":"message","id":{q},"from":{q},"text":{q},"ts":1}}"#
            )),
        );
        add(
            "markup in chat json",
            text(format!(r#"{{"user":{q},"text":{q},"link":{q},"url":{q}}}"#)),
        );
        add(
            "markup in join",
            text(format!(r#"{{"type":"join","name":{q},"ts":1}}"#)),
        );
        add(
            "markup in presence",
            text(format!(r#"{{"type":"presence","users":[{q}]}}"#)),
        );
        add(
            "markup in error",
            text(format!(r#"{{"type":"error","code":{q},"message":{q}}}"#)),
        );
        add(
            "markup in socket.io",
            text(format!(r#"42["chat message",{q}]"#)),
        );
        add("markup in socket.io", text(format!(r#"42[{q},{q}]"#)));
        add("markup as binary", Frame::Binary(m.as_bytes().to_vec()));
    }

    // socket.io packets gone wrong.
    for v in [
        "0",
        "0{",
        r#"0{"sid":1,"pingInterval":-1,"pingTimeout":1e999}"#,
        r#"0{"sid":"s","pingInterval":0,"pingTimeout":0}"#,
        "2",
        "3",
        "4",
        "40",
        "41",
        "44",
        r#"44{"message":null}"#,
        "45",
        "6",
        "9",
        "42",
        "42[",
        "42[]",
        "42[1,2]",
        "43[]",
        "4-1[]",
        "451-[\"x\",{\"_placeholder\":true,\"num\":0}]",
        "b",
        "\u{0}",
    ] {
        add("socket.io", text(v));
    }

    // Characters that hide, reorder or control.
    add(
        "control",
        text("a\u{0}b\u{7}c\u{1b}[31mred\u{1b}[0m\r\nd\u{8}\u{7f}\u{85}"),
    );
    add("bidi", text("\u{202e}gnp.exe"));
    add(
        "bidi name",
        text(r#"{"type":"message","from":"\u202Eeilah\u2066","text":"\u2067who?","ts":1}"#),
    );
    add(
        "zero-width",
        text("a\u{200b}d\u{200c}m\u{200d}i\u{2060}n\u{feff}"),
    );
    add(
        "zero-width name",
        text(r#"{"type":"message","from":"a\u200bdmin","text":"hi","ts":1}"#),
    );
    add("long word", text("W".repeat(20_000)));
    add("many lines", text("line\n".repeat(20_000)));

    // Empty frames.
    add("empty text", text(""));
    add("empty binary", Frame::Binary(Vec::new()));
    add("invalid UTF-8 binary", Frame::Binary(INVALID_UTF8.to_vec()));
    add(
        "broken PNG",
        Frame::Binary(b"\x89PNG\r\n\x1a\nnot really".to_vec()),
    );

    if giants {
        let big = "A".repeat(BIG_TEXT);
        add(
            "5 MiB JSON",
            text(format!(
                r#"{{"type":"message","from":"big","text":"{big}","ts":1}}"#
            )),
        );
        add("5 MiB text", text(big));
        add(
            "16 MiB binary",
            Frame::Binary([0x00, 0xff].repeat(BIG_BINARY / 2)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::protocol::{decode, Dialect};
    use crate::room::{Input, Kind, Room};
    use crate::text::MAX_TEXT_BYTES;
    use std::time::Instant;

    /// An open room of each dialect, past its handshake.
    fn open_room(dialect: Dialect) -> Room {
        let mut room = Room::new(7);
        room.handle(Input::Connect(Config::new("ws://h/ws", "me", dialect)), 0);
        room.handle(
            Input::Opened {
                protocol: String::new(),
                extensions: String::new(),
            },
            1,
        );
        if dialect == Dialect::SocketIo {
            for f in [
                r#"0{"sid":"s","pingInterval":25000,"pingTimeout":20000}"#,
                "40",
            ] {
                room.handle(Input::Frame(Frame::Text(f.into())), 2);
            }
        }
        room
    }

    fn check(room: &Room, label: &str) {
        for line in room.lines() {
            assert!(
                line.text.len() <= MAX_TEXT_BYTES + 64,
                "{label}: a line of {} bytes was kept whole",
                line.text.len()
            );
            if let Kind::Peer { from: Some(from) } = &line.kind {
                assert!(
                    !from.contains('\u{202e}') && !from.contains('\u{200b}'),
                    "{label}: {from:?}"
                );
            }
        }
    }

    #[test]
    fn every_decoder_and_the_room_survive_the_corpus() {
        for dialect in Dialect::ALL {
            let mut room = open_room(dialect);
            for (i, (label, frame)) in corpus(false).into_iter().enumerate() {
                let _ = decode(dialect, "chat message", frame.clone());
                room.handle(Input::Frame(frame), 10 + i as u64);
                check(&room, &label);
            }
            // Still a room: a last ordinary line shows.
            let before = room.lines().len();
            room.handle(
                Input::Frame(Frame::Text("last ordinary line".into())),
                99_999,
            );
            // Session dialects show only what comes inside their own frames.
            let dialect_shows_it = matches!(
                dialect,
                Dialect::Auto | Dialect::Text | Dialect::Json | Dialect::SockJs
            );
            if dialect_shows_it {
                assert!(room.lines().len() > before, "{dialect:?}");
                assert_eq!(room.lines().last().unwrap().text, "last ordinary line");
            }
        }
    }

    #[test]
    fn giant_frames_are_clipped_quickly() {
        let started = Instant::now();
        let mut room = open_room(Dialect::Auto);
        for (label, frame) in corpus(true).into_iter().rev().take(3) {
            room.handle(Input::Frame(frame), 10);
            check(&room, &label);
        }
        let texts: Vec<&str> = room.lines().iter().map(|l| l.text.as_str()).collect();
        assert!(
            texts
                .iter()
                .any(|t| t.ends_with("[truncated: 8 KiB of 5 MiB]")),
            "{:?}",
            texts
                .iter()
                .map(|t| &t[t.len().saturating_sub(40)..])
                .collect::<Vec<_>>()
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("Binary frame, 16777216 bytes")),
            "no description of the 16 MiB binary frame"
        );
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }

    #[test]
    fn a_burst_of_frames_is_linear() {
        // The best of three runs at two sizes, four times apart: linear work
        // takes about 4x as long, a quadratic path about 16x.
        let burst = |n: u64| {
            (0..3)
                .map(|_| {
                    let mut room = open_room(Dialect::Auto);
                    let started = Instant::now();
                    for i in 0..n {
                        let frame = format!(
                            r#"{{"type":"message","id":"b{i}","from":"x","text":"{i}","ts":1}}"#
                        );
                        room.handle(Input::Frame(Frame::Text(frame)), i);
                    }
                    assert!(room.lines().len() as u64 >= n);
                    started.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        let (small, large) = (burst(4_000), burst(16_000));
        assert!(
            large < small * 8,
            "4,000 frames took {small:?}, 16,000 took {large:?}: not linear"
        );
        assert!(large.as_secs() < 3, "{large:?}");
    }
}
