//! The Yew single-page app of Bestiary: the gallery, creature pages with their history, the
//! forms, tags and the admin pages, all talking only to the API (`BACKEND_URL`, read at start
//! from the web server's `/config.json`).
//!
//! Data flows one way: [`api`] sends commands (each with an `Idempotency-Key` reused on retry)
//! and reads (with the position of the caller's last command, so a user always sees what they
//! just did); [`live`] listens to `GET /updates` and tells pages when the read model moved;
//! [`pages`] render what they read. Creature history is folded in the browser with the same
//! `domain` code that folds it on the server.

pub mod api;
mod app;
mod components;
mod format;
mod live;
mod pages;
mod route;
mod session;

use wasm_bindgen::prelude::wasm_bindgen;

/// Mounts the app on the page's `<body>`; called by the generated JavaScript on load.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
