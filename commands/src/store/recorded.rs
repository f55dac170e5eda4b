//! An event as it was recorded, with its place in the log and its metadata.

use crate::metadata::{ActorRef, EventMetadata};
use chrono::{DateTime, Utc};
use domain::{DecodeError, DomainEvent};
use serde_json::Value;
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// The columns every read of recorded events selects, as a [`RecordedEvent`] is read from.
pub const COLUMNS: &str = "position, event_id, stream_id, stream_type, version, event_type, \
     schema_version, payload, actor_kind, actor_id, correlation_id, causation_id, \
     idempotency_key, recorded_at";

/// One recorded event: its payload still undecoded, so any reader can decode it with its own
/// event type.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent {
    /// Its global position.
    pub position: i64,
    /// Its unique id (what later events name as their cause).
    pub event_id: Uuid,
    /// The stream it belongs to.
    pub stream_id: Uuid,
    /// The stream's type.
    pub stream_type: String,
    /// The stream's version after it.
    pub version: i64,
    /// The stored type name.
    pub event_type: String,
    /// The schema version it was written with.
    pub schema_version: u16,
    /// Its data.
    pub payload: Value,
    /// Who did it and in which request.
    pub metadata: EventMetadata,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A row selected with [`COLUMNS`], as stored.
#[derive(sqlx::FromRow)]
struct RecordedRow {
    position: i64,
    event_id: Uuid,
    stream_id: Uuid,
    stream_type: String,
    version: i32,
    event_type: String,
    #[sqlx(try_from = "i16")]
    schema_version: u16,
    payload: Value,
    actor_kind: String,
    actor_id: Option<Uuid>,
    correlation_id: Uuid,
    causation_id: Option<Uuid>,
    idempotency_key: Option<String>,
    recorded_at: DateTime<Utc>,
}

impl From<RecordedRow> for RecordedEvent {
    fn from(row: RecordedRow) -> Self {
        Self {
            position: row.position,
            event_id: row.event_id,
            stream_id: row.stream_id,
            stream_type: row.stream_type,
            version: i64::from(row.version),
            event_type: row.event_type,
            schema_version: row.schema_version,
            payload: row.payload,
            metadata: EventMetadata {
                actor: ActorRef::from_stored(&row.actor_kind, row.actor_id),
                correlation_id: row.correlation_id,
                causation_id: row.causation_id,
                idempotency_key: row.idempotency_key,
            },
            recorded_at: row.recorded_at,
        }
    }
}

impl FromRow<'_, PgRow> for RecordedEvent {
    fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        RecordedRow::from_row(row).map(Self::from)
    }
}

impl RecordedEvent {
    /// Decodes the payload as an event of type `E`, upcasting older schema versions.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, DecodeError> {
        E::from_stored(&self.event_type, self.schema_version, self.payload.clone())
    }
}
