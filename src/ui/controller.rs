//! The one owner of a room's live parts: the [`Room`] state machine, the
//! [`Socket`], the timers the room asks for, the browser's online/offline
//! listeners and the saved outbox. Components reach it through [`use_room`].
//!
//! Inputs are fed to the pure room and its effects carried out right away, in
//! order, so a message is transmitted exactly once. Every JS closure has one
//! owner here (the socket's listeners, each timer, the network listeners) and
//! only holds a `Weak` to the controller; dropping the controller drops them all.

use super::store;
use crate::config::{self, Config};
use crate::protocol::Frame;
use crate::room::{export, Conn, Effect, Input, Kind, Room, Saved, Timer, Unsent, MAX_FILE_BYTES};
use crate::socket::{ReadyState, Socket, SocketError, SocketEvent};
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use serde::Serialize;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// One frame at 60 Hz: repaints closer together than this are batched.
const FRAME_MS: f64 = 16.0;

/// `performance.now()`, in ms.
fn now_precise() -> f64 {
    gloo::utils::window().performance().map_or(0.0, |p| p.now())
}

/// Where the undelivered messages for `server` are kept across reloads.
pub fn outbox_key(server: &str) -> String {
    format!("roomcast.outbox:{server}")
}

/// Where the log of `server` is kept across reloads.
pub fn history_key(server: &str) -> String {
    format!("roomcast.history:{server}")
}

/// The recent servers, newest first.
pub const RECENT_KEY: &str = "roomcast.recent";
/// Whether the user asked for desktop notifications.
const NOTIFY_KEY: &str = "roomcast.notify";
/// Lines of each server's log kept in the browser.
pub const HISTORY_LINES: usize = 5000;
/// How long changes wait before the log is saved. Saving 5,000 lines is one
/// synchronous task of tens of ms, so it is rare: also on hide and pagehide.
const HISTORY_SAVE_MS: u32 = 30_000;
const TITLE: &str = "Roomcast";

/// A server's log as kept in localStorage.
#[derive(Serialize)]
struct KeptLog {
    seq: Option<u64>,
    lines: Vec<Saved>,
}

/// What the user has not seen while the tab was hidden.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Unread {
    /// Lines from others that arrived while hidden (the title shows it).
    pub count: usize,
    /// The first of them: where the log draws its "new" divider.
    pub from_key: Option<u64>,
}

pub struct Controller {
    room: RefCell<Room>,
    socket: RefCell<Option<Socket>>,
    timers: RefCell<HashMap<Timer, Timeout>>,
    /// The pending repaint: changes are shown at most once per animation frame,
    /// however many frames arrive in between.
    repaint: RefCell<Option<gloo::render::AnimationFrame>>,
    repaint_due: Cell<bool>,
    /// When the last repaint was asked for (ms, `performance.now()` scale).
    last_paint: Cell<f64>,
    _network: [EventListener; 2],
    /// Page visibility (unread count, divider, notifications) and `pagehide`
    /// (the log is saved before the page goes).
    _page: [EventListener; 2],
    hidden: Cell<bool>,
    unread: Cell<Unread>,
    /// The newest line already looked at for attention.
    attended_key: Cell<u64>,
    notify: Cell<bool>,
    /// `Notification.permission`, read when it may have changed (start,
    /// asking, the tab coming back), not on every render.
    permission: Cell<&'static str>,
    history_save: RefCell<Option<Timeout>>,
    /// The recent-server list got this connection already.
    remembered: Cell<bool>,
    /// The user sent something: the log jumps to the bottom.
    jump: Cell<bool>,
    /// The last export's object URL, alive until the next export.
    download: RefCell<Option<gloo::file::ObjectUrl>>,
    version: Cell<u64>,
    on_change: Box<dyn Fn()>,
    this: Weak<Controller>,
    id_prefix: String,
    next_id: Cell<u64>,
}

