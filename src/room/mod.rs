//! The room: messages, delivery states, presence and the connection's life,
//! as a pure state machine (no web-sys, no yew), tested natively.
//!
//! The edges feed it [`Input`]s (socket events, user actions, timers) with the
//! current time; it updates itself and answers with [`Effect`]s for the edges to
//! carry out (frames to transmit, a timer to start). Nothing here can lose a
//! message the user typed: it is a line in the log from the moment it is
//! composed, and its [`Delivery`] says where it is.

mod close;

pub use close::explain_close;

use crate::protocol::{self, Dialect, Frame, Incoming, Wire};

/// How long `auto` waits, after the socket opens, for a first frame that tells
/// whether the server speaks the Roomcast envelope, before settling on text.
pub const PROBE_MS: u32 = 400;

/// Where one of the user's own messages is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Typed, waiting for an open connection.
    Queued,
    /// Handed to the socket; the server has not echoed it yet.
    Sent,
    /// The server echoed it back (matched by id, or by text on plain servers).
    Delivered,
    /// The socket refused it; Retry or Discard.
    Failed(String),
}

/// How serious a system line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// What kind of line this is, for rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Typed here.
    Own {
        client_id: String,
        delivery: Delivery,
    },
    /// From someone else (or from a server that does not say who).
    Peer { from: Option<String> },
    /// Said by Roomcast itself or the server about the room.
    System(Level),
    /// JSON that is not a chat message, pretty-printed.
    Json,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Stable and unique within a room, for keyed rendering.
    pub key: u64,
    /// Milliseconds since the Unix epoch: the server's time where it says, else ours.
    pub ts: u64,
    pub kind: Kind,
    pub text: String,
}

/// Why and how a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
    pub clean: bool,
    /// Whether the socket had opened before it closed.
    pub opened: bool,
    /// The user asked for it.
    pub by_user: bool,
}

/// The connection, as the room sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conn {
    /// No connection asked for yet.
    Idle,
    /// The socket is opening.
    Connecting,
    /// Open, and `auto` is still listening for the server's first frame.
    Probing,
    /// Open and settled: messages go out at once.
    Open(Wire),
    /// The socket closed, or never opened.
    Closed(Closed),
}

/// Something that happened, fed to [`Room::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A socket to `server` is being opened.
    Connecting {
        server: String,
    },
    /// The socket could not even be created (bad URL, blocked port...).
    ConnectFailed {
        reason: String,
    },
    Opened,
    Frame(Frame),
    /// [`PROBE_MS`] passed after an [`Effect::StartProbeTimer`].
    ProbeTimeout,
    Closed {
        code: u16,
        reason: String,
        clean: bool,
    },
    /// The user closed the connection.
    Disconnected,
    /// The user typed a message.
    Compose {
        client_id: String,
        text: String,
    },
    /// The socket refused a frame of a [`Effect::Transmit`].
    SendFailed {
        client_id: String,
        reason: String,
    },
    Retry {
        client_id: String,
    },
    Discard {
        client_id: String,
    },
}

/// What the edges must do after [`Room::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send this frame; if it carries a message, report failure with
    /// [`Input::SendFailed`].
    Transmit {
        frame: Frame,
        client_id: Option<String>,
    },
    /// Feed [`Input::ProbeTimeout`] after [`PROBE_MS`].
    StartProbeTimer,
}

/// The whole state of one room.
#[derive(Clone, Debug)]
pub struct Room {
    dialect: Dialect,
    /// The name asked for.
    name: String,
    /// The name the server granted, once joined.
    me: Option<String>,
    server: String,
    conn: Conn,
    opened: bool,
    lines: Vec<Line>,
    users: Vec<String>,
    next_key: u64,
}

impl Room {
    pub fn new(dialect: Dialect, name: impl Into<String>) -> Self {
        Room {
            dialect,
            name: name.into(),
            me: None,
            server: String::new(),
            conn: Conn::Idle,
            opened: false,
            lines: Vec::new(),
            users: Vec::new(),
            next_key: 0,
        }
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }
    pub fn conn(&self) -> &Conn {
        &self.conn
    }
    pub fn server(&self) -> &str {
        &self.server
    }
    pub fn users(&self) -> &[String] {
        &self.users
    }
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The name the server granted, if it has one.
    pub fn me(&self) -> Option<&str> {
        self.me.as_deref()
    }

    /// Changes the dialect and name for the next connection.
    pub fn configure(&mut self, dialect: Dialect, name: impl Into<String>) {
        self.dialect = dialect;
        self.name = name.into();
    }

