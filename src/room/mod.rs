//! The room: messages, delivery states, presence and the connection's life,
//! as a pure state machine (no web-sys, no yew), tested natively.
//!
//! The edges feed it [`Input`]s (socket events, user actions, timers, the
//! browser going on- or offline) with the current time; it updates itself and
//! answers with [`Effect`]s for the edges to carry out (open or close the
//! socket, transmit a frame, start a timer, save the outbox). All policy lives
//! here: when to reconnect and how long to wait, when a connection is dead,
//! what is resent after a drop. Nothing can lose a message the user typed: it
//! is a line in the log from the moment it is composed, its [`Delivery`] says
//! where it is, and every unconfirmed one is saved for a reload.

pub mod backoff;
mod close;
pub mod export;

pub use close::explain_close;

use crate::config::Config;
use crate::protocol::{self, binary, Dialect, Frame, Incoming, Wire};
use crate::text;
use backoff::{Backoff, Jitter};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// How long `auto` waits, after the socket opens, for a first frame that tells
/// whether the server speaks the Roomcast envelope, before settling on text.
pub const PROBE_MS: u32 = 400;
/// A handshake that has not completed by then is given up and retried.
pub const CONNECT_TIMEOUT_MS: u32 = 10_000;
/// A connection that stayed open this long resets the backoff.
pub const STABLE_MS: u64 = 10_000;
/// The reconnection delays: full jitter up to `min(30 s, 0.5 s · 2^attempt)`.
pub const BACKOFF: Backoff = Backoff::new(500, 30_000, 100);
/// The largest file sent as one binary frame.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Where one of the user's own messages is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Typed, waiting for an open connection.
    Queued,
    /// Handed to the socket; the server has not echoed it yet.
    Sent,
    /// The server echoed it back (matched by id, or by text on plain servers).
    Delivered,
    /// Not delivered, for the reason given; Retry or Discard.
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
    /// Typed (or attached) here.
    Own {
        client_id: String,
        delivery: Delivery,
        /// A file sent as a binary frame; the line's text is its name.
        file: Option<Attachment>,
    },
    /// From someone else (or from a server that does not say who).
    Peer { from: Option<String> },
    /// Said by Roomcast itself or the server about the room.
    System(Level),
    /// JSON that is not a chat message, pretty-printed.
    Json,
    /// A binary frame holding an image; the text describes it.
    Image { mime: &'static str, bytes: Rc<[u8]> },
}

/// A file the user sends as one binary frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The image type, when the bytes are an image.
    pub mime: Option<&'static str>,
    pub bytes: Rc<[u8]>,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Increasing along the log and unique within a room, for keyed rendering.
    pub key: u64,
    /// Milliseconds since the Unix epoch: the server's time where it says, else ours.
    pub ts: u64,
    pub kind: Kind,
    pub text: String,
}

/// While the user types, "typing" goes out at most this often…
pub const TYPING_EVERY_MS: u64 = 3000;
/// …and someone else's "typing" shows this long unless repeated.
pub const TYPING_SHOWS_MS: u64 = 6000;

/// Lines from one sender closer together than this are grouped under one name.
pub const GROUP_MS: u64 = 5 * 60 * 1000;

impl Line {
    /// Who said it, for grouping: `Some(None)` is the user, `Some(Some(name))`
    /// a peer; system, JSON and image lines stand alone (`None`).
    pub fn sender(&self) -> Option<Option<&str>> {
        match &self.kind {
            Kind::Own { .. } => Some(None),
            Kind::Peer { from } => Some(Some(from.as_deref().unwrap_or(""))),
            _ => None,
        }
    }

    /// Whether this line continues `previous`'s group: same sender, within
    /// [`GROUP_MS`], in order.
    pub fn continues(&self, previous: &Line) -> bool {
        self.sender().is_some()
            && self.sender() == previous.sender()
            && self.ts >= previous.ts
            && self.ts - previous.ts <= GROUP_MS
    }
}

/// A message not yet delivered, as saved across page reloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unsent {
    pub id: String,
    pub text: String,
    pub ts: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// A line kept in the browser across reloads (see [`Room::history`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Saved {
    pub ts: u64,
    #[serde(rename = "k")]
    pub kind: SavedKind,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(rename = "t")]
    pub text: String,
}

/// What a saved line was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SavedKind {
    #[serde(rename = "o")]
    Own,
    #[serde(rename = "p")]
    Peer,
    #[serde(rename = "j")]
    Json,
}

impl Unsent {
    /// Reads a list saved with serde (`[{id, text, ts, failed?}]`); entries
    /// that do not read are skipped. Hand-written, to keep serde's derived
    /// deserializers out of the browser bundle.
    pub fn list_from_value(value: &serde_json::Value) -> Vec<Unsent> {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .filter_map(|v| {
                Some(Unsent {
                    id: v.get("id")?.as_str()?.to_string(),
                    text: v.get("text")?.as_str()?.to_string(),
                    ts: v.get("ts")?.as_u64()?,
                    failed: v.get("failed").and_then(|f| f.as_str()).map(String::from),
                })
            })
            .collect()
    }
}

impl Saved {
    /// Reads a list saved with serde; entries that do not read are skipped.
    pub fn list_from_value(value: &serde_json::Value) -> Vec<Saved> {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .filter_map(|v| {
                let kind = match v.get("k")?.as_str()? {
                    "o" => SavedKind::Own,
                    "p" => SavedKind::Peer,
                    "j" => SavedKind::Json,
                    _ => return None,
                };
                Some(Saved {
                    ts: v.get("ts")?.as_u64()?,
                    kind,
                    from: v.get("f").and_then(|f| f.as_str()).map(String::from),
                    text: v.get("t")?.as_str()?.to_string(),
                })
            })
            .collect()
    }
}

