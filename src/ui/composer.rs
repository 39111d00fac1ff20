//! The message box: Enter sends, Shift+Enter is a new line; files go as
//! binary frames through Attach, paste or drag and drop. Usable while
//! offline: messages queue and go out when the connection opens.

use super::context::{use_status, RoomHandle};
use crate::i18n::t;
use crate::room::Conn;
use crate::ui::th;
use wasm_bindgen::JsCast;
use web_sys::{FileList, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Sends every file of a picker, paste or drop.
fn send_files(room: &RoomHandle, files: Option<FileList>) -> bool {
    let Some(files) = files.filter(|f| f.length() > 0) else {
        return false;
    };
    for i in 0..files.length() {
        if let Some(file) = files.get(i) {
            room.send_file(gloo::file::File::from(file));
        }
    }
    true
}

#[derive(Properties, PartialEq)]
pub struct ComposerProps {
    /// The tab: what is typed is kept under it, for a reload.
    pub tab: u32,
}

#[function_component(Composer)]
pub fn composer(props: &ComposerProps) -> Html {
    let room = use_status();
    let input = use_node_ref();
    let tab = props.tab;
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
            // The frame first; the box and the kept draft after.
            room.send(text);
            area.set_value("");
            super::tabs::keep_draft(tab, "");
        }
    };
    // What the panic hook kept from a page that stopped, else what this
    // tab held before a reload, back in the box.
    use_effect_with((), {
        let input = input.clone();
        move |_| {
            if let (Some(area), Some(draft)) = (
                input.cast::<HtmlTextAreaElement>(),
                super::crash::take_draft().or_else(|| super::tabs::draft(tab)),
            ) {
                area.set_value(&draft);
            }
        }
    });
    let onkeydown = {
        let (send, room) = (send.clone(), room.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send();
            } else if e.key() == "ArrowUp" && !e.is_composing() {
                // Up in an empty box recalls the last message sent, for editing.
                let area: HtmlTextAreaElement = e.target_unchecked_into();
                if area.value().is_empty() {
                    if let Some(last) = room.room().last_own_text() {
                        e.prevent_default();
                        area.set_value(last);
                    }
                }
            }
        })
    };
    let oninput = {
        let room = room.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            super::tabs::keep_draft(tab, &area.value());
            room.typing()
        })
    };
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        send();
    });
    let onpick = {
        let room = room.clone();
        Callback::from(move |e: Event| {
            let picker: HtmlInputElement = e.target_unchecked_into();
            send_files(&room, picker.files());
            picker.set_value("");
        })
    };
    let onpaste = {
        let room = room.clone();
        Callback::from(move |e: Event| {
            let files = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|e| e.clipboard_data())
                .and_then(|d| d.files());
            // Pasted files are sent; pasted text goes into the box as usual.
            if send_files(&room, files) {
                e.prevent_default();
            }
        })
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let room = room.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            send_files(&room, e.data_transfer().and_then(|d| d.files()));
        })
    };
    let offline = !matches!(room.room().conn(), Conn::Open(_));
    html! {
        <form class={if offline { "composer offline" } else { "composer" }} {onsubmit} {ondragover} {ondrop}>
            <label class="attach" title={t("Send a file or image (also by paste or drag and drop)")}>
                { th("Attach") }
                <input type="file" multiple=true onchange={onpick} />
            </label>
            <textarea ref={input} rows="1" aria-label={t("Message")} {onkeydown} {onpaste} {oninput}
                placeholder={if offline { t("Not connected: messages wait and go out when the connection opens") } else { t("Message") }} />
            <button type="submit">{ th("Send") }</button>
        </form>
    }
}
