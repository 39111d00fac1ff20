//! The dialect under the room: which session a connection gets, the SockJS
//! framing around it, and the one path every frame takes in and out.

use super::{Closed, Conn, Effect, Level, Room};
use crate::i18n::{t, tf};
use crate::protocol::session::{Session, Setup};
use crate::protocol::{cable, mqtt, socketio, sockjs, stomp, Dialect, Frame, Incoming, Wire};

/// SockJS on this connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum Sock {
    /// Not SockJS.
    #[default]
    Off,
    /// Ask the server's `/info` first.
    Probe,
    /// `/info` did not answer (the server may be down): a plain socket,
    /// and `/info` again on the next attempt unless this one opens.
    Unsure,
    /// The framed endpoint; `open` once its `o` arrived.
    Framed { open: bool },
    /// The raw endpoint: SockJS without framing.
    Raw,
}

impl Sock {
    pub(super) fn on(self) -> bool {
        matches!(self, Sock::Framed { .. } | Sock::Raw)
    }
}

impl Room {
    /// On a new connection: the dialect the address names (`auto` only),
    /// and whether to ask SockJS's `/info` first.
    pub(super) fn choose_dialect(&mut self) {
        self.detected = false;
        if self.config.dialect == Dialect::Auto {
            if let Some(dialect) = Dialect::detect(&self.config.server) {
                self.config.dialect = dialect;
                self.detected = true;
            }
        }
        let sockjs_like =
            self.config.typed_http && matches!(self.config.dialect, Dialect::Auto | Dialect::Stomp);
        self.sock = if self.config.dialect == Dialect::SockJs || sockjs_like {
            Sock::Probe
        } else {
            Sock::Off
        };
    }

    /// The session a new socket gets (none for plain and envelope servers).
    pub(super) fn new_session(&mut self) -> Option<Session> {
        let setup = Setup {
            room: self.config.room().to_string(),
            name: self.config.name.clone(),
            format: self.config.format,
            action: self.config.action.clone(),
            qos: self.config.qos,
            seed: self.jitter.next_u64(),
        };
        Some(match self.config.dialect {
            Dialect::SocketIo => Session::SocketIo(socketio::Session::new(
                &self.config.event,
                &self.config.namespace(),
                self.config.eio,
            )),
            Dialect::Stomp => Session::Stomp(stomp::Session::new(setup)),
            Dialect::Mqtt => Session::Mqtt(mqtt::Session::new(setup)),
            Dialect::ActionCable => Session::Cable(cable::Session::new(setup)),
            Dialect::Auto | Dialect::Text | Dialect::Json | Dialect::SockJs => return None,
        })
    }

    /// Opens the socket for the current connection attempt.
    pub(super) fn open_socket(&mut self, fx: &mut Vec<Effect>) {
        self.session = self.new_session();
        let url = match self.sock {
            Sock::Framed { .. } => {
                self.sock = Sock::Framed { open: false };
                let seed = self.jitter.next_u64();
                sockjs::framed_url(
                    &self.config.server,
                    (seed % 1000) as u16,
                    &sockjs::session_id(seed),
                )
            }
            Sock::Raw => sockjs::raw_url(&self.config.server),
            Sock::Off | Sock::Probe | Sock::Unsure => self.config.url(),
        };
        // SockJS servers choose no subprotocol: offering one would fail the handshake.
        let protocols = if self.sock.on() {
            self.config.subprotocols.clone()
        } else {
            self.config.offered_subprotocols()
        };
        fx.push(if self.polling {
            Effect::OpenPolling {
                url: self.config.polling_url(),
                eio: self.config.revision(),
            }
        } else {
            Effect::Open { url, protocols }
        });
    }

    /// SockJS's `/info` answered (or did not).
    pub(super) fn sockjs_info(
        &mut self,
        answer: Result<bool, String>,
        now: u64,
        fx: &mut Vec<Effect>,
    ) {
        if self.sock != Sock::Probe || !matches!(self.conn, Conn::Connecting { .. }) {
            return;
        }
        let server = self.config.server.clone();
        match answer {
            Ok(true) => {
                self.sock = Sock::Framed { open: false };
                // Spring's default: STOMP inside SockJS, its destinations start with `/`.
                if self.config.dialect == Dialect::Auto && self.config.room.starts_with('/') {
                    self.config.dialect = Dialect::Stomp;
                    self.detected = true;
                }
            }
            Ok(false) => {
                let why = tf("The SockJS server at {0} has its WebSocket transport turned off; Roomcast speaks SockJS over a WebSocket only.", &[&server]);
                self.system(now, Level::Error, why.clone());
                self.stop_timers(fx);
                self.conn = Conn::Closed(Closed {
                    code: 1006,
                    reason: why,
                    by_user: false,
                });
                return;
            }
            Err(why) if self.config.dialect == Dialect::SockJs => {
                self.sock = Sock::Raw;
                let note = tf(
                    "No SockJS /info at {0} ({1}): trying its raw endpoint {2}.",
                    &[&server, &why, &sockjs::raw_url(&server)],
                );
                self.system(now, Level::Info, note);
            }
            Err(_) => self.sock = Sock::Unsure,
        }
        self.open_socket(fx);
    }

