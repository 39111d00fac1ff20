//! The outbox: the user's own lines from the moment they are typed until the
//! server confirms them, their delivery states, the order and pace they go
//! out in, and what happens to them when a connection drops.

use super::{binary, Attachment, Conn, Delivery, Effect, Kind, Level, Room, Timer, Unsent};
use crate::i18n::{t, tf};
use crate::protocol::{self, Frame, Wire};
use std::collections::HashMap;

/// The largest file sent as one binary frame.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// In-flight lines whose send time is kept for the round trip, at most.
const TIMED: usize = 256;
/// Lines delivered by an ack whose broadcast may still come back, at most,
/// and how long one is waited for.
const EXPECTED: usize = 64;
const ECHO_WAIT_MS: u64 = 10_000;

#[derive(Clone, Debug, Default)]
pub(super) struct Outbox {
    /// Own lines by client id, as line keys (while the line is in memory).
    own: HashMap<String, u64>,
    /// Keys of own lines not yet delivered, in the order typed.
    pub(super) pending: Vec<u64>,
    /// When each own line in flight was handed to the socket, and the last
    /// send-to-echo time: the round trip as the user feels it.
    sent_at: Vec<(u64, u64)>,
    pub(super) rtt_ms: Option<u64>,
    /// The server has echoed at least one of our plain-text lines.
    pub(super) echoes: bool,
    /// Lines an ack delivered, whose echo is not a new line (key, when).
    expected: std::collections::VecDeque<(u64, u64)>,
}

impl Outbox {
    /// The key of own line `client_id`.
    pub(super) fn key(&self, client_id: &str) -> Option<u64> {
        self.own.get(client_id).copied()
    }

    /// The key of own line `client_id` while it is undelivered.
    fn pending_key(&self, client_id: &str) -> Option<u64> {
        self.key(client_id).filter(|k| self.pending.contains(k))
    }

    /// Line `key` was delivered by an ack at `now`; its echo may follow.
    pub(super) fn expect_echo(&mut self, key: u64, now: u64) {
        if self.expected.len() >= EXPECTED {
            self.expected.pop_front();
        }
        self.expected.push_back((key, now));
    }

    /// The echo of an acked line came: it is not waited for any more.
    fn echoed(&mut self, key: u64) {
        self.expected.retain(|(k, _)| *k != key);
    }

    /// Acked lines whose echo may still come at `now`, oldest first.
    fn awaiting_echo(&self, now: u64) -> impl Iterator<Item = u64> + '_ {
        self.expected
            .iter()
            .filter(move |(_, at)| now.saturating_sub(*at) <= ECHO_WAIT_MS)
            .map(|(k, _)| *k)
    }

    /// How many own lines are tracked by id.
    pub(super) fn tracked(&self) -> usize {
        self.own.len()
    }

    /// Lines before `first` left memory: their ids go too (undelivered
    /// stay), returned so that a late repeat of one is still recognised.
    pub(super) fn forget_before(&mut self, first: u64) -> Vec<String> {
        let pending = &self.pending;
        let mut gone = Vec::new();
        self.own.retain(|id, k| {
            let keep = *k >= first || pending.contains(k);
            if !keep {
                gone.push(id.clone());
            }
            keep
        });
        gone
    }
}

impl Room {
    /// Messages typed but not yet delivered (queued, sent or failed).
    pub fn outstanding(&self) -> usize {
        self.outbox.pending.len()
    }

    /// The last round trip of one of the user's messages (sent to echoed), in ms.
    pub fn rtt_ms(&self) -> Option<u64> {
        self.outbox.rtt_ms
    }

    /// The text of the user's last typed message (files aside), for recall.
    pub fn last_own_text(&self) -> Option<&str> {
        self.log.lines().iter().rev().find_map(|l| match &l.kind {
            Kind::Own { file: None, .. } => Some(l.text.as_str()),
            _ => None,
        })
    }

