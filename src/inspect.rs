//! The frame inspector's model, pure: a bounded record of the frames in
//! and out, what the dialect makes of each, totals and rates per
//! direction, hex dumps, and raw frames typed as text, hex or base64. The
//! driver keeps one only while the Frames panel is open (closed, it costs
//! nothing).

use crate::i18n::t;
use crate::protocol::{socketio, Dialect, Frame};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::rc::Rc;

/// Frames held at most; older ones leave.
pub const KEEP: usize = 500;
/// Bytes of one frame kept for showing and copying.
pub const BODY_BYTES: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
}

/// One frame as the inspector shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Increases by one per frame recorded: a key for the view.
    pub n: u64,
    pub dir: Dir,
    pub at: u64,
    pub binary: bool,
    pub size: usize,
    /// What the dialect made of it, e.g. `42 chat message`, `MESSAGE`.
    pub summary: String,
    /// The frame's bytes, at most [`BODY_BYTES`].
    pub body: Rc<[u8]>,
}

impl Record {
    /// The body as a person reads it: the text, or a hex dump with UTF-8.
    pub fn shown(&self) -> String {
        if self.binary {
            hexdump(&self.body)
        } else {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }
}

/// Count and bytes in one direction, and the frames of the current
/// second and the one before (a rate without a list of times).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub frames: u64,
    pub bytes: u64,
    /// (second, frames in it) for the current and the previous second.
    seconds: [(u64, u64); 2],
}

impl Totals {
    fn count(&mut self, now: u64) {
        let second = now / 1000;
        if self.seconds[1].0 != second {
            self.seconds = [self.seconds[1], (second, 0)];
        }
        self.seconds[1].1 += 1;
    }

    /// Frames per second at `now`: those of the last whole second (an
    /// integer: float formatting would add ~11 KB to the wasm).
    pub fn rate(&self, now: u64) -> u64 {
        let second = now / 1000;
        match self.seconds {
            [_, (s, n)] if s + 1 == second => n,
            [(s, n), (current, _)] if current == second && s + 1 == second => n,
            _ => 0,
        }
    }
}

/// The inspector's state.
#[derive(Clone, Debug, Default)]
pub struct FrameLog {
    records: VecDeque<Record>,
    pub inbound: Totals,
    pub outbound: Totals,
    /// Paused: totals still count, the list holds still.
    pub paused: bool,
    next: u64,
}

impl FrameLog {
    pub fn records(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.records.iter()
    }

    /// Increases with every frame seen: what re-renders the panel.
    pub fn rev(&self) -> u64 {
        self.inbound.frames + self.outbound.frames + self.next
    }

    /// Records one frame at `now`, read as `dialect` speaks.
    pub fn record(&mut self, dir: Dir, frame: &Frame, dialect: Dialect, now: u64) {
        let (bytes, binary) = match frame {
            Frame::Text(t) => (t.as_bytes(), false),
            Frame::Binary(b) => (&b[..], true),
        };
        let totals = match dir {
            Dir::In => &mut self.inbound,
            Dir::Out => &mut self.outbound,
        };
        totals.frames += 1;
        totals.bytes += bytes.len() as u64;
        totals.count(now);
        if self.paused {
            return;
        }
        self.next += 1;
        if self.records.len() >= KEEP {
            self.records.pop_front();
        }
        self.records.push_back(Record {
            n: self.next,
            dir,
            at: now,
            binary,
            size: bytes.len(),
            summary: describe(frame, dialect),
            body: bytes[..bytes.len().min(BODY_BYTES)].into(),
        });
    }
}

/// What a frame is in `dialect`, in a few words.
pub fn describe(frame: &Frame, dialect: Dialect) -> String {
    let text = match frame {
        Frame::Binary(bytes) if dialect == Dialect::Mqtt => return mqtt_kind(bytes).into(),
        Frame::Binary(_) => return "binary".into(),
        Frame::Text(text) => text.as_str(),
    };
    // SockJS framing, whatever is inside.
    match (text.as_bytes().first(), text.len()) {
        (Some(b'o'), 1) => return "SockJS open".into(),
        (Some(b'h'), 1) => return "SockJS heartbeat".into(),
        (Some(b'a' | b'c'), _) if text[1..].starts_with('[') => {
            let kind = if text.starts_with('a') {
                "messages"
            } else {
                "close"
            };
            return format!("SockJS {kind}");
        }
        _ => {}
    }
    match dialect {
        Dialect::SocketIo => socketio_kind(text),
        Dialect::Stomp => match text.trim_start_matches(['\n', '\r']).split('\n').next() {
            Some("") | None => "STOMP heart-beat".into(),
            Some(command) => command.trim_start_matches("[\"").to_string(),
        },
        _ => json_kind(text),
    }
}

