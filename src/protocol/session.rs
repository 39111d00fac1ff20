//! One connection's dialect session, whichever dialect: frames in, events
//! and frames out, one timer as an effect. The room holds one per
//! connection and never needs to know which dialect it is.

use super::{cable, mqtt, socketio, stomp, Frame, Incoming};

/// What a session asks for after a step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    pub incoming: Vec<Incoming>,
    pub send: Vec<Frame>,
    /// Start (or replace) the session's timer.
    pub timer: Option<u32>,
}

impl Step {
    /// The step for a frame that is not text: its bytes, for the room to show.
    pub fn bytes(bytes: Vec<u8>) -> Step {
        Step {
            incoming: vec![Incoming::Binary(bytes)],
            ..Step::default()
        }
    }
}

/// How chat lines travel inside a broker's messages (`format=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// `{"id","name","text"}`: the sender shows, and the id makes the echo ours.
    #[default]
    Json,
    /// The text as typed.
    Text,
}

/// A flat JSON object of string fields, in order. The dialects' small
/// objects all go through here: one string serializer, rather than a
/// `json!` map or a derived serializer per shape (each costs wasm).
pub fn object(fields: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
        out.push(':');
        out.push_str(&serde_json::to_string(value).unwrap_or_default());
    }
    out.push('}');
    out
}

impl Format {
    /// The body carrying one line.
    pub fn body(self, client_id: &str, name: &str, text: &str) -> String {
        match self {
            Format::Json => object(&[("id", client_id), ("name", name), ("text", text)]),
            Format::Text => text.to_string(),
        }
    }
}

/// What every broker session needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Topic, destination or channel (`room=`).
    pub room: String,
    /// The user's display name, carried in JSON bodies.
    pub name: String,
    pub format: Format,
    /// Action Cable: the channel action that receives lines (`action=`).
    pub action: String,
    /// MQTT: publish at QoS 1 (acknowledged) or 0 (`qos=`).
    pub qos: u8,
    /// A seed for ids the protocol wants unique (MQTT client id).
    pub seed: u64,
}

/// The session of one connection.
#[derive(Clone, Debug)]
pub enum Session {
    SocketIo(socketio::Session),
    Stomp(stomp::Session),
    Mqtt(mqtt::Session),
    Cable(cable::Session),
}

impl Session {
    /// The socket opened: the frames of a dialect where the client speaks first.
    pub fn opened(&mut self) -> Step {
        match self {
            Session::SocketIo(_) | Session::Cable(_) => Step::default(),
            Session::Stomp(s) => s.opened(),
            Session::Mqtt(s) => s.opened(),
        }
    }

    /// One frame from the server.
    pub fn receive(&mut self, frame: Frame) -> Step {
        match self {
            Session::SocketIo(s) => s.receive(frame),
            Session::Stomp(s) => s.receive(frame),
            Session::Mqtt(s) => s.receive(frame),
            Session::Cable(s) => s.receive(frame),
        }
    }

    /// The session's timer fired.
    pub fn on_timer(&mut self) -> Step {
        match self {
            Session::SocketIo(s) => s.on_timer(),
            Session::Stomp(s) => s.on_timer(),
            Session::Mqtt(s) => s.on_timer(),
            Session::Cable(_) => Step::default(),
        }
    }

    /// The frames carrying a chat line from `client_id`.
    pub fn emit(&mut self, client_id: &str, text: &str) -> Vec<Frame> {
        match self {
            Session::SocketIo(s) => vec![s.emit(client_id, text)],
            Session::Stomp(s) => vec![s.send(client_id, text)],
            Session::Mqtt(s) => vec![s.publish(client_id, text.as_bytes(), true)],
            Session::Cable(s) => vec![s.speak(client_id, text)],
        }
    }

    /// The frames carrying a file, where the dialect carries bytes.
    pub fn emit_file(&mut self, client_id: &str, bytes: &[u8]) -> Option<Vec<Frame>> {
        match self {
            Session::SocketIo(s) => Some(s.emit_file(client_id, bytes)),
            Session::Mqtt(s) => Some(vec![s.publish(client_id, bytes, false)]),
            Session::Stomp(_) | Session::Cable(_) => None,
        }
    }

    /// socket.io's session, for what only it has (the Engine.IO version).
    pub fn socketio(&self) -> Option<&socketio::Session> {
        match self {
            Session::SocketIo(s) => Some(s),
            _ => None,
        }
    }
}
