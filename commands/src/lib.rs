//! The write side of Bestiary: the PostgreSQL event store and command handling.
//!
//! [`store::EventStore`] loads streams and appends events with an expected version. An append
//! is one call of the database function `append_to_stream`: one round trip and one
//! transaction, holding the events, the set-based uniqueness claims they make, the session
//! epochs they move, any [`store::SideWrite`] (a password hash) and a keyed command's answer.
//! [`handler::CommandHandler`] runs a command through load → decide → append, retrying a
//! version conflict when the caller did not pin a version; a keyed command's answer
//! ([`idempotency`]) is stored by its append, which also hands back the answer of a key used
//! before. [`vault`] seals the personal fields of events with their subject's data key, and
//! forgets a subject by destroying it (crypto-shredding). The schema is in the workspace's
//! `migrations/`, embedded as [`MIGRATOR`].

pub mod error;
pub mod handler;
pub mod idempotency;
pub mod metadata;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod vault;

pub use error::{CommandError, StoreError};
pub use handler::{Answer, Command, CommandHandler, CommandOutcome, Executed};
pub use metadata::{ActorRef, EventMetadata};
pub use store::{EVENT_COLUMNS, EventStore, RecordedEvent, SideWrite};

/// The workspace's migrations (event store, and the read side's tables), embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