    /// The user typed a message: a queued line, sent when it can be.
    pub(super) fn compose(
        &mut self,
        client_id: String,
        text: String,
        now: u64,
        fx: &mut Vec<Effect>,
    ) {
        // Typing the next one is news again.
        self.presence.typing_sent = None;
        self.push_own(now, client_id, text, Delivery::Queued, None);
        self.flush(now, fx);
        fx.push(Effect::SaveOutbox);
    }

    pub(super) fn compose_file(
        &mut self,
        client_id: String,
        name: String,
        bytes: Vec<u8>,
        now: u64,
        fx: &mut Vec<Effect>,
    ) {
        if bytes.len() > MAX_FILE_BYTES {
            return self.refuse_file(now, &name, bytes.len() as u64, None);
        }
        let file = Attachment {
            mime: binary::image_mime(&bytes),
            bytes: bytes.into(),
        };
        self.push_own(now, client_id, name, Delivery::Queued, Some(file));
        self.flush(now, fx);
        // Kept at once, as a typed line is: while disconnected nothing else
        // would save it before the page closes.
        fx.push(Effect::SaveOutbox);
    }

    pub(super) fn refuse_file(
        &mut self,
        now: u64,
        name: &str,
        size: u64,
        unreadable: Option<String>,
    ) {
        let why = match unreadable {
            Some(reason) => tf(
                "\u{201c}{0}\u{201d} could not be read: {1}.",
                &[&name, &reason],
            ),
            None => tf(
                "\u{201c}{0}\u{201d} is too big to send: {1} KiB, the limit is {2} KiB.",
                &[&name, &size.div_ceil(1024), &(MAX_FILE_BYTES / 1024)],
            ),
        };
        self.system(now, Level::Error, why);
    }

    /// The socket refused the frame of an undelivered line.
    pub(super) fn send_failed(&mut self, client_id: &str, reason: String, fx: &mut Vec<Effect>) {
        if let Some(key) = self.outbox.pending_key(client_id) {
            self.log.set_delivery(key, Delivery::Failed(reason));
            fx.push(Effect::SaveOutbox);
        }
    }

    pub(super) fn retry(&mut self, client_id: &str, now: u64, fx: &mut Vec<Effect>) {
        if let Some(key) = self.outbox.key(client_id) {
            if matches!(self.log.delivery(key), Some(Delivery::Failed(_))) {
                self.log.set_delivery(key, Delivery::Queued);
                self.flush(now, fx);
                fx.push(Effect::SaveOutbox);
            }
        }
    }

    pub(super) fn discard(&mut self, client_id: &str, fx: &mut Vec<Effect>) {
        if let Some(key) = self.outbox.pending_key(client_id) {
            self.outbox.own.remove(client_id);
            self.outbox.pending.retain(|&k| k != key);
            self.log.remove(key);
            fx.push(Effect::SaveOutbox);
        }
    }

    /// Marks the undelivered lines the browser could not save (and clears
    /// the mark on the others).
    pub(super) fn mark_unsaved(&mut self, unsaved: &[String]) {
        for key in self.outbox.pending.clone() {
            let Some(Kind::Own {
                client_id,
                unsaved: was,
                ..
            }) = self.log.get(key).map(|l| &l.kind)
            else {
                continue;
            };
            let now = unsaved.contains(client_id);
            if *was != now {
                if let Some(Kind::Own { unsaved, .. }) = self.log.get_mut(key).map(|l| &mut l.kind)
                {
                    *unsaved = now;
                }
            }
        }
    }

    /// Messages an earlier page saved, back in the queue (or failed, as they
    /// were). A file whose bytes the browser did not keep is said so.
    pub(super) fn restore(&mut self, unsent: Vec<Unsent>) {
        for u in unsent {
            if self.outbox.own.contains_key(&u.id) {
                continue;
            }
            let file = match (u.file, u.bytes) {
                (false, _) => None,
                (true, Some(bytes)) => Some(Attachment {
                    mime: binary::image_mime(&bytes),
                    bytes,
                }),
                (true, None) => {
                    let why = tf(
                        "\u{201c}{0}\u{201d} was not sent, and the browser did not keep the file across the reload: attach it again.",
                        &[&u.text],
                    );
                    self.system(u.ts, Level::Error, why);
                    continue;
                }
            };
            let delivery = u.failed.map_or(Delivery::Queued, Delivery::Failed);
            self.push_own(u.ts, u.id, u.text, delivery, file);
        }
    }

