//! An event as it was recorded, with its place in the log and its metadata.

use crate::metadata::{ActorRef, EventMetadata};
use chrono::{DateTime, Utc};
use domain::{DecodeError, DomainEvent};
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// The columns every read of recorded events selects, as [`RecordedEvent::from_row`] expects.
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

impl RecordedEvent {
    /// Reads a row selected with [`COLUMNS`].
    pub fn from_row(row: &PgRow) -> Result<Self, sqlx::Error> {
        let schema_version: i16 = row.try_get("schema_version")?;
        let version: i32 = row.try_get("version")?;
        let actor_kind: String = row.try_get("actor_kind")?;
        Ok(Self {
            position: row.try_get("position")?,
            event_id: row.try_get("event_id")?,
            stream_id: row.try_get("stream_id")?,
            stream_type: row.try_get("stream_type")?,
            version: i64::from(version),
            event_type: row.try_get("event_type")?,
            schema_version: u16::try_from(schema_version).unwrap_or(0),
            payload: row.try_get("payload")?,
            metadata: EventMetadata {
                actor: ActorRef::from_stored(&actor_kind, row.try_get("actor_id")?),
                correlation_id: row.try_get("correlation_id")?,
                causation_id: row.try_get("causation_id")?,
                idempotency_key: row.try_get("idempotency_key")?,
            },
            recorded_at: row.try_get("recorded_at")?,
        })
    }

    /// Decodes the payload as an event of type `E`, upcasting older schema versions.
    pub fn decode<E: DomainEvent>(&self) -> Result<E, DecodeError> {
        E::from_stored(&self.event_type, self.schema_version, self.payload.clone())
    }
}