/// Why and how a connection stopped for good (until the user acts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
    /// The user asked for it.
    pub by_user: bool,
}

/// The connection, as the room sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conn {
    /// No connection asked for yet.
    Idle,
    /// The socket is opening; `attempt` is the retry number (0: first try).
    Connecting { attempt: u32 },
    /// Open, and waiting for the dialect's handshake: `auto` listens for the
    /// server's first frame, socket.io for the namespace to accept us.
    Probing,
    /// Open and settled: messages go out at once.
    Open(Wire),
    /// Lost; retry number `attempt` starts at `due` (ms since the epoch).
    Reconnecting { attempt: u32, due: u64 },
    /// Lost while the browser is offline; retried as soon as it is online.
    Offline,
    /// Stopped: by the user, by a bad address, or by a close not worth retrying.
    Closed(Closed),
}

/// The timers the room asks for; starting one replaces the running one of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    Probe,
    ConnectTimeout,
    Reconnect,
    /// Checks the server's heartbeat.
    Heartbeat,
    /// Sends more of the queue once the server's rate limit allows.
    Flush,
    /// Forgets who stopped typing.
    Typing,
}

/// Something that happened, fed to [`Room::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The user (or the page URL) asks for a connection.
    Connect(Config),
    /// The browser refused to create the socket (the address is unusable).
    ConnectFailed {
        reason: String,
    },
    /// The handshake completed with this subprotocol and these extensions.
    Opened {
        protocol: String,
        extensions: String,
    },
    Frame(Frame),
    Closed {
        code: u16,
        reason: String,
        clean: bool,
    },
    Timer(Timer),
    /// The user closes the connection: no retries until they connect again.
    Disconnect,
    /// The user skips the wait.
    ReconnectNow,
    /// The browser's `online` / `offline` events.
    Online,
    Offline,
    /// The user typed a message.
    Compose {
        client_id: String,
        text: String,
    },
    /// The user attached a file (picker, paste or drop), sent as a binary frame.
    ComposeFile {
        client_id: String,
        name: String,
        bytes: Vec<u8>,
    },
    /// A file the edges did not read: over [`MAX_FILE_BYTES`] (`size`), or unreadable.
    FileRefused {
        name: String,
        size: u64,
        unreadable: Option<String>,
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
    /// Messages saved by an earlier page, to send again.
    Restore(Vec<Unsent>),
    /// The log an earlier page kept, shown before anything new, and where
    /// the reference server should resume (`seq`).
    History {
        lines: Vec<Saved>,
        last_seq: Option<u64>,
    },
    /// The user clears the log; undelivered own lines stay.
    ClearLog,
}

/// What the edges must do after [`Room::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Drop any current socket and open one to `url`, offering `protocols`.
    Open {
        url: String,
        protocols: Vec<String>,
    },
    /// Drop the current socket (closing it in any state).
    Close,
    /// Send this frame; if it carries a message, report failure with
    /// [`Input::SendFailed`].
    Transmit {
        frame: Frame,
        client_id: Option<String>,
    },
    /// Feed `Input::Timer(timer)` after `ms`, replacing a running one.
    StartTimer {
        timer: Timer,
        ms: u32,
    },
    CancelTimer(Timer),
    /// The undelivered messages changed: save [`Room::unsent`].
    SaveOutbox,
}

/// A mirror of the server's token bucket, so the outbox never sends faster
/// than the server accepts (a long queue after an outage goes out paced).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pace {
    burst: f64,
    refill_ms: f64,
    tokens: f64,
    at: u64,
}

impl Pace {
    fn new(limit: protocol::envelope::RateLimit, now: u64) -> Self {
        Pace {
            burst: f64::from(limit.burst.max(1)),
            refill_ms: f64::from(limit.refill_ms.max(1)),
            tokens: f64::from(limit.burst.max(1)),
            at: now,
        }
    }

    fn take(&mut self, now: u64) -> bool {
        let refill = now.saturating_sub(self.at) as f64 / self.refill_ms;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Milliseconds until the next token.
    fn wait_ms(&self) -> u32 {
        ((1.0 - self.tokens).max(0.0) * self.refill_ms).ceil() as u32 + 1
    }
}

/// How often to check the server's heartbeat, and how much silence means dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Heartbeat {
    every_ms: u32,
    dead_after_ms: u64,
}

/// The whole state of one room.
#[derive(Clone, Debug)]
pub struct Room {
    /// Server, name asked for, dialect, event, subprotocols.
    config: Config,
    /// The name the server granted, once joined.
    me: Option<String>,
    conn: Conn,
    /// The subprotocol and extensions the server chose, while open.
    negotiated: Option<(String, String)>,
    /// When the current socket opened, if it did.
    opened_at: Option<u64>,
    backoff: Backoff,
    jitter: Jitter,
    /// The heartbeat the server announced, and the last time it spoke.
    heartbeat: Option<Heartbeat>,
    last_rx: u64,
    /// The server has echoed at least one of our plain-text lines.
    echoes: bool,
    /// Shared with the views that show them: a line that changes is copied
    /// (`Rc::make_mut`), so a view knows a line changed by its pointer.
    lines: Vec<Rc<Line>>,
    /// Own lines by client id, as line keys.
    own: HashMap<String, u64>,
    /// Keys of own lines not yet delivered, in the order typed.
    pending: Vec<u64>,
    /// Ids of peer messages already shown (servers may resend after a drop).
    seen: HashSet<String>,
    /// The highest `seq` the reference server sent: where a resume starts.
    last_seq: Option<u64>,
    /// The server's rate limit, as announced.
    pace: Option<Pace>,
    users: Vec<String>,
    next_key: u64,
    /// When each own line in flight was handed to the socket, and the last
    /// send-to-echo time: the round trip as the user feels it.
    sent_at: Vec<(u64, u64)>,
    rtt_ms: Option<u64>,
    /// When we last said we were typing, and who else is (name, shown until).
    typing_sent: Option<u64>,
    typists: Vec<(String, u64)>,
}

