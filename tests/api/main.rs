//! The API, started on port 0 against a fresh database per test, driven over real HTTP; and
//! the web server that serves the SPA (`web_server`).

mod helpers;
#[path = "../support/mod.rs"]
mod support;

mod admin;
mod authorization;
mod avatars;
mod cli;
mod connections;
mod creatures;
mod errors;
mod forgetting;
mod freshness;
mod history;
mod hostile_input;
mod idempotency;
mod in_flight;
mod login_limits;
mod lookalikes;
mod metrics;
mod openapi;
mod reads;
mod rebuild;
mod recovery;
mod redis_outage;
mod refresh;
mod schemathesis;
mod sessions;
mod tokens;
mod users;
mod web_server;
