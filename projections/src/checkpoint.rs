//! Where a projection (or a reactor, or a rebuild) stands in the commit-safe order of the log,
//! and the one way such a place is read back from PostgreSQL.

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

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

    /// A checkpoint from the transaction id as text (`transaction_id::text`) and a position.
    pub fn parse(transaction_id: &str, position: i64) -> Result<Self, sqlx::Error> {
        Ok(Self {
            transaction_id: parse_xid("xid", transaction_id)?,
            position,
        })
    }
}

/// Read from a row that selected the transaction id as text (`transaction_id::text AS xid`)
/// and the position as `position`; row types take it with `#[sqlx(flatten)]`. A transaction
/// id that is not a number is an error, never a silent restart from the beginning.
impl FromRow<'_, PgRow> for Checkpoint {
    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        Checkpoint::parse(row.try_get("xid")?, row.try_get("position")?)
    }
}

/// An `xid8` as text, as a number.
fn parse_xid(column: &str, text: &str) -> Result<u64, sqlx::Error> {
    text.parse().map_err(|error| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: format!("transaction id {text:?} is not an xid8: {error}").into(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_xid;

    #[test]
    fn a_transaction_id_that_is_not_a_number_is_an_error() {
        assert_eq!(parse_xid("xid", "42").unwrap(), 42);
        assert!(parse_xid("xid", "").is_err());
        assert!(parse_xid("xid", "4x").is_err());
    }
}
