//! Frames ⇄ chat events. Pure: no web-sys here, so everything is tested natively.
//!
//! A [`Dialect`] is what the user picked (or `auto`). [`decode`] turns one
//! WebSocket frame into zero or more [`Incoming`] events; the `encode_*`
//! functions turn user actions into frames for the [`Wire`] format the session
//! settled on. One module per dialect: [`envelope`] (the reference server),
//! [`generic`] (other JSON), [`socketio`], and [`binary`] for bytes.

pub mod base64;
pub mod binary;
pub mod cable;
pub mod envelope;
pub mod generic;
pub mod hostile;
pub mod lines;
pub mod mqtt;
pub mod session;
pub mod socketio;
pub mod sockjs;
pub mod stomp;

use envelope::{ClientFrame, ServerFrame};
use serde_json::Value;

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
    /// socket.io (Engine.IO v4 over WebSocket).
    SocketIo,
    /// STOMP 1.0–1.2 (RabbitMQ web-stomp, Spring), over a WebSocket or SockJS.
    Stomp,
    /// MQTT 3.1.1 over WebSocket (binary frames).
    Mqtt,
    /// SockJS framing around plain or JSON chat lines.
    SockJs,
    /// Rails' Action Cable.
    ActionCable,
}

impl Dialect {
    /// Every dialect, in the order the connect form lists them.
    pub const ALL: [Dialect; 8] = [
        Dialect::Auto,
        Dialect::Text,
        Dialect::Json,
        Dialect::SocketIo,
        Dialect::Stomp,
        Dialect::Mqtt,
        Dialect::SockJs,
        Dialect::ActionCable,
    ];

