//! One open room: its controller (socket, log, outbox), the contexts its
//! parts read, and the page around it (connect form, status, log,
//! composer). A room in a background tab stays mounted, hidden, and keeps
//! receiving.

use super::context::{Parts, PartsHook, RoomHandle, StatusContext, Versions};
use super::{composer::Composer, connect_form::ConnectForm, frames, log, status};
use crate::app::{Changed, Controller};
use crate::config::{Config, FromQuery};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RoomViewProps {
    /// The tab's id (its draft is kept under it).
    pub tab: u32,
    pub query: FromQuery,
    /// Connect at once (when the settings have no errors); a new tab waits
    /// for the form.
    pub connect: bool,
    /// The tab shown; the others are hidden and count what arrives.
    pub active: bool,
    /// (tab, unread, mentions) whenever they change.
    pub on_badge: Callback<(u32, usize, usize)>,
    /// (tab, settings) whenever the room connects with new ones.
    pub on_config: Callback<(u32, Config)>,
}

#[function_component(RoomView)]
pub fn room_view(props: &RoomViewProps) -> Html {
    // What changed in the room, as reducers the controller dispatches to:
    // the status's here, the log's and the Frames panel's in `Parts`.
    let versions = use_reducer(Versions::default);
    let hook = use_memo((), |_| PartsHook::default());
    let ctl = use_memo((), {
        let (dispatcher, hook) = (versions.dispatcher(), (*hook).clone());
        move |_| {
            Controller::new(move |changed: Changed| {
                if changed.status {
                    dispatcher.dispatch(changed);
                }
                if changed.log || changed.frames {
                    if let Some(parts) = &*hook.borrow() {
                        parts.emit(changed);
                    }
                }
            })
        }
    });
    // The status again every second while it shows a countdown; the
    // interval is dropped with the effect.
    let counting = matches!(ctl.room().conn(), crate::room::Conn::Reconnecting { .. });
    use_effect_with(counting, {
        let ctl = (*ctl).clone();
        move |counting| {
            let interval = counting.then(|| {
                let status = crate::app::Changed {
                    status: true,
                    ..Default::default()
                };
                gloo::timers::callback::Interval::new(1000, move || ctl.refresh(status))
            });
            move || drop(interval)
        }
    });
    // Connects in this render, not in an effect. An effect runs after the
    // whole first render, and Yew yields to the browser when a render takes
    // over 16 ms (a new browser's first one does): the socket was made up to
    // 100 ms later that way (BENCHMARKS.md, run 5).
    use_memo((), {
        let ctl = (*ctl).clone();
        let query = props.query.clone();
        let connect = props.connect;
        move |_| {
            if connect && query.errors.is_empty() {
                ctl.connect(query.config);
            } else {
                crate::socket::decline_early();
            }
        }
    });
    // The connection lives as long as the room: closing the tab closes it.
    use_effect_with((), {
        let ctl = (*ctl).clone();
        move |_| move || ctl.release()
    });
    use_effect_with(props.active, {
        let ctl = (*ctl).clone();
        move |active| ctl.set_background(!active)
    });
    // The kept tab list follows the room (the badges follow in `Parts`).
    // Every connect's settings (a new name or room on the same server too).
    let config = ctl.room().config().clone();
    use_effect_with(config, {
        let (on_config, tab) = (props.on_config.clone(), props.tab);
        move |config| {
            if !config.server.is_empty() {
                on_config.emit((tab, config.clone()));
            }
        }
    });
    let status = StatusContext(RoomHandle {
        ctl: (*ctl).clone(),
        version: versions.status,
    });
    let initial: Config = props.query.config.clone();
    let errors = if props.connect {
        props.query.errors.clone()
    } else {
        Vec::new()
    };
    html! {
        <ContextProvider<StatusContext> context={status}>
        <Parts ctl={(*ctl).clone()} hook={(*hook).clone()} tab={props.tab} on_badge={props.on_badge.clone()}>
            <div class="app" hidden={!props.active}>
                <header class="top">
                    <h1 class="brand">{ "Roomcast" }</h1>
                    <ConnectForm {initial} {errors} />
                    <frames::FramesToggle />
                </header>
                <main class="room">
                    <status::StatusBar />
                    <frames::FramesPanel />
                    <log::MessageLog />
                    <Composer tab={props.tab} />
                </main>
            </div>
        </Parts>
        </ContextProvider<StatusContext>>
    }
}
