//! The broker sessions (STOMP, MQTT, Action Cable) and SockJS framing on
//! arbitrary conversations: never a panic, and every buffer stays bounded.
//! The first byte picks the session; the rest, split at 0xff, are frames,
//! with the timer firing and lines going out between them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast::protocol::session::{Format, Session, Setup};
use roomcast::protocol::{cable, lines, mqtt, sockjs, stomp, Frame};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let setup = Setup {
        room: "/topic/chat".into(),
        name: "fuzz".into(),
        format: if pick & 0x10 == 0 { Format::Json } else { Format::Text },
        action: "speak".into(),
        qos: pick & 1,
        seed: u64::from(pick),
    };
    let mut session = match pick % 3 {
        0 => Session::Stomp(stomp::Session::new(setup)),
        1 => Session::Mqtt(mqtt::Session::new(setup)),
        _ => Session::Cable(cable::Session::new(setup)),
    };
    let _ = session.opened();
    for (i, part) in payload.split(|&b| b == 0xff).enumerate() {
        let frame = if pick & 0x80 != 0 {
            Frame::Binary(part.to_vec())
        } else {
            Frame::Text(String::from_utf8_lossy(part).into_owned())
        };
        if let Frame::Text(text) = &frame {
            let _ = sockjs::parse(text);
            let _ = sockjs::parse_info(text);
            let _ = lines::split(text);
        }
        let _ = session.receive(frame);
        if i % 4 == 3 {
            let _ = session.on_timer();
        }
        let _ = session.emit(&format!("c{i}"), "line");
        let _ = session.emit_file(&format!("f{i}"), part);
    }
    let mut buf = payload.to_vec();
    let _ = mqtt::take_packets(&mut buf);
    let mut text = String::from_utf8_lossy(payload).into_owned();
    let _ = stomp::take_frames(&mut text);
});
