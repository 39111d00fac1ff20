//! The kept log's side of the controller: what a connect restores (the kept
//! log, the outbox, then the socket's held events), and saving the log to
//! IndexedDB a few seconds after a change and when the page goes.

use super::{kept, persist, Controller};
use crate::room::{Input, Unsent};
use gloo::timers::callback::Timeout;
use std::rc::Rc;

impl Controller {
    /// The kept log and the outbox (its files' bytes as kept) into the room,
    /// then the socket's events held meanwhile.
    pub(super) fn restore(&self, server: &str, kept: kept::Kept) {
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
        let mut outbox = persist::load_outbox(server);
        for u in outbox.iter_mut().filter(|u| u.file) {
            u.bytes = files.iter().find(|f| f.0 == u.id).map(|f| f.1.clone());
        }
        *self.kept_files.borrow_mut() = files.into_iter().map(|f| f.0).collect();
        self.feed(Input::Restore(outbox));
        let held = self.held.borrow_mut().take().unwrap_or_default();
        for event in held {
            self.on_socket(event);
        }
    }

    /// Keeps the outbox's files in IndexedDB (localStorage has no room for
    /// them), rewritten when which files wait changes. If the browser
    /// refuses them, their lines say they are not saved.
    pub(super) fn keep_files(&self, server: &str, unsent: &[Unsent]) {
        let files: Vec<(String, Rc<[u8]>)> = unsent
            .iter()
            .filter_map(|u| Some((u.id.clone(), u.bytes.clone()?)))
            .collect();
        let ids: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        if server.is_empty() || *self.kept_files.borrow() == ids {
            return;
        }
        *self.kept_files.borrow_mut() = ids.clone();
        let (this, server) = (self.this.clone(), server.to_string());
        wasm_bindgen_futures::spawn_local(async move {
            let Err(_) = kept::save_files(server, files).await else {
                return;
            };
            let Some(this) = this.upgrade() else { return };
            // Tried again at the next change; meanwhile the lines say so
            // (unless localStorage refused the outbox too, which says more).
            this.kept_files.borrow_mut().clear();
            if !this.unsaved.get() {
                this.act(Input::OutboxSaved { unsaved: ids });
            }
        });
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
