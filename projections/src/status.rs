//! Where each projection stands, and whether a read may already see a position.

use crate::checkpoint::Checkpoint;
use crate::parked::{self, ParkedStream};
use crate::projection::{self, Projection};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// Whether a projection is being rebuilt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectionState {
    /// It folds the log as it grows.
    Running,
    /// It does, and a rebuild of it is requested, running or being cancelled (the live tables
    /// keep serving meanwhile).
    Rebuilding,
}

/// A projection's state for operators.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectionStatus {
    /// Its name.
    pub name: String,
    /// Whether it is being rebuilt.
    pub state: ProjectionState,
    /// The global position of the last event it applied.
    pub position: i64,
    /// How many events it has applied.
    pub events_applied: i64,
    /// The log's highest position.
    pub head: i64,
    /// Events it has not applied yet.
    pub lag: i64,
    /// Age of the oldest event it has not applied, in seconds.
    pub lag_seconds: f64,
    /// Streams it holds on an event it cannot apply.
    pub parked: Vec<ParkedStream>,
    /// When its checkpoint last moved.
    pub updated_at: DateTime<Utc>,
}

/// A checkpoint row with the log's head and the lag behind it.
#[derive(sqlx::FromRow)]
struct StatusRow {
    name: String,
    position: i64,
    events_applied: i64,
    updated_at: DateTime<Utc>,
    rebuilding: bool,
    head: i64,
    lag: i64,
    lag_seconds: f64,
}

/// Every projection's state.
pub async fn statuses(pool: &PgPool) -> Result<Vec<ProjectionStatus>, sqlx::Error> {
    let rows: Vec<StatusRow> = sqlx::query_as(
        "SELECT c.name, c.position, c.events_applied, c.updated_at, \
             EXISTS (SELECT 1 FROM projection_rebuilds r WHERE r.name = c.name \
                 AND r.state IN ('requested', 'running', 'cancelling')) AS rebuilding, \
             (SELECT COALESCE(max(position), 0) FROM events) AS head, l.lag, \
             COALESCE(EXTRACT(EPOCH FROM now() - l.oldest), 0)::float8 AS lag_seconds \
         FROM projection_checkpoints c \
         CROSS JOIN LATERAL (SELECT count(*) AS lag, min(recorded_at) AS oldest FROM events e \
             WHERE (e.transaction_id, e.position) > (c.transaction_id, c.position)) l \
         ORDER BY c.name",
    )
    .fetch_all(pool)
    .await?;
    let mut statuses = Vec::with_capacity(rows.len());
    for row in rows {
        let parked = match projection::find(&row.name) {
            Some(projection) => parked::list(pool, projection).await?,
            None => Vec::new(),
        };
        statuses.push(ProjectionStatus {
            name: row.name,
            state: if row.rebuilding {
                ProjectionState::Rebuilding
            } else {
                ProjectionState::Running
            },
            position: row.position,
            events_applied: row.events_applied,
            head: row.head,
            lag: row.lag,
            lag_seconds: row.lag_seconds,
            parked,
            updated_at: row.updated_at,
        });
    }
    Ok(statuses)
}

/// Whether the projection has applied the event at `position` (a position that holds no
/// event, from a rolled-back transaction, has nothing to wait for once the log is past it).
pub async fn has_passed(
    pool: &PgPool,
    projection: &dyn Projection,
    position: i64,
) -> Result<bool, sqlx::Error> {
    if position <= 0 {
        return Ok(true);
    }
    let passed: Option<bool> = sqlx::query_scalar(
        "SELECT CASE WHEN e.position IS NULL \
                     THEN $2 <= (SELECT COALESCE(max(position), 0) FROM events) \
                     ELSE (e.transaction_id, e.position) <= (c.transaction_id, c.position) END \
         FROM projection_checkpoints c LEFT JOIN events e ON e.position = $2 \
         WHERE c.name = $1",
    )
    .bind(projection.name())
    .bind(position)
    .fetch_optional(pool)
    .await?;
    Ok(passed.unwrap_or(false))
}

