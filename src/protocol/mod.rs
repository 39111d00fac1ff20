//! Frames ⇄ chat events. Pure: no web-sys here, so everything is tested natively.
//!
//! A [`Dialect`] is what the user picked (or `auto`); [`decode`] turns one
//! WebSocket frame into one [`Incoming`] event, and [`encode_hello`] /
//! [`encode_message`] turn user actions into frames for the [`Wire`] format the
//! session settled on.

pub mod envelope;

use envelope::{ClientFrame, ServerFrame};
use std::fmt::Write as _;

/// How to talk to a server, as chosen in the connect form or `?protocol=`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// Plain text until the server shows it speaks the Roomcast envelope.
    #[default]
    Auto,
    /// Always plain text, never parse JSON.
    Text,
    /// Always the Roomcast JSON envelope.
    Json,
}

impl Dialect {
    /// Every dialect, in the order the connect form lists them.
    pub const ALL: [Dialect; 3] = [Dialect::Auto, Dialect::Text, Dialect::Json];

    /// Parses the value of `?protocol=` (case-insensitive; empty means auto).
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Dialect::Auto),
            "text" => Ok(Dialect::Text),
            "json" => Ok(Dialect::Json),
            "socketio" | "socket.io" => {
                Err("The socket.io protocol is not supported yet: use auto, text or json.".into())
            }
            other => Err(format!(
                "Unknown protocol \u{201c}{other}\u{201d}: use auto, text or json."
            )),
        }
    }

    /// The name used in URLs and the connect form.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Auto => "auto",
            Dialect::Text => "text",
            Dialect::Json => "json",
        }
    }
}

/// The format a live session sends in, once settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// Raw text frames: what every plain broadcast server expects.
    Text,
    /// The Roomcast envelope of [`envelope`].
    Envelope,
}

/// One WebSocket data frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

/// What one frame means to the room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// The reference server greeted us (it speaks the envelope).
    Welcome {
        server: String,
        users: Vec<String>,
        heartbeat_ms: Option<u32>,
    },
    /// The server's heartbeat, to be answered with [`encode_pong`].
    Ping,
    /// The server accepted our hello under `name`; `history` holds the
    /// room's recent messages, oldest first.
    Joined {
        name: String,
        users: Vec<String>,
        history: Vec<Incoming>,
    },
    /// A chat line; plain-text servers give neither sender, id nor time.
    Message {
        id: Option<String>,
        from: Option<String>,
        text: String,
        ts: Option<u64>,
    },
    Join {
        name: String,
    },
    Leave {
        name: String,
    },
    Presence {
        users: Vec<String>,
    },
    /// The server refused something we sent.
    ServerError {
        code: String,
        message: String,
    },
    /// JSON that is not a chat message, pretty-printed for reading.
    Json(String),
    /// A binary frame that is not UTF-8 text.
    Binary {
        len: usize,
        preview: String,
    },
}

/// Decodes one frame. Never fails: whatever a server sends becomes something
/// readable (binary frames holding UTF-8 are text, as the `ws` broadcast
/// example sends them).
pub fn decode(dialect: Dialect, frame: Frame) -> Incoming {
    let text = match frame {
        Frame::Text(text) => text,
        Frame::Binary(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => return binary(err.as_bytes()),
        },
    };
    if dialect == Dialect::Text {
        return plain(text);
    }
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return plain(text);
    }
    if let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) {
        return from_envelope(frame);
    }
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(value) => Incoming::Json(serde_json::to_string_pretty(&value).unwrap_or(text)),
        Err(_) => plain(text),
    }
}

fn plain(text: String) -> Incoming {
    Incoming::Message {
        id: None,
        from: None,
        text,
        ts: None,
    }
}

fn binary(bytes: &[u8]) -> Incoming {
    const SHOWN: usize = 16;
    let mut preview = String::with_capacity(SHOWN * 3 + 1);
    for (i, byte) in bytes.iter().take(SHOWN).enumerate() {
        if i > 0 {
            preview.push(' ');
        }
        let _ = write!(preview, "{byte:02x}");
    }
    if bytes.len() > SHOWN {
        preview.push_str(" \u{2026}");
    }
    Incoming::Binary {
        len: bytes.len(),
        preview,
    }
}

fn from_envelope(frame: ServerFrame) -> Incoming {
    match frame {
        ServerFrame::Welcome {
            server,
            users,
            heartbeat_ms,
            ..
        } => Incoming::Welcome {
            server,
            users,
            heartbeat_ms,
        },
        ServerFrame::Ping => Incoming::Ping,
        ServerFrame::Joined {
            name,
            users,
            history,
        } => Incoming::Joined {
            name,
            users,
            history: history.into_iter().map(from_envelope).collect(),
        },
        ServerFrame::Message { id, from, text, ts } => Incoming::Message {
            id,
            from: Some(from),
            text,
            ts: Some(ts),
        },
        ServerFrame::Join { name, .. } => Incoming::Join { name },
        ServerFrame::Leave { name, .. } => Incoming::Leave { name },
        ServerFrame::Presence { users } => Incoming::Presence { users },
        ServerFrame::Error { code, message } => Incoming::ServerError { code, message },
    }
}

