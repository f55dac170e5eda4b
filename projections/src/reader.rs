//! Reading the log in commit-safe order.
//!
//! Positions are taken when a row is inserted, but transactions commit in any order: a
//! transaction holding position 5 may commit after one holding position 6. A reader that
//! follows positions would pass 6 and never see 5. So events are read by
//! (transaction id, position), and only those written by transactions older than every
//! transaction still in flight (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`).
//! Transaction ids are handed out in increasing order, so every event that commits later
//! belongs to a transaction at or above that bound, that is after everything read so far.
//!
//! Per stream the order is the version order: the event store assigns an append
//! transaction's id at its first write, the events insert, which comes after the previous
//! version of the stream committed (`AppendTx::append` checks that it is the first write).

use crate::checkpoint::Checkpoint;
use commands::{EVENT_COLUMNS, RecordedEvent};
use sqlx::{PgConnection, Row};

/// An event with its place in the commit-safe order.
#[derive(Clone, Debug)]
pub struct OrderedEvent {
    /// Where it stands.
    pub checkpoint: Checkpoint,
    /// The event.
    pub event: RecordedEvent,
}

/// Up to `limit` events after `after`, in commit-safe order.
pub async fn read_after(
    conn: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
) -> Result<Vec<OrderedEvent>, sqlx::Error> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, transaction_id::text AS xid FROM events \
         WHERE (transaction_id, position) > ($1::text::xid8, $2) \
           AND transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY transaction_id, position \
         LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.transaction_id_text())
        .bind(after.position)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let xid: String = row.try_get("xid")?;
            let event = RecordedEvent::from_row(row)?;
            Ok(OrderedEvent {
                checkpoint: Checkpoint {
                    transaction_id: xid.parse().unwrap_or_default(),
                    position: event.position,
                },
                event,
            })
        })
        .collect()
}
