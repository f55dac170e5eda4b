//! The composition root of Bestiary: the `bestiary` binary's configuration, command line and
//! HTTP API, wiring the pure [`domain`] to the write side ([`commands`]), the read side
//! ([`projections`]) and the [`worker`].
//!
//! A command flows through [`http`] (router, extractors, problem+json errors) to the command
//! handler, which loads a stream, lets the domain decide and appends the events; after the
//! commit the worker is told over Redis (`redis_link::notify`). Reads come from the read
//! tables, waiting for a `min_position` when asked. [`auth`] signs and verifies access tokens
//! and hashes passwords; [`accounts`] registers users and checks credentials; [`api`] builds
//! the service; [`web`] serves the built SPA; [`system`] runs every service in one process; [`serve`] serves either with bounds on slow and
//! idle clients; [`standbys`] routes queries to hot standbys of the primary; [`run`] maps each subcommand to what it does.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod http;
pub mod progress;
pub mod prometheus;
pub mod refresh;
pub mod run;
pub mod serve;
pub mod shutdown;
pub mod standbys;
pub mod system;
pub mod telemetry;
pub mod web;