    /// Parses the value of `?protocol=` (case-insensitive; empty means
    /// auto). `None` for a name it does not know (see
    /// [`crate::config::ConfigError::UnknownProtocol`] for the words).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return Some(Dialect::Auto);
        }
        if value.eq_ignore_ascii_case("socket.io") {
            return Some(Dialect::SocketIo);
        }
        if value.eq_ignore_ascii_case("cable") {
            return Some(Dialect::ActionCable);
        }
        Dialect::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(value))
    }

    /// The name used in URLs and the connect form.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Auto => "auto",
            Dialect::Text => "text",
            Dialect::Json => "json",
            Dialect::SocketIo => "socketio",
            Dialect::Stomp => "stomp",
            Dialect::Mqtt => "mqtt",
            Dialect::SockJs => "sockjs",
            Dialect::ActionCable => "actioncable",
        }
    }

    /// The name a person knows the protocol by, for the status line.
    pub fn title(self) -> &'static str {
        match self {
            Dialect::Auto | Dialect::Text => "text",
            Dialect::Json => "Roomcast JSON",
            Dialect::SocketIo => "socket.io",
            Dialect::Stomp => "STOMP",
            Dialect::Mqtt => "MQTT",
            Dialect::SockJs => "SockJS",
            Dialect::ActionCable => "Action Cable",
        }
    }

    /// The subprotocols this dialect offers when the user lists none.
    pub fn subprotocols(self) -> &'static [&'static str] {
        match self {
            Dialect::Stomp => &["v12.stomp", "v11.stomp", "v10.stomp"],
            Dialect::Mqtt => &["mqtt"],
            Dialect::ActionCable => &["actioncable-v1-json", "actioncable-unsupported"],
            _ => &[],
        }
    }

    /// The dialect a negotiated subprotocol names, if any.
    pub fn from_subprotocol(protocol: &str) -> Option<Dialect> {
        match protocol {
            "v12.stomp" | "v11.stomp" | "v10.stomp" => Some(Dialect::Stomp),
            "mqtt" | "mqttv3.1" => Some(Dialect::Mqtt),
            "actioncable-v1-json" => Some(Dialect::ActionCable),
            _ => None,
        }
    }

    /// The dialect an address names by its well-known path or port
    /// (`auto` only): RabbitMQ web-stomp's `:15674/ws`, web-mqtt's
    /// `:15675/ws`, `/mqtt`, `/stomp`, Action Cable's `/cable`.
    pub fn detect(server: &str) -> Option<Dialect> {
        let rest = server.split_once("://").map_or(server, |(_, r)| r);
        let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        let path = path
            .split('?')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        let port = authority
            .rsplit_once(':')
            .map(|(_, p)| p)
            .unwrap_or_default();
        match (port, path) {
            ("15674", "/ws") => Some(Dialect::Stomp),
            ("15675", "/ws") => Some(Dialect::Mqtt),
            (_, p) if p.ends_with("/mqtt") => Some(Dialect::Mqtt),
            (_, p) if p.ends_with("/stomp") => Some(Dialect::Stomp),
            (_, p) if p.ends_with("/cable") => Some(Dialect::ActionCable),
            _ => None,
        }
    }

    /// The default `room=`: the topic, destination or channel joined.
    pub fn default_room(self) -> &'static str {
        match self {
            Dialect::Stomp => "/topic/chat",
            Dialect::Mqtt => "chat",
            Dialect::ActionCable => "ChatChannel",
            _ => "",
        }
    }

    /// The WebSocket URL to open for the server address the user gave,
    /// with the defaults (see [`crate::config::Config::url`] for the options).
    pub fn url(self, server: &str) -> String {
        match self {
            Dialect::SocketIo => socketio::url::endpoint(server, None, 4),
            _ => server.to_string(),
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
    /// A dialect session's own frames (socket.io, STOMP, MQTT, Action Cable).
    Session,
}

/// One WebSocket data frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

impl Frame {
    /// The frame's text: a text frame's, or a binary frame's if it is UTF-8
    /// (the `ws` broadcast example sends every line that way); else its bytes.
    pub fn into_text(self) -> Result<String, Vec<u8>> {
        match self {
            Frame::Text(text) => Ok(text),
            Frame::Binary(bytes) => String::from_utf8(bytes).map_err(|e| e.into_bytes()),
        }
    }
}

/// What one frame means to the room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// The reference server greeted us (it speaks the envelope).
    Welcome {
        server: String,
        users: Vec<String>,
        heartbeat_ms: Option<u32>,
        rate: Option<envelope::RateLimit>,
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
    /// `seq` is the reference server's position in the room (0: none).
    Message {
        id: Option<String>,
        seq: u64,
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
    /// Someone is typing.
    Typing {
        name: String,
    },
    /// The server refused something we sent (the message `id`, if it says).
    ServerError {
        code: String,
        message: String,
        id: Option<String>,
    },
    /// JSON that is not a chat message, pretty-printed for reading.
    Json(String),
    /// A binary frame that is not UTF-8 text.
    Binary(Vec<u8>),
    /// socket.io: the Engine.IO handshake, with the server's heartbeat.
    EngineOpen {
        ping_interval_ms: u32,
        ping_timeout_ms: u32,
    },
    /// socket.io: the namespace accepted us.
    NamespaceJoined,
    /// A broker or framework socket accepted us: chat can start. The text
    /// says where (e.g. "subscribed to /topic/chat over STOMP 1.2").
    Ready(String),
    /// The session's liveness rule: silence longer than this means dead.
    Beat {
        dead_after_ms: u64,
    },
    /// socket.io: the server acknowledged the line we sent as `client_id`.
    Acked {
        client_id: String,
    },
    /// socket.io: an event other than the chat event, arguments as JSON.
    Event {
        name: String,
        args: String,
    },
    /// The server ended the session at the protocol level (not a close frame).
    ServerClosed(String),
    /// Something worth telling the user about the protocol.
    Notice(String),
}

/// Decodes one frame. Never fails: whatever a server sends becomes something
/// readable. Binary frames holding UTF-8 are text (the `ws` broadcast example
/// sends every line that way); `event` is the socket.io chat event.
pub fn decode(dialect: Dialect, event: &str, frame: Frame) -> Vec<Incoming> {
    let text = match frame.into_text() {
        Ok(text) => text,
        Err(bytes) => return vec![Incoming::Binary(bytes)],
    };
    match dialect {
        Dialect::Text => vec![plain(text)],
        Dialect::Auto
        | Dialect::Json
        | Dialect::Stomp
        | Dialect::Mqtt
        | Dialect::SockJs
        | Dialect::ActionCable => vec![decode_json_or_text(text)],
        // One frame on its own, as a fresh session sees it (the room keeps
        // a session per connection, see [`socketio::Session`]).
        Dialect::SocketIo => {
            socketio::Session::new(event, "/", None)
                .receive(Frame::Text(text))
                .incoming
        }
    }
}

pub(crate) fn decode_json_or_text(text: String) -> Incoming {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return plain(text);
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value) => match ServerFrame::from_value(&value) {
            Some(frame) => from_envelope(frame),
            None => from_json(&value),
        },
        Err(_) => plain(text),
    }
}

