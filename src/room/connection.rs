//! The connection's life: opening, the dialect's handshake, the heartbeat,
//! losing it, and when and how to try again.

use super::backoff::Backoff;
use super::{explain_close, Effect, Level, Room, Timer};
use crate::i18n::{t, tf};
use crate::protocol::{self, sockjs, Dialect, Frame, Incoming, Wire};

/// How long `auto` waits, after the socket opens, for a first frame that tells
/// whether the server speaks the Roomcast envelope, before settling on text.
pub const PROBE_MS: u32 = 400;
/// A probe timer this late says the page was busy, not that the server is
/// silent: `auto` waits half a probe more.
pub const PROBE_LATE_MS: u64 = 200;
/// A handshake that has not completed by then is given up and retried.
pub const CONNECT_TIMEOUT_MS: u32 = 10_000;
/// A connection that stayed open this long resets the backoff.
pub const STABLE_MS: u64 = 10_000;
/// The reconnection delays: full jitter up to `min(30 s, 0.5 s · 2^attempt)`.
pub const BACKOFF: Backoff = Backoff::new(500, 30_000, 100);

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

/// How often to check the server's heartbeat, and how much silence means dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Heartbeat {
    every_ms: u32,
    dead_after_ms: u64,
}

impl Room {
    /// The connection in words at time `now`. Contains `Connected` only when
    /// messages go out at once (the testing contract of README.md).
    pub fn status_text(&self, now: u64) -> String {
        let server = &self.config.server;
        match &self.conn {
            Conn::Idle => t("Not connected").into(),
            Conn::Connecting { attempt: 0 } | Conn::Probing => {
                tf("Connecting to {0}\u{2026}", &[&server])
            }
            Conn::Connecting { attempt } => tf(
                "Reconnecting to {0}\u{2026} (retry {1})",
                &[&server, attempt],
            ),
            Conn::Open(_) => {
                let over = self.transport_note();
                match &self.presence.me {
                    Some(me) => tf("Connected to {0} as {1}{2}", &[&server, me, &over]),
                    None => tf("Connected to {0}{1}", &[&server, &over]),
                }
            }
            Conn::Reconnecting { attempt, due } => {
                let secs = due.saturating_sub(now).div_ceil(1000);
                tf("Reconnecting in {0} s (retry {1})", &[&secs, attempt])
            }
            Conn::Offline => t("Offline: waiting for the network").into(),
            Conn::Closed(c) if c.by_user => t("Disconnected").into(),
            Conn::Closed(c) => tf("Disconnected (code {0})", &[&c.code]),
        }
    }

    /// The browser refused to create the socket.
    pub(super) fn connect_failed(&mut self, reason: String, now: u64, fx: &mut Vec<Effect>) {
        self.stop_timers(fx);
        self.system(now, Level::Error, tf("Cannot connect: {0}", &[&reason]));
        self.conn = Conn::Closed(Closed {
            code: 1006,
            reason,
            by_user: false,
        });
    }

    /// The socket opened: settle at once, or wait for the dialect's handshake.
    pub(super) fn opened(&mut self, negotiated: (String, String), now: u64, fx: &mut Vec<Effect>) {
        self.pace = None;
        if !matches!(self.conn, Conn::Connecting { .. }) {
            return;
        }
        self.opened_at = Some(now);
        self.last_rx = now;
        self.negotiated = Some(negotiated);
        if self.sock == super::dialect::Sock::Unsure {
            // A plain socket opened where /info did not answer: a plain server.
            self.sock = super::dialect::Sock::Off;
        }
        if let super::dialect::Sock::Framed { .. } = self.sock {
            // SockJS: the session starts at its `o` frame.
            self.conn = Conn::Probing;
            return;
        }
        self.dialect_opened(now, fx);
    }

    /// `auto` on a plain socket: wait a moment for a first frame that
    /// tells whether the server speaks the envelope.
    pub(super) fn probe(&mut self, fx: &mut Vec<Effect>) {
        self.conn = Conn::Probing;
        fx.push(Effect::CancelTimer(Timer::ConnectTimeout));
        fx.push(Effect::StartTimer {
            timer: Timer::Probe,
            ms: PROBE_MS,
        });
    }

