//! The room's context: how components reach the [`Controller`] (through
//! [`use_room`]) and re-render when it changes.

use crate::app::Controller;
use std::rc::Rc;
use yew::prelude::*;

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
