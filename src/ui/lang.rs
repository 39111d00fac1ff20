//! The page's language at startup: `?lang=en|ru|zh` (kept for later visits),
//! else the kept choice, else `navigator.languages`; `<html lang>` follows.
//! A language other than English fetches its catalogue (gloo-net) before the
//! first render, so the page never shows one language and then another.

use crate::app::store;
use crate::i18n::{self, Lang};

const LANG_KEY: &str = "roomcast.lang";

/// The language this page speaks, its choice kept when the URL made it.
pub fn choose() -> Lang {
    let window = gloo::utils::window();
    let search = window.location().search().unwrap_or_default();
    let asked = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|p| p.get("lang"));
    let browser: Vec<String> = window
        .navigator()
        .languages()
        .iter()
        .filter_map(|l| l.as_string())
        .collect();
    let lang = Lang::pick(
        asked.as_deref(),
        store::get_raw(LANG_KEY).as_deref(),
        browser.iter().map(String::as_str),
    );
    if asked.as_deref().and_then(Lang::parse).is_some() {
        let _ = store::set_raw(LANG_KEY, lang.code());
    }
    if let Some(root) = gloo::utils::document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
    lang
}

/// Loads `lang`'s catalogue (none for English), then calls `then`.
pub fn load(lang: Lang, then: impl FnOnce() + 'static) {
    if lang == Lang::En {
        return then();
    }
    wasm_bindgen_futures::spawn_local(async move {
        let json = super::fetch_text(&format!("i18n/{}.json", lang.code())).await;
        // Without it the page is in English (the words' own key).
        i18n::set(lang, json.as_deref());
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("data-crash", &super::crash::words());
        }
        then();
    });
}
