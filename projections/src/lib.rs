//! The read side of Bestiary: projections that fold the event log into read tables, and the
//! queries the API serves from them.
//!
//! [`reader`] reads events in commit-safe order (no event can later appear before what was
//! read). [`runner`] applies a batch of them to one [`Projection`] and advances its
//! checkpoint in the same transaction; a poison event stops that projection alone, recorded as
//! `failed`. [`creatures`], [`tags`] and [`users`] each own their tables (a schema per
//! projection) and their queries. [`status`] tells where each projection stands and whether a
//! read may already see a given position.

pub mod checkpoint;
pub mod creatures;
pub mod cursor;
pub mod error;
pub mod lease;
pub mod projection;
pub mod reader;
pub mod rebuild;
pub mod recovery;
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
