//! Rebuilding a projection while it serves (blue-green).
//!
//! The log is folded into a shadow schema (an empty copy of the live one) while the live
//! tables keep serving reads and the live projection keeps advancing:
//! 1. [`bulk`] streams every event up to a bound in stream order, folds it a stream at a time
//!    and loads the shadow's bare tables with `COPY`;
//! 2. the shadow's keys and indexes are built once, after the load;
//! 3. the shadow catches up from the bound in ordinary batches;
//! 4. one transaction locks the live checkpoint (pausing the live runner), applies the last
//!    events to the shadow, swaps the schemas and moves the checkpoint: no read ever sees a
//!    half-built table. The retired schema is dropped after that ([`swap`]).
//!
//! A rebuild enqueues no job and sends no notice but its progress; it can be cancelled,
//! leaving the live tables untouched; a second rebuild of the same projection is refused while
//! one runs: [`claim`] takes a lease, so a rebuild whose process died can be started again, and
//! [`abandoned`] records such a rebuild as failed. [`requests`] lets a worker perform a rebuild
//! asked for through the API; [`progress`] is what admins read of it.

pub mod abandoned;
pub mod bulk;
pub mod claim;
pub mod progress;
pub mod requests;
pub mod swap;

pub use abandoned::ABANDONED;
pub use claim::{Rebuild, claim};
pub use progress::{RebuildProgress, RebuildState, cancel, status};

use crate::error::ApplyError;
use crate::projection::Projection;

/// Why a rebuild did not happen or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// A rebuild of this projection is running.
    #[error("a rebuild of {0} is already running")]
    AlreadyRunning(&'static str),
    /// An event could not be applied (the shadow is dropped, the live tables untouched).
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The bulk load's writer stopped unexpectedly.
    #[error("the bulk load stopped: {0}")]
    Interrupted(String),
}

impl From<sqlx::Error> for RebuildError {
    fn from(error: sqlx::Error) -> Self {
        RebuildError::Apply(ApplyError::Database(error))
    }
}

/// How a rebuild ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// The rebuilt tables are live.
    Swapped,
    /// It was cancelled; the live tables are as they were.
    Cancelled,
}

/// The schema a rebuild fills.
fn shadow(projection: &dyn Projection) -> String {
    format!("{}_rebuild", projection.schema())
}

/// The schema the live tables move to at the swap, dropped after it.
fn retired(projection: &dyn Projection) -> String {
    format!("{}_retired", projection.schema())
}