    /// The server refused one of our lines: too fast goes back in the queue;
    /// anything else fails for the user to decide. A line already delivered
    /// stays delivered.
    pub(super) fn refused(
        &mut self,
        id: &str,
        code: &str,
        message: &str,
        now: u64,
        fx: &mut Vec<Effect>,
    ) {
        let Some(key) = self.outbox.pending_key(id) else {
            return;
        };
        if code == "rate_limited" {
            self.log.set_delivery(key, Delivery::Queued);
            self.throttled(now, fx);
        } else {
            self.log
                .set_delivery(key, Delivery::Failed(format!("{message} ({code})")));
        }
        fx.push(Effect::SaveOutbox);
    }

    /// The server said "too fast": its bucket is empty, so the queue waits
    /// for the next token.
    pub(super) fn throttled(&mut self, now: u64, fx: &mut Vec<Effect>) {
        let wait = self.pace.as_mut().map_or(1000, |pace| {
            pace.empty(now);
            pace.wait_ms()
        });
        fx.push(Effect::StartTimer {
            timer: Timer::Flush,
            ms: wait,
        });
    }

    /// After a drop, messages sent but not confirmed: with ids they are sent
    /// again (the echo is matched by id and peers drop repeats by id); on a
    /// plain server that echoes, they are marked failed for the user to retry,
    /// since resending could show them twice.
    pub(super) fn requeue(&mut self, fx: &mut Vec<Effect>) {
        let envelope = matches!(self.conn, Conn::Open(Wire::Envelope));
        let mut changed = false;
        for key in self.outbox.pending.clone() {
            if self.log.delivery(key) != Some(&Delivery::Sent) {
                continue;
            }
            // Files carry no id: resending one could show it twice.
            let file = matches!(
                self.log.get(key).map(|l| &l.kind),
                Some(Kind::Own { file: Some(_), .. })
            );
            let to = if envelope && !file {
                Delivery::Queued
            } else if envelope || self.outbox.echoes {
                Delivery::Failed(t("the connection closed before the server echoed it").into())
            } else {
                continue; // a plain server that never echoes: "sent" is all we know
            };
            self.log.set_delivery(key, to);
            changed = true;
        }
        if changed {
            fx.push(Effect::SaveOutbox);
        }
    }

    /// The server closed with 1009 (too big): the largest line in flight is
    /// why. Saved as failed, so that a reload does not send it again.
    pub(super) fn fail_largest_unconfirmed(&mut self, fx: &mut Vec<Effect>) {
        let largest = self
            .outbox
            .pending
            .iter()
            .copied()
            .filter(|&k| self.log.delivery(k) == Some(&Delivery::Sent))
            .max_by_key(|&k| self.log.get(k).map_or(0, |l| l.text.len()));
        if let Some(key) = largest {
            let why = t("too big for this server (it closed the connection with 1009)").to_string();
            self.log.set_delivery(key, Delivery::Failed(why));
            fx.push(Effect::SaveOutbox);
        }
    }

