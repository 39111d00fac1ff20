//! Server address, name and protocol; validated before connecting.

use super::controller::use_room;
use crate::config::{self, Config};
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
    let (server, name, dialect) = (use_node_ref(), use_node_ref(), use_node_ref());
    let errors = use_state(|| props.errors.clone());
    let onsubmit = {
        let (room, errors) = (room.clone(), errors.clone());
        let (server, name, dialect) = (server.clone(), name.clone(), dialect.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let chosen = dialect
                .cast::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            let parsed = (
                config::parse_server(&value(&server)),
                config::parse_name(&value(&name)),
                Dialect::parse(&chosen),
            );
            match parsed {
                (Ok(server), Ok(name), Ok(dialect)) => {
                    errors.set(Vec::new());
                    room.connect(Config {
                        server,
                        name,
                        dialect,
                    });
                }
                (s, n, d) => {
                    errors.set([s.err(), n.err(), d.err()].into_iter().flatten().collect())
                }
            }
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
                <input ref={server} type="text" inputmode="url" spellcheck="false"
                    value={initial.server.clone()} placeholder="ws://localhost:8080/ws" />
            </label>
            <label>{ "Name" }
                <input ref={name} type="text" value={initial.name.clone()} maxlength="32" />
            </label>
            <label>{ "Protocol" }
                <select ref={dialect}>
                    { for Dialect::ALL.iter().map(|d| html! {
                        <option value={d.as_str()} selected={*d == initial.dialect}>{ d.as_str() }</option>
                    }) }
                </select>
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
