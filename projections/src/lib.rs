//! The read side of Bestiary: projections that fold the event log into read tables, and the
//! queries the API serves from them.
//!
//! A tour, in the order data flows:
//! - [`reader`] reads events in commit-safe order (no event can later appear before what was
//!   read), only those a projection folds, and decodes each once.
//! - [`projection`] says what a projection is (the [`Projection`] trait) and lists them
//!   ([`projection::ALL`]). [`creatures`], [`tags`] and [`users`] each own their tables (a
//!   schema per projection), their fold and their queries.
//! - [`runner`] applies a batch to one projection: the projection folds it per stream in
//!   memory and writes each table with one statement, and the checkpoint ([`checkpoint`])
//!   moves in the same transaction. [`lease`] keeps one runner per projection.
//! - [`parked`] holds the streams whose event a projection cannot apply, so the others flow
//!   on; operators retry or skip them.
//! - [`rebuild`] refolds a projection from the log into a shadow schema with a bulk load and
//!   swaps it in while reads go on; [`rebuild::requests`] lets a worker perform it.
//! - [`status`] tells where each projection stands and whether a read may already see a given
//!   position.
//!
//! Adding a projection means one module implementing [`Projection`] (its fold, its writes,
//! its queries), one migration creating its schema with a `parked_streams` table and its
//! checkpoint row, and one line in [`projection::ALL`].

pub mod checkpoint;
mod copy;
pub mod creatures;
pub mod cursor;
pub mod error;
pub mod lease;
pub mod parked;
pub mod projection;
pub mod reader;
pub mod rebuild;
pub mod runner;
pub mod status;
pub mod tags;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;

pub use checkpoint::Checkpoint;
pub use error::{ApplyError, QueryError};
pub use projection::Projection;
pub use runner::{BatchOutcome, run_batch};

/// The PostgreSQL channel on which a projection announces, on commit, what it just applied.
pub const PROJECTION_CHANNEL: &str = "bestiary_projections";