impl Room {
    /// An empty room; `seed` feeds the reconnection jitter.
    pub fn new(seed: u64) -> Self {
        Room {
            config: Config::new("", "", Dialect::Auto),
            me: None,
            conn: Conn::Idle,
            negotiated: None,
            opened_at: None,
            backoff: BACKOFF,
            jitter: Jitter::new(seed),
            heartbeat: None,
            last_rx: 0,
            echoes: false,
            lines: Vec::new(),
            own: HashMap::new(),
            pending: Vec::new(),
            seen: HashSet::new(),
            last_seq: None,
            pace: None,
            users: Vec::new(),
            next_key: 0,
            sent_at: Vec::new(),
            rtt_ms: None,
            typing_sent: None,
            typists: Vec::new(),
        }
    }

    pub fn lines(&self) -> &[Rc<Line>] {
        &self.lines
    }
    pub fn conn(&self) -> &Conn {
        &self.conn
    }
    pub fn server(&self) -> &str {
        &self.config.server
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// The negotiated subprotocol and extensions (empty strings for none), while open.
    pub fn negotiated(&self) -> Option<(&str, &str)> {
        self.negotiated
            .as_ref()
            .map(|(p, e)| (p.as_str(), e.as_str()))
    }
    pub fn users(&self) -> &[String] {
        &self.users
    }
    pub fn dialect(&self) -> Dialect {
        self.config.dialect
    }
    pub fn name(&self) -> &str {
        &self.config.name
    }
    /// The name the server granted, if it has one.
    pub fn me(&self) -> Option<&str> {
        self.me.as_deref()
    }

    /// The user typed: the frame that says so, if the wire has one and it
    /// was not said in the last [`TYPING_EVERY_MS`].
    pub fn typing(&mut self, now: u64) -> Option<Frame> {
        let Conn::Open(wire) = self.conn else {
            return None;
        };
        if self
            .typing_sent
            .is_some_and(|at| now < at + TYPING_EVERY_MS)
        {
            return None;
        }
        let frame = protocol::encode_typing(wire)?;
        self.typing_sent = Some(now);
        Some(frame)
    }

    /// Who else is typing now.
    pub fn typists(&self, now: u64) -> Vec<&str> {
        self.typists
            .iter()
            .filter(|(_, until)| *until > now)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The last round trip of one of the user's messages (sent to echoed), in ms.
    pub fn rtt_ms(&self) -> Option<u64> {
        self.rtt_ms
    }

    /// The highest `seq` the reference server sent, where a resume starts.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The last `max` lines worth keeping across a reload: what was said
    /// (not files or images, too big; not Roomcast's own notes about the
    /// connection; not the undelivered own lines, which the outbox keeps).
    pub fn history(&self, max: usize) -> Vec<Saved> {
        let mut saved: Vec<Saved> = self
            .lines
            .iter()
            .rev()
            .filter_map(|line| {
                let (kind, from) = match &line.kind {
                    Kind::Own {
                        delivery: Delivery::Delivered,
                        file: None,
                        ..
                    } => (SavedKind::Own, None),
                    Kind::Peer { from } => (SavedKind::Peer, from.clone()),
                    Kind::Json => (SavedKind::Json, None),
                    // Connection news is about that visit, not worth keeping.
                    _ => return None,
                };
                Some(Saved {
                    ts: line.ts,
                    kind,
                    from,
                    text: line.text.clone(),
                })
            })
            .take(max)
            .collect();
        saved.reverse();
        saved
    }

    /// The text of the user's last typed message (files aside), for recall.
    pub fn last_own_text(&self) -> Option<&str> {
        self.lines.iter().rev().find_map(|l| match &l.kind {
            Kind::Own { file: None, .. } => Some(l.text.as_str()),
            _ => None,
        })
    }

    /// Messages typed but not yet delivered (queued, sent or failed).
    pub fn outstanding(&self) -> usize {
        self.pending.len()
    }

    /// The undelivered messages, in order, for saving across a reload.
    pub fn unsent(&self) -> Vec<Unsent> {
        self.pending
            .iter()
            .filter_map(|&key| self.line(key))
            .filter_map(|line| match &line.kind {
                // Files are not kept across reloads: storage is too small for them.
                Kind::Own {
                    client_id,
                    delivery,
                    file: None,
                } => Some(Unsent {
                    id: client_id.clone(),
                    text: line.text.clone(),
                    ts: line.ts,
                    failed: match delivery {
                        Delivery::Failed(why) => Some(why.clone()),
                        _ => None,
                    },
                }),
                _ => None,
            })
            .collect()
    }

    /// The connection in words at time `now`. Contains `Connected` only when
    /// messages go out at once (the testing contract of README.md).
    pub fn status_text(&self, now: u64) -> String {
        let server = &self.config.server;
        match &self.conn {
            Conn::Idle => "Not connected".into(),
            Conn::Connecting { attempt: 0 } | Conn::Probing => {
                format!("Connecting to {server}\u{2026}")
            }
            Conn::Connecting { attempt } => {
                format!("Reconnecting to {server}\u{2026} (retry {attempt})")
            }
            Conn::Open(_) => match &self.me {
                Some(me) => format!("Connected to {server} as {me}"),
                None => format!("Connected to {server}"),
            },
            Conn::Reconnecting { attempt, due } => {
                let secs = due.saturating_sub(now).div_ceil(1000);
                format!("Reconnecting in {secs} s (retry {attempt})")
            }
            Conn::Offline => "Offline: waiting for the network".into(),
            Conn::Closed(c) if c.by_user => "Disconnected".into(),
            Conn::Closed(c) => format!("Disconnected (code {})", c.code),
        }
    }

    /// Applies one input at time `now` (ms since the epoch).
    pub fn handle(&mut self, input: Input, now: u64) -> Vec<Effect> {
        let mut fx = Vec::new();
        match input {
            Input::Connect(config) => {
                self.config = config;
                self.backoff.reset();
                self.start(&mut fx);
            }
            Input::ConnectFailed { reason } => {
                self.stop_timers(&mut fx);
                self.system(now, Level::Error, format!("Cannot connect: {reason}"));
                self.conn = Conn::Closed(Closed {
                    code: 1006,
                    reason,
                    by_user: false,
                });
            }
            Input::Opened {
                protocol,
                extensions,
            } => {
                self.pace = None;
                if !matches!(self.conn, Conn::Connecting { .. }) {
                    return fx;
                }
                self.opened_at = Some(now);
                self.last_rx = now;
                self.negotiated = Some((protocol, extensions));
                match self.config.dialect {
                    Dialect::Auto => {
                        self.conn = Conn::Probing;
                        fx.push(Effect::CancelTimer(Timer::ConnectTimeout));
                        fx.push(Effect::StartTimer {
                            timer: Timer::Probe,
                            ms: PROBE_MS,
                        });
                    }
                    Dialect::Text => self.settle(Wire::Text, now, &mut fx),
                    Dialect::Json => self.settle(Wire::Envelope, now, &mut fx),
                    // The handshake timeout keeps running until the namespace accepts us.
                    Dialect::SocketIo => self.conn = Conn::Probing,
                }
            }
            Input::Timer(Timer::Probe) => {
                if self.conn == Conn::Probing {
                    self.settle(Wire::Text, now, &mut fx);
                }
            }
            Input::Timer(Timer::Flush) => self.flush(now, &mut fx),
            Input::Timer(Timer::ConnectTimeout) => {
                if matches!(self.conn, Conn::Connecting { .. } | Conn::Probing) {
                    fx.push(Effect::Close);
                    let why = format!(
                        "The server did not complete the handshake within {} s.",
                        CONNECT_TIMEOUT_MS / 1000
                    );
                    self.lost(now, 1006, why, &mut fx);
                }
            }
            Input::Timer(Timer::Reconnect) => {
                if matches!(self.conn, Conn::Reconnecting { .. }) {
                    self.start(&mut fx);
                }
            }
            Input::Timer(Timer::Heartbeat) => self.check_heartbeat(now, &mut fx),
            Input::Timer(Timer::Typing) => {
                self.typists.retain(|(_, until)| *until > now);
                if let Some(next) = self.typists.iter().map(|(_, until)| until).min() {
                    fx.push(Effect::StartTimer {
                        timer: Timer::Typing,
                        ms: (next - now) as u32 + 1,
                    });
                }
            }
            Input::Frame(frame) => {
                self.last_rx = now;
                // The echo of a file we sent: the bytes come back as they were.
                let echo = match &frame {
                    Frame::Binary(bytes) => self.file_echo(bytes),
                    Frame::Text(_) => None,
                };
                if let Some(key) = echo {
                    self.echoes = true;
                    self.delivered(key, None, now, &mut fx);
                    return fx;
                }
                for incoming in protocol::decode(self.config.dialect, &self.config.event, frame) {
                    self.handshake(&incoming, now, &mut fx);
                    self.receive(incoming, now, &mut fx);
                }
            }
            Input::Closed { code, reason, .. } => {
                if matches!(
                    self.conn,
                    Conn::Connecting { .. } | Conn::Probing | Conn::Open(_)
                ) {
                    let why = explain_close(code, &reason, self.opened_at.is_some());
                    self.lost(now, code, why, &mut fx);
                }
            }
            Input::Disconnect => {
                self.stop_timers(&mut fx);
                fx.push(Effect::Close);
                if !matches!(self.conn, Conn::Idle | Conn::Closed(_)) {
                    self.system(now, Level::Info, "You disconnected.".into());
                }
                self.requeue(&mut fx);
                self.conn = Conn::Closed(Closed {
                    code: 1000,
                    reason: String::new(),
                    by_user: true,
                });
                self.users.clear();
                self.typists.clear();
            }
            Input::ReconnectNow => {
                if matches!(
                    self.conn,
                    Conn::Reconnecting { .. } | Conn::Offline | Conn::Closed(_)
                ) {
                    self.start(&mut fx);
                }
            }
            Input::Online => {
                if matches!(self.conn, Conn::Offline | Conn::Reconnecting { .. }) {
                    self.backoff.reset();
                    self.start(&mut fx);
                }
            }
            Input::Offline => {
                if matches!(
                    self.conn,
                    Conn::Reconnecting { .. } | Conn::Connecting { .. }
                ) {
                    self.stop_timers(&mut fx);
                    fx.push(Effect::Close);
                    self.conn = Conn::Offline;
                }
            }
            Input::Compose { client_id, text } => {
                // Typing the next one is news again.
                self.typing_sent = None;
                self.push_own(now, client_id, text, Delivery::Queued, None);
                self.flush(now, &mut fx);
                fx.push(Effect::SaveOutbox);
            }
            Input::ComposeFile {
                client_id,
                name,
                bytes,
            } => {
                if bytes.len() > MAX_FILE_BYTES {
                    self.refuse_file(now, &name, bytes.len() as u64, None);
                    return fx;
                }
                let file = Attachment {
                    mime: binary::image_mime(&bytes),
                    bytes: bytes.into(),
                };
                self.push_own(now, client_id, name, Delivery::Queued, Some(file));
                self.flush(now, &mut fx);
            }
            Input::FileRefused {
                name,
                size,
                unreadable,
            } => self.refuse_file(now, &name, size, unreadable),
            Input::SendFailed { client_id, reason } => {
                if let Some(&key) = self
                    .own
                    .get(&client_id)
                    .filter(|k| self.pending.contains(k))
                {
                    self.set_delivery(key, Delivery::Failed(reason));
                    fx.push(Effect::SaveOutbox);
                }
            }
            Input::Retry { client_id } => {
                if let Some(&key) = self.own.get(&client_id) {
                    if matches!(self.delivery(key), Some(Delivery::Failed(_))) {
                        self.set_delivery(key, Delivery::Queued);
                        self.flush(now, &mut fx);
                        fx.push(Effect::SaveOutbox);
                    }
                }
            }
            Input::Discard { client_id } => {
                if let Some(&key) = self.own.get(&client_id) {
                    if self.pending.contains(&key) {
                        self.own.remove(&client_id);
                        self.pending.retain(|&k| k != key);
                        if let Some(idx) = self.index(key) {
                            self.lines.remove(idx);
                        }
                        fx.push(Effect::SaveOutbox);
                    }
                }
            }
            Input::History { lines, last_seq } => {
                let count = lines.len();
                for saved in lines {
                    let kind = match saved.kind {
                        SavedKind::Own => Kind::Own {
                            client_id: format!("saved-{}", self.next_key + 1),
                            delivery: Delivery::Delivered,
                            file: None,
                        },
                        SavedKind::Peer => Kind::Peer { from: saved.from },
                        SavedKind::Json => Kind::Json,
                    };
                    self.push(saved.ts, kind, saved.text);
                }
                if count > 0 {
                    self.system(
                        now,
                        Level::Info,
                        format!("{count} earlier lines, kept in this browser."),
                    );
                }
                self.last_seq = self.last_seq.max(last_seq);
            }
            Input::ClearLog => {
                let pending = &self.pending;
                self.lines.retain(|l| pending.contains(&l.key));
            }
            Input::Restore(unsent) => {
                for u in unsent {
                    if !self.own.contains_key(&u.id) {
                        let delivery = u.failed.map_or(Delivery::Queued, Delivery::Failed);
                        self.push_own(u.ts, u.id, u.text, delivery, None);
                    }
                }
            }
        }
        fx
    }

    /// What a frame means for settling the session, before it is shown.
    fn handshake(&mut self, incoming: &Incoming, now: u64, fx: &mut Vec<Effect>) {
        match (incoming, self.config.dialect) {
            (
                Incoming::Welcome {
                    heartbeat_ms, rate, ..
                },
                _,
            ) => {
                self.pace = rate.map(|limit| Pace::new(limit, now));
                // Clamped: a server announcing 0 ms must not spin the page.
                self.heartbeat =
                    heartbeat_ms
                        .map(|ms| ms.clamp(250, 3_600_000))
                        .map(|ms| Heartbeat {
                            every_ms: ms,
                            dead_after_ms: 2 * u64::from(ms) + 1000,
                        });
                match self.conn {
                    // Auto found the envelope, at once or after giving up on it.
                    Conn::Probing | Conn::Open(Wire::Text) => self.settle(Wire::Envelope, now, fx),
                    Conn::Open(_) => self.start_heartbeat(fx),
                    _ => {}
                }
            }
            (
                Incoming::EngineOpen {
                    ping_interval_ms,
                    ping_timeout_ms,
                },
                Dialect::SocketIo,
            ) => {
                self.heartbeat = Some(Heartbeat {
                    every_ms: (ping_interval_ms / 2).clamp(250, 5000),
                    dead_after_ms: (u64::from(*ping_interval_ms) + u64::from(*ping_timeout_ms))
                        .max(1000),
                });
                fx.push(Effect::Transmit {
                    frame: protocol::encode_socketio_connect(),
                    client_id: None,
                });
            }
            (Incoming::NamespaceJoined, Dialect::SocketIo) if self.conn == Conn::Probing => {
                self.settle(Wire::SocketIo, now, fx)
            }
            (_, Dialect::Auto) if self.conn == Conn::Probing => self.settle(Wire::Text, now, fx),
            _ => {}
        }
    }

    fn start_heartbeat(&self, fx: &mut Vec<Effect>) {
        if let Some(hb) = self.heartbeat {
            fx.push(Effect::StartTimer {
                timer: Timer::Heartbeat,
                ms: hb.every_ms,
            });
        }
    }

    /// Opens a socket (first try or retry).
    fn start(&mut self, fx: &mut Vec<Effect>) {
        self.stop_timers(fx);
        self.conn = Conn::Connecting {
            attempt: self.backoff.attempt(),
        };
        self.opened_at = None;
        self.negotiated = None;
        self.heartbeat = None;
        self.me = None;
        self.users.clear();
        self.typists.clear();
        fx.push(Effect::Open {
            url: self.config.dialect.url(&self.config.server),
            protocols: self.config.subprotocols.clone(),
        });
        fx.push(Effect::StartTimer {
            timer: Timer::ConnectTimeout,
            ms: CONNECT_TIMEOUT_MS,
        });
    }

    fn stop_timers(&mut self, fx: &mut Vec<Effect>) {
        for timer in [
            Timer::Probe,
            Timer::ConnectTimeout,
            Timer::Reconnect,
            Timer::Heartbeat,
            Timer::Flush,
        ] {
            fx.push(Effect::CancelTimer(timer));
        }
    }

    /// The connection is gone (closed, timed out, or found dead): say why once
    /// per outage, put unconfirmed messages back, and plan the next attempt.
    fn lost(&mut self, now: u64, code: u16, why: String, fx: &mut Vec<Effect>) {
        self.stop_timers(fx);
        let was_up = self.opened_at.is_some();
        if was_up || self.backoff.attempt() == 0 {
            self.system(now, Level::Error, why);
        }
        if self
            .opened_at
            .is_some_and(|t| now.saturating_sub(t) >= STABLE_MS)
        {
            self.backoff.reset();
        }
        if code == 1009 {
            self.fail_largest_unconfirmed();
        }
        self.requeue(fx);
        self.opened_at = None;
        self.negotiated = None;
        self.users.clear();
        self.typists.clear();
        self.me = None;
        // Policy refusals and unsupported data would only fail again.
        if matches!(code, 1003 | 1008) {
            self.conn = Conn::Closed(Closed {
                code,
                reason: String::new(),
                by_user: false,
            });
            return;
        }
        let delay = self.backoff.next_delay(self.jitter.unit());
        self.conn = Conn::Reconnecting {
            attempt: self.backoff.attempt(),
            due: now + u64::from(delay),
        };
        fx.push(Effect::StartTimer {
            timer: Timer::Reconnect,
            ms: delay,
        });
    }

    /// After a drop, messages sent but not confirmed: with ids they are sent
    /// again (the echo is matched by id and peers drop repeats by id); on a
    /// plain server that echoes, they are marked failed for the user to retry,
    /// since resending could show them twice.
    fn requeue(&mut self, fx: &mut Vec<Effect>) {
        let envelope = matches!(self.conn, Conn::Open(Wire::Envelope));
        let mut changed = false;
        for key in self.pending.clone() {
            if self.delivery(key) != Some(&Delivery::Sent) {
                continue;
            }
            // Files carry no id: resending one could show it twice.
            let file = matches!(
                self.line(key).map(|l| &l.kind),
                Some(Kind::Own { file: Some(_), .. })
            );
            let to = if envelope && !file {
                Delivery::Queued
            } else if envelope || self.echoes {
                Delivery::Failed("the connection closed before the server echoed it".into())
            } else {
                continue; // a plain server that never echoes: "sent" is all we know
            };
            self.set_delivery(key, to);
            changed = true;
        }
        if changed {
            fx.push(Effect::SaveOutbox);
        }
    }

    fn fail_largest_unconfirmed(&mut self) {
        let largest = self
            .pending
            .iter()
            .copied()
            .filter(|&k| self.delivery(k) == Some(&Delivery::Sent))
            .max_by_key(|&k| self.line(k).map_or(0, |l| l.text.len()));
        if let Some(key) = largest {
            let why = "too big for this server (it closed the connection with 1009)".to_string();
            self.set_delivery(key, Delivery::Failed(why));
        }
    }

    fn check_heartbeat(&mut self, now: u64, fx: &mut Vec<Effect>) {
        let (Conn::Open(_), Some(hb)) = (&self.conn, self.heartbeat) else {
            return;
        };
        let silent = now.saturating_sub(self.last_rx);
        if silent > hb.dead_after_ms {
            fx.push(Effect::Close);
            let why = format!(
                // Integer tenths: formatting floats would add ~11 KB to the wasm.
                "No heartbeat from the server for {}.{} s: the connection is dead.",
                silent / 1000,
                silent % 1000 / 100
            );
            self.lost(now, 1006, why, fx);
        } else {
            self.start_heartbeat(fx);
        }
    }

    /// Settles the wire format: introduces us (with where to resume), then
    /// sends the queue in order.
    fn settle(&mut self, wire: Wire, now: u64, fx: &mut Vec<Effect>) {
        self.conn = Conn::Open(wire);
        fx.push(Effect::CancelTimer(Timer::ConnectTimeout));
        if let Some(frame) = protocol::encode_hello(wire, &self.config.name, self.last_seq) {
            // The hello counts against the server's rate limit too.
            if let Some(pace) = &mut self.pace {
                pace.take(now);
            }
            fx.push(Effect::Transmit {
                frame,
                client_id: None,
            });
        }
        self.start_heartbeat(fx);
        self.flush(now, fx);
    }

    /// Sends queued messages in order, as fast as the server's rate limit
    /// allows; the rest wait for [`Timer::Flush`]. A new message never
    /// overtakes an older queued one.
    fn flush(&mut self, now: u64, fx: &mut Vec<Effect>) {
        let Conn::Open(wire) = self.conn else {
            return;
        };
        let queued: Vec<u64> = self
            .pending
            .iter()
            .copied()
            .filter(|&k| self.delivery(k) == Some(&Delivery::Queued))
            .collect();
        let mut sent = false;
        for key in queued {
            if let Some(pace) = &mut self.pace {
                if !pace.take(now) {
                    let ms = pace.wait_ms();
                    fx.push(Effect::StartTimer {
                        timer: Timer::Flush,
                        ms,
                    });
                    break;
                }
            }
            fx.extend(self.transmit(key, wire));
            // A resend restarts the clock; bounded, as failed lines stay.
            self.sent_at.retain(|(k, _)| *k != key);
            if self.sent_at.len() >= 256 {
                self.sent_at.remove(0);
            }
            self.sent_at.push((key, now));
            sent = true;
        }
        if sent {
            fx.push(Effect::SaveOutbox);
        }
    }

    /// Encodes own line `key` for `wire` and marks it sent.
    fn transmit(&mut self, key: u64, wire: Wire) -> Option<Effect> {
        let line = self.line(key)?;
        let Kind::Own {
            client_id, file, ..
        } = &line.kind
        else {
            return None;
        };
        let frame = match (file, wire) {
            (Some(_), Wire::SocketIo) => {
                let why = "sending files to socket.io servers is not supported".to_string();
                self.set_delivery(key, Delivery::Failed(why));
                return None;
            }
            (Some(file), _) => Frame::Binary(file.bytes.to_vec()),
            (None, _) => protocol::encode_message(wire, &self.config.event, client_id, &line.text),
        };
        let effect = Effect::Transmit {
            frame,
            client_id: Some(client_id.clone()),
        };
        self.set_delivery(key, Delivery::Sent);
        Some(effect)
    }

    /// Our own sent file that a binary frame echoes (servers relay bytes as they are).
    fn file_echo(&self, bytes: &[u8]) -> Option<u64> {
        self.pending.iter().copied().find(|&k| {
            self.delivery(k) == Some(&Delivery::Sent)
                && self.line(k).is_some_and(
                    |l| matches!(&l.kind, Kind::Own { file: Some(f), .. } if &f.bytes[..] == bytes),
                )
        })
    }

    fn receive(&mut self, incoming: Incoming, now: u64, fx: &mut Vec<Effect>) {
        match incoming {
            Incoming::Welcome { users, .. } => self.users = names(users),
            Incoming::Ping => fx.push(Effect::Transmit {
                frame: protocol::encode_pong(self.config.dialect),
                client_id: None,
            }),
            Incoming::EngineOpen { .. } => {}
            Incoming::NamespaceJoined => {
                let note = format!(
                    "Joined the socket.io chat (event \u{201c}{}\u{201d}).",
                    self.config.event
                );
                self.system(now, Level::Info, note);
            }
            Incoming::Event { name, args } => {
                self.push(
                    now,
                    Kind::Json,
                    format!("event \u{201c}{name}\u{201d}: {args}"),
                );
            }
            Incoming::Notice(text) => self.system(now, Level::Info, text),
            Incoming::ServerClosed(why) => {
                // The server removed us on purpose: do not retry on our own.
                self.system(now, Level::Error, format!("Disconnected: {why}."));
                self.stop_timers(fx);
                fx.push(Effect::Close);
                self.requeue(fx);
                self.conn = Conn::Closed(Closed {
                    code: 1000,
                    reason: why,
                    by_user: false,
                });
                self.users.clear();
                self.typists.clear();
            }
            Incoming::Joined {
                name,
                users,
                history,
            } => {
                let note = if name == self.config.name {
                    format!("You joined as {name}.")
                } else {
                    format!(
                        "You joined as {name} (\u{201c}{}\u{201d} was taken).",
                        self.config.name
                    )
                };
                self.me = Some(text::name(&name));
                self.users = names(users);
                self.system(now, Level::Info, note);
                // What was said before (or while we were away); repeats are dropped by id.
                for message in history {
                    if matches!(message, Incoming::Message { .. }) {
                        self.receive(message, now, fx);
                    }
                }
            }
            Incoming::Message {
                id,
                seq,
                from,
                text,
                ts,
            } => {
                if seq > 0 {
                    self.last_seq = self.last_seq.max(Some(seq));
                }
                if let Some(id) = &id {
                    if let Some(&key) = self.own.get(id) {
                        // Our own echo (a repeat after a resend changes nothing).
                        self.delivered(key, ts, now, fx);
                        return;
                    }
                    if !self.seen.insert(id.clone()) {
                        return;
                    }
                } else if from.is_none() {
                    if let Some(key) = self.text_echo(&text) {
                        self.echoes = true;
                        self.delivered(key, ts, now, fx);
                        return;
                    }
                }
                let from = from.map(|f| text::name(&f));
                // They sent what they were typing.
                self.typists.retain(|(n, _)| Some(n) != from.as_ref());
                self.push(ts.unwrap_or(now), Kind::Peer { from }, text);
            }
            Incoming::Json(pretty) => {
                self.push(now, Kind::Json, pretty);
            }
            Incoming::Join { name } => {
                self.system(now, Level::Info, format!("{} joined.", text::name(&name)))
            }
            Incoming::Leave { name } => {
                self.system(now, Level::Info, format!("{} left.", text::name(&name)))
            }
            Incoming::Presence { users } => self.users = names(users),
            Incoming::Typing { name } => {
                let name = text::name(&name);
                if self.me.as_deref() != Some(name.as_str()) {
                    self.typists.retain(|(n, _)| *n != name);
                    self.typists.push((name, now + TYPING_SHOWS_MS));
                    fx.push(Effect::StartTimer {
                        timer: Timer::Typing,
                        ms: TYPING_SHOWS_MS as u32,
                    });
                }
            }
            Incoming::ServerError {
                code,
                message,
                id: Some(id),
            } if self.own.contains_key(&id) => {
                // Only about a message still in the outbox: one already
                // delivered stays delivered.
                if let Some(&key) = self.own.get(&id).filter(|k| self.pending.contains(k)) {
                    if code == "rate_limited" {
                        // Too fast: back in the queue, sent again when the limit allows.
                        self.set_delivery(key, Delivery::Queued);
                        let wait = self.pace.as_mut().map_or(1000, |pace| {
                            pace.tokens = 0.0;
                            pace.at = now;
                            pace.wait_ms()
                        });
                        fx.push(Effect::StartTimer {
                            timer: Timer::Flush,
                            ms: wait,
                        });
                    } else {
                        // Refused for good (size, rules): the user decides.
                        self.set_delivery(key, Delivery::Failed(format!("{message} ({code})")));
                    }
                    fx.push(Effect::SaveOutbox);
                }
            }
            Incoming::ServerError { code, message, .. } => self.system(
                now,
                Level::Error,
                format!("Server error ({code}): {message}"),
            ),
            Incoming::Binary(bytes) => match binary::image_mime(&bytes) {
                Some(mime) => {
                    let text = format!("{mime}, {}", binary::describe(&bytes));
                    self.push(
                        now,
                        Kind::Image {
                            mime,
                            bytes: bytes.into(),
                        },
                        text,
                    );
                }
                None => self.system(
                    now,
                    Level::Info,
                    format!("Binary frame, {}", binary::describe(&bytes)),
                ),
            },
        }
    }

    /// The oldest sent, unconfirmed own line with this text (plain servers).
    fn text_echo(&self, text: &str) -> Option<u64> {
        self.pending.iter().copied().find(|&k| {
            self.delivery(k) == Some(&Delivery::Sent)
                && self.line(k).is_some_and(|l| l.text == text)
        })
    }

    fn delivered(&mut self, key: u64, ts: Option<u64>, now: u64, fx: &mut Vec<Effect>) {
        if !self.pending.contains(&key) {
            return;
        }
        if let Some(i) = self.sent_at.iter().position(|(k, _)| *k == key) {
            self.rtt_ms = Some(now.saturating_sub(self.sent_at.swap_remove(i).1));
        }
        self.pending.retain(|&k| k != key);
        self.set_delivery(key, Delivery::Delivered);
        if let (Some(ts), Some(idx)) = (ts, self.index(key)) {
            Rc::make_mut(&mut self.lines[idx]).ts = ts;
        }
        fx.push(Effect::SaveOutbox);
    }

    fn index(&self, key: u64) -> Option<usize> {
        self.lines.binary_search_by_key(&key, |l| l.key).ok()
    }

    fn line(&self, key: u64) -> Option<&Line> {
        self.index(key).map(|i| &*self.lines[i])
    }

    fn delivery(&self, key: u64) -> Option<&Delivery> {
        match &self.line(key)?.kind {
            Kind::Own { delivery, .. } => Some(delivery),
            _ => None,
        }
    }

    fn set_delivery(&mut self, key: u64, to: Delivery) {
        if let Some(idx) = self.index(key) {
            if matches!(&self.lines[idx].kind, Kind::Own { delivery, .. } if *delivery != to) {
                if let Kind::Own { delivery, .. } = &mut Rc::make_mut(&mut self.lines[idx]).kind {
                    *delivery = to;
                }
            }
        }
    }

    fn push_own(
        &mut self,
        ts: u64,
        client_id: String,
        text: String,
        delivery: Delivery,
        file: Option<Attachment>,
    ) -> u64 {
        let key = self.push(
            ts,
            Kind::Own {
                client_id: client_id.clone(),
                delivery,
                file,
            },
            text,
        );
        self.own.insert(client_id, key);
        self.pending.push(key);
        key
    }

    fn refuse_file(&mut self, now: u64, name: &str, size: u64, unreadable: Option<String>) {
        let why = match unreadable {
            Some(reason) => format!("\u{201c}{name}\u{201d} could not be read: {reason}."),
            None => format!(
                "\u{201c}{name}\u{201d} is too big to send: {} KiB, the limit is {} KiB.",
                size.div_ceil(1024),
                MAX_FILE_BYTES / 1024
            ),
        };
        self.system(now, Level::Error, why);
    }

    fn system(&mut self, now: u64, level: Level, text: String) {
        self.push(now, Kind::System(level), text);
    }

    /// Appends a line. Text from the wire is clipped and cleaned here, once
    /// (the user's own lines are theirs to see whole).
    fn push(&mut self, ts: u64, kind: Kind, text: String) -> u64 {
        let text = match kind {
            Kind::Own { .. } => text,
            _ => text::clean(text::clip(text)),
        };
        self.next_key += 1;
        self.lines.push(Rc::new(Line {
            key: self.next_key,
            ts,
            kind,
            text,
        }));
        self.next_key
    }
}

/// Names from the wire, made safe to show (see [`text::name`]).
fn names(users: Vec<String>) -> Vec<String> {
    users.iter().map(|u| text::name(u)).collect()
}

#[cfg(test)]
mod tests;
