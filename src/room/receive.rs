//! Receiving: what each event a dialect decoded means for the log, the
//! outbox and presence.

use super::{binary, Closed, Effect, Kind, Level, Room, Timer};
use crate::i18n::{t, tf};
use crate::protocol::lines::{self, Lines};
use crate::protocol::session::Step;
use crate::protocol::{self, Frame, Incoming};
use crate::text;
use std::collections::{HashSet, VecDeque};

/// Ids of peer messages already shown (servers may resend after a drop),
/// the newest `cap` of them: bounded, however long the tab stays open.
#[derive(Clone, Debug, Default)]
pub(super) struct Seen {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// Whether `id` is new (and remembers it).
    pub(super) fn insert(&mut self, id: &str, cap: usize) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        self.ids.insert(id.to_string());
        self.order.push_back(id.to_string());
        while self.order.len() > cap.max(1) {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }

    pub(super) fn len(&self) -> usize {
        self.order.len()
    }
}

impl Room {
    /// A frame (inside any SockJS framing): an echo of a file we sent, or
    /// whatever the dialect makes of it.
    pub(super) fn inner_frame(&mut self, frame: Frame, now: u64, fx: &mut Vec<Effect>) {
        if let Some(session) = self.session.as_mut() {
            let step = session.receive(frame);
            return self.apply(step, now, fx);
        }
        // The echo of a file we sent: the bytes come back as they were.
        if let Frame::Binary(bytes) = &frame {
            if let Some(key) = self.file_echo(bytes, now) {
                self.outbox.echoes = true;
                self.delivered(key, None, now, fx);
                return;
            }
        }
        for incoming in protocol::decode(self.config.dialect, &self.config.event, frame) {
            self.handshake(&incoming, now, fx);
            self.receive(incoming, now, fx);
        }
    }

    /// Carries out a session's step: its frames, its timer, then its events.
    /// Not inlined: it has several callers, and it is large (size, measured).
    #[inline(never)]
    pub(super) fn apply(&mut self, step: Step, now: u64, fx: &mut Vec<Effect>) {
        for frame in step.send {
            self.send_frame(frame, None, fx);
        }
        if let Some(ms) = step.timer {
            fx.push(Effect::StartTimer {
                timer: Timer::Dialect,
                ms,
            });
        }
        for incoming in step.incoming {
            self.handshake(&incoming, now, fx);
            self.receive(incoming, now, fx);
        }
    }

