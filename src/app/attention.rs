//! Attention: what the user has not seen while the page was hidden or the
//! room was in a background tab (the title's count, summed over rooms; the
//! tab's badges; the log's divider), desktop notifications, and the
//! permission they need.

use super::store;
use crate::i18n::t;
use crate::room::{Kind, Line};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

thread_local! {
    /// Each open room's unread count, by its attention's id: the title sums them.
    static COUNTS: RefCell<Vec<(u32, usize)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

/// Records room `id`'s count (`None`: the room is gone) and retitles the page.
fn retitle(id: u32, count: Option<usize>) {
    let sum = COUNTS.with_borrow_mut(|counts| {
        counts.retain(|(i, _)| *i != id);
        counts.extend(count.map(|c| (id, c)));
        counts.iter().map(|(_, c)| c).sum::<usize>()
    });
    let title = match sum {
        0 => TITLE.to_string(),
        n => format!("({n}) {TITLE}"),
    };
    gloo::utils::document().set_title(&title);
}

/// Whether the user asked for desktop notifications.
const NOTIFY_KEY: &str = "roomcast.notify";
const TITLE: &str = "Roomcast";

/// What the user has not seen while the tab was hidden.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    /// Lines from others that arrived while hidden (the title shows it).
    pub count: usize,
    /// How many of them name the user.
    pub mentions: usize,
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
    id: u32,
    /// The page is hidden or the room's tab is not the one shown.
    hidden: Cell<bool>,
    /// The room's tab is not the one shown.
    background: Cell<bool>,
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
        let id = NEXT_ID.get();
        NEXT_ID.set(id + 1);
        Attention {
            id,
            hidden: Cell::new(gloo::utils::document().hidden()),
            background: Cell::new(false),
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

    /// The page was hidden or shown; returns whether it is hidden now.
    pub fn visibility_changed(&self) -> bool {
        self.permission.set(permission());
        let hidden = gloo::utils::document().hidden();
        self.away(hidden);
        hidden
    }

    /// The room's tab went to the background (`true`) or came to the
    /// front; returns whether that changed what counts as unseen.
    pub fn set_background(&self, background: bool) -> bool {
        self.background.set(background);
        self.away(gloo::utils::document().hidden())
    }

    /// Whether lines arrive unseen now; going away starts a new count,
    /// coming back clears it (the divider stays where it was). Returns
    /// whether it changed.
    fn away(&self, page_hidden: bool) -> bool {
        let hidden = page_hidden || self.background.get();
        if hidden == self.hidden.replace(hidden) {
            return false;
        }
        self.unread.set(match hidden {
            // The next line that arrives unseen gets the divider.
            true => Unread::default(),
            false => Unread {
                count: 0,
                mentions: 0,
                ..self.unread.get()
            },
        });
        retitle(self.id, Some(0));
        true
    }

    /// After a change: counts what arrived unseen while hidden, and notifies.
    /// Returns whether there were new lines.
    pub fn attend(&self, lines: &[Rc<Line>], me: &str) -> bool {
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
            unread.mentions += fresh
                .iter()
                .filter(|l| crate::text::mentions(&l.text, me))
                .count();
            unread.from_key = unread.from_key.or(fresh.last().map(|l| l.key));
            self.unread.set(unread);
            retitle(self.id, Some(unread.count));
            // Desktop notifications are for a hidden page, not a background tab.
            if self.notify.get() && gloo::utils::document().hidden() {
                notify(last);
            }
        }
        true
    }
}

impl Drop for Attention {
    /// A closed room leaves the title's sum.
    fn drop(&mut self) {
        retitle(self.id, None);
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
