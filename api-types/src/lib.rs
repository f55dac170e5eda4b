//! The bodies the HTTP API answers with, defined once for the server that serialises them
//! and the SPA that reads them, so the two cannot drift apart. Pure data (serde, chrono and
//! the domain's ids and values), no I/O, so it builds for wasm32 like `domain`.

pub mod admin;
pub mod auth;
pub mod creatures;
pub mod tags;
pub mod updates;
