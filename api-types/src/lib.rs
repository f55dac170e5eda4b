//! The HTTP API's request and response bodies, defined once for the server and the SPA, so
//! the two cannot drift apart. Pure data (serde, chrono, uuid and the domain's ids and values),
//! no I/O, so it builds for wasm32 like `domain`.

pub mod admin;
pub mod auth;
pub mod creatures;
pub mod tags;
mod traits;
pub mod updates;
