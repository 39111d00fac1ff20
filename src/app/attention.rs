//! Attention: what the user has not seen while the tab was hidden (the
//! title's count, the log's divider), desktop notifications, and the
//! permission they need.

use super::store;
use crate::i18n::t;
use crate::room::{Kind, Line};
use std::cell::Cell;
use std::rc::Rc;

/// Whether the user asked for desktop notifications.
const NOTIFY_KEY: &str = "roomcast.notify";
const TITLE: &str = "Roomcast";

/// What the user has not seen while the tab was hidden.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    /// Lines from others that arrived while hidden (the title shows it).
    pub count: usize,
    /// The first of them: where the log draws its "new" divider.
    pub from_key: Option<u64>,
}

/// Desktop notifications, as the status bar offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notifications {
    /// Asked for and allowed: shown while the tab is hidden.
    On,
    /// Not on, and the browser would ask (or has already allowed).
    Available,
    /// The browser blocks them.
    Blocked,
    /// The browser has no Notification API.
    Unsupported,
}

/// The browser's `Notification.permission`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Permission {
    Default,
    Granted,
    Denied,
    Unsupported,
}

/// `Notification.permission`, or `Unsupported` when the browser has no such API.
fn permission() -> Permission {
    let supported =
        js_sys::Reflect::has(&gloo::utils::window(), &"Notification".into()).unwrap_or(false);
    if !supported {
        return Permission::Unsupported;
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => Permission::Granted,
        web_sys::NotificationPermission::Denied => Permission::Denied,
        _ => Permission::Default,
    }
}

pub struct Attention {
    hidden: Cell<bool>,
    unread: Cell<Unread>,
    /// The newest line already looked at.
    attended_key: Cell<u64>,
    notify: Cell<bool>,
    /// Read when it may have changed (start, asking, the tab coming back),
    /// not on every render.
    permission: Cell<Permission>,
}

impl Attention {
    /// As the page is now: hidden or not, and what the user chose before.
    pub fn from_page() -> Self {
        let permission = permission();
        Attention {
            hidden: Cell::new(gloo::utils::document().hidden()),
            unread: Cell::new(Unread::default()),
            attended_key: Cell::new(0),
            notify: Cell::new(
                store::get_raw(NOTIFY_KEY).is_some_and(|v| v == "true")
                    && permission == Permission::Granted,
            ),
            permission: Cell::new(permission),
        }
    }

    pub fn unread(&self) -> Unread {
        self.unread.get()
    }

    pub fn notifications(&self) -> Notifications {
        match (self.notify.get(), self.permission.get()) {
            (true, _) => Notifications::On,
            (_, Permission::Default | Permission::Granted) => Notifications::Available,
            (_, Permission::Denied) => Notifications::Blocked,
            (_, Permission::Unsupported) => Notifications::Unsupported,
        }
    }

    /// The user's answer (or choice to turn them off), remembered.
    pub fn set_notify(&self, on: bool) {
        self.notify.set(on);
        self.permission.set(permission());
        let _ = store::set_raw(NOTIFY_KEY, if on { "true" } else { "false" });
    }

    /// Everything up to `key` counts as seen (a new room, or its kept log).
    pub fn seen_up_to(&self, key: u64) {
        self.attended_key.set(key);
    }

    /// The tab was hidden or shown; returns whether it is hidden now.
    pub fn visibility_changed(&self) -> bool {
        let hidden = gloo::utils::document().hidden();
        self.hidden.set(hidden);
        self.permission.set(permission());
        if hidden {
            // The next line that arrives unseen gets the divider.
            self.unread.set(Unread::default());
        } else {
            self.unread.set(Unread {
                count: 0,
                ..self.unread.get()
            });
            gloo::utils::document().set_title(TITLE);
        }
        hidden
    }

    /// After a change: counts what arrived unseen while hidden, and notifies.
    /// Returns whether there were new lines.
    pub fn attend(&self, lines: &[Rc<Line>]) -> bool {
        let newest = lines.last().map_or(0, |l| l.key);
        let attended = self.attended_key.get();
        if newest == attended {
            return false;
        }
        self.attended_key.set(newest);
        if !self.hidden.get() {
            return true;
        }
        let fresh: Vec<_> = lines
            .iter()
            .rev()
            .take_while(|l| l.key > attended)
            .filter(|l| matches!(l.kind, Kind::Peer { .. }))
            .collect();
        if let Some(last) = fresh.first() {
            let mut unread = self.unread.get();
            unread.count += fresh.len();
            unread.from_key = unread.from_key.or(fresh.last().map(|l| l.key));
            self.unread.set(unread);
            gloo::utils::document().set_title(&format!("({}) {TITLE}", unread.count));
            if self.notify.get() {
                notify(last);
            }
        }
        true
    }
}

/// A desktop notification of `line` (one at a time: they share a tag).
fn notify(line: &Line) {
    let from = match &line.kind {
        Kind::Peer { from } => from.clone().unwrap_or_else(|| t("server").into()),
        _ => String::new(),
    };
    let options = web_sys::NotificationOptions::new();
    options.set_body(&line.text.chars().take(200).collect::<String>());
    options.set_tag("roomcast");
    let _ = web_sys::Notification::new_with_options(&from, &options);
}
