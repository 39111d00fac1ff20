//! The connection state in words, and who is here.

use super::controller::use_room;
use crate::room::Conn;
use yew::prelude::*;

#[function_component(StatusBar)]
pub fn status_bar() -> Html {
    let room = use_room();
    let state = room.room();
    let class = match state.conn() {
        Conn::Open(_) => "status open",
        Conn::Connecting | Conn::Probing => "status connecting",
        Conn::Idle | Conn::Closed(_) => "status closed",
    };
    let reconnect = matches!(state.conn(), Conn::Closed(_)).then(|| {
        let server = state.server().to_string();
        let (name, dialect) = (state.name().to_string(), state.dialect());
        let ctl = room.clone();
        let onclick = Callback::from(move |_| {
            ctl.connect(crate::config::Config {
                server: server.clone(),
                name: name.clone(),
                dialect,
            })
        });
        html! { <button type="button" class="reconnect" {onclick}>{ "Reconnect" }</button> }
    });
    let users = state.users();
    html! {
        <div class="statusbar">
            // The testing contract: this element's text says `Connected` only when open.
            <span role="status" class={class}>{ state.status_text() }</span>
            { for reconnect }
            if !users.is_empty() {
                <span class="presence" title="Who is here">
                    { format!("{} here: {}", users.len(), users.join(", ")) }
                </span>
            }
        </div>
    }
}
