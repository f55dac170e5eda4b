//! What the API tests and the browser tests share, included by each (`#[path]`): the
//! configuration test systems run with, services that stop with their test, a typed client
//! of the API, and waiting for an API to listen for notices. Each test binary uses a part of it.
#![allow(dead_code)]

pub mod client;
pub mod config;
pub mod listening;
pub mod service;