/// `42 chat message`, `2 ping`, `40 connect`.
fn socketio_kind(text: &str) -> String {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let name = match socketio::parse(text) {
        socketio::Packet::Event { name, .. } | socketio::Packet::BinaryEvent { name, .. } => name,
        socketio::Packet::Open { .. } => "open".into(),
        socketio::Packet::Ping => "ping".into(),
        socketio::Packet::Pong => "pong".into(),
        socketio::Packet::Connected { .. } => "connect".into(),
        socketio::Packet::Disconnected { .. } => "disconnect".into(),
        socketio::Packet::ConnectError { .. } => "connect_error".into(),
        socketio::Packet::Ack { .. } => "ack".into(),
        _ => "packet".into(),
    };
    format!("{digits} {name}")
}

/// A JSON object's `type` (or `command`), else `JSON` or `text`.
fn json_kind(text: &str) -> String {
    let trimmed = text.trim_start();
    if !trimmed.starts_with(['{', '[']) {
        return "text".into();
    }
    match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(value) => ["type", "command"]
            .iter()
            .find_map(|k| value.get(*k).and_then(|v| v.as_str()))
            .map_or_else(|| "JSON".to_string(), String::from),
        Err(_) => "text".into(),
    }
}

/// An MQTT packet's name from its first byte.
fn mqtt_kind(bytes: &[u8]) -> &'static str {
    const NAMES: [&str; 16] = [
        "MQTT reserved",
        "CONNECT",
        "CONNACK",
        "PUBLISH",
        "PUBACK",
        "PUBREC",
        "PUBREL",
        "PUBCOMP",
        "SUBSCRIBE",
        "SUBACK",
        "UNSUBSCRIBE",
        "UNSUBACK",
        "PINGREQ",
        "PINGRESP",
        "DISCONNECT",
        "AUTH",
    ];
    bytes
        .first()
        .map_or("empty", |b| NAMES[usize::from(b >> 4)])
}

/// Sixteen bytes a row: offset, hex, and the bytes as UTF-8 (dots elsewhere).
pub fn hexdump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 + 16);
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x} ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, " {b:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  ");
        out.extend(chunk.iter().map(|&b| match b {
            0x20..=0x7e => b as char,
            _ => '.',
        }));
        out.push('\n');
    }
    out
}

/// How a raw frame was typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawKind {
    Text,
    Hex,
    Base64,
}

impl RawKind {
    pub fn parse(value: &str) -> RawKind {
        match value {
            "hex" => RawKind::Hex,
            "base64" => RawKind::Base64,
            _ => RawKind::Text,
        }
    }
}

/// The frame a person typed: text as it is; hex (spaces, colons and `0x`
/// allowed) or base64 as a binary frame. `Err` says what is wrong.
pub fn parse_raw(kind: RawKind, input: &str) -> Result<Frame, String> {
    match kind {
        RawKind::Text => Ok(Frame::Text(input.to_string())),
        RawKind::Hex => {
            let digits: String = input
                .replace("0x", "")
                .chars()
                .filter(|c| !c.is_whitespace() && *c != ':' && *c != ',')
                .collect();
            if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(t("Hex digits are 0-9 and a-f.").into());
            }
            if digits.len() % 2 != 0 {
                return Err(t("Hex needs two digits per byte.").into());
            }
            (0..digits.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&digits[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map(Frame::Binary)
                .map_err(|_| t("Hex digits are 0-9 and a-f.").into())
        }
        RawKind::Base64 => crate::protocol::base64::decode(input.trim())
            .map(Frame::Binary)
            .ok_or_else(|| t("That is not base64.").into()),
    }
}

#[cfg(test)]
mod tests;