/// Milliseconds since the Unix epoch.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn random_u64() -> u64 {
    (js_sys::Math::random() * 2f64.powi(53)) as u64
}

impl Controller {
    /// A controller with an empty room that calls `on_change` after every change.
    pub fn new(on_change: impl Fn() + 'static) -> Rc<Self> {
        Rc::new_cyclic(|this: &Weak<Controller>| {
            let network = |event: &'static str, input: Input| {
                let this = this.clone();
                EventListener::new(&gloo::utils::window(), event, move |_| {
                    if let Some(this) = this.upgrade() {
                        this.act(input.clone());
                    }
                })
            };
            let page =
                |target: &web_sys::EventTarget, event: &'static str, act: fn(&Controller)| {
                    let this = this.clone();
                    EventListener::new(target, event, move |_| {
                        if let Some(this) = this.upgrade() {
                            act(&this);
                        }
                    })
                };
            Controller {
                _page: [
                    page(
                        &gloo::utils::document(),
                        "visibilitychange",
                        Controller::on_visibility,
                    ),
                    page(&gloo::utils::window(), "pagehide", Controller::save_history),
                ],
                hidden: Cell::new(gloo::utils::document().hidden()),
                unread: Cell::new(Unread::default()),
                attended_key: Cell::new(0),
                notify: Cell::new(
                    store::get_raw(NOTIFY_KEY).is_some_and(|v| v == "true")
                        && notification_permission() == "granted",
                ),
                permission: Cell::new(notification_permission()),
                history_save: RefCell::new(None),
                remembered: Cell::new(false),
                download: RefCell::new(None),
                jump: Cell::new(false),
                room: RefCell::new(Room::new(random_u64())),
                socket: RefCell::new(None),
                timers: RefCell::new(HashMap::new()),
                repaint: RefCell::new(None),
                repaint_due: Cell::new(false),
                last_paint: Cell::new(f64::NEG_INFINITY),
                _network: [
                    network("online", Input::Online),
                    network("offline", Input::Offline),
                ],
                version: Cell::new(0),
                on_change: Box::new(on_change),
                this: this.clone(),
                // Client ids must not collide across tabs and reloads.
                id_prefix: format!("{:x}", random_u64()),
                next_id: Cell::new(0),
            }
        })
    }

    /// The room as it is now. Do not hold across an `await` or a callback.
    pub fn room(&self) -> Ref<'_, Room> {
        self.room.borrow()
    }

    /// Increases with every change: what re-renders the components.
    pub fn version(&self) -> u64 {
        self.version.get()
    }

    /// Connects with `config`, replacing any current connection. A different
    /// server is a different room: its own log, and its own saved outbox.
    pub fn connect(&self, config: Config) {
        if self.room.borrow().server() != config.server {
            self.save_history();
            self.release();
            *self.room.borrow_mut() = Room::new(random_u64());
            self.attended_key.set(0);
            let kept = store::get(&history_key(&config.server)).unwrap_or_default();
            self.feed(Input::History {
                lines: Saved::list_from_value(&kept["lines"]),
                last_seq: kept["seq"].as_u64(),
            });
            self.attended_key
                .set(self.room.borrow().lines().last().map_or(0, |l| l.key));
            let saved = store::get(&outbox_key(&config.server)).unwrap_or_default();
            self.feed(Input::Restore(Unsent::list_from_value(&saved)));
        }
        self.remembered.set(false);
        self.act(Input::Connect(config));
        if !gloo::utils::window().navigator().on_line() {
            self.feed(Input::Offline);
        }
    }

    /// Closes the connection at the user's request: no retries.
    pub fn disconnect(&self) {
        self.act(Input::Disconnect);
    }

    /// Skips the wait before the next attempt.
    pub fn reconnect_now(&self) {
        self.act(Input::ReconnectNow);
    }

    /// The user is typing: says so to servers that want to know, throttled
    /// by the room, without a repaint.
    pub fn typing(&self) {
        let frame = self.room.borrow_mut().typing(now());
        if let Some(frame) = frame {
            let _ = self.transmit(&frame);
        }
    }

    /// Sends (or queues) a message the user typed.
    pub fn send(&self, text: String) {
        self.jump.set(true);
        let client_id = self.next_client_id();
        self.act(Input::Compose { client_id, text });
    }

    /// Sends a file the user attached, unless it is too big (checked before reading it).
    pub fn send_file(&self, file: gloo::file::File) {
        let name = file.name();
        if file.size() > MAX_FILE_BYTES as u64 {
            let size = file.size();
            return self.feed(Input::FileRefused {
                name,
                size,
                unreadable: None,
            });
        }
        let this = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let read = gloo::file::futures::read_as_bytes(&file).await;
            let Some(this) = this.upgrade() else { return };
            match read {
                Ok(bytes) => {
                    let client_id = this.next_client_id();
                    this.feed(Input::ComposeFile {
                        client_id,
                        name,
                        bytes,
                    });
                }
                Err(err) => this.feed(Input::FileRefused {
                    name,
                    size: file.size(),
                    unreadable: Some(err.to_string()),
                }),
            }
        });
    }

    fn next_client_id(&self) -> String {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        format!("{}-{n}", self.id_prefix)
    }

    /// Empties the log (undelivered messages stay) and what the browser kept of it.
    pub fn clear_log(&self) {
        store::remove(&history_key(self.room.borrow().server()));
        self.act(Input::ClearLog);
    }

    /// Downloads the log as JSON or plain text.
    pub fn export(&self, as_json: bool) {
        let room = self.room.borrow();
        let me = room.me().unwrap_or(room.name());
        let (body, mime, ext) = if as_json {
            (export::json(room.lines(), me), "application/json", "json")
        } else {
            (export::text(room.lines(), me), "text/plain", "txt")
        };
        let url = gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(
            body.as_str(),
            Some(mime),
        ));
        let document = gloo::utils::document();
        if let Some(link) = document
            .create_element("a")
            .ok()
            .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = link.set_attribute("href", &url);
            let _ = link.set_attribute("download", &format!("roomcast-log.{ext}"));
            link.click();
        }
        // Revoked at the next export or when the controller goes.
        *self.download.borrow_mut() = Some(url);
    }

    /// Whether the user sent something since the log last asked.
    pub fn take_jump(&self) -> bool {
        self.jump.replace(false)
    }

    /// What the tab title and the log's divider need.
    pub fn unread(&self) -> Unread {
        self.unread.get()
    }

    /// "granted", "denied" or "default" (not asked); "unsupported" without the API.
    pub fn notifications(&self) -> &'static str {
        if self.notify.get() {
            "on"
        } else {
            self.permission.get()
        }
    }

    /// Asks for permission to show desktop notifications while the tab is hidden.
    pub fn enable_notifications(&self) {
        let this = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let granted = match web_sys::Notification::request_permission() {
                Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .is_some_and(|p| p == "granted"),
                Err(_) => false,
            };
            if let Some(this) = this.upgrade() {
                this.notify.set(granted);
                this.permission.set(notification_permission());
                let _ = store::set_raw(NOTIFY_KEY, if granted { "true" } else { "false" });
                this.bump();
            }
        });
    }

    /// Turns desktop notifications off.
    pub fn disable_notifications(&self) {
        self.notify.set(false);
        let _ = store::set_raw(NOTIFY_KEY, "false");
        self.bump();
    }

    fn bump(&self) {
        self.version.set(self.version.get() + 1);
        (self.on_change)();
    }

    fn on_visibility(&self) {
        let hidden = gloo::utils::document().hidden();
        self.hidden.set(hidden);
        self.permission.set(notification_permission());
        if hidden {
            // The next line that arrives unseen gets the divider.
            self.unread.set(Unread::default());
            self.save_history();
        } else {
            self.unread.set(Unread {
                count: 0,
                ..self.unread.get()
            });
            gloo::utils::document().set_title(TITLE);
        }
        self.bump();
    }

    /// After every change: counts what arrived unseen, notifies, remembers
    /// the server once connected, and schedules saving the log.
    fn attend(&self) {
        let room = self.room.borrow();
        if !self.remembered.get() && matches!(room.conn(), Conn::Open(_)) {
            self.remembered.set(true);
            let mut recent = store::get_strings(RECENT_KEY);
            config::remember(&mut recent, room.server());
            let _ = store::set(RECENT_KEY, &recent);
        }
        let newest = room.lines().last().map_or(0, |l| l.key);
        let attended = self.attended_key.get();
        if newest == attended {
            return;
        }
        self.attended_key.set(newest);
        if self.hidden.get() {
            let fresh: Vec<_> = room
                .lines()
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
                    let from = match &last.kind {
                        Kind::Peer { from } => from.clone().unwrap_or_else(|| "server".into()),
                        _ => String::new(),
                    };
                    let options = web_sys::NotificationOptions::new();
                    options.set_body(&last.text.chars().take(200).collect::<String>());
                    options.set_tag("roomcast");
                    let _ = web_sys::Notification::new_with_options(&from, &options);
                }
            }
        }
        drop(room);
        if self.history_save.borrow().is_none() {
            let this = self.this.clone();
            *self.history_save.borrow_mut() = Some(Timeout::new(HISTORY_SAVE_MS, move || {
                if let Some(this) = this.upgrade() {
                    this.save_history();
                }
            }));
        }
    }

    /// Keeps the newest lines of this server's log in localStorage.
    fn save_history(&self) {
        self.history_save.borrow_mut().take();
        let Ok(room) = self.room.try_borrow() else {
            return;
        };
        if room.server().is_empty() {
            return;
        }
        let key = history_key(room.server());
        // A full localStorage keeps a shorter log rather than none.
        for max in [HISTORY_LINES, HISTORY_LINES / 5] {
            let kept = KeptLog {
                seq: room.last_seq(),
                lines: room.history(max),
            };
            if store::set(&key, &kept).is_ok() {
                return;
            }
        }
    }

    pub fn retry(&self, client_id: String) {
        self.act(Input::Retry { client_id });
    }

    pub fn discard(&self, client_id: String) {
        self.act(Input::Discard { client_id });
    }

    /// Drops the socket (closing it, whatever its state) and every timer,
    /// without a word to the room: for unmounting.
    pub fn release(&self) {
        self.history_save.borrow_mut().take();
        self.repaint.borrow_mut().take();
        self.repaint_due.set(false);
        self.timers.borrow_mut().clear();
        self.socket.borrow_mut().take();
    }

    fn on_socket(&self, event: SocketEvent) {
        match event {
            SocketEvent::Opened {
                protocol,
                extensions,
            } => self.feed(Input::Opened {
                protocol,
                extensions,
            }),
            SocketEvent::Frame(frame) => self.feed(Input::Frame(frame)),
            SocketEvent::Closed {
                code,
                reason,
                clean,
            } => self.feed(Input::Closed {
                code,
                reason,
                clean,
            }),
            // Always followed by `close`, which says more.
            SocketEvent::Error => {}
        }
    }

    /// A user action: applied and shown at once, never batched with frames.
    fn act(&self, input: Input) {
        self.feed(input);
        self.last_paint.set(now_precise());
        (self.on_change)();
    }

    fn feed(&self, input: Input) {
        let effects = self.room.borrow_mut().handle(input, now());
        // Inputs that effects cause are fed after the whole batch ran.
        let mut followups = Vec::new();
        for effect in effects {
            match effect {
                Effect::Open { url, protocols } => {
                    self.socket.borrow_mut().take();
                    let this = self.this.clone();
                    match Socket::open(&url, &protocols, move |event| {
                        if let Some(this) = this.upgrade() {
                            this.on_socket(event);
                        }
                    }) {
                        Ok(socket) => *self.socket.borrow_mut() = Some(socket),
                        Err(err) => followups.push(Input::ConnectFailed {
                            reason: err.to_string(),
                        }),
                    }
                }
                Effect::Close => {
                    self.socket.borrow_mut().take();
                }
                Effect::Transmit { frame, client_id } => {
                    if let Err(err) = self.transmit(&frame) {
                        match client_id {
                            Some(client_id) => followups.push(Input::SendFailed {
                                client_id,
                                reason: err.to_string(),
                            }),
                            None => gloo::console::warn!(format!(
                                "Roomcast: a control frame was not sent: {err}"
                            )),
                        }
                    }
                }
                Effect::StartTimer { timer, ms } => {
                    let this = self.this.clone();
                    let timeout = Timeout::new(ms, move || {
                        if let Some(this) = this.upgrade() {
                            this.feed(Input::Timer(timer));
                        }
                    });
                    self.timers.borrow_mut().insert(timer, timeout);
                }
                Effect::CancelTimer(timer) => {
                    self.timers.borrow_mut().remove(&timer);
                }
                Effect::SaveOutbox => self.save_outbox(),
            }
        }
        for input in followups {
            self.feed(input);
        }
        self.attend();
        self.version.set(self.version.get() + 1);
        self.schedule_repaint();
    }

    /// Repaints at once after a quiet spell (a click or a lone message shows
    /// without waiting for a frame), else once before the next frame is drawn
    /// (a burst of inputs costs one render per frame, not one each).
    fn schedule_repaint(&self) {
        if self.repaint_due.get() {
            return;
        }
        let now = now_precise();
        if now - self.last_paint.get() >= FRAME_MS {
            self.last_paint.set(now);
            (self.on_change)();
            return;
        }
        self.repaint_due.set(true);
        let this = self.this.clone();
        // The previous handle already fired; replacing it here, outside its
        // own callback, releases it.
        *self.repaint.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| {
            if let Some(this) = this.upgrade() {
                this.repaint_due.set(false);
                this.last_paint.set(now_precise());
                (this.on_change)();
            }
        }));
    }

    fn transmit(&self, frame: &Frame) -> Result<(), SocketError> {
        match self.socket.borrow().as_ref() {
            Some(socket) => socket.send(frame),
            None => Err(SocketError::NotOpen(ReadyState::Closed)),
        }
    }

    fn save_outbox(&self) {
        let room = self.room.borrow();
        let key = outbox_key(room.server());
        let unsent = room.unsent();
        if unsent.is_empty() {
            store::remove(&key);
        } else if let Err(err) = store::set(&key, &unsent) {
            gloo::console::warn!(format!("Roomcast: could not save unsent messages: {err}"));
        }
    }
}

/// Controllers are equal only to themselves (line props hold one).
impl PartialEq for Controller {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.release();
    }
}

/// `Notification.permission`, or "unsupported" when the browser has no such API.
fn notification_permission() -> &'static str {
    let supported =
        js_sys::Reflect::has(&gloo::utils::window(), &"Notification".into()).unwrap_or(false);
    if !supported {
        return "unsupported";
    }
    match web_sys::Notification::permission() {
        web_sys::NotificationPermission::Granted => "granted",
        web_sys::NotificationPermission::Denied => "denied",
        _ => "default",
    }
}

/// What components get from [`use_room`]: the controller and the version it
/// was at, so a change re-renders every consumer.
#[derive(Clone)]
pub struct RoomHandle {
    pub(crate) ctl: Rc<Controller>,
    pub(crate) version: u64,
}

impl PartialEq for RoomHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl) && self.version == other.version
    }
}

impl std::ops::Deref for RoomHandle {
    type Target = Controller;
    fn deref(&self) -> &Controller {
        &self.ctl
    }
}

/// The room of the enclosing [`App`](super::App).
#[hook]
pub fn use_room() -> RoomHandle {
    use_context::<RoomHandle>().expect("use_room() is only used inside the App's room provider")
}
