//! Redis as Bestiary uses it: a signal and a cache, never the truth. The API and the worker
//! both talk to Redis through this crate, so neither depends on the other for it.
//!
//! - [`link`]: the [`RedisLink`] a request uses (short timeouts and a circuit, so a hung or
//!   absent Redis costs a request at most one timeout).
//! - [`notify`]: after each commit the new head position is published, by one background task
//!   that coalesces bursts ([`notify::head_publisher`] is the command handler's commit hook).
//! - [`wake`]: the channels, and the subscriber that wakes projectors and followers, falling
//!   back to their polling while Redis is away.
//!
//! The events table and the checkpoints in PostgreSQL are the truth: losing Redis loses a
//! wake-up or a cached answer, never an event or a projection.

pub mod link;
pub mod notify;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wake;

pub use link::{LinkSettings, RedisLink};
