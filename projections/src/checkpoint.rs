//! Where a projection stands in the commit-safe order of the log.

use serde::{Deserialize, Serialize};

/// The last event a projection applied, as (transaction id, position): the order events are
/// read in (see [`crate::reader`]). The default is before every event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The writing transaction's id (`xid8`).
    pub transaction_id: u64,
    /// The event's global position.
    pub position: i64,
}

impl Checkpoint {
    /// The transaction id as the text PostgreSQL casts to `xid8`.
    pub fn transaction_id_text(&self) -> String {
        self.transaction_id.to_string()
    }
}
