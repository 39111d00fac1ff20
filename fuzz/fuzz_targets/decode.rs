//! Every dialect's decoder on arbitrary frames: never a panic. The first byte
//! picks the dialect and whether the frame is text or binary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast::protocol::{decode, socketio, Dialect, Frame};

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
    }
    let _ = decode(dialect, "chat message", frame);
});
