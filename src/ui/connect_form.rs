//! Server address, name, protocol, socket.io event and subprotocols;
//! validated (by [`config::from_form`]) before connecting.

use super::controller::use_room;
use crate::config::{self, Config, Form};
use crate::protocol::Dialect;
use crate::room::Conn;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConnectFormProps {
    pub initial: Config,
    /// Problems with the page URL's settings, shown until the next connect.
    #[prop_or_default]
    pub errors: Vec<String>,
}

#[function_component(ConnectForm)]
pub fn connect_form(props: &ConnectFormProps) -> Html {
    let room = use_room();
    let fields = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let dialect = use_node_ref();
    let errors = use_state(|| props.errors.clone());
    // Only socket.io has an event name; the field shows when it is chosen.
    let socketio = use_state(|| props.initial.dialect == Dialect::SocketIo);
    let onsubmit = {
        let (room, errors, fields, dialect) = (
            room.clone(),
            errors.clone(),
            fields.clone(),
            dialect.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
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
                dialect: dialect
                    .cast::<HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default(),
            };
            match config::from_form(&form) {
                Ok(config) => {
                    errors.set(Vec::new());
                    room.connect(config);
                }
                Err(problems) => errors.set(problems),
            }
        })
    };
    let onchange = {
        let (socketio, dialect) = (socketio.clone(), dialect.clone());
        Callback::from(move |_: Event| {
            let chosen = dialect
                .cast::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            socketio.set(chosen == Dialect::SocketIo.as_str());
        })
    };
    let live = !matches!(room.room().conn(), Conn::Idle | Conn::Closed(_));
    let ondisconnect = {
        let room = room.clone();
        Callback::from(move |_| room.disconnect())
    };
    let initial = &props.initial;
    html! {
        <form class="connect" {onsubmit} aria-label="Connection">
            <label>{ "Server" }
                <input ref={fields[0].clone()} type="text" inputmode="url" spellcheck="false"
                    value={initial.server.clone()} placeholder="ws://localhost:8080/ws" />
            </label>
            <label>{ "Name" }
                <input ref={fields[1].clone()} type="text" value={initial.name.clone()} maxlength="32" />
            </label>
            <label>{ "Protocol" }
                <select ref={dialect} {onchange}>
                    { for Dialect::ALL.iter().map(|d| html! {
                        <option value={d.as_str()} selected={*d == initial.dialect}>{ d.as_str() }</option>
                    }) }
                </select>
            </label>
            <label hidden={!*socketio}>{ "Event" }
                <input ref={fields[2].clone()} type="text" value={initial.event.clone()} />
            </label>
            <label>{ "Subprotocols" }
                <input ref={fields[3].clone()} type="text" spellcheck="false" placeholder="none"
                    value={initial.subprotocols.join(", ")} />
            </label>
            <button type="submit">{ if live { "Reconnect" } else { "Connect" } }</button>
            if live {
                <button type="button" onclick={ondisconnect}>{ "Disconnect" }</button>
            }
            if !errors.is_empty() {
                <ul class="errors" role="alert">
                    { for errors.iter().map(|e| html! { <li>{ e }</li> }) }
                </ul>
            }
        </form>
    }
}
