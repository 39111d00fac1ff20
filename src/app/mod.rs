//! The driver: the one owner of a room's live parts. It feeds the pure
//! [`Room`] its inputs and carries out its [`Effect`]s (socket, timers,
//! storage); `history`, `persist`, `attention` and `repaint` each do one job for it.
//!
//! Inputs are fed to the room and its effects carried out right away, in
//! order, so a message is transmitted exactly once. Every JS closure has one
//! owner here (the socket's listeners, each timer, the network listeners) and
//! only holds a `Weak` to the controller; dropping the controller drops them all.

pub mod attention;
mod changed;
pub mod download;
mod frames;
mod history;
pub mod kept;
mod outbox;
pub mod persist;
pub mod repaint;
pub mod store;

use crate::config::{self, Config};
use crate::protocol::Frame;
use crate::room::{Conn, Effect, Input, Room, Timer, MAX_FILE_BYTES};
use crate::socket::{polling::Polling, ReadyState, Socket, SocketError, SocketEvent, Transport};
use attention::{Attention, Notifications, Unread};
pub use changed::Changed;
use changed::StatusKey;
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use repaint::Repaint;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

/// Milliseconds since the Unix epoch.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn random_u64() -> u64 {
    (js_sys::Math::random() * 2f64.powi(53)) as u64
}

pub struct Controller {
    room: RefCell<Room>,
    /// Called with what changed, at most once per animation frame.
    on_change: Box<dyn Fn(Changed)>,
    /// The log's revision and the status at the last repaint.
    painted: RefCell<(u64, StatusKey, u64)>,
    socket: RefCell<Option<Transport>>,
    timers: RefCell<HashMap<Timer, Timeout>>,
    repaint: Repaint,
    attention: Attention,
    _network: [EventListener; 2],
    /// Page visibility (unread count, divider, notifications) and `pagehide`
    /// (the log is saved before the page goes).
    _page: [EventListener; 2],
    history_save: RefCell<Option<Timeout>>,
    /// The newest line key the kept log in IndexedDB is known to hold.
    kept_upto: Rc<Cell<u64>>,
    /// The ids of the outbox's files as last kept in IndexedDB (`None`: not
    /// known to be kept, the next save writes them).
    kept_files: RefCell<Option<Vec<String>>>,
    /// This page holds its Web Lock: pages that are gone can be told apart.
    locks: Cell<bool>,
    /// The outbox could not be saved at the last try (storage full).
    unsaved: Cell<bool>,
    /// Its files' lines say they are not saved (IndexedDB refused them).
    files_unsaved: Cell<bool>,
    /// Increases with every connect to a new server: a kept log that loads
    /// after a newer connect is dropped.
    generation: Cell<u64>,
    /// The socket's events while the kept log loads: the socket opens at
    /// once, and its events reach the room once the log it resumes from has.
    held: RefCell<Option<Vec<SocketEvent>>>,
    /// The recent-server list got this connection already.
    remembered: Cell<bool>,
    /// The user sent something: the log jumps to the bottom.
    jump: Cell<bool>,
    /// The Frames panel's record, only while it is open.
    frames: RefCell<Option<crate::inspect::FrameLog>>,
    /// The last export's object URL, alive until the next export.
    download: RefCell<Option<gloo::file::ObjectUrl>>,
    this: Weak<Controller>,
    id_prefix: String,
    next_id: Cell<u64>,
}