    /// A connection timer fired.
    pub(super) fn on_timer(&mut self, timer: Timer, now: u64, fx: &mut Vec<Effect>) {
        match timer {
            Timer::Probe if self.conn == Conn::Probing => {
                // Fired late: the page was busy (a new browser's first render
                // on a loaded machine), and the server's first frame may be
                // queued behind this timer. Wait a little more, up to
                // 3 × PROBE_MS after the socket opened.
                let waited = self.opened_at.map_or(0, |at| now.saturating_sub(at));
                let probe = u64::from(PROBE_MS);
                if waited >= probe + PROBE_LATE_MS && waited < 3 * probe {
                    fx.push(Effect::StartTimer {
                        timer: Timer::Probe,
                        ms: PROBE_MS / 2,
                    });
                } else {
                    self.settle(Wire::Text, now, fx)
                }
            }
            Timer::ConnectTimeout
                if matches!(self.conn, Conn::Connecting { .. } | Conn::Probing) =>
            {
                fx.push(Effect::Close);
                let why = tf(
                    "The server did not complete the handshake within {0} s.",
                    &[&(CONNECT_TIMEOUT_MS / 1000)],
                );
                self.lost(now, 1006, why, fx);
            }
            Timer::Reconnect if matches!(self.conn, Conn::Reconnecting { .. }) => self.start(fx),
            Timer::Heartbeat => self.check_heartbeat(now, fx),
            Timer::Flush => self.flush(now, fx),
            Timer::Typing => self.presence.expire(now, fx),
            Timer::AppPing => {
                if let (Conn::Open(_), Some(ping)) = (&self.conn, self.config.ping.clone()) {
                    self.send_counted(Frame::Text(ping), now, fx);
                    fx.push(Effect::StartTimer {
                        timer: Timer::AppPing,
                        ms: self.config.ping_ms,
                    });
                }
            }
            Timer::Dialect => {
                if let Some(step) = self.session.as_mut().map(|s| s.on_timer()) {
                    self.apply(step, now, fx);
                }
            }
            _ => {}
        }
    }

    /// The socket closed (whoever closed it).
    pub(super) fn socket_closed(
        &mut self,
        code: u16,
        reason: &str,
        now: u64,
        fx: &mut Vec<Effect>,
    ) {
        if matches!(
            self.conn,
            Conn::Connecting { .. } | Conn::Probing | Conn::Open(_)
        ) {
            // socket.io whose WebSocket never opened: its own client would
            // fall back to long-polling, and so does Roomcast, at once.
            let sio = self.session.as_ref().and_then(|s| s.socketio()).is_some();
            if sio && !self.polling && self.opened_at.is_none() && code == 1006 {
                self.polling = true;
                let note =
                    t("The WebSocket handshake failed: trying socket.io over HTTP long-polling.");
                self.system(now, Level::Info, note.into());
                return self.start(fx);
            }
            let why = explain_close(code, reason, self.opened_at.is_some());
            self.lost(now, code, why, fx);
        }
    }

    /// The user closes the connection, or the server removed us on purpose:
    /// no retries until the user connects again.
    pub(super) fn stop(&mut self, closed: Closed, fx: &mut Vec<Effect>) {
        self.stop_timers(fx);
        fx.push(Effect::Close);
        self.requeue(fx);
        self.conn = Conn::Closed(closed);
        self.presence.reset_room();
    }

    /// The user skips the wait.
    pub(super) fn reconnect_now(&mut self, fx: &mut Vec<Effect>) {
        if matches!(
            self.conn,
            Conn::Reconnecting { .. } | Conn::Offline | Conn::Closed(_)
        ) {
            self.start(fx);
        }
    }

    /// The network came back: try at once, from the first delay.
    pub(super) fn went_online(&mut self, fx: &mut Vec<Effect>) {
        if matches!(self.conn, Conn::Offline | Conn::Reconnecting { .. }) {
            self.backoff.reset();
            self.start(fx);
        }
    }

    /// The browser went offline: stop trying until it is back.
    pub(super) fn went_offline(&mut self, fx: &mut Vec<Effect>) {
        if matches!(
            self.conn,
            Conn::Reconnecting { .. } | Conn::Connecting { .. }
        ) {
            self.stop_timers(fx);
            fx.push(Effect::Close);
            self.conn = Conn::Offline;
        }
    }

