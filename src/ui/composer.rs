//! The message box: Enter sends, Shift+Enter is a new line. Usable while
//! offline: messages queue and go out when the connection opens.

use super::controller::use_room;
use crate::room::Conn;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[function_component(Composer)]
pub fn composer() -> Html {
    let room = use_room();
    let input = use_node_ref();
    let send = {
        let (room, input) = (room.clone(), input.clone());
        move || {
            let Some(area) = input.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let text = area.value();
            if text.trim().is_empty() {
                return;
            }
            area.set_value("");
            room.send(text);
        }
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send();
            }
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });
    let offline = !matches!(room.room().conn(), Conn::Open(_));
    html! {
        <form class={classes!("composer", offline.then_some("offline"))} {onsubmit}>
            <textarea ref={input} rows="1" aria-label="Message" {onkeydown}
                placeholder={if offline { "Not connected: messages wait and go out when the connection opens" } else { "Message" }} />
            <button type="submit">{ "Send" }</button>
        </form>
    }
}
