//! The last resort: a panic (a bug) stops the app, and must not leave a
//! dead page that silently ate what the user typed. The release build stops
//! at once on a panic (a trap, no hook runs), so the banner that says so and
//! keeps the half-typed message is `boot.js`'s (`crash`); the outbox is
//! already in storage (it is saved on every change), so a reload sends what
//! was not delivered. Here: the banner's words in the page's language, and
//! the kept draft for the next page.

use crate::app::store;
use crate::i18n::t;

/// Where `boot.js` keeps the composer's text when the app stops.
pub const DRAFT_KEY: &str = "roomcast.draft";

/// Debug builds: the panic's message in the console (the banner shows only
/// the trap).
pub fn install() {
    #[cfg(debug_assertions)]
    std::panic::set_hook(Box::new(|info| gloo::console::error!(info.to_string())));
}

/// The banner's three texts (title, what is kept, the reload link), one a
/// line, in the page's language: `data-crash` on `<html>`, where `boot.js`
/// reads them (English when it is absent).
pub fn words() -> String {
    [
        t("Roomcast stopped: reload the page."),
        t("Unsent messages and what you were typing are kept."),
        t("Reload"),
    ]
    .join("\n")
}

/// The draft `boot.js` kept, once (it is removed as it is read).
pub fn take_draft() -> Option<String> {
    let draft = store::get_raw(DRAFT_KEY);
    store::remove(DRAFT_KEY);
    draft
}
