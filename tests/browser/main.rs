//! The SPA in real headless Chromium (driven through ChromeDriver), against the whole system
//! in this process: API, worker, avatar service and web server, on a fresh database and Redis
//! prefix. The SPA must be built first (`web/build`); a stale build fails loudly.
//!
//! On failure each test saves a screenshot under `$CARGO_TARGET_TMPDIR/browser-failures/`.
//! With `BESTIARY_SCREENSHOTS=<dir>` the journeys also save the README's screenshots there.

mod accessibility;
mod admin;
mod archive;
mod forgetting;
mod forms;
mod gallery;
mod harness;
mod history;
mod journeys;
#[path = "../support/mod.rs"]
mod support;
mod tags;
