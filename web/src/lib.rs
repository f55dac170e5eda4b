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
mod validation;

use wasm_bindgen::prelude::wasm_bindgen;

/// Mounts the app on the page's `<body>`, in place of the static shell `index.html` shows while
/// the app loads; called by the generated JavaScript on load.
#[wasm_bindgen(start)]
pub fn start() {
    if let Some(shell) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("shell"))
    {
        shell.remove();
    }
    yew::Renderer::<app::App>::new().render();
}
