//! The log as a file the user downloads (JSON or plain text).

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
    let url = gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(
        body.as_str(),
        Some(mime),
    ));
    let link = gloo::utils::document()
        .create_element("a")
        .ok()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()?;
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("download", &format!("roomcast-log.{ext}"));
    link.click();
    Some(url)
}