    /// What a frame means for settling the session, before it is shown.
    pub(super) fn handshake(&mut self, incoming: &Incoming, now: u64, fx: &mut Vec<Effect>) {
        match (incoming, self.config.dialect) {
            (
                Incoming::Welcome {
                    heartbeat_ms, rate, ..
                },
                _,
            ) => {
                self.pace = rate.map(|limit| super::pace::Pace::new(limit, now));
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
                // Both versions: dead after pingInterval + pingTimeout of silence.
                self.heartbeat = Some(Heartbeat {
                    every_ms: (ping_interval_ms / 2).clamp(250, 5000),
                    dead_after_ms: (u64::from(*ping_interval_ms) + u64::from(*ping_timeout_ms))
                        .max(1000),
                });
            }
            (Incoming::NamespaceJoined | Incoming::Ready(_), _) if self.conn == Conn::Probing => {
                self.settle(Wire::Session, now, fx)
            }
            (Incoming::Beat { dead_after_ms }, _) => {
                self.heartbeat = Some(Heartbeat {
                    every_ms: (dead_after_ms / 4).clamp(250, 5000) as u32,
                    dead_after_ms: (*dead_after_ms).max(1000),
                });
                if matches!(self.conn, Conn::Open(_)) {
                    self.start_heartbeat(fx);
                }
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
    pub(super) fn start(&mut self, fx: &mut Vec<Effect>) {
        self.stop_timers(fx);
        self.conn = Conn::Connecting {
            attempt: self.backoff.attempt(),
        };
        self.opened_at = None;
        self.negotiated = None;
        self.heartbeat = None;
        self.presence.reset_session();
        if self.sock == super::dialect::Sock::Unsure {
            // The last attempt never opened: a SockJS server that was down
            // may be back.
            self.sock = super::dialect::Sock::Probe;
        }
        if self.sock == super::dialect::Sock::Probe {
            fx.push(Effect::ProbeSockJs {
                url: sockjs::info_url(&self.config.server),
            });
        } else {
            self.open_socket(fx);
        }
        fx.push(Effect::StartTimer {
            timer: Timer::ConnectTimeout,
            ms: CONNECT_TIMEOUT_MS,
        });
    }

    pub(super) fn stop_timers(&mut self, fx: &mut Vec<Effect>) {
        for timer in [
            Timer::Probe,
            Timer::ConnectTimeout,
            Timer::Reconnect,
            Timer::Heartbeat,
            Timer::Flush,
            Timer::Dialect,
            Timer::AppPing,
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
            self.fail_largest_unconfirmed(fx);
        }
        self.requeue(fx);
        self.opened_at = None;
        self.negotiated = None;
        self.presence.reset_session();
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

    fn check_heartbeat(&mut self, now: u64, fx: &mut Vec<Effect>) {
        let (Conn::Open(_), Some(hb)) = (&self.conn, self.heartbeat) else {
            return;
        };
        let silent = now.saturating_sub(self.last_rx);
        if silent > hb.dead_after_ms {
            fx.push(Effect::Close);
            let why = tf(
                // Integer tenths: formatting floats would add ~11 KB to the wasm.
                "No heartbeat from the server for {0}.{1} s: the connection is dead.",
                &[&(silent / 1000), &(silent % 1000 / 100)],
            );
            self.lost(now, 1006, why, fx);
        } else {
            self.start_heartbeat(fx);
        }
    }

    /// Settles the wire format: introduces us (with where to resume), then
    /// sends the queue in order.
    pub(super) fn settle(&mut self, wire: Wire, now: u64, fx: &mut Vec<Effect>) {
        self.conn = Conn::Open(wire);
        fx.push(Effect::CancelTimer(Timer::ConnectTimeout));
        if let Some(frame) = protocol::encode_hello(wire, &self.config.name, self.last_seq) {
            self.send_counted(frame, now, fx);
        }
        // The connection's own setup (a join or auth frame), on every
        // connection, before anything queued.
        for frame in self.config.send.clone() {
            self.send_counted(Frame::Text(frame), now, fx);
        }
        if self.config.ping.is_some() {
            fx.push(Effect::StartTimer {
                timer: Timer::AppPing,
                ms: self.config.ping_ms,
            });
        }
        self.start_heartbeat(fx);
        self.flush(now, fx);
    }
}
