//! Reading the log in commit-safe order, and decoding each event once.
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
//! version of the stream committed (`append_to_stream` checks that it is the first write).
//!
//! A projection reads only the events it folds ([`Reads`]), but its checkpoint must still pass
//! the others, or a read waiting for a position it never folds would wait for ever. So the
//! same statement also returns the last readable event of any kind (the *tail*): once a batch
//! comes back short, everything readable up to the tail is applied.

use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::projection::{AnyEvent, Reads};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use uuid::Uuid;

/// An event as a projection folds it: its place, its stream, and what it says.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// Where it stands in the commit-safe order (its position is `checkpoint.position`).
    pub checkpoint: Checkpoint,
    /// Its stream.
    pub stream_id: Uuid,
    /// The stream's version after it.
    pub version: i32,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The event.
    pub event: AnyEvent,
}

impl Decoded {
    /// Its global position.
    pub fn position(&self) -> i64 {
        self.checkpoint.position
    }
}

/// An event read but not decoded yet.
#[derive(Clone, Debug)]
pub struct Logged {
    /// Where it stands in the commit-safe order.
    pub checkpoint: Checkpoint,
    /// Its stream.
    pub stream_id: Uuid,
    /// The stream's type.
    pub stream_type: String,
    /// The stream's version after it.
    pub version: i32,
    /// Its stored type name.
    pub event_type: String,
    /// The schema version it was written with.
    pub schema_version: i16,
    /// Its data.
    pub payload: serde_json::Value,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// The columns [`Logged::from_row`] reads, for a query over `events e`.
pub const LOGGED_COLUMNS: &str = "e.transaction_id::text AS xid, e.position, e.stream_id, \
     e.stream_type, e.version, e.event_type, e.schema_version, e.payload, e.recorded_at";

impl Logged {
    /// Reads a row selected with [`LOGGED_COLUMNS`].
    pub fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            checkpoint: Checkpoint::from_row(row, "xid", "position")?,
            stream_id: row.try_get("stream_id")?,
            stream_type: row.try_get("stream_type")?,
            version: row.try_get("version")?,
            event_type: row.try_get("event_type")?,
            schema_version: row.try_get("schema_version")?,
            payload: row.try_get("payload")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    }

    /// Decodes it (upcasting older schema versions); a poison event is an error.
    pub fn decode(self) -> Result<Decoded, ApplyError> {
        let event = AnyEvent::decode(
            &self.stream_type,
            &self.event_type,
            u16::try_from(self.schema_version).unwrap_or(0),
            self.payload,
        )?;
        Ok(Decoded {
            checkpoint: self.checkpoint,
            stream_id: self.stream_id,
            version: self.version,
            recorded_at: self.recorded_at,
            event,
        })
    }
}

/// What one read returned.
#[derive(Debug, Default)]
pub struct Read {
    /// Up to the limit of the events the projection folds, in commit-safe order.
    pub events: Vec<Logged>,
    /// The last readable event of any kind after the start, if any.
    pub tail: Option<Checkpoint>,
    /// Whether `events` is everything readable the projection folds (fewer than the limit).
    pub complete: bool,
}

impl Read {
    /// Where the reader stands once `events` are applied: the tail when the read was
    /// complete, else the last event read.
    pub fn reached(&self, start: Checkpoint) -> Checkpoint {
        let last = self.events.last().map(|event| event.checkpoint);
        if self.complete {
            self.tail.or(last).unwrap_or(start).max(start)
        } else {
            last.unwrap_or(start)
        }
    }
}

/// Up to `limit` events after `after` that `reads` selects, in commit-safe order, with the
/// tail, all from one snapshot.
pub async fn read_after(
    conn: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
    reads: &Reads,
) -> Result<Read, sqlx::Error> {
    let sql = format!(
        "WITH bound AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin), \
         tail AS MATERIALIZED ( \
             SELECT e.transaction_id, e.position FROM events e, bound \
             WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2) \
               AND e.transaction_id < bound.xmin \
             ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1), \
         batch AS ( \
             SELECT {LOGGED_COLUMNS} FROM events e, bound \
             WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2) \
               AND e.transaction_id < bound.xmin \
               AND e.stream_type = ANY($4) \
               AND ($5::text[] IS NULL OR e.event_type = ANY($5) OR e.stream_type <> ALL($6)) \
             ORDER BY e.transaction_id, e.position LIMIT $3) \
         SELECT batch.*, tail.transaction_id::text AS tail_xid, tail.position AS tail_position \
         FROM tail LEFT JOIN batch ON true ORDER BY batch.xid::xid8, batch.position"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.transaction_id_text())
        .bind(after.position)
        .bind(limit)
        .bind(reads.stream_types)
        .bind(reads.event_types)
        .bind(reads.filtered_stream_types)
        .fetch_all(conn)
        .await?;
    let mut read = Read::default();
    for row in &rows {
        if read.tail.is_none() {
            read.tail = Some(Checkpoint::from_row(row, "tail_xid", "tail_position")?);
        }
        if row.try_get::<Option<i64>, _>("position")?.is_some() {
            read.events.push(Logged::from_row(row)?);
        }
    }
    read.complete = (read.events.len() as i64) < limit;
    Ok(read)
}
