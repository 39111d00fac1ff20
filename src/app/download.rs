//! Files the user downloads: the log (JSON or plain text), the profiles.

use crate::room::{export, Room};
use wasm_bindgen::JsCast;

/// Starts a download of `room`'s log; the object URL must live until the
/// browser has read it (the caller keeps it until the next export).
pub fn export(room: &Room, as_json: bool) -> Option<gloo::file::ObjectUrl> {
    let me = room.me().unwrap_or(room.name());
    // The file says what it covers when older lines already left memory.
    let dropped = room.dropped();
    let (body, mime, ext) = if as_json {
        (
            export::json(room.lines(), me, dropped),
            "application/json",
            "json",
        )
    } else {
        (export::text(room.lines(), me, dropped), "text/plain", "txt")
    };
    save(&body, mime, &format!("roomcast-log.{ext}"))
}

/// Starts a download of `body` as the file `name`; the same lifetime rule.
pub fn save(body: &str, mime: &str, name: &str) -> Option<gloo::file::ObjectUrl> {
    let url = gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(body, Some(mime)));
    let link = gloo::utils::document()
        .create_element("a")
        .ok()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()?;
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", name);
    link.click();
    Some(url)
}
