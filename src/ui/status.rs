//! The connection state in words, the way back when it is lost, and who is here.

use super::context::use_status;
use crate::app::attention::Notifications;
use crate::app::now;
use crate::i18n::{t, tf};
use crate::room::Conn;
use crate::ui::th;
use yew::prelude::*;

/// The status bar: re-rendered when the status changes (and every second
/// while a countdown shows), never for a new line.
#[function_component(StatusBar)]
pub fn status_bar() -> Html {
    let room = &use_status();
    let state = room.room();
    let class = match state.conn() {
        Conn::Open(_) => "status open",
        Conn::Connecting { .. } | Conn::Probing | Conn::Reconnecting { .. } | Conn::Offline => {
            "status connecting"
        }
        Conn::Idle | Conn::Closed(_) => "status closed",
    };
    let action = match state.conn() {
        Conn::Reconnecting { .. } => Some(t("Reconnect now")),
        Conn::Closed(_) => Some(t("Reconnect")),
        _ => None,
    }
    .map(|label| {
        let ctl = room.clone();
        let onclick = Callback::from(move |_| ctl.reconnect_now());
        html! { <button type="button" class="reconnect" {onclick}>{ label }</button> }
    });
    let users = state.users();
    let typists = state.typists(now());
    let details = state.negotiated().and_then(|(protocol, extensions)| {
        let mut parts = Vec::new();
        if !protocol.is_empty() {
            parts.push(tf("subprotocol {0}", &[&protocol]));
        }
        if !extensions.is_empty() {
            parts.push(tf("extensions {0}", &[&extensions]));
        }
        (!parts.is_empty()).then(|| parts.join(" \u{b7} "))
    });
    // Desktop notifications while the tab is hidden, only once asked for.
    let notify = match room.notifications() {
        Notifications::On => {
            let ctl = room.clone();
            html! { <button type="button" class="notify" aria-pressed="true"
            onclick={move |_| ctl.disable_notifications()}>{ th("Notifications on") }</button> }
        }
        Notifications::Available => {
            let ctl = room.clone();
            html! { <button type="button" class="notify" aria-pressed="false"
            onclick={move |_| ctl.enable_notifications()}>{ th("Notify me") }</button> }
        }
        Notifications::Blocked => {
            html! { <span class="details">{ th("Notifications blocked by the browser") }</span> }
        }
        Notifications::Unsupported => html! {},
    };
    html! {
        <div class="statusbar">
            // The testing contract: this element's text says `Connected` only when open.
            <span role="status" class={class}>{ state.status_text(now()) }</span>
            { for action }
            if let Some(details) = details {
                <span class="details">{ details }</span>
            }
            if let (Conn::Open(_), Some(rtt)) = (state.conn(), state.rtt_ms()) {
                <span class="rtt" title={t("Round trip of your last message: sent to echoed")}>{ tf("rtt {0} ms", &[&rtt]) }</span>
            }
            { notify }
            if let Some(warning) = crate::config::insecure_warning(state.server()) {
                <span class="insecure" title={warning.clone()}>{ warning }</span>
            }
            if !typists.is_empty() {
                <span class="typing">{ match typists.as_slice() {
                    [one] => tf("{0} is typing\u{2026}", &[one]),
                    more => tf("{0} are typing\u{2026}", &[&more.join(", ")]),
                } }</span>
            }
            if !users.is_empty() {
                <span class="presence" title={t("Who is here")}>
                    { tf("{0} here: {1}", &[&users.len(), &users.join(", ")]) }
                </span>
            }
        </div>
    }
}
