//! How components reach the room, the Yew way: reducers of what changed
//! ([`Versions`]) and three narrow contexts. The status's is the
//! `RoomView`'s own; the log's and the Frames panel's are [`Parts`]', a
//! component inside it. So a new line re-renders `Parts` and the log, and
//! not the `RoomView` or the status; a status change the status, the form and
//! the composer, and not the log.

use crate::app::{Changed, Controller};
use std::{cell::RefCell, rc::Rc};
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

/// Where the controller reaches [`Parts`]' reducer: set as `Parts` mounts.
pub type PartsHook = Rc<RefCell<Option<Callback<Changed>>>>;

#[derive(Properties)]
pub struct PartsProps {
    pub ctl: Rc<Controller>,
    pub hook: PartsHook,
    /// The tab's id, for its badge.
    pub tab: u32,
    /// (tab, unread, mentions) whenever they change.
    pub on_badge: Callback<(u32, usize, usize)>,
    pub children: Html,
}

impl PartialEq for PartsProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl)
            && Rc::ptr_eq(&self.hook, &other.hook)
            && (self.tab, &self.on_badge, &self.children)
                == (other.tab, &other.on_badge, &other.children)
    }
}

/// The log's and the Frames panel's contexts, in a component of their own:
/// what a new line re-renders besides the log (BENCHMARKS.md, run 12). The
/// tab's badge follows the lines here too.
#[function_component(Parts)]
pub fn parts(props: &PartsProps) -> Html {
    let versions = use_reducer(Versions::default);
    use_memo((), {
        let (dispatcher, hook) = (versions.dispatcher(), props.hook.clone());
        move |_| *hook.borrow_mut() = Some(Callback::from(move |c| dispatcher.dispatch(c)))
    });
    let unread = props.ctl.unread();
    use_effect_with((unread.count, unread.mentions), {
        let (on_badge, tab) = (props.on_badge.clone(), props.tab);
        move |(count, mentions)| on_badge.emit((tab, *count, *mentions))
    });
    let handle = |version| RoomHandle {
        ctl: props.ctl.clone(),
        version,
    };
    html! {
        <ContextProvider<LogContext> context={LogContext(handle(versions.log))}>
        <ContextProvider<FramesContext> context={FramesContext(handle(versions.frames))}>
            { props.children.clone() }
        </ContextProvider<FramesContext>>
        </ContextProvider<LogContext>>
    }
}
