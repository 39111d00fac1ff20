//! socket.io as a pure state machine: frames in, [`Incoming`] events and
//! frames out, its one timer as an effect. Engine.IO v3 (socket.io 2) and
//! v4 (socket.io 3 and 4) are told apart by what the server does; any
//! namespace; acks; binary attachments both ways.

pub mod packet;
pub mod payload;
pub mod url;

pub use packet::{parse, Packet};

use super::{from_json, plain, Frame, Incoming};
use crate::i18n::tf;
use serde_json::Value;
use std::collections::VecDeque;

/// The event name chat servers use unless told otherwise.
pub const DEFAULT_EVENT: &str = "chat message";
/// After an open packet that does not say its version, how long to wait for
/// the `40` a v3 server sends unasked before asking as v4 does.
pub const VERSION_WAIT_MS: u32 = 300;
/// Acks awaited at most (older ones are forgotten: the echo still delivers).
const ACKS: usize = 256;

/// The Engine.IO protocol revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eio {
    /// socket.io 2: the client pings; binary frames carry a `0x04` prefix.
    V3,
    /// socket.io 3 and 4: the server pings.
    V4,
}

impl Eio {
    pub fn number(self) -> u8 {
        match self {
            Eio::V3 => 3,
            Eio::V4 => 4,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Waiting for the open packet.
    Handshake,
    /// Opened, version unknown: a v3 server's unasked `40` would tell.
    Version,
    /// Asked to join the namespace.
    Joining,
    Joined,
}

/// An event whose binary attachments are still arriving.
#[derive(Clone, Debug)]
struct Partial {
    name: String,
    args: Vec<Value>,
    want: usize,
    got: Vec<Vec<u8>>,
}

pub use super::session::Step;

/// One socket.io connection.
#[derive(Clone, Debug)]
pub struct Session {
    event: String,
    namespace: String,
    version: Option<Eio>,
    stage: Stage,
    ping_interval_ms: u32,
    next_id: u64,
    /// Ack ids of our emits and the client id of the line each carries.
    acks: VecDeque<(u64, String)>,
    partial: Option<Partial>,
}

impl Session {
    /// A session for `event` in `namespace`; `eio` forces a version.
    pub fn new(event: &str, namespace: &str, eio: Option<Eio>) -> Self {
        Session {
            event: event.to_string(),
            namespace: namespace.to_string(),
            version: eio,
            stage: Stage::Handshake,
            ping_interval_ms: 25_000,
            next_id: 0,
            acks: VecDeque::new(),
            partial: None,
        }
    }

    pub fn version(&self) -> Option<Eio> {
        self.version
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// One frame from the server.
    pub fn receive(&mut self, frame: Frame) -> Step {
        let mut step = Step::default();
        match frame {
            Frame::Text(text) => self.text(&text, &mut step),
            Frame::Binary(mut bytes) => {
                // Engine.IO v3 marks binary messages with a 4 in front.
                if self.version != Some(Eio::V4) && bytes.first() == Some(&4) {
                    self.version.get_or_insert(Eio::V3);
                    bytes.remove(0);
                }
                self.attachment(bytes, &mut step);
            }
        }
        step
    }

    /// The session's timer fired.
    pub fn on_timer(&mut self) -> Step {
        let mut step = Step::default();
        match (&self.stage, self.version) {
            // Nothing arrived unasked: this is a v4 server.
            (Stage::Version, _) => {
                self.version = Some(Eio::V4);
                self.join(&mut step);
            }
            // v3: the client keeps the connection alive.
            (Stage::Joining | Stage::Joined, Some(Eio::V3)) => {
                step.send.push(Frame::Text("2".into()));
                step.timer = Some(self.ping_interval_ms);
            }
            _ => {}
        }
        step
    }

    /// The frame carrying a chat line, with an ack id for `client_id`.
    pub fn emit(&mut self, client_id: &str, text: &str) -> Frame {
        let id = self.ack_for(client_id);
        Frame::Text(packet::emit(&self.namespace, Some(id), &self.event, text))
    }

    /// The frames carrying a file: the event, then its one attachment.
    pub fn emit_file(&mut self, client_id: &str, bytes: &[u8]) -> Vec<Frame> {
        let id = self.ack_for(client_id);
        let mut data = Vec::with_capacity(bytes.len() + 1);
        if self.version == Some(Eio::V3) {
            data.push(4);
        }
        data.extend_from_slice(bytes);
        vec![
            Frame::Text(packet::emit_binary(&self.namespace, Some(id), &self.event)),
            Frame::Binary(data),
        ]
    }

    fn ack_for(&mut self, client_id: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if self.acks.len() >= ACKS {
            self.acks.pop_front();
        }
        self.acks.push_back((id, client_id.to_string()));
        id
    }

    fn join(&mut self, step: &mut Step) {
        self.stage = Stage::Joining;
        step.send
            .push(Frame::Text(packet::connect(&self.namespace)));
        if self.version == Some(Eio::V3) {
            step.timer = Some(self.ping_interval_ms);
        }
    }

    fn joined(&mut self, step: &mut Step) {
        self.stage = Stage::Joined;
        step.incoming.push(Incoming::NamespaceJoined);
        if self.version == Some(Eio::V3) {
            step.timer = Some(self.ping_interval_ms);
        }
    }

    fn text(&mut self, text: &str, step: &mut Step) {
        match parse(text) {
            Packet::Open {
                ping_interval_ms,
                ping_timeout_ms,
                max_payload,
            } => {
                self.ping_interval_ms = ping_interval_ms.clamp(250, 3_600_000);
                step.incoming.push(Incoming::EngineOpen {
                    ping_interval_ms,
                    ping_timeout_ms,
                });
                if max_payload {
                    self.version.get_or_insert(Eio::V4);
                }
                match self.version {
                    // v3 joins the default namespace by itself.
                    Some(Eio::V3) if self.namespace == "/" => {
                        self.stage = Stage::Joining;
                        step.timer = Some(self.ping_interval_ms);
                    }
                    Some(_) => self.join(step),
                    None => {
                        self.stage = Stage::Version;
                        step.timer = Some(VERSION_WAIT_MS);
                    }
                }
            }
            Packet::Ping => {
                // Only v4 servers ping.
                self.version.get_or_insert(Eio::V4);
                step.send.push(Frame::Text("3".into()));
            }
            Packet::Pong | Packet::Quiet | Packet::Close => {}
            Packet::Connected { nsp } => {
                if self.stage == Stage::Version {
                    // A v3 server: it put us in `/` without being asked.
                    self.version = Some(Eio::V3);
                    if self.namespace == "/" {
                        return self.joined(step);
                    }
                    return self.join(step);
                }
                if nsp == self.namespace && self.stage != Stage::Joined {
                    self.joined(step);
                }
            }
            Packet::Disconnected { nsp } if nsp == self.namespace => {
                step.incoming.push(Incoming::ServerClosed(tf(
                    "the socket.io server removed this client from {0}",
                    &[&nsp],
                )));
            }
            Packet::Disconnected { .. } => {}
            Packet::ConnectError { nsp, message } => {
                step.incoming.push(Incoming::ServerError {
                    code: "connect_error".into(),
                    message: tf(
                        "namespace {0} refused the connection: {1}",
                        &[&nsp, &message],
                    ),
                    id: None,
                });
            }
            Packet::Event {
                nsp, name, args, ..
            } if nsp == self.namespace => step.incoming.push(self.event_line(name, args)),
            Packet::Ack { nsp, id } if nsp == self.namespace => {
                if let Some(i) = self.acks.iter().position(|(a, _)| *a == id) {
                    if let Some((_, client_id)) = self.acks.remove(i) {
                        step.incoming.push(Incoming::Acked { client_id });
                    }
                }
            }
            Packet::BinaryEvent {
                nsp,
                attachments,
                name,
                args,
                ..
            } if nsp == self.namespace => {
                if attachments == 0 {
                    return step.incoming.push(self.event_line(name, args));
                }
                self.partial = Some(Partial {
                    name,
                    args,
                    want: attachments.min(16),
                    got: Vec::new(),
                });
            }
            // Other namespaces' traffic is not ours to show.
            Packet::Event { .. } | Packet::Ack { .. } | Packet::BinaryEvent { .. } => {}
            Packet::Unsupported(what) => step
                .incoming
                .push(Incoming::Notice(format!("socket.io: {what}"))),
        }
    }

    /// A binary frame: the next attachment of the pending event, or bytes
    /// on their own.
    fn attachment(&mut self, bytes: Vec<u8>, step: &mut Step) {
        let Some(partial) = &mut self.partial else {
            return step.incoming.push(Incoming::Binary(bytes));
        };
        partial.got.push(bytes);
        if partial.got.len() < partial.want {
            return;
        }
        let Some(Partial {
            name, args, got, ..
        }) = self.partial.take()
        else {
            return;
        };
        // The chat event with a file: the bytes are the message.
        if name == self.event {
            if let Some(n) = args.first().and_then(packet::placeholder) {
                if let Some(bytes) = got.into_iter().nth(n) {
                    step.incoming.push(Incoming::Binary(bytes));
                }
                return;
            }
        }
        let sizes: Vec<String> = got.iter().map(|b| format!("{} bytes", b.len())).collect();
        // serde_json::to_string, not Display: one Value serializer in the wasm, not two.
        let args = serde_json::to_string(&Value::Array(args)).unwrap_or_default();
        step.incoming.push(Incoming::Event {
            name,
            args: format!(
                "{} (attachments: {})",
                packet::shorten(&args),
                sizes.join(", ")
            ),
        });
    }

    /// The chat event as a line; any other event as a readable system line.
    fn event_line(&self, name: String, args: Vec<Value>) -> Incoming {
        if name == self.event {
            return match args.first() {
                Some(Value::String(text)) => plain(text.clone()),
                Some(other) => from_json(other),
                None => plain(String::new()),
            };
        }
        let args = match args.as_slice() {
            [] => String::new(),
            [Value::String(s)] => s.clone(),
            [one] => serde_json::to_string(one).unwrap_or_default(),
            more => serde_json::to_string(more).unwrap_or_default(),
        };
        Incoming::Event {
            name,
            args: packet::shorten(&args),
        }
    }
}

#[cfg(test)]
mod tests;
