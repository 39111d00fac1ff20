//! Who is here and who is typing: the name the server granted, the user
//! list, and "someone is typing…" both ways.

use super::{Effect, Room, Timer};
use crate::protocol::{self, Frame};
use crate::text;

/// While the user types, "typing" goes out at most this often…
pub const TYPING_EVERY_MS: u64 = 3000;
/// …and someone else's "typing" shows this long unless repeated.
pub const TYPING_SHOWS_MS: u64 = 6000;

#[derive(Clone, Debug, Default)]
pub(super) struct Presence {
    /// The name the server granted, once joined.
    pub(super) me: Option<String>,
    pub(super) users: Vec<String>,
    /// When we last said we were typing, and who else is (name, shown until).
    pub(super) typing_sent: Option<u64>,
    typists: Vec<(String, u64)>,
}

impl Presence {
    /// The room is left (by us or the server): nobody is here or typing.
    pub(super) fn reset_room(&mut self) {
        self.users.clear();
        self.typists.clear();
    }

    /// A new session starts: the granted name goes too.
    pub(super) fn reset_session(&mut self) {
        self.reset_room();
        self.me = None;
    }

    pub(super) fn set_users(&mut self, users: Vec<String>) {
        self.users = users.iter().map(|u| text::name(u)).collect();
    }

    /// Someone else is typing (our own echo aside): shown for [`TYPING_SHOWS_MS`].
    pub(super) fn typing(&mut self, name: &str, now: u64, fx: &mut Vec<Effect>) {
        let name = text::name(name);
        if self.me.as_deref() == Some(name.as_str()) {
            return;
        }
        self.typists.retain(|(n, _)| *n != name);
        self.typists.push((name, now + TYPING_SHOWS_MS));
        fx.push(Effect::StartTimer {
            timer: Timer::Typing,
            ms: TYPING_SHOWS_MS as u32,
        });
    }

    /// They sent what they were typing.
    pub(super) fn spoke(&mut self, from: Option<&String>) {
        self.typists.retain(|(n, _)| Some(n) != from);
    }

    /// Forgets who stopped typing, and wakes again for the next.
    pub(super) fn expire(&mut self, now: u64, fx: &mut Vec<Effect>) {
        self.typists.retain(|(_, until)| *until > now);
        if let Some(next) = self.typists.iter().map(|(_, until)| until).min() {
            fx.push(Effect::StartTimer {
                timer: Timer::Typing,
                ms: (next - now) as u32 + 1,
            });
        }
    }
}

impl Room {
    /// The user typed: the frame that says so, if the wire has one and it
    /// was not said in the last [`TYPING_EVERY_MS`].
    pub fn typing(&mut self, now: u64) -> Option<Frame> {
        let super::Conn::Open(wire) = self.conn else {
            return None;
        };
        if self
            .presence
            .typing_sent
            .is_some_and(|at| now < at + TYPING_EVERY_MS)
        {
            return None;
        }
        let frame = protocol::encode_typing(wire)?;
        // The server counts it against the rate limit like a message: with no
        // token left it would be refused, so the notice is skipped instead.
        if let Some(pace) = &mut self.pace {
            if !pace.take(now) {
                return None;
            }
        }
        self.presence.typing_sent = Some(now);
        Some(frame)
    }

    /// Who else is typing now.
    pub fn typists(&self, now: u64) -> Vec<&str> {
        self.presence
            .typists
            .iter()
            .filter(|(_, until)| *until > now)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    pub fn users(&self) -> &[String] {
        &self.presence.users
    }

    /// The name the server granted, if it has one.
    pub fn me(&self) -> Option<&str> {
        self.presence.me.as_deref()
    }
}
