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
//! A projection reads only the events it folds ([`Reads`]): one ordered index range per
//! stream type, and per event type of a filtered stream type, merged, so a projection that
//! folds a small part of the log never scans the rest. Its checkpoint must still pass the
//! others, or a read waiting for a position it never folds would wait for ever: a read that
//! finds fewer events than it asked for has everything committed so far, and its checkpoint
//! moves to the head of the log (the last event below the bound).

use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::projection::{AnyEvent, Reads};
use chrono::{DateTime, Utc};
use commands::vault::{self, Vault};
use sqlx::FromRow;
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

/// An event read but not decoded yet, from a row selected with [`LOGGED_COLUMNS`].
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Logged {
    /// Where it stands in the commit-safe order.
    #[sqlx(flatten)]
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
    /// Its data, as JSON text (decoded straight into the event, not through a tree).
    #[sqlx(json)]
    pub payload: Box<serde_json::value::RawValue>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The data key of its subject, as stored, when its payload holds sealed personal data and
    /// the subject is not forgotten.
    pub data_key: Option<Vec<u8>>,
    /// Whether that key is wrapped with the key-encryption key.
    pub data_key_wrapped: Option<bool>,
}

/// The columns a [`Logged`] is read from, for a query over [`LOGGED_FROM`].
pub const LOGGED_COLUMNS: &str = "e.transaction_id::text AS xid, e.position, e.stream_id, \
     e.stream_type, e.version, e.event_type, e.schema_version, e.payload, e.recorded_at, \
     k.key AS data_key, k.wrapped AS data_key_wrapped";

/// The events `e`, each with its subject's data key `k` where its payload is sealed.
pub const LOGGED_FROM: &str =
    "events e LEFT JOIN data_keys k ON k.subject_id = e.stream_id AND e.payload ? 'sealed'";

impl Logged {
    /// Decodes it (opening sealed personal data, upcasting older schema versions); a poison
    /// event is an error. The personal data of a forgotten subject reads as forgotten.
    pub fn decode(self) -> Result<Decoded, ApplyError> {
        let opened = self.open()?;
        let event = AnyEvent::decode(
            &self.stream_type,
            &self.event_type,
            u16::try_from(self.schema_version).unwrap_or(0),
            opened.as_deref().unwrap_or(self.payload.get()),
        )?;
        Ok(Decoded {
            checkpoint: self.checkpoint,
            stream_id: self.stream_id,
            version: self.version,
            recorded_at: self.recorded_at,
            event,
        })
    }

    /// Its payload with sealed personal data opened, if it holds any.
    fn open(&self) -> Result<Option<String>, ApplyError> {
        if !self.payload.get().contains(vault::SEALED) {
            return Ok(None);
        }
        let mut payload: serde_json::Value = serde_json::from_str(self.payload.get())
            .map_err(|error| ApplyError::Unreadable(error.to_string()))?;
        let key = match (&self.data_key, self.data_key_wrapped) {
            (Some(stored), Some(wrapped)) => Some(
                Vault::default()
                    .stored_key(self.stream_id, stored, wrapped)
                    .map_err(|error| ApplyError::Unreadable(error.to_string()))?,
            ),
            _ => None,
        };
        vault::unseal(&mut payload, key.as_ref())
            .map_err(|error| ApplyError::Unreadable(error.to_string()))?;
        Ok(Some(payload.to_string()))
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
    /// The events the projection folds, in commit-safe order.
    pub events: Vec<Logged>,
    /// Where the read reached: its last event, or the head of the log when it found fewer
    /// than it asked for.
    pub last: Option<Checkpoint>,
    /// Whether the read reached everything readable now (it found fewer than its limit).
    pub complete: bool,
    /// Where the whole log stands as the read saw it.
    pub horizon: Horizon,
}

/// The log as one read saw it, beyond what the read may return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Horizon {
    /// The highest position committed.
    pub head: i64,
    /// Whether some committed events wait behind a transaction still in flight (they are
    /// readable once it ends).
    pub held_back: bool,
}

impl Read {
    /// Where the reader stands once `events` are applied.
    pub fn reached(&self, start: Checkpoint) -> Checkpoint {
        self.last.unwrap_or(start).max(start)
    }
}

