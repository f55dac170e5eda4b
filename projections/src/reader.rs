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
//! the others, or a read waiting for a position it never folds would wait for ever. So a read
//! scans a window of the log (up to its limit of events of any kind), returns the payloads of
//! those the projection folds, and its checkpoint moves to the window's end: a projection that
//! folds few events still advances a window at a time, at the cost of a scan.

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
        let mut event = Self::from_row_without_payload(row)?;
        event.payload = row.try_get("payload")?;
        Ok(event)
    }

    /// Reads a row selected with [`LOGGED_COLUMNS`] but its payload (left `null`).
    fn from_row_without_payload(row: &PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            checkpoint: Checkpoint::from_row(row, "xid", "position")?,
            stream_id: row.try_get("stream_id")?,
            stream_type: row.try_get("stream_type")?,
            version: row.try_get("version")?,
            event_type: row.try_get("event_type")?,
            schema_version: row.try_get("schema_version")?,
            payload: serde_json::Value::Null,
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

    /// Decodes it; a poison event gives back what parking its stream needs, with the error.
    pub fn decode_or_poison(self) -> Result<Decoded, (Poison, ApplyError)> {
        let poison = Poison {
            stream_id: self.stream_id,
            position: self.checkpoint.position,
            event_type: self.event_type.clone(),
        };
        self.decode().map_err(|error| (poison, error))
    }
}

/// The event a stream is parked at.
#[derive(Clone, Debug, PartialEq)]
pub struct Poison {
    /// Its stream.
    pub stream_id: Uuid,
    /// Its position.
    pub position: i64,
    /// Its stored type.
    pub event_type: String,
}

/// What one read returned.
#[derive(Debug, Default)]
pub struct Read {
    /// The events of the window the projection folds, in commit-safe order.
    pub events: Vec<Logged>,
    /// The last event of the window, of any kind.
    pub last: Option<Checkpoint>,
    /// Whether the window reached everything readable now (it was shorter than the limit).
    pub complete: bool,
}

impl Read {
    /// Where the reader stands once `events` are applied: the end of the window.
    pub fn reached(&self, start: Checkpoint) -> Checkpoint {
        self.last.unwrap_or(start).max(start)
    }
}

/// The window of up to `limit` events after `after`, in commit-safe order, with the payloads
/// of those `reads` selects.
pub async fn read_after(
    conn: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
    reads: &Reads,
) -> Result<Read, sqlx::Error> {
    // The window is scanned once; only the events the projection reads, and the window's
    // last event, come back.
    let sql = format!(
        "WITH w AS MATERIALIZED ( \
             SELECT e.transaction_id, e.position, e.stream_id, e.stream_type, e.version, \
                 e.event_type, e.schema_version, e.recorded_at, e.payload, {} AS wanted \
             FROM events e \
             WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2) \
               AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
             ORDER BY e.transaction_id, e.position \
             LIMIT $3), \
         last AS (SELECT transaction_id, position FROM w \
             ORDER BY transaction_id DESC, position DESC LIMIT 1) \
         SELECT w.transaction_id::text AS xid, w.position, w.stream_id, w.stream_type, \
             w.version, w.event_type, w.schema_version, w.recorded_at, \
             CASE WHEN w.wanted THEN w.payload END AS payload, \
             (SELECT count(*) FROM w) AS scanned \
         FROM w WHERE w.wanted OR (w.transaction_id, w.position) = (SELECT * FROM last) \
         ORDER BY w.transaction_id, w.position",
        Reads::condition(4)
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(after.transaction_id_text())
        .bind(after.position)
        .bind(limit);
    let rows = reads.bind(query).fetch_all(conn).await?;
    let scanned: i64 = match rows.first() {
        Some(row) => row.try_get("scanned")?,
        None => 0,
    };
    let mut read = Read {
        complete: scanned < limit,
        ..Read::default()
    };
    for row in &rows {
        let payload: Option<serde_json::Value> = row.try_get("payload")?;
        match payload {
            Some(payload) => {
                let mut event = Logged::from_row_without_payload(row)?;
                event.payload = payload;
                read.last = Some(event.checkpoint);
                read.events.push(event);
            }
            None => read.last = Some(Checkpoint::from_row(row, "xid", "position")?),
        }
    }
    Ok(read)
}
