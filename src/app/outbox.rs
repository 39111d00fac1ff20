//! The outbox in storage: each page keeps its undelivered messages under
//! its own name (texts in localStorage, files' bytes in IndexedDB) and holds
//! a Web Lock of that name while it lives. A page takes over the outboxes
//! of pages that are gone (closed, crashed, reloaded) as soon as their lock
//! is free, so a second tab never sends what a live one is sending, and what
//! a closed tab left goes out from the tab still open.

use super::{kept, persist, Controller};
use crate::room::{Input, Unsent};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Holds the lock `name` while the page lives (`boot.js`); `false`
    /// without Web Locks.
    #[wasm_bindgen(catch, js_name = roomcastHold)]
    fn hold(name: &str) -> Result<bool, JsValue>;
    /// Calls `then` with a function once the lock `name` is free, and holds
    /// the lock until that function is called.
    #[wasm_bindgen(catch, js_name = roomcastWhenGone)]
    fn when_gone(name: &str, then: &JsValue) -> Result<JsValue, JsValue>;
    /// A while after it is called, deletes the records of IndexedDB whose
    /// keys are `files` and a page's name, unless that page is `me` or has
    /// an outbox (a key `outbox` and its name), once that page's lock (`lock`
    /// and its name) is free.
    #[wasm_bindgen(catch, js_name = roomcastSweep)]
    fn sweep(files: &str, outbox: &str, lock: &str, me: &str) -> Result<JsValue, JsValue>;
}

/// The lock a page holds while it lives.
fn lock(page: &str) -> String {
    format!("roomcast.page:{page}")
}

impl Controller {
    /// Holds this page's lock; without Web Locks, every outbox is taken
    /// over at a connect, as before pages had their own.
    pub(super) fn hold_page(&self) {
        self.locks
            .set(hold(&lock(&self.id_prefix)).unwrap_or(false));
    }

    /// The outboxes kept for `server` that this page restores at once (its
    /// own, an older Roomcast's, and without Web Locks everyone's); it waits
    /// for the others' pages to go ([`Self::take_over_when_gone`]).
    pub(super) fn outboxes(&self, server: &str) -> (Vec<String>, Vec<String>) {
        persist::outbox_pages(server)
            .into_iter()
            .partition(|page| !self.locks.get() || page.is_empty() || *page == self.id_prefix)
    }

    /// The messages of the outboxes of `pages`, page by page (each in the
    /// order typed), with the bytes of their files where `files` has them.
    pub(super) fn unsent_of(
        server: &str,
        pages: &[String],
        files: &[(String, Rc<[u8]>)],
    ) -> Vec<Unsent> {
        let mut unsent: Vec<Unsent> = pages
            .iter()
            .flat_map(|page| persist::load_outbox(server, page))
            .collect();
        for u in unsent.iter_mut().filter(|u| u.file) {
            u.bytes = files.iter().find(|f| f.0 == u.id).map(|f| f.1.clone());
        }
        unsent
    }