/// The SQL reading up to `$3` events after (`$1`, `$2`) in the ranges `keys`, their
/// parameters from `$4` on bound by [`bind_keys`], then one row with the last readable event
/// (if any) and the [`Horizon`]. Events wait behind a transaction in flight when the newest
/// committed transaction id is at or above the bound; it is found at the end of the commit-order
/// index (an `EXISTS` over the ids above the bound may be planned as a scan of the whole log).
fn read_sql(keys: &[Key]) -> String {
    let after = "(e.transaction_id, e.position) > ($1::text::xid8, $2) \
         AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())";
    let columns = "e.transaction_id, e.position, e.stream_id, e.stream_type, e.version, \
         e.event_type, e.schema_version, e.recorded_at, e.payload";
    let mut branches = Vec::new();
    let mut parameter = 3;
    for key in keys {
        let condition = match key {
            Key::Stream(_) => {
                parameter += 1;
                format!("e.stream_type = ${parameter}")
            }
            Key::Event(..) => {
                parameter += 2;
                format!(
                    "e.event_type = ${} AND e.stream_type = ${parameter}",
                    parameter - 1
                )
            }
        };
        branches.push(format!(
            "(SELECT {columns} FROM events e WHERE {condition} AND {after} \
             ORDER BY e.transaction_id, e.position LIMIT $3)"
        ));
    }
    format!(
        "(SELECT w.transaction_id::text AS xid, w.position, w.stream_id, w.stream_type, \
             w.version, w.event_type, w.schema_version, w.recorded_at, w.payload, \
             k.key AS data_key, k.wrapped AS data_key_wrapped, false AS head, \
             NULL::int8 AS log_head, NULL::bool AS held_back \
         FROM ({}) w LEFT JOIN data_keys k ON k.subject_id = w.stream_id AND w.payload ? 'sealed' \
         ORDER BY w.transaction_id, w.position LIMIT $3) \
         UNION ALL \
         (SELECT h.transaction_id::text, h.position, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
             NULL, NULL, true, \
             (SELECT COALESCE(max(position), 0) FROM events), \
             COALESCE((SELECT transaction_id FROM events ORDER BY transaction_id DESC LIMIT 1) \
                 >= pg_snapshot_xmin(pg_current_snapshot()), false) \
         FROM (SELECT) one LEFT JOIN LATERAL (SELECT e.transaction_id, e.position FROM events e \
             WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
             ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1) h ON true)",
        branches.join(" UNION ALL ")
    )
}

/// One ordered index range of the log.
#[derive(Clone, Copy)]
enum Key {
    /// Every event of a stream type.
    Stream(&'static str),
    /// The events of one type of a stream type.
    Event(&'static str, &'static str),
}

fn keys(reads: &Reads) -> Vec<Key> {
    let mut keys = Vec::new();
    for &stream_type in reads.stream_types {
        match reads.event_types {
            Some(event_types) if reads.filtered_stream_types.contains(&stream_type) => keys.extend(
                event_types
                    .iter()
                    .map(|&event_type| Key::Event(event_type, stream_type)),
            ),
            _ => keys.push(Key::Stream(stream_type)),
        }
    }
    keys
}

fn bind_keys<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    keys: &[Key],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    for &key in keys {
        query = match key {
            Key::Stream(stream_type) => query.bind(stream_type),
            Key::Event(event_type, stream_type) => query.bind(event_type).bind(stream_type),
        };
    }
    query
}

/// Up to `limit` events after `after` that `reads` selects, in commit-safe order, and the
/// log's horizon; one statement.
pub async fn read_after(
    conn: &mut PgConnection,
    after: Checkpoint,
    limit: i64,
    reads: &Reads,
) -> Result<Read, sqlx::Error> {
    let keys = keys(reads);
    let query = sqlx::query(sqlx::AssertSqlSafe(read_sql(&keys)))
        .bind(after.transaction_id_text())
        .bind(after.position)
        .bind(limit);
    let rows = bind_keys(query, &keys).fetch_all(conn).await?;
    let mut read = Read::default();
    let mut head = None;
    for row in &rows {
        if row.try_get("head")? {
            read.horizon = Horizon {
                head: row.try_get("log_head")?,
                held_back: row.try_get("held_back")?,
            };
            if row.try_get::<Option<String>, _>("xid")?.is_some() {
                head = Some(Checkpoint::from_row(row)?);
            }
        } else {
            read.events.push(Logged::from_row(row)?);
        }
    }
    // The branches come back merged, but nothing in SQL promises it once they are unioned
    // with the head; a sort of sorted rows is one pass.
    read.events.sort_by_key(|event| event.checkpoint);
    read.complete = (read.events.len() as i64) < limit;
    read.last = read.events.last().map(|event| event.checkpoint);
    if read.complete {
        read.last = read.last.max(head);
    }
    Ok(read)
}
