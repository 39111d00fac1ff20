//! The last resort: a panic (a bug; with `panic = "abort"` it stops the app)
//! must not leave a dead page that silently ate what the user typed. The
//! panic hook shows a visible "Roomcast stopped" banner with the message and
//! keeps the half-typed message; the outbox is already in storage (it is
//! saved on every change), so a reload sends what was not delivered.

use crate::app::store;
use crate::i18n::t;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;

/// Where the composer's text is kept by the panic hook, for the next page.
pub const DRAFT_KEY: &str = "roomcast.draft";

/// Installs the panic hook. Call once, before anything else runs.
pub fn install() {
    std::panic::set_hook(Box::new(|info| report(&info.to_string())));
}

/// What the hook does: keep the draft, show the banner. Uses only plain DOM
/// calls, and ignores their failures: this runs while the app is broken.
pub fn report(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(areas) = document.query_selector_all(".composer textarea") {
        for i in 0..areas.length() {
            let Some(area) = areas
                .item(i)
                .and_then(|n| n.dyn_into::<HtmlTextAreaElement>().ok())
            else {
                continue;
            };
            let draft = area.value();
            if !draft.is_empty() {
                let _ = store::set_raw(DRAFT_KEY, &draft);
            }
            area.set_disabled(true);
        }
    }
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_class_name("crash");
    let _ = banner.set_attribute("role", "alert");
    let parts = [
        ("strong", t("Roomcast stopped: reload the page.")),
        (
            "span",
            t("Unsent messages and what you were typing are kept."),
        ),
        ("code", message),
    ];
    for (tag, text) in parts {
        if let Ok(el) = document.create_element(tag) {
            el.set_text_content(Some(text));
            let _ = banner.append_with_str_1(" ");
            let _ = banner.append_child(&el);
        }
    }
    // A link, not a button: no Rust closure can run any more.
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", "");
        link.set_text_content(Some(t("Reload")));
        let _ = banner.append_child(&link);
    }
    if let Some(body) = document.body() {
        let _ = body.prepend_with_node_1(&banner);
    }
}

/// The draft the hook kept, once (it is removed as it is read).
pub fn take_draft() -> Option<String> {
    let draft = store::get_raw(DRAFT_KEY);
    store::remove(DRAFT_KEY);
    draft
}