    /// The connection in words. Contains `Connected` only when messages go
    /// out at once (the testing contract of README.md).
    pub fn status_text(&self) -> String {
        match &self.conn {
            Conn::Idle => "Not connected".into(),
            Conn::Connecting | Conn::Probing => format!("Connecting to {}\u{2026}", self.server),
            Conn::Open(Wire::Envelope) => match &self.me {
                Some(me) => format!("Connected to {} as {me}", self.server),
                None => format!("Connected to {}", self.server),
            },
            Conn::Open(Wire::Text) => format!("Connected to {}", self.server),
            Conn::Closed(c) if c.by_user => "Disconnected".into(),
            Conn::Closed(c) => format!("Disconnected (code {})", c.code),
        }
    }

    /// Messages typed but not yet confirmed (queued, sent or failed).
    pub fn outstanding(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| matches!(&l.kind, Kind::Own { delivery, .. } if *delivery != Delivery::Delivered))
            .count()
    }

    /// Applies one input at time `now` (ms since the epoch).
    pub fn handle(&mut self, input: Input, now: u64) -> Vec<Effect> {
        let mut fx = Vec::new();
        match input {
            Input::Connecting { server } => {
                self.server = server;
                self.conn = Conn::Connecting;
                self.opened = false;
                self.me = None;
                self.users.clear();
            }
            Input::ConnectFailed { reason } => {
                self.system(now, Level::Error, format!("Cannot connect: {reason}"));
                self.close(1006, reason, false, false);
            }
            Input::Opened => {
                self.opened = true;
                match self.dialect {
                    Dialect::Auto => {
                        self.conn = Conn::Probing;
                        fx.push(Effect::StartProbeTimer);
                    }
                    Dialect::Text => self.settle(Wire::Text, &mut fx),
                    Dialect::Json => self.settle(Wire::Envelope, &mut fx),
                }
            }
            Input::ProbeTimeout => {
                if self.conn == Conn::Probing {
                    self.settle(Wire::Text, &mut fx);
                }
            }
            Input::Frame(frame) => {
                let incoming = protocol::decode(self.dialect, frame);
                let speaks_envelope = matches!(incoming, Incoming::Welcome { .. });
                match self.conn {
                    Conn::Probing => {
                        let wire = if speaks_envelope {
                            Wire::Envelope
                        } else {
                            Wire::Text
                        };
                        self.settle(wire, &mut fx);
                    }
                    // A welcome that came after the probe gave up: switch now.
                    Conn::Open(Wire::Text) if speaks_envelope => {
                        self.conn = Conn::Open(Wire::Envelope);
                        fx.extend(self.hello());
                    }
                    _ => {}
                }
                self.receive(incoming, now);
            }
            Input::Closed {
                code,
                reason,
                clean,
            } => {
                if !matches!(self.conn, Conn::Closed(_)) {
                    let opened = self.opened;
                    self.system(now, Level::Error, explain_close(code, &reason, opened));
                    self.close(code, reason, clean, false);
                }
            }
            Input::Disconnected => {
                if !matches!(self.conn, Conn::Closed(_) | Conn::Idle) {
                    self.system(now, Level::Info, "You disconnected.".into());
                }
                self.close(1000, String::new(), true, true);
            }
            Input::Compose { client_id, text } => {
                self.push(
                    now,
                    Kind::Own {
                        client_id: client_id.clone(),
                        delivery: Delivery::Queued,
                    },
                    text,
                );
                if let Conn::Open(wire) = self.conn {
                    fx.extend(self.transmit(self.lines.len() - 1, wire));
                }
            }
            Input::SendFailed { client_id, reason } => {
                if let Some(idx) = self.own(&client_id) {
                    self.set_delivery(idx, Delivery::Failed(reason));
                }
            }
            Input::Retry { client_id } => {
                if let Some(idx) = self.own(&client_id) {
                    self.set_delivery(idx, Delivery::Queued);
                    if let Conn::Open(wire) = self.conn {
                        fx.extend(self.transmit(idx, wire));
                    }
                }
            }
            Input::Discard { client_id } => {
                if let Some(idx) = self.own(&client_id) {
                    if matches!(&self.lines[idx].kind, Kind::Own { delivery, .. } if *delivery != Delivery::Delivered)
                    {
                        self.lines.remove(idx);
                    }
                }
            }
        }
        fx
    }

    fn close(&mut self, code: u16, reason: String, clean: bool, by_user: bool) {
        self.conn = Conn::Closed(Closed {
            code,
            reason,
            clean,
            opened: self.opened,
            by_user,
        });
        self.users.clear();
    }

    /// Settles the wire format: introduces us, then sends the queue in order.
    fn settle(&mut self, wire: Wire, fx: &mut Vec<Effect>) {
        self.conn = Conn::Open(wire);
        fx.extend(self.hello());
        let queued: Vec<usize> = (0..self.lines.len())
            .filter(|&i| {
                matches!(
                    &self.lines[i].kind,
                    Kind::Own {
                        delivery: Delivery::Queued,
                        ..
                    }
                )
            })
            .collect();
        for idx in queued {
            fx.extend(self.transmit(idx, wire));
        }
    }

    fn hello(&self) -> Option<Effect> {
        let Conn::Open(wire) = self.conn else {
            return None;
        };
        protocol::encode_hello(wire, &self.name).map(|frame| Effect::Transmit {
            frame,
            client_id: None,
        })
    }

    /// Encodes own line `idx` for `wire` and marks it sent.
    fn transmit(&mut self, idx: usize, wire: Wire) -> Option<Effect> {
        let line = &self.lines[idx];
        let Kind::Own { client_id, .. } = &line.kind else {
            return None;
        };
        let effect = Effect::Transmit {
            frame: protocol::encode_message(wire, client_id, &line.text),
            client_id: Some(client_id.clone()),
        };
        self.set_delivery(idx, Delivery::Sent);
        Some(effect)
    }

    fn receive(&mut self, incoming: Incoming, now: u64) {
        match incoming {
            Incoming::Welcome { users, .. } => self.users = users,
            Incoming::Joined { name, users } => {
                let note = if name == self.name {
                    format!("You joined as {name}.")
                } else {
                    format!(
                        "You joined as {name} (\u{201c}{}\u{201d} was taken).",
                        self.name
                    )
                };
                self.me = Some(name);
                self.users = users;
                self.system(now, Level::Info, note);
            }
            Incoming::Message { id, from, text, ts } => {
                if let Some(idx) = self.echo_of(id.as_deref(), from.as_deref(), &text) {
                    self.set_delivery(idx, Delivery::Delivered);
                    if let Some(ts) = ts {
                        self.lines[idx].ts = ts;
                    }
                } else {
                    self.push(ts.unwrap_or(now), Kind::Peer { from }, text);
                }
            }
            Incoming::Join { name } => self.system(now, Level::Info, format!("{name} joined.")),
            Incoming::Leave { name } => self.system(now, Level::Info, format!("{name} left.")),
            Incoming::Presence { users } => self.users = users,
            Incoming::ServerError { code, message } => self.system(
                now,
                Level::Error,
                format!("Server error ({code}): {message}"),
            ),
            Incoming::Json(pretty) => self.push(now, Kind::Json, pretty),
            Incoming::Binary { len, preview } => self.system(
                now,
                Level::Info,
                format!("Binary frame, {len} bytes: {preview}"),
            ),
        }
    }

    /// Our own sent message that this incoming line echoes: by id where the
    /// server returns ids, else (plain servers) the oldest sent one with the
    /// same text and no named sender.
    fn echo_of(&self, id: Option<&str>, from: Option<&str>, text: &str) -> Option<usize> {
        let sent = |i: &usize| {
            matches!(
                &self.lines[*i].kind,
                Kind::Own {
                    delivery: Delivery::Sent,
                    ..
                }
            )
        };
        match id {
            Some(id) => self.own(id).filter(sent),
            None if from.is_none() => (0..self.lines.len())
                .filter(sent)
                .find(|&i| self.lines[i].text == text),
            None => None,
        }
    }

    fn own(&self, id: &str) -> Option<usize> {
        self.lines
            .iter()
            .rposition(|l| matches!(&l.kind, Kind::Own { client_id, .. } if client_id == id))
    }

    fn set_delivery(&mut self, idx: usize, to: Delivery) {
        if let Kind::Own { delivery, .. } = &mut self.lines[idx].kind {
            *delivery = to;
        }
    }

    fn system(&mut self, now: u64, level: Level, text: String) {
        self.push(now, Kind::System(level), text);
    }

    fn push(&mut self, ts: u64, kind: Kind, text: String) {
        self.next_key += 1;
        self.lines.push(Line {
            key: self.next_key,
            ts,
            kind,
            text,
        });
    }
}

#[cfg(test)]
mod tests;