    fn receive(&mut self, incoming: Incoming, now: u64, fx: &mut Vec<Effect>) {
        match incoming {
            Incoming::Acked { client_id } => {
                // Still undelivered (its echo did not come first): delivered
                // now, and its broadcast, if it comes back, is not a new line.
                let key = self.outbox.key(&client_id);
                if let Some(key) = key.filter(|k| self.outbox.pending.contains(k)) {
                    self.delivered(key, None, now, fx);
                    self.outbox.expect_echo(key, now);
                }
            }
            Incoming::Welcome { users, .. } => self.presence.set_users(users),
            Incoming::Ping => {
                let pong = protocol::encode_pong(self.config.dialect);
                self.send_frame(pong, None, fx);
            }
            Incoming::EngineOpen { .. } | Incoming::Beat { .. } => {}
            Incoming::Ready(note) => self.system(now, Level::Info, note),
            Incoming::NamespaceJoined => {
                let note = tf(
                    "Joined the socket.io chat (event \u{201c}{0}\u{201d}).",
                    &[&self.config.event],
                );
                self.system(now, Level::Info, note);
            }
            Incoming::Event { name, args } => {
                let text = format!("event \u{201c}{name}\u{201d}: {args}");
                self.system(now, Level::Info, text);
            }
            Incoming::Notice(text) => self.system(now, Level::Info, text),
            Incoming::ServerClosed(why) => {
                // The server removed us on purpose: do not retry on our own.
                self.system(now, Level::Error, tf("Disconnected: {0}.", &[&why]));
                let closed = Closed {
                    code: 1000,
                    reason: why,
                    by_user: false,
                };
                self.stop(closed, fx);
            }
            Incoming::Joined {
                name,
                users,
                history,
            } => {
                let note = if name == self.config.name {
                    tf("You joined as {0}.", &[&name])
                } else {
                    tf(
                        "You joined as {0} (\u{201c}{1}\u{201d} was taken).",
                        &[&name, &self.config.name],
                    )
                };
                self.presence.me = Some(text::name(&name));
                self.presence.set_users(users);
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
                let plain = id.is_none() && from.is_none();
                if plain && text.contains('\n') && self.is_batch(&text, now) {
                    for line in lines::split(&text) {
                        self.receive(protocol::decode_json_or_text(line), now, fx);
                    }
                    return;
                }
                if seq > 0 {
                    self.last_seq = self.last_seq.max(Some(seq));
                }
                if let Some(id) = &id {
                    if let Some(key) = self.outbox.key(id) {
                        // Our own echo (a repeat after a resend changes nothing).
                        self.delivered(key, ts, now, fx);
                        return;
                    }
                    if !self.seen.insert(id, self.log.keep()) {
                        return;
                    }
                } else if from.is_none() {
                    if let Some(key) = self.text_echo(&text, now) {
                        self.outbox.echoes = true;
                        self.delivered(key, ts, now, fx);
                        return;
                    }
                }
                let from = from.map(|f| text::name(&f));
                self.presence.spoke(from.as_ref());
                self.push(ts.unwrap_or(now), Kind::Peer { from }, text);
            }
            Incoming::Json(pretty) => {
                self.push(now, Kind::Json, pretty);
            }
            Incoming::Join { name } => {
                self.system(now, Level::Info, tf("{0} joined.", &[&text::name(&name)]))
            }
            Incoming::Leave { name } => {
                self.system(now, Level::Info, tf("{0} left.", &[&text::name(&name)]))
            }
            Incoming::Presence { users } => self.presence.set_users(users),
            Incoming::Typing { name } => self.presence.typing(&name, now, fx),
            Incoming::ServerError {
                code,
                message,
                id: Some(id),
            } if self.outbox.key(&id).is_some() => self.refused(&id, &code, &message, now, fx),
            // A frame of our own with no line (a typing notice, the hello)
            // came too fast: the queue waits for the next token, and nothing
            // the user typed is concerned.
            Incoming::ServerError { code, id: None, .. } if code == "rate_limited" => {
                self.throttled(now, fx)
            }
            Incoming::ServerError { code, message, .. } => self.system(
                now,
                Level::Error,
                tf("Server error ({0}): {1}", &[&code, &message]),
            ),
            Incoming::Binary(bytes) => {
                // socket.io carries files as attachments: their echo is known
                // only here, once the attachment is put back together.
                let echo = match self.session {
                    Some(_) => self.file_echo(&bytes, now),
                    None => None,
                };
                if let Some(key) = echo {
                    self.outbox.echoes = true;
                    return self.delivered(key, None, now, fx);
                }
                self.binary_line(bytes, now);
            }
        }
    }

    /// Whether a plain multi-line text is several messages joined (gorilla's
    /// hub): forced by `lines=`, or known since one of our own single-line
    /// messages came back inside such a batch.
    fn is_batch(&mut self, text: &str, now: u64) -> bool {
        if self.config.lines == Lines::Whole {
            return false;
        }
        if self.batched {
            return true;
        }
        let own_inside = lines::split(text).iter().any(|line| {
            self.outbox.pending.iter().any(|&k| {
                self.log.delivery(k) == Some(&super::Delivery::Sent)
                    && self.log.get(k).is_some_and(|l| {
                        matches!(&l.kind, Kind::Own { file: None, .. })
                            && !l.text.contains('\n')
                            && l.text == *line
                    })
            })
        });
        if own_inside {
            self.batched = true;
            let note = t("This server joins messages into one frame: each line is shown as its own message (lines=whole turns this off).");
            self.system(now, Level::Info, note.into());
        }
        own_inside
    }

    /// A binary frame that is not an echo: an image, or its size and bytes.
    fn binary_line(&mut self, bytes: Vec<u8>, now: u64) {
        match binary::image_mime(&bytes) {
            Some(mime) => {
                let text = format!("{mime}, {}", binary::describe(&bytes));
                let bytes = bytes.into();
                self.push(now, Kind::Image { mime, bytes }, text);
            }
            None => self.system(
                now,
                Level::Info,
                tf("Binary frame, {0}", &[&binary::describe(&bytes)]),
            ),
        }
    }
}
