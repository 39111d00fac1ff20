//! The kept log's side of the controller: what a connect restores (the kept
//! log, the outbox, then the socket's held events), and saving the log to
//! IndexedDB a few seconds after a change and when the page goes.

use super::{kept, persist, Controller};
use crate::room::Input;
use gloo::timers::callback::Timeout;

impl Controller {
    /// The kept log and the outboxes of `pages` (their files' bytes as
    /// kept) into the room, then the socket's events held meanwhile. The
    /// outboxes of the pages `later` (open, or not yet known to be gone)
    /// come after, each once its page has gone.
    pub(super) fn restore(
        &self,
        server: &str,
        kept: kept::Kept,
        pages: &[String],
        later: Vec<String>,
    ) {
        let kept::Kept {
            lines,
            seq: last_seq,
            merged,
            files,
        } = kept;
        self.feed(Input::History { lines, last_seq });
        let seen = self.room.borrow().lines().last().map_or(0, |l| l.key);
        self.attention.seen_up_to(seen);
        // Lines the last page wrote as it closed are not in IndexedDB yet.
        self.kept_upto.set(if merged { 0 } else { seen });
        self.feed(Input::Restore(Self::unsent_of(server, pages, &files)));
        self.took_over(server, pages);
        self.sweep_files(server);
        for page in later {
            self.take_over_when_gone(server, page, self.generation.get());
        }
        let held = self.held.borrow_mut().take().unwrap_or_default();
        for event in held {
            self.on_socket(event);
        }
    }

    /// Saves the log [`persist::HISTORY_SAVE_MS`] after the first change
    /// since the last save.
    pub(super) fn save_history_soon(&self) {
        if self.history_save.borrow().is_none() {
            let this = self.this.clone();
            let save = Timeout::new(persist::HISTORY_SAVE_MS, move || {
                if let Some(this) = this.upgrade() {
                    this.save_history();
                }
            });
            *self.history_save.borrow_mut() = Some(save);
        }
    }

    /// Keeps the newest lines of this server's log in IndexedDB. The outbox
    /// is saved with every change already; only one that storage refused
    /// is tried again here.
    pub(super) fn save_history(&self) {
        self.history_save.borrow_mut().take();
        if self.unsaved.get() && self.room.try_borrow_mut().is_ok() {
            self.save_outbox();
        }
        let Ok(room) = self.room.try_borrow() else {
            return;
        };
        if room.server().is_empty() {
            return;
        }
        let history = room.history(persist::HISTORY_LINES);
        let (server, seq) = (room.server().to_string(), room.last_seq());
        let newest = room.lines().last().map_or(0, |l| l.key);
        let kept_upto = self.kept_upto.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if kept::save(server, seq, history).await.is_some() {
                kept_upto.set(kept_upto.get().max(newest));
            }
        });
    }

    /// The page is going (`pagehide`): an IndexedDB write started now may not
    /// finish, so what the kept log has not saved yet goes to localStorage,
    /// synchronously, after the outbox.
    pub(super) fn closing(&self) {
        self.history_save.borrow_mut().take();
        self.save_outbox();
        let Ok(room) = self.room.try_borrow() else {
            return;
        };
        if room.server().is_empty() {
            return;
        }
        let tail = room.history_since(self.kept_upto.get(), persist::HISTORY_LINES);
        kept::save_tail(room.server(), room.last_seq(), &tail);
    }
}
