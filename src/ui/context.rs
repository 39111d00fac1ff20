//! How components reach the room, the Yew way: each `RoomView` keeps a
//! reducer of what changed ([`Versions`]) and provides three narrow contexts,
//! so a new line re-renders the log (and the `RoomView` around it) and not the
//! status, and a status change the status, the form and the composer, and not
//! the log.

use crate::app::{Changed, Controller};
use std::rc::Rc;
use yew::prelude::*;

/// How many times the log and the status changed: the App's reducer state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Versions {
    pub log: u64,
    pub status: u64,
    pub frames: u64,
}

impl Reducible for Versions {
    type Action = Changed;

    fn reduce(self: Rc<Self>, changed: Changed) -> Rc<Self> {
        Rc::new(Versions {
            log: self.log + u64::from(changed.log),
            status: self.status + u64::from(changed.status),
            frames: self.frames + u64::from(changed.frames),
        })
    }
}

/// The controller and the version of the part a component shows: equal
/// handles mean nothing it shows changed.
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

/// The log's context: changes with the lines.
#[derive(Clone, PartialEq)]
pub struct LogContext(pub RoomHandle);

/// The status context: changes with the connection, presence and settings.
#[derive(Clone, PartialEq)]
pub struct StatusContext(pub RoomHandle);

/// The Frames panel's context: changes with the frames it records.
#[derive(Clone, PartialEq)]
pub struct FramesContext(pub RoomHandle);

/// The room, for the Frames panel: re-renders when a frame is recorded.
#[hook]
pub fn use_frames() -> RoomHandle {
    use_context::<FramesContext>()
        .expect("use_frames() is only used inside the App's providers")
        .0
}

/// The room, for the log: re-renders when the lines change.
#[hook]
pub fn use_log() -> RoomHandle {
    use_context::<LogContext>()
        .expect("use_log() is only used inside the App's providers")
        .0
}

/// The room, for what shows the connection: re-renders when it changes.
#[hook]
pub fn use_status() -> RoomHandle {
    use_context::<StatusContext>()
        .expect("use_status() is only used inside the App's providers")
        .0
}
