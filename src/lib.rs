//! Roomcast: a browser chat client for any WebSocket broadcast server.
//!
//! The data flows one way: `socket` (the browser WebSocket) → `protocol`
//! (frames ⇄ chat events) → `room` (the pure state machine) → `app` (the
//! driver that carries out the room's effects) → `ui` (Yew).
//! `protocol`, `room` and `config` are pure and build without the `web` feature.

pub mod config;
pub mod i18n;
pub mod inspect;
pub mod protocol;
pub mod room;
pub mod text;

#[cfg(feature = "web")]
pub mod app;
#[cfg(feature = "web")]
pub mod clock;
#[cfg(feature = "web")]
pub mod socket;
#[cfg(feature = "web")]
pub mod ui;

/// Mounts the app on `<body>`.
#[cfg(feature = "web")]
pub fn start() {
    ui::crash::install();
    let lang = ui::lang::choose();
    ui::lang::load(lang, || {
        yew::Renderer::<ui::App>::new().render();
    });
}