impl Controller {
    /// A controller with an empty room that tells `on_change` what changed,
    /// once per frame at most (user actions at once).
    pub fn new(on_change: impl Fn(Changed) + 'static) -> Rc<Self> {
        let ctl = Rc::new_cyclic(|this: &Weak<Controller>| {
            let listen =
                |target: &web_sys::EventTarget, event: &'static str, act: fn(&Controller)| {
                    let this = this.clone();
                    EventListener::new(target, event, move |_| {
                        if let Some(this) = this.upgrade() {
                            act(&this);
                        }
                    })
                };
            let window: &web_sys::EventTarget = &gloo::utils::window();
            Controller {
                _page: [
                    listen(
                        &gloo::utils::document(),
                        "visibilitychange",
                        Controller::on_visibility,
                    ),
                    listen(window, "pagehide", Controller::closing),
                ],
                _network: [
                    listen(window, "online", |c| c.act(Input::Online)),
                    listen(window, "offline", |c| c.act(Input::Offline)),
                ],
                attention: Attention::from_page(),
                history_save: RefCell::new(None),
                kept_upto: Rc::new(Cell::new(0)),
                kept_files: RefCell::new(Some(Vec::new())),
                locks: Cell::new(false),
                unsaved: Cell::new(false),
                files_unsaved: Cell::new(false),
                generation: Cell::new(0),
                held: RefCell::new(None),
                remembered: Cell::new(false),
                download: RefCell::new(None),
                jump: Cell::new(false),
                frames: RefCell::new(None),
                room: RefCell::new(Room::new(random_u64())),
                socket: RefCell::new(None),
                timers: RefCell::new(HashMap::new()),
                repaint: Repaint::new({
                    let this = this.clone();
                    move || {
                        if let Some(this) = this.upgrade() {
                            this.paint();
                        }
                    }
                }),
                on_change: Box::new(on_change),
                painted: RefCell::new((u64::MAX, StatusKey::default(), 0)),
                this: this.clone(),
                // Client ids must not collide across tabs and reloads.
                id_prefix: format!("{:x}", random_u64()),
                next_id: Cell::new(0),
            }
        });
        ctl.hold_page();
        ctl
    }

    /// The room as it is now. Do not hold across an `await` or a callback.
    pub fn room(&self) -> Ref<'_, Room> {
        self.room.borrow()
    }

    /// Tells the page what changed since the last repaint.
    fn paint(&self) {
        let Ok(room) = self.room.try_borrow() else {
            return;
        };
        let (rev, status) = (room.log_rev(), StatusKey::of(&room));
        drop(room);
        let frames = self.frames_rev();
        let mut painted = self.painted.borrow_mut();
        let changed = Changed {
            log: painted.0 != rev,
            status: painted.1 != status,
            frames: painted.2 != frames,
        };
        *painted = (rev, status, frames);
        drop(painted);
        if changed != Changed::default() {
            (self.on_change)(changed);
        }
    }

    /// Something outside the room changed (notifications, visibility, the
    /// countdown's second): those parts of the page look again.
    pub fn refresh(&self, changed: Changed) {
        (self.on_change)(changed);
    }

    /// Connects with `config`, replacing any current connection. A different
    /// server is a different room: its own log, and its own saved outbox.
    pub fn connect(&self, config: Config) {
        if self.room.borrow().server() == config.server {
            return self.start(config);
        }
        self.save_history();
        self.release();
        *self.room.borrow_mut() = Room::new(random_u64());
        // The connection opens at once, while the kept log comes from
        // IndexedDB and the outbox after it; the socket's events wait for
        // both, so the hello says where the kept log ends. With nothing kept
        // for this server (known without IndexedDB), nothing waits. Either
        // way, events an earlier connect held for its own log are dropped.
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let server = config.server.clone();
        let (now, later) = self.outboxes(&server);
        let files = now
            .iter()
            .any(|page| persist::outbox_has_files(&server, page));
        let wait = files || !kept::nothing_kept(&server);
        *self.held.borrow_mut() = wait.then(Vec::new);
        self.start(config);
        if !wait {
            return self.restore(&server, kept::Kept::default(), &now, later);
        }
        let this = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let kept = kept::load(&server, if files { &now[..] } else { &[] }).await;
            let Some(this) = this.upgrade() else { return };
            if this.generation.get() != generation {
                return; // another connect came since
            }
            this.restore(&server, kept, &now, later);
        });
    }

    fn start(&self, config: Config) {
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
        // Drawn before the next frame, after this task: the frame goes first.
        self.repaint.next_frame();
        self.feed(Input::Compose { client_id, text });
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
        let server = self.room.borrow().server().to_string();
        wasm_bindgen_futures::spawn_local(kept::clear(server));
        self.act(Input::ClearLog);
    }

    /// Downloads the log as JSON or plain text.
    pub fn export(&self, as_json: bool) {
        let url = download::export(&self.room.borrow(), as_json);
        // Revoked at the next export or when the controller goes.
        *self.download.borrow_mut() = url;
    }

    /// Whether the user sent something since the log last asked.
    pub fn take_jump(&self) -> bool {
        self.jump.replace(false)
    }

    /// What the tab title and the log's divider need.
    pub fn unread(&self) -> Unread {
        self.attention.unread()
    }

    pub fn notifications(&self) -> Notifications {
        self.attention.notifications()
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
                this.attention.set_notify(granted);
                this.bump();
            }
        });
    }

    /// Turns desktop notifications off.
    pub fn disable_notifications(&self) {
        self.attention.set_notify(false);
        self.bump();
    }

    fn bump(&self) {
        self.refresh(Changed::ALL);
    }

    /// The room's tab went to the background or came to the front.
    /// Only a change redraws: every tab's view sets it as it mounts.
    pub fn set_background(&self, background: bool) {
        if self.attention.set_background(background) {
            self.bump();
        }
    }

    fn on_visibility(&self) {
        if self.attention.visibility_changed() {
            self.save_history();
        }
        self.bump();
    }

    /// After every change: counts what arrived unseen, notifies, remembers
    /// the server once connected (and has the clock made), and schedules
    /// saving the log.
    fn attend(&self) {
        let room = self.room.borrow();
        if !self.remembered.get() && matches!(room.conn(), Conn::Open(_)) {
            self.remembered.set(true);
            crate::clock::warm();
            let mut recent = store::get_strings(persist::RECENT_KEY);
            config::remember(&mut recent, room.server());
            let _ = store::set(persist::RECENT_KEY, &recent);
        }
        let me = room.me().unwrap_or(room.name());
        if !self.attention.attend(room.lines(), me) {
            return;
        }
        drop(room);
        self.save_history_soon();
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
        self.repaint.cancel();
        self.timers.borrow_mut().clear();
        self.socket.borrow_mut().take();
    }

    fn on_socket(&self, event: SocketEvent) {
        if let Some(held) = self.held.borrow_mut().as_mut() {
            return held.push(event);
        }
        match event {
            // A change of state shows at once, not at the next animation
            // frame: a page still loading may draw none for 200 ms.
            SocketEvent::Opened {
                protocol,
                extensions,
            } => self.act(Input::Opened {
                protocol,
                extensions,
            }),
            SocketEvent::Frame(frame) => {
                self.record(crate::inspect::Dir::In, &frame);
                self.feed(Input::Frame(frame))
            }
            SocketEvent::Upgraded => self.feed(Input::Upgraded),
            SocketEvent::Closed {
                code,
                reason,
                clean,
            } => self.act(Input::Closed {
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
        self.repaint.now();
    }

    fn feed(&self, input: Input) {
        let effects = self.room.borrow_mut().handle(input, now());
        // Inputs that effects cause are fed after the whole batch ran.
        let mut followups = Vec::new();
        let mut replay = None;
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
                        Ok(socket) => {
                            replay = socket.take_replay();
                            *self.socket.borrow_mut() = Some(Transport::WebSocket(socket))
                        }
                        Err(err) => followups.push(Input::ConnectFailed {
                            reason: err.to_string(),
                        }),
                    }
                }
                Effect::OpenPolling { url, eio } => {
                    self.socket.borrow_mut().take();
                    let this = self.this.clone();
                    match Polling::open(&url, eio, move |event| {
                        if let Some(this) = this.upgrade() {
                            this.on_socket(event);
                        }
                    }) {
                        Ok(p) => *self.socket.borrow_mut() = Some(Transport::Polling(p)),
                        Err(err) => followups.push(Input::ConnectFailed {
                            reason: err.to_string(),
                        }),
                    }
                }
                Effect::Close => {
                    self.socket.borrow_mut().take();
                }
                Effect::Transmit { frame, client_id } => {
                    self.record(crate::inspect::Dir::Out, &frame);
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
                Effect::SaveOutbox => followups.extend(self.save_outbox_input()),
                Effect::ProbeSockJs { url } => {
                    let this = self.this.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let answer = crate::socket::sockjs_info(&url).await;
                        if let Some(this) = this.upgrade() {
                            this.feed(Input::SockJsInfo(answer));
                        }
                    });
                }
            }
        }
        for input in followups {
            self.feed(input);
        }
        // The early socket's events so far (its `open`, a greeting), now that
        // the socket is in place and this batch is done: in this task, so
        // the first render already says Connected (BENCHMARKS.md, run 15).
        if let Some(replay) = replay {
            let _ = replay.call0(&wasm_bindgen::JsValue::NULL);
        }
        self.attend();
        self.repaint.schedule();
    }

    fn transmit(&self, frame: &Frame) -> Result<(), SocketError> {
        match self.socket.borrow().as_ref() {
            Some(socket) => socket.send(frame),
            None => Err(SocketError::NotOpen(ReadyState::Closed)),
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