    /// Sends queued messages in order, as fast as the server's rate limit
    /// allows; the rest wait for [`Timer::Flush`]. A new message never
    /// overtakes an older queued one.
    pub(super) fn flush(&mut self, now: u64, fx: &mut Vec<Effect>) {
        let Conn::Open(wire) = self.conn else {
            return;
        };
        let queued: Vec<u64> = self
            .outbox
            .pending
            .iter()
            .copied()
            .filter(|&k| self.log.delivery(k) == Some(&Delivery::Queued))
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
            let sent_at = &mut self.outbox.sent_at;
            sent_at.retain(|(k, _)| *k != key);
            if sent_at.len() >= TIMED {
                sent_at.remove(0);
            }
            sent_at.push((key, now));
            sent = true;
        }
        if sent {
            fx.push(Effect::SaveOutbox);
        }
    }

    /// Encodes own line `key` for `wire` and marks it sent.
    fn transmit(&mut self, key: u64, wire: Wire) -> Vec<Effect> {
        let Some(line) = self.log.get(key) else {
            return Vec::new();
        };
        let Kind::Own {
            client_id, file, ..
        } = &line.kind
        else {
            return Vec::new();
        };
        let frames = match (file, wire, self.session.as_mut()) {
            (Some(file), Wire::Session, Some(session)) => session.emit_file(client_id, &file.bytes),
            (None, Wire::Session, Some(session)) => Some(session.emit(client_id, &line.text)),
            (Some(_), _, _) if self.sock.on() => None,
            (Some(file), _, _) => Some(vec![Frame::Binary(file.bytes.to_vec())]),
            // SockJS chats get the broker format (JSON with an id by default).
            (None, Wire::Text, _) if self.sock.on() => Some(vec![Frame::Text(
                self.config
                    .format
                    .body(client_id, &self.config.name, &line.text),
            )]),
            (None, _, _) => Some(vec![protocol::encode_message(
                wire,
                &self.config.event,
                client_id,
                &line.text,
            )]),
        };
        let client_id = client_id.clone();
        let Some(frames) = frames else {
            let why = tf(
                "{0} carries text only: files cannot be sent here",
                &[&self.transport_name()],
            );
            self.log.set_delivery(key, Delivery::Failed(why));
            return Vec::new();
        };
        let mut effects = Vec::new();
        for frame in frames {
            self.send_frame(frame, Some(client_id.clone()), &mut effects);
        }
        self.log.set_delivery(key, Delivery::Sent);
        effects
    }

    /// Our own sent file that a binary frame echoes (servers relay bytes as
    /// they are), or one an ack delivered whose echo is due.
    pub(super) fn file_echo(&mut self, bytes: &[u8], now: u64) -> Option<u64> {
        self.echo_of(
            now,
            |l| matches!(&l.kind, Kind::Own { file: Some(f), .. } if &f.bytes[..] == bytes),
        )
    }

    /// The oldest sent, unconfirmed own line with this text (plain servers),
    /// or one an ack delivered whose echo is due.
    pub(super) fn text_echo(&mut self, text: &str, now: u64) -> Option<u64> {
        self.echo_of(now, |l| {
            matches!(&l.kind, Kind::Own { file: None, .. }) && l.text == text
        })
    }

    fn echo_of(&mut self, now: u64, is: impl Fn(&super::Line) -> bool) -> Option<u64> {
        let sent = self.outbox.pending.iter().copied().find(|&k| {
            self.log.delivery(k) == Some(&Delivery::Sent) && self.log.get(k).is_some_and(&is)
        });
        if sent.is_some() {
            return sent;
        }
        let acked = self
            .outbox
            .awaiting_echo(now)
            .find(|&k| self.log.get(k).is_some_and(&is));
        if let Some(key) = acked {
            self.outbox.echoed(key);
        }
        acked
    }

    /// The server confirmed own line `key` (at its time `ts`, if it says).
    pub(super) fn delivered(&mut self, key: u64, ts: Option<u64>, now: u64, fx: &mut Vec<Effect>) {
        if !self.outbox.pending.contains(&key) {
            return;
        }
        let sent_at = &mut self.outbox.sent_at;
        if let Some(i) = sent_at.iter().position(|(k, _)| *k == key) {
            self.outbox.rtt_ms = Some(now.saturating_sub(sent_at.swap_remove(i).1));
        }
        self.outbox.pending.retain(|&k| k != key);
        self.log.set_delivery(key, Delivery::Delivered);
        if let Some(ts) = ts {
            if let Some(line) = self.log.get_mut(key) {
                line.ts = ts;
            }
        }
        fx.push(Effect::SaveOutbox);
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
                unsaved: false,
            },
            text,
        );
        self.outbox.own.insert(client_id, key);
        self.outbox.pending.push(key);
        key
    }
}
