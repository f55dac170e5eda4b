//! Parked streams: a stream whose event a projection cannot apply (a poison event) is parked
//! at that event, with the reason. Its later events are held, so its order is kept, while
//! every other stream flows on. An operator retries the stream once a fix is deployed, or skips
//! the poison event; either brings the stream up to date, in order, under the projection's
//! checkpoint lock, so the runner never applies the stream's events meanwhile.
//!
//! The table lives in each projection's schema: a rebuild parks into its shadow, and the swap
//! brings the shadow's parked streams live with its tables.

use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::projection::{Projection, use_schema};
use crate::reader::{Decoded, LOGGED_COLUMNS, LOGGED_FROM, Logged, Poison};
use crate::runner::lock_checkpoint;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;
use sqlx::{PgConnection, PgPool};
use std::collections::HashSet;
use uuid::Uuid;

/// The table of parked streams in each projection's schema.
pub const TABLE: &str = "parked_streams";

/// A parked stream, as operators see it.
#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct ParkedStream {
    /// The stream.
    pub stream_id: Uuid,
    /// The position of the event it stopped at.
    pub position: i64,
    /// That event's type.
    pub event_type: String,
    /// Why it cannot be applied.
    pub reason: String,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
}

/// The streams parked in the schema on the search path.
pub(crate) async fn held(conn: &mut PgConnection) -> Result<HashSet<Uuid>, sqlx::Error> {
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT stream_id FROM parked_streams")
        .fetch_all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Parks `event`'s stream at it, for `error` (in the schema on the search path).
pub(crate) async fn park(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    event: &Poison,
    error: &ApplyError,
) -> Result<(), sqlx::Error> {
    park_reason(conn, projection, event, &error.to_string()).await
}

/// Parks `event`'s stream at it with `reason` (in the schema on the search path).
pub(crate) async fn park_reason(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    event: &Poison,
    reason: &str,
) -> Result<(), sqlx::Error> {
    tracing::error!(
        projection = projection.name(),
        stream = %event.stream_id,
        position = event.position,
        reason,
        "stream parked on an event the projection cannot apply"
    );
    sqlx::query(
        "INSERT INTO parked_streams (stream_id, position, event_type, reason) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (stream_id) DO UPDATE \
             SET position = EXCLUDED.position, event_type = EXCLUDED.event_type, \
                 reason = EXCLUDED.reason, parked_at = now()",
    )
    .bind(event.stream_id)
    .bind(event.position)
    .bind(&event.event_type)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// The streams a projection has parked, oldest first.
pub async fn list(
    pool: &PgPool,
    projection: &dyn Projection,
) -> Result<Vec<ParkedStream>, sqlx::Error> {
    let sql = format!(
        "SELECT stream_id, position, event_type, reason, parked_at FROM {}.parked_streams \
         ORDER BY position",
        projection.schema()
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
}

/// Why a parked stream could not be resumed.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The stream is not parked by this projection.
    #[error("stream {0} is not parked")]
    NotParked(Uuid),
    /// Applying failed for a passing reason (try again).
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

impl From<sqlx::Error> for RecoveryError {
    fn from(error: sqlx::Error) -> Self {
        RecoveryError::Apply(ApplyError::Database(error))
    }
}

/// How a resumed stream ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Resumed {
    /// It is up to date and flows again.
    Running {
        /// Held events applied.
        applied: usize,
    },
    /// It is parked again, at this event.
    Parked {
        /// The event it stopped at.
        position: i64,
        /// Why.
        reason: String,
    },
}

/// What to do with the event a stream is parked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resume {
    /// Try it again (after a fix was deployed).
    Retry,
    /// Leave it out (the caller records that in the audit log).
    Skip,
}

/// The event `stream` is parked at: (position, reason).
pub async fn parked_at(
    pool: &PgPool,
    projection: &dyn Projection,
    stream: Uuid,
) -> Result<ParkedStream, RecoveryError> {
    let sql = format!(
        "SELECT stream_id, position, event_type, reason, parked_at FROM {}.parked_streams \
         WHERE stream_id = $1",
        projection.schema()
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(stream)
        .fetch_optional(pool)
        .await?
        .ok_or(RecoveryError::NotParked(stream))
}

/// Applies the events `stream` holds, from the one it is parked at (or the one after, when
/// skipping) up to the projection's checkpoint, in version order, and unparks it; a poison
/// event among them parks it again there.
pub async fn resume(
    pool: &PgPool,
    projection: &dyn Projection,
    stream: Uuid,
    how: Resume,
) -> Result<Resumed, RecoveryError> {
    let mut tx = pool.begin().await?;
    use_schema(&mut tx, projection.schema()).await?;
    let checkpoint = lock_checkpoint(&mut tx, projection).await?;
    let parked: Option<i64> =
        sqlx::query_scalar("SELECT position FROM parked_streams WHERE stream_id = $1 FOR UPDATE")
            .bind(stream)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(from) = parked else {
        return Err(RecoveryError::NotParked(stream));
    };
    let mut held = held_events(&mut tx, projection, stream, from, checkpoint).await?;
    if how == Resume::Skip && held.first().is_some_and(|e| e.checkpoint.position == from) {
        held.remove(0);
    }
    let mut decoded: Vec<Decoded> = Vec::with_capacity(held.len());
    let mut poison = None;
    for event in held {
        match event.decode_or_poison() {
            Ok(event) => decoded.push(event),
            Err(poisoned) => {
                poison = Some(poisoned);
                break;
            }
        }
    }
    let applied = decoded.len();
    if let Err(error) = projection.apply(&mut tx, &decoded).await {
        let error = ApplyError::from(error);
        if !error.is_poison() {
            return Err(error.into());
        }
        // The database refuses what the events make: the stream stays parked as it was.
        tx.rollback().await?;
        return Ok(Resumed::Parked {
            position: from,
            reason: error.to_string(),
        });
    }
    let outcome = if let Some((event, error)) = poison {
        park(&mut tx, projection, &event, &error).await?;
        Resumed::Parked {
            position: event.position,
            reason: error.to_string(),
        }
    } else {
        sqlx::query("DELETE FROM parked_streams WHERE stream_id = $1")
            .bind(stream)
            .execute(&mut *tx)
            .await?;
        Resumed::Running { applied }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The stream's events the projection reads, from `from` up to `checkpoint`, in version
/// order.
async fn held_events(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    stream: Uuid,
    from: i64,
    checkpoint: Checkpoint,
) -> Result<Vec<Logged>, sqlx::Error> {
    let sql = format!(
        "SELECT {LOGGED_COLUMNS} FROM {LOGGED_FROM} WHERE e.stream_id = $1 AND e.position >= $2 \
           AND (e.transaction_id, e.position) <= ($3::text::xid8, $4) ORDER BY e.version"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(stream)
        .bind(from)
        .bind(checkpoint.transaction_id_text())
        .bind(checkpoint.position)
        .fetch_all(conn)
        .await?;
    let reads = projection.reads();
    rows.iter()
        .map(Logged::from_row)
        .filter(|event| {
            event
                .as_ref()
                .map_or(true, |e| reads.includes(&e.stream_type, &e.event_type))
        })
        .collect()
}

/// How many streams each projection has parked.
pub async fn counts(pool: &PgPool) -> Result<Vec<(&'static str, i64)>, sqlx::Error> {
    let mut counts = Vec::new();
    for projection in crate::projection::ALL {
        let sql = format!(
            "SELECT count(*) FROM {}.parked_streams",
            projection.schema()
        );
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(pool)
            .await?;
        counts.push((projection.name(), count));
    }
    Ok(counts)
}