/// A JSON value from a server that is not Roomcast's.
pub(crate) fn from_json(value: &Value) -> Incoming {
    match generic::chat(value) {
        Some(chat) => Incoming::Message {
            id: chat.id,
            seq: 0,
            from: chat.from,
            text: chat.text,
            ts: chat.ts,
        },
        None => Incoming::Json(generic::pretty(value)),
    }
}

pub(crate) fn plain(text: String) -> Incoming {
    Incoming::Message {
        id: None,
        seq: 0,
        from: None,
        text,
        ts: None,
    }
}

fn from_envelope(frame: ServerFrame) -> Incoming {
    match frame {
        ServerFrame::Welcome {
            server,
            users,
            heartbeat_ms,
            rate,
            ..
        } => Incoming::Welcome {
            server,
            users,
            heartbeat_ms,
            rate,
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
        ServerFrame::Message {
            id,
            seq,
            from,
            text,
            ts,
        } => Incoming::Message {
            id,
            seq,
            from: Some(from),
            text,
            ts: Some(ts),
        },
        ServerFrame::Join { name, .. } => Incoming::Join { name },
        ServerFrame::Leave { name, .. } => Incoming::Leave { name },
        ServerFrame::Presence { users } => Incoming::Presence { users },
        ServerFrame::Typing { name } => Incoming::Typing { name },
        ServerFrame::Error { code, message, id } => Incoming::ServerError { code, message, id },
    }
}

/// The frame that introduces us, if the wire format has one; `since` is the
/// highest `seq` already seen, to get only what came after it.
pub fn encode_hello(wire: Wire, name: &str, since: Option<u64>) -> Option<Frame> {
    match wire {
        Wire::Text | Wire::Session => None,
        Wire::Envelope => Some(Frame::Text(
            ClientFrame::Hello {
                name: name.into(),
                since,
            }
            .to_json(),
        )),
    }
}

/// The answer to a heartbeat [`Incoming::Ping`].
pub fn encode_pong(dialect: Dialect) -> Frame {
    match dialect {
        Dialect::SocketIo => Frame::Text("3".into()),
        _ => Frame::Text(ClientFrame::Pong.to_json()),
    }
}

/// The "I am typing" frame, where the wire has one (only the envelope does).
pub fn encode_typing(wire: Wire) -> Option<Frame> {
    (wire == Wire::Envelope).then(|| Frame::Text(ClientFrame::Typing.to_json()))
}

/// The frame carrying one chat line.
pub fn encode_message(wire: Wire, event: &str, id: &str, text: &str) -> Frame {
    match wire {
        Wire::Text => Frame::Text(text.into()),
        Wire::Envelope => Frame::Text(
            ClientFrame::Message {
                id: id.into(),
                text: text.into(),
            }
            .to_json(),
        ),
        Wire::Session => Frame::Text(socketio::packet::emit("/", None, event, text)),
    }
}

#[cfg(test)]
mod tests;
