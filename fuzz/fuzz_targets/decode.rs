//! Every dialect's decoder on arbitrary frames: never a panic. The first byte
//! picks the dialect and whether the frame is text or binary. Then the bytes,
//! split at 0xff, are a conversation with one socket.io session (versions,
//! namespaces, acks, attachments), its timer firing between frames; text
//! frames are also read as long-polling bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast::protocol::socketio::{self, Eio, Session};
use roomcast::protocol::{decode, Dialect, Frame};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let dialect = Dialect::ALL[usize::from(pick) % Dialect::ALL.len()];
    let frame = if pick & 0x80 == 0 {
        Frame::Text(String::from_utf8_lossy(payload).into_owned())
    } else {
        Frame::Binary(payload.to_vec())
    };
    if let Frame::Text(text) = &frame {
        let _ = socketio::parse(text);
        // Long-polling bodies of both revisions.
        let _ = socketio::payload::decode(text, socketio::payload::revision(text));
        let _ = socketio::payload::decode(text, Eio::V3);
    }
    let _ = decode(dialect, "chat message", frame);

    let eio = [None, Some(Eio::V3), Some(Eio::V4)][usize::from(pick % 3)];
    let nsp = if pick & 0x40 == 0 { "/" } else { "/chat" };
    let mut session = Session::new("chat message", nsp, eio);
    for (i, part) in payload.split(|&b| b == 0xff).enumerate() {
        let frame = if part.first().is_some_and(|&b| b < 8) {
            Frame::Binary(part.to_vec())
        } else {
            Frame::Text(String::from_utf8_lossy(part).into_owned())
        };
        let _ = session.receive(frame);
        if i % 3 == 2 {
            let _ = session.on_timer();
        }
        let _ = session.emit(&format!("c{i}"), "x");
    }
});