/// Where a read that must reflect a position stands against the log and a projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The projection has applied it (or it holds no event and the log is past it).
    Passed,
    /// Its event is committed but not applied yet; it is applied once the projection's
    /// checkpoint reaches this one.
    Pending(Checkpoint),
    /// No event was committed there yet: the log's head is lower.
    BeyondHead {
        /// The log's highest committed position.
        head: i64,
    },
}

/// Where a read of `projection` at `position` stands, in one statement: the head is read in
/// the same snapshot as the event, so a position whose commit has returned is never beyond it.
pub async fn locate(
    pool: &PgPool,
    projection: &dyn Projection,
    position: i64,
) -> Result<Freshness, sqlx::Error> {
    Ok(match pin(pool, projection, position).await? {
        Pinned::Event { at, passed: false } => Freshness::Pending(at),
        Pinned::Event { passed: true, .. } | Pinned::Gap => Freshness::Passed,
        Pinned::BeyondHead { head } => Freshness::BeyondHead { head },
    })
}

/// What a position is on the database asked (the primary: only it can tell a position that
/// is not replicated yet from one beyond the head).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinned {
    /// The event there, committed, and whether the projection has applied it here. Another
    /// copy of the database (a standby) has applied it once its checkpoint reaches `at`.
    Event {
        /// The checkpoint a projection has once it applied the event.
        at: Checkpoint,
        /// Whether the projection on this database has.
        passed: bool,
    },
    /// No event was committed there (a rolled-back transaction's position) and the log is
    /// past it: there is nothing to wait for.
    Gap,
    /// No event was committed there yet: the log's head is lower.
    BeyondHead {
        /// The log's highest committed position.
        head: i64,
    },
}

/// What `position` is, for a read of `projection`, in one statement (the head is read in the
/// same snapshot as the event).
pub async fn pin(
    pool: &PgPool,
    projection: &dyn Projection,
    position: i64,
) -> Result<Pinned, sqlx::Error> {
    if position <= 0 {
        return Ok(Pinned::Gap);
    }
    let row: LocateRow = sqlx::query_as(
        "SELECT (SELECT COALESCE(max(position), 0) FROM events) AS head, \
             e.transaction_id::text AS xid, e.position, \
             (e.transaction_id, e.position) <= (c.transaction_id, c.position) AS passed \
         FROM (SELECT 1) one \
         LEFT JOIN events e ON e.position = $2 \
         LEFT JOIN projection_checkpoints c ON c.name = $1",
    )
    .bind(projection.name())
    .bind(position)
    .fetch_one(pool)
    .await?;
    Ok(match (row.xid, row.position) {
        (Some(xid), Some(at)) => Pinned::Event {
            at: Checkpoint::parse(&xid, at)?,
            passed: row.passed == Some(true),
        },
        _ if position <= row.head => Pinned::Gap,
        _ => Pinned::BeyondHead { head: row.head },
    })
}

/// The head, and the event at a position with whether a projection has passed it.
#[derive(sqlx::FromRow)]
struct LocateRow {
    head: i64,
    xid: Option<String>,
    position: Option<i64>,
    passed: Option<bool>,
}

/// Every projection's checkpoint, by name.
pub async fn checkpoints(pool: &PgPool) -> Result<Vec<(String, Checkpoint)>, sqlx::Error> {
    let rows: Vec<NamedCheckpoint> = sqlx::query_as(
        "SELECT name, transaction_id::text AS xid, position FROM projection_checkpoints",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.name, row.checkpoint))
        .collect())
}

/// A projection's name and checkpoint.
#[derive(sqlx::FromRow)]
struct NamedCheckpoint {
    name: String,
    #[sqlx(flatten)]
    checkpoint: Checkpoint,
}
