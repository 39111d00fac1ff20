//! Server address, name, protocol, socket.io event, subprotocols and room;
//! validated (by [`config::from_form`]) before connecting.

use super::context::use_status;
use crate::app::persist::RECENT_KEY;
use crate::app::store;
use crate::config::{self, Config, Form};
use crate::i18n::t;
use crate::protocol::Dialect;
use crate::room::Conn;
use crate::ui::th;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConnectFormProps {
    pub initial: Config,
    /// Problems with the page URL's settings, shown until the next connect.
    #[prop_or_default]
    pub errors: Vec<crate::config::ConfigError>,
}

#[function_component(ConnectForm)]
pub fn connect_form(props: &ConnectFormProps) -> Html {
    let room = use_status();
    let fields = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let dialect = use_node_ref();
    let redraw = use_force_update();
    let errors = use_mut_ref(|| props.errors.clone());
    // Only socket.io has an event name; the field shows when it is chosen.
    let socketio = use_mut_ref(|| props.initial.dialect == Dialect::SocketIo);
    // The settings as the fields stand, over what the page URL set.
    let read = {
        let (fields, dialect, base) = (fields.clone(), dialect.clone(), props.initial.clone());
        Callback::from(move |()| {
            let value = |i: usize| {
                fields[i]
                    .cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let form = Form {
                server: value(0),
                name: value(1),
                event: value(2),
                subprotocols: value(3),
                room: value(4),
                dialect: dialect
                    .cast::<HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default(),
            };
            config::from_form(&form, &base)
        })
    };
    let onsubmit = {
        let (room, errors, redraw, read) =
            (room.clone(), errors.clone(), redraw.clone(), read.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match read.emit(()) {
                Ok(config) => {
                    errors.borrow_mut().clear();
                    redraw.force_update();
                    room.connect(config);
                }
                Err(problems) => {
                    *errors.borrow_mut() = problems;
                    redraw.force_update();
                }
            }
        })
    };
    let onchange = {
        let (socketio, dialect, redraw) = (socketio.clone(), dialect.clone(), redraw.clone());
        Callback::from(move |_: Event| {
            let chosen = dialect
                .cast::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            *socketio.borrow_mut() = chosen == Dialect::SocketIo.as_str();
            redraw.force_update();
        })
    };
    let live = !matches!(room.room().conn(), Conn::Idle | Conn::Closed(_));
    let ondisconnect = {
        let room = room.clone();
        Callback::from(move |_| room.disconnect())
    };
    let initial = &props.initial;
    // Servers this browser connected to before, newest first, to pick from.
    // Read when the connection opens or ends (when the list can change), not
    // on every render: the form re-renders with every frame that arrives.
    let open = matches!(room.room().conn(), Conn::Open(_));
    let recent = use_memo(open, |_| store::get_strings(RECENT_KEY));
    html! {
        // Connected, the form folds into one line (server, name, Disconnect);
        // focusing any part of it unfolds it (styles/app.css, `.compact`).
        <form class={classes!("connect", open.then_some("compact"))} {onsubmit} aria-label={t("Connection")}>
            <label>{ th("Server") }
                <input ref={fields[0].clone()} type="text" inputmode="url" spellcheck="false"
                    list="recent-servers" autocomplete="off"
                    value={initial.server.clone()} placeholder="ws://localhost:8080/ws" />
                <datalist id="recent-servers">
                    { for recent.iter().map(|s| html! { <option value={s.clone()} /> }) }
                </datalist>
            </label>
            <label>{ th("Name") }
                <input ref={fields[1].clone()} type="text" value={initial.name.clone()} maxlength="32" />
            </label>
            <label class="extra">{ th("Protocol") }
                <select ref={dialect} {onchange}>
                    { for Dialect::ALL.iter().map(|d| html! {
                        <option value={d.as_str()} selected={*d == initial.dialect}>{ d.as_str() }</option>
                    }) }
                </select>
            </label>
            <label class="extra" hidden={!*socketio.borrow()}>{ th("Event") }
                <input ref={fields[2].clone()} type="text" value={initial.event.clone()} />
            </label>
            <label class="extra">{ th("Subprotocols") }
                <input ref={fields[3].clone()} type="text" spellcheck="false" placeholder={t("none")}
                    value={initial.subprotocols.join(", ")} />
            </label>
            <label class="extra">{ th("Room") }
                <input ref={fields[4].clone()} type="text" spellcheck="false"
                    placeholder={t("topic, destination or channel")} value={initial.room.clone()} />
            </label>
            <button type="submit">{ if live { th("Reconnect") } else { th("Connect") } }</button>
            if live {
                <button type="button" onclick={ondisconnect}>{ th("Disconnect") }</button>
            }
            // After the buttons: the form's first plain button is Disconnect.
            <super::profiles::Profiles current={read} />
            if !errors.borrow().is_empty() {
                <ul class="errors" role="alert">
                    { for errors.borrow().iter().map(|e| html! { <li>{ e.to_string() }</li> }) }
                </ul>
            }
        </form>
    }
}
