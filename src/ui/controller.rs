//! The one owner of a room's live parts: the [`Room`] state machine, the
//! [`Socket`] and the probe timer. Components reach it through [`use_room`].
//!
//! Inputs are fed to the pure room and its effects carried out right away, in
//! order, so a message is transmitted exactly once; the socket's listeners only
//! hold a `Weak` to the controller, and dropping the controller (or
//! reconnecting) drops the socket, which closes it and removes the listeners.

use crate::config::Config;
use crate::protocol::Frame;
use crate::room::{Effect, Input, Room, PROBE_MS};
use crate::socket::{ReadyState, Socket, SocketError, SocketEvent};
use gloo::timers::callback::Timeout;
use std::cell::{Cell, Ref, RefCell};
use std::rc::{Rc, Weak};
use yew::prelude::*;

pub struct Controller {
    room: RefCell<Room>,
    socket: RefCell<Option<Socket>>,
    probe: RefCell<Option<Timeout>>,
    version: Cell<u64>,
    on_change: Box<dyn Fn()>,
    this: Weak<Controller>,
    id_prefix: String,
    next_id: Cell<u64>,
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

impl Controller {
    /// A controller for `room` that calls `on_change` after every change.
    pub fn new(room: Room, on_change: impl Fn() + 'static) -> Rc<Self> {
        // Client ids must not collide across tabs and reloads.
        let id_prefix = format!("{:x}", (js_sys::Math::random() * 1e12) as u64);
        Rc::new_cyclic(|this| Controller {
            room: RefCell::new(room),
            socket: RefCell::new(None),
            probe: RefCell::new(None),
            version: Cell::new(0),
            on_change: Box::new(on_change),
            this: this.clone(),
            id_prefix,
            next_id: Cell::new(0),
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

    /// Opens a new connection with `config`, replacing any current one.
    pub fn connect(&self, config: Config) {
        self.release();
        self.room
            .borrow_mut()
            .configure(config.dialect, config.name);
        self.feed(Input::Connecting {
            server: config.server.clone(),
        });
        let this = self.this.clone();
        let opened = Socket::open(&config.server, &[], move |event| {
            if let Some(this) = this.upgrade() {
                this.on_socket(event);
            }
        });
        match opened {
            Ok(socket) => *self.socket.borrow_mut() = Some(socket),
            Err(err) => self.feed(Input::ConnectFailed {
                reason: err.to_string(),
            }),
        }
    }

    /// Closes the connection at the user's request.
    pub fn disconnect(&self) {
        self.release();
        self.feed(Input::Disconnected);
    }

    /// Sends (or queues) a message the user typed.
    pub fn send(&self, text: String) {
        let n = self.next_id.get() + 1;
        self.next_id.set(n);
        self.feed(Input::Compose {
            client_id: format!("{}-{n}", self.id_prefix),
            text,
        });
    }

    pub fn retry(&self, client_id: String) {
        self.feed(Input::Retry { client_id });
    }

    pub fn discard(&self, client_id: String) {
        self.feed(Input::Discard { client_id });
    }

    /// Drops the socket (closing it, whatever its state) and the probe timer.
    fn release(&self) {
        self.probe.borrow_mut().take();
        self.socket.borrow_mut().take();
    }

    fn on_socket(&self, event: SocketEvent) {
        match event {
            SocketEvent::Opened { .. } => self.feed(Input::Opened),
            SocketEvent::Frame(frame) => self.feed(Input::Frame(frame)),
            SocketEvent::Closed {
                code,
                reason,
                clean,
            } => {
                self.probe.borrow_mut().take();
                self.feed(Input::Closed {
                    code,
                    reason,
                    clean,
                })
            }
            // Always followed by `close`, which says more.
            SocketEvent::Error => {}
        }
    }

    fn feed(&self, input: Input) {
        let effects = self.room.borrow_mut().handle(input, now());
        let mut failures = Vec::new();
        for effect in effects {
            match effect {
                Effect::Transmit { frame, client_id } => {
                    if let Err(err) = self.transmit(&frame) {
                        match client_id {
                            Some(client_id) => failures.push(Input::SendFailed {
                                client_id,
                                reason: err.to_string(),
                            }),
                            None => gloo::console::warn!(format!("hello not sent: {err}")),
                        }
                    }
                }
                Effect::StartProbeTimer => {
                    let this = self.this.clone();
                    *self.probe.borrow_mut() = Some(Timeout::new(PROBE_MS, move || {
                        if let Some(this) = this.upgrade() {
                            this.feed(Input::ProbeTimeout);
                        }
                    }));
                }
            }
        }
        for failure in failures {
            self.feed(failure);
        }
        self.version.set(self.version.get() + 1);
        (self.on_change)();
    }

    fn transmit(&self, frame: &Frame) -> Result<(), SocketError> {
        match self.socket.borrow().as_ref() {
            Some(socket) => socket.send(frame),
            None => Err(SocketError::NotOpen(ReadyState::Closed)),
        }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        self.release();
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

/// The room of the nearest [`RoomProvider`](super::App).
#[hook]
pub fn use_room() -> RoomHandle {
    use_context::<RoomHandle>().expect("use_room() is only used inside the App's room provider")
}
