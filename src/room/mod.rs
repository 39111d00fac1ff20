//! The room: messages, delivery states, presence and the connection's life,
//! as a pure state machine (no web-sys, no yew), tested natively.
//!
//! The edges feed it [`Input`]s (socket events, user actions, timers, the
//! browser going on- or offline) with the current time; it updates itself and
//! answers with [`Effect`]s for the edges to carry out (open or close the
//! socket, transmit a frame, start a timer, save the outbox). All policy lives
//! here, one job per file: [`lines`] (the line model and the log),
//! [`connection`] (lifecycle and heartbeat), [`outbox`] (delivery states and
//! pacing), [`receive`] (what decoded events mean), [`presence`] (who is here
//! and typing), [`saved`] (what survives a reload). Nothing can lose a
//! message the user typed: it is a line in the log from the moment it is
//! composed, its [`Delivery`] says where it is, and every unconfirmed one is
//! saved for a reload.

pub mod backoff;
mod close;
mod connection;
mod dialect;
pub mod export;
mod io;
mod lines;
mod outbox;
mod pace;
mod presence;
mod receive;
mod saved;

pub use close::explain_close;
pub use connection::{Closed, Conn, BACKOFF, CONNECT_TIMEOUT_MS, PROBE_MS, STABLE_MS};
pub use io::{Effect, Input, Timer};
pub use lines::{Attachment, Delivery, Kind, Level, Line, Log, GROUP_MS, KEEP_LINES};
pub use outbox::MAX_FILE_BYTES;
pub use presence::{TYPING_EVERY_MS, TYPING_SHOWS_MS};
pub use saved::{Saved, SavedKind, Unsent};

use crate::config::Config;
use crate::i18n::t;
use crate::protocol::session::Session;
use crate::protocol::{binary, Dialect};
#[cfg(test)]
use crate::protocol::{Frame, Wire};
use backoff::{Backoff, Jitter};
use connection::Heartbeat;
use outbox::Outbox;
use pace::Pace;
use presence::Presence;
use receive::Seen;
use std::rc::Rc;

/// The whole state of one room.
#[derive(Clone, Debug)]
pub struct Room {
    /// Server, name asked for, dialect, event, subprotocols.
    config: Config,
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
    log: Log,
    outbox: Outbox,
    seen: Seen,
    /// The highest `seq` the reference server sent: where a resume starts.
    last_seq: Option<u64>,
    /// The server's rate limit, as announced.
    pace: Option<Pace>,
    presence: Presence,
    /// The dialect session of the current connection (socket.io, STOMP,
    /// MQTT, Action Cable), if it has one.
    session: Option<Session>,
    /// SockJS framing on this connection.
    sock: dialect::Sock,
    /// `auto` found the dialect (from the address, subprotocol or SockJS).
    detected: bool,
    /// This server joins several messages into one text frame.
    batched: bool,
    /// socket.io goes over HTTP long-polling (a WebSocket handshake failed).
    polling: bool,
}

impl Room {
    /// An empty room; `seed` feeds the reconnection jitter.
    pub fn new(seed: u64) -> Self {
        Room {
            config: Config::new("", "", Dialect::Auto),
            conn: Conn::Idle,
            negotiated: None,
            opened_at: None,
            backoff: BACKOFF,
            jitter: Jitter::new(seed),
            heartbeat: None,
            last_rx: 0,
            log: Log::new(KEEP_LINES),
            outbox: Outbox::default(),
            seen: Seen::default(),
            last_seq: None,
            pace: None,
            presence: Presence::default(),
            session: None,
            sock: dialect::Sock::Off,
            detected: false,
            batched: false,
            polling: false,
        }
    }