    /// Once the outboxes of `pages` are in this page's (saved under its
    /// name), the others' records go; while storage refuses this page's,
    /// they stay, for the next page.
    pub(super) fn took_over(&self, server: &str, pages: &[String]) {
        let others = || pages.iter().filter(|p| **p != self.id_prefix);
        if others().next().is_none() {
            return; // only this page's own: saved already
        }
        // Its files are written again with the others'.
        self.kept_files.replace(None);
        self.save_outbox();
        if self.unsaved.get() {
            return;
        }
        for page in others() {
            persist::remove_outbox(server, page);
            let (server, page) = (server.to_string(), page.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = kept::save_files(server, page, Vec::new()).await;
            });
        }
    }

    /// When page `page` is gone, its outbox for `server` joins this page's
    /// and goes out from here (unless this page has connected elsewhere).
    pub(super) fn take_over_when_gone(&self, server: &str, page: String, generation: u64) {
        let (this, server) = (self.this.clone(), server.to_string());
        let name = lock(&page);
        // Called with the lock held, until `done` is.
        let then = Closure::once_into_js(move |done: js_sys::Function| {
            wasm_bindgen_futures::spawn_local(async move {
                let files = match persist::outbox_has_files(&server, &page) {
                    true => kept::files(&server, &page).await,
                    false => Vec::new(),
                };
                if let Some(this) = this.upgrade().filter(|t| t.generation.get() == generation) {
                    let pages = [page];
                    let unsent = Self::unsent_of(&server, &pages, &files);
                    this.act(Input::Restore(unsent));
                    this.took_over(&server, &pages);
                }
                let _ = done.call0(&JsValue::NULL);
            })
        });
        let _ = when_gone(&name, &then);
    }

    /// Deletes, a while after a connect, the files records of `server` that
    /// no outbox names: a page that died between taking another's outbox
    /// over and deleting that page's files left their bytes in IndexedDB,
    /// never to be read again. A record goes only once its page's lock is
    /// free and that page still has no outbox (a live page whose outbox
    /// localStorage refused keeps its record until it goes, and then has
    /// nothing that reads it).
    pub(super) fn sweep_files(&self, server: &str) {
        if self.locks.get() {
            let outbox = persist::outbox_key(server, "") + "\n";
            let files = kept::files_key(server, "");
            let _ = sweep(&files, &outbox, &lock(""), &self.id_prefix);
        }
    }

    /// Saves the outbox and tells the room which lines storage refused.
    pub(super) fn save_outbox(&self) {
        if let Some(input) = self.save_outbox_input() {
            self.feed(input);
        }
    }

    /// Saves the outbox; the input that tells the room how it went, when
    /// that changed (storage refused it, or took it again after refusing).
    pub(super) fn save_outbox_input(&self) -> Option<Input> {
        let room = self.room.borrow();
        let unsent = room.unsent();
        self.keep_files(room.server(), &unsent);
        let saved = persist::save_outbox(room.server(), &self.id_prefix, &unsent);
        let was_unsaved = self.unsaved.replace(saved.is_err());
        match saved {
            Ok(()) if !was_unsaved => None,
            Ok(()) => Some(Input::OutboxSaved {
                unsaved: Vec::new(),
            }),
            Err(err) => {
                gloo::console::warn!(format!("Roomcast: could not save unsent messages: {err}"));
                let unsaved = unsent.into_iter().map(|u| u.id).collect();
                Some(Input::OutboxSaved { unsaved })
            }
        }
    }

    /// Keeps the outbox's files in IndexedDB (localStorage has no room for
    /// them), rewritten when which files wait changes. If the browser
    /// refuses them, their lines say they are not saved.
    fn keep_files(&self, server: &str, unsent: &[Unsent]) {
        let files: Vec<(String, Rc<[u8]>)> = unsent
            .iter()
            .filter_map(|u| Some((u.id.clone(), u.bytes.clone()?)))
            .collect();
        let ids: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
        if server.is_empty() || self.kept_files.borrow().as_ref() == Some(&ids) {
            return;
        }
        self.kept_files.replace(Some(ids.clone()));
        let (this, server, page) = (
            self.this.clone(),
            server.to_string(),
            self.id_prefix.clone(),
        );
        wasm_bindgen_futures::spawn_local(async move {
            let saved = kept::save_files(server, page, files).await;
            let Some(this) = this.upgrade() else { return };
            // Unless localStorage refused the outbox too, which says more.
            let say = !this.unsaved.get();
            if saved.is_ok() {
                // Kept after a refusal: the lines no longer say otherwise.
                if this.files_unsaved.replace(false) && say {
                    this.act(Input::OutboxSaved {
                        unsaved: Vec::new(),
                    });
                }
                return;
            }
            // Written again at the next change, even an empty outbox's
            // (which deletes what an earlier write kept); meanwhile the
            // lines say so.
            this.kept_files.replace(None);
            if say {
                this.files_unsaved.set(true);
                this.act(Input::OutboxSaved { unsaved: ids });
            }
        });
    }
}
