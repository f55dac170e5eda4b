//! The write side of Bestiary: the PostgreSQL event store and command handling.
//!
//! [`store::EventStore`] loads streams and appends events with an expected version, in one
//! transaction together with the set-based uniqueness claims the events make and any
//! [`store::SideWrite`] (a password hash) that must commit with them. [`handler::CommandHandler`]
//! runs a command through load → decide → append, retrying a version conflict when the caller
//! did not pin a version, and recording a keyed command's outcome ([`idempotency`]) in the
//! transaction of its events. The schema is in the workspace's `migrations/`, embedded as
//! [`MIGRATOR`].

pub mod error;
pub mod handler;
pub mod idempotency;
pub mod metadata;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use error::{CommandError, StoreError};
pub use handler::{Command, CommandHandler, CommandOutcome};
pub use metadata::{ActorRef, EventMetadata};
pub use store::{EVENT_COLUMNS, EventStore, RecordedEvent, SideWrite};

/// The workspace's migrations (event store, and the read side's tables), embedded.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