    pub fn lines(&self) -> &[Rc<Line>] {
        self.log.lines()
    }
    /// socket.io goes over HTTP long-polling on this connection.
    pub fn polling(&self) -> bool {
        self.polling
    }
    /// Increases with every change to the log: what re-renders its view.
    pub fn log_rev(&self) -> u64 {
        self.log.rev()
    }
    /// How many older lines left memory (the log keeps at most [`Log::keep`]).
    pub fn dropped(&self) -> usize {
        self.log.dropped()
    }
    /// Lines kept in memory, at most.
    pub fn keep(&self) -> usize {
        self.log.keep()
    }
    /// Ids remembered to drop repeats, and own lines tracked by id: both bounded.
    pub fn tracked(&self) -> (usize, usize) {
        (self.seen.len(), self.outbox.tracked())
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
    pub fn dialect(&self) -> Dialect {
        self.config.dialect
    }
    pub fn name(&self) -> &str {
        &self.config.name
    }
    /// The highest `seq` the reference server sent, where a resume starts.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// Applies one input at time `now` (ms since the epoch).
    pub fn handle(&mut self, input: Input, now: u64) -> Vec<Effect> {
        let mut fx = Vec::new();
        match input {
            Input::Connect(config) => {
                self.polling = config.polling_first && config.dialect == Dialect::SocketIo;
                // A smaller ceiling holds at once, not from the next line.
                let dropped = self.log.dropped();
                self.log.set_keep(config.keep);
                self.log.trim(&self.outbox.pending);
                self.forget_dropped(dropped);
                self.config = config;
                self.batched = self.config.lines == crate::protocol::lines::Lines::Split;
                self.choose_dialect();
                self.backoff.reset();
                self.start(&mut fx);
            }
            Input::ConnectFailed { reason } => self.connect_failed(reason, now, &mut fx),
            Input::Opened {
                protocol,
                extensions,
            } => self.opened((protocol, extensions), now, &mut fx),
            Input::Timer(timer) => self.on_timer(timer, now, &mut fx),
            Input::Frame(frame) => self.frame(frame, now, &mut fx),
            Input::Upgraded => {
                if self.polling {
                    self.polling = false;
                    let note = t("socket.io moved from HTTP long-polling to a WebSocket.");
                    self.system(now, Level::Info, note.into());
                }
            }
            Input::SockJsInfo(answer) => self.sockjs_info(answer, now, &mut fx),
            Input::Closed { code, reason, .. } => self.socket_closed(code, &reason, now, &mut fx),
            Input::Disconnect => {
                if !matches!(self.conn, Conn::Idle | Conn::Closed(_)) {
                    self.system(now, Level::Info, t("You disconnected.").into());
                }
                let closed = Closed {
                    code: 1000,
                    reason: String::new(),
                    by_user: true,
                };
                self.stop(closed, &mut fx);
            }
            Input::ReconnectNow => self.reconnect_now(&mut fx),
            Input::Online => self.went_online(&mut fx),
            Input::Offline => self.went_offline(&mut fx),
            Input::RawSend(frame) => self.raw_send(frame, now, &mut fx),
            Input::Compose { client_id, text } => self.compose(client_id, text, now, &mut fx),
            Input::ComposeFile {
                client_id,
                name,
                bytes,
            } => self.compose_file(client_id, name, bytes, now, &mut fx),
            Input::FileRefused {
                name,
                size,
                unreadable,
            } => self.refuse_file(now, &name, size, unreadable),
            Input::SendFailed { client_id, reason } => {
                self.send_failed(&client_id, reason, &mut fx)
            }
            Input::Retry { client_id } => self.retry(&client_id, now, &mut fx),
            Input::Discard { client_id } => self.discard(&client_id, &mut fx),
            Input::History { lines, last_seq } => self.load_history(lines, last_seq, now),
            Input::ClearLog => {
                let pending = &self.outbox.pending;
                self.log.retain(|l| pending.contains(&l.key));
            }
            Input::Restore(unsent) => {
                // Taken over from a page that closed while this one is
                // open: they go out now, after what is already queued.
                self.restore(unsent);
                self.flush(now, &mut fx);
            }
            Input::OutboxSaved { unsaved } => self.mark_unsaved(&unsaved),
        }
        fx
    }

    fn system(&mut self, now: u64, level: Level, text: String) {
        self.push(now, Kind::System(level), text);
    }

    /// Appends a line; past the memory ceiling the oldest lines leave (the
    /// undelivered own ones stay); the ids of own lines that left move to
    /// the bounded set of ids already seen, so a late repeat stays hidden.
    fn push(&mut self, ts: u64, kind: Kind, text: String) -> u64 {
        let dropped = self.log.dropped();
        let key = self.log.push(ts, kind, text, &self.outbox.pending);
        self.forget_dropped(dropped);
        key
    }

    /// The ids of own lines that left memory (since `dropped` had) move to
    /// the bounded set of ids already seen.
    fn forget_dropped(&mut self, dropped: usize) {
        if self.log.dropped() != dropped {
            let cap = self.log.keep();
            for id in self.outbox.forget_before(self.log.first_key()) {
                self.seen.insert(&id, cap);
            }
        }
    }
}

#[cfg(test)]
mod tests;