/// The frame that introduces us, if the wire format has one.
pub fn encode_hello(wire: Wire, name: &str) -> Option<Frame> {
    match wire {
        Wire::Text => None,
        Wire::Envelope => Some(Frame::Text(
            ClientFrame::Hello { name: name.into() }.to_json(),
        )),
    }
}

/// The answer to a heartbeat [`Incoming::Ping`].
pub fn encode_pong() -> Frame {
    Frame::Text(ClientFrame::Pong.to_json())
}

/// The frame carrying one chat line.
pub fn encode_message(wire: Wire, id: &str, text: &str) -> Frame {
    match wire {
        Wire::Text => Frame::Text(text.into()),
        Wire::Envelope => Frame::Text(
            ClientFrame::Message {
                id: id.into(),
                text: text.into(),
            }
            .to_json(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Frame {
        Frame::Text(s.into())
    }

    #[test]
    fn dialect_parse_accepts_known_and_explains_unknown() {
        assert_eq!(Dialect::parse(""), Ok(Dialect::Auto));
        assert_eq!(Dialect::parse("JSON"), Ok(Dialect::Json));
        assert_eq!(Dialect::parse(" text "), Ok(Dialect::Text));
        let err = Dialect::parse("xml").unwrap_err();
        assert!(
            err.contains("xml") && err.contains("auto, text or json"),
            "{err}"
        );
        assert!(Dialect::parse("socketio")
            .unwrap_err()
            .contains("socket.io"));
        for d in Dialect::ALL {
            assert_eq!(Dialect::parse(d.as_str()), Ok(d));
        }
    }

    #[test]
    fn plain_text_is_a_message_without_sender() {
        assert_eq!(
            decode(Dialect::Auto, text("user1 says: hi")),
            Incoming::Message {
                id: None,
                from: None,
                text: "user1 says: hi".into(),
                ts: None
            }
        );
    }

    #[test]
    fn binary_utf8_is_text_and_other_binary_is_described() {
        assert_eq!(
            decode(Dialect::Auto, Frame::Binary(b"hello".to_vec())),
            decode(Dialect::Auto, text("hello"))
        );
        let bytes: Vec<u8> = (0..20).map(|i| 0xf0 + (i % 16) as u8).collect();
        match decode(Dialect::Auto, Frame::Binary(bytes)) {
            Incoming::Binary { len, preview } => {
                assert_eq!(len, 20);
                assert!(preview.starts_with("f0 f1 f2"), "{preview}");
                assert!(preview.ends_with('\u{2026}'), "{preview}");
            }
            other => panic!("expected binary, got {other:?}"),
        }
        assert_eq!(
            decode(Dialect::Auto, Frame::Binary(vec![])),
            decode(Dialect::Auto, text(""))
        );
    }

    #[test]
    fn envelope_frames_decode_to_room_events() {
        let f = text(r#"{"type":"message","id":"c1","from":"bob","text":"yo","ts":7}"#);
        assert_eq!(
            decode(Dialect::Auto, f.clone()),
            Incoming::Message {
                id: Some("c1".into()),
                from: Some("bob".into()),
                text: "yo".into(),
                ts: Some(7)
            }
        );
        assert!(matches!(
            decode(Dialect::Json, f.clone()),
            Incoming::Message { .. }
        ));
        // Forced text never interprets JSON.
        assert!(matches!(
            decode(Dialect::Text, f),
            Incoming::Message { from: None, .. }
        ));
        assert_eq!(
            decode(
                Dialect::Auto,
                text(r#"{"type":"welcome","server":"roomcast-server","version":1,"users":["a"]}"#)
            ),
            Incoming::Welcome {
                server: "roomcast-server".into(),
                users: vec!["a".into()],
                heartbeat_ms: None,
            }
        );
        assert_eq!(
            decode(Dialect::Auto, text(r#"{"type":"ping"}"#)),
            Incoming::Ping
        );
        assert_eq!(encode_pong(), text(r#"{"type":"pong"}"#));
    }

    #[test]
    fn other_json_is_pretty_and_broken_json_is_text() {
        match decode(Dialect::Auto, text(r#"{"attribute":"connected"}"#)) {
            Incoming::Json(pretty) => assert!(pretty.contains("\"attribute\": \"connected\"")),
            other => panic!("expected json, got {other:?}"),
        }
        assert!(matches!(
            decode(Dialect::Auto, text("{not json")),
            Incoming::Message { from: None, .. }
        ));
        // A bare number is text, not JSON worth pretty-printing.
        assert!(matches!(
            decode(Dialect::Auto, text("42")),
            Incoming::Message { .. }
        ));
    }

    #[test]
    fn encoding_follows_the_wire() {
        assert_eq!(encode_hello(Wire::Text, "a"), None);
        assert_eq!(
            encode_hello(Wire::Envelope, "a"),
            Some(text(r#"{"type":"hello","name":"a"}"#))
        );
        assert_eq!(encode_message(Wire::Text, "c1", "hi"), text("hi"));
        assert_eq!(
            encode_message(Wire::Envelope, "c1", "hi"),
            text(r#"{"type":"message","id":"c1","text":"hi"}"#)
        );
    }
}