    /// The socket opened (and SockJS said `o`): settle, or start the dialect's handshake.
    pub(super) fn dialect_opened(&mut self, now: u64, fx: &mut Vec<Effect>) {
        // `auto` with a subprotocol the server chose that names a dialect.
        let chosen = self
            .negotiated
            .as_ref()
            .and_then(|(p, _)| Dialect::from_subprotocol(p));
        if let (Dialect::Auto, Some(dialect)) = (self.config.dialect, chosen) {
            self.config.dialect = dialect;
            self.detected = true;
            self.session = self.new_session();
        }
        match self.config.dialect {
            Dialect::Auto if !self.sock.on() => self.probe(fx),
            Dialect::Auto | Dialect::Text | Dialect::SockJs => self.settle(Wire::Text, now, fx),
            Dialect::Json => self.settle(Wire::Envelope, now, fx),
            // The handshake timeout keeps running until the session is ready.
            Dialect::SocketIo | Dialect::Stomp | Dialect::Mqtt | Dialect::ActionCable => {
                self.conn = Conn::Probing;
                if let Some(step) = self.session.as_mut().map(Session::opened) {
                    self.apply(step, now, fx);
                }
            }
        }
    }

    /// A frame arrived: SockJS's framing comes off first.
    pub(super) fn frame(&mut self, frame: Frame, now: u64, fx: &mut Vec<Effect>) {
        self.last_rx = now;
        let Sock::Framed { open } = self.sock else {
            return self.inner_frame(frame, now, fx);
        };
        let text = match frame {
            Frame::Text(text) => text,
            Frame::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        };
        match sockjs::parse(&text) {
            sockjs::Event::Open if !open => {
                self.sock = Sock::Framed { open: true };
                self.handshake(
                    &Incoming::Beat {
                        dead_after_ms: sockjs::DEAD_AFTER_MS,
                    },
                    now,
                    fx,
                );
                self.dialect_opened(now, fx);
            }
            sockjs::Event::Open | sockjs::Event::Heartbeat => {}
            sockjs::Event::Messages(list) => {
                for message in list {
                    self.inner_frame(Frame::Text(message), now, fx);
                }
            }
            sockjs::Event::Close { code, reason } => {
                fx.push(Effect::Close);
                self.socket_closed(code, &tf("SockJS: {0}", &[&reason]), now, fx);
            }
            sockjs::Event::Garbage(what) => {
                let text = crate::protocol::socketio::packet::shorten(&what);
                self.system(
                    now,
                    Level::Info,
                    tf("SockJS: not a SockJS frame: {0}", &[&text]),
                );
            }
        }
    }

    /// A frame exactly as the user typed it: no dialect, no SockJS framing.
    pub(super) fn raw_send(&mut self, frame: Frame, now: u64, fx: &mut Vec<Effect>) {
        let (kind, size) = match &frame {
            Frame::Text(t) => ("text", t.len()),
            Frame::Binary(b) => ("binary", b.len()),
        };
        if !matches!(self.conn, Conn::Open(_) | Conn::Probing) {
            let why = tf(
                "Not connected: the raw {0} frame ({1} bytes) was not sent.",
                &[&kind, &size],
            );
            return self.system(now, Level::Error, why);
        }
        self.count(now);
        fx.push(Effect::Transmit {
            frame,
            client_id: None,
        });
        let note = tf(
            "Sent a raw {0} frame ({1} bytes), bypassing the protocol.",
            &[&kind, &size],
        );
        self.system(now, Level::Info, note);
    }

    /// Sends a frame that cannot wait for the server's pace but counts
    /// against it (the hello, a `send=` setup frame, the application ping):
    /// it takes a token, so the queue after it keeps to the server's rate.
    pub(super) fn send_counted(&mut self, frame: Frame, now: u64, fx: &mut Vec<Effect>) {
        self.count(now);
        self.send_frame(frame, None, fx);
    }

    /// A frame of ours the server counts went out: one token less.
    fn count(&mut self, now: u64) {
        if let Some(pace) = &mut self.pace {
            pace.take(now);
        }
    }

    /// Sends a frame, inside SockJS's framing where it is on.
    #[inline(never)]
    pub(super) fn send_frame(&self, frame: Frame, client_id: Option<String>, fx: &mut Vec<Effect>) {
        let frame = match (self.sock, frame) {
            (Sock::Framed { .. }, Frame::Text(text)) => Frame::Text(sockjs::wrap(&text)),
            (Sock::Framed { .. }, Frame::Binary(bytes)) => {
                Frame::Text(sockjs::wrap(&String::from_utf8_lossy(&bytes)))
            }
            (_, frame) => frame,
        };
        fx.push(Effect::Transmit { frame, client_id });
    }

    /// The protocol by name, for sentences.
    pub(super) fn transport_name(&self) -> &'static str {
        match self.config.dialect {
            Dialect::Stomp | Dialect::Mqtt | Dialect::ActionCable | Dialect::SocketIo => {
                self.config.dialect.title()
            }
            _ if self.sock.on() => "SockJS",
            d => d.title(),
        }
    }

    /// What the status line adds after "Connected to …": the transport, and
    /// the dialect when it was detected or is not plain.
    pub(super) fn transport_note(&self) -> String {
        if self.polling {
            return t(" (socket.io over HTTP long-polling)").into();
        }
        let dialect = self.config.dialect;
        let name = match (dialect, self.sock.on()) {
            (Dialect::Auto | Dialect::Text | Dialect::Json | Dialect::SocketIo, false) => {
                return String::new()
            }
            (Dialect::Auto | Dialect::Text | Dialect::SockJs, true) => "SockJS".to_string(),
            (d, true) => tf("{0} over SockJS", &[&d.title()]),
            (d, false) => d.title().to_string(),
        };
        let how = if self.detected { t(", detected") } else { "" };
        format!(" ({name}{how})")
    }
}
