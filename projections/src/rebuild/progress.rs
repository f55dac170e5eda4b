//! Where a rebuild stands: the `projection_rebuilds` row, written as it advances and read by
//! admins; cancelling is a change of that row the running rebuild sees at its next step.

use super::abandoned::fail_abandoned;
use crate::checkpoint::Checkpoint;
use crate::projection::Projection;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

/// Where a rebuild stands, as `projection_rebuilds.state` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RebuildState {
    /// Asked for; a worker will claim it.
    Requested,
    /// Folding the log into the shadow.
    Running,
    /// Asked to stop; it stops at its next step.
    Cancelling,
    /// Swapped in.
    Done,
    /// Stopped before the swap; the live tables are as they were.
    Cancelled,
    /// Failed before the swap; the live tables are as they were.
    Failed,
}

impl RebuildState {
    /// As stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            RebuildState::Requested => "requested",
            RebuildState::Running => "running",
            RebuildState::Cancelling => "cancelling",
            RebuildState::Done => "done",
            RebuildState::Cancelled => "cancelled",
            RebuildState::Failed => "failed",
        }
    }

    /// Reads a stored state.
    pub fn parse(text: &str) -> Result<Self, sqlx::Error> {
        Ok(match text {
            "requested" => RebuildState::Requested,
            "running" => RebuildState::Running,
            "cancelling" => RebuildState::Cancelling,
            "done" => RebuildState::Done,
            "cancelled" => RebuildState::Cancelled,
            "failed" => RebuildState::Failed,
            other => {
                return Err(sqlx::Error::ColumnDecode {
                    index: "state".into(),
                    source: format!("{other:?} is not a rebuild state").into(),
                });
            }
        })
    }

    /// Whether the rebuild has not ended.
    pub const fn is_active(self) -> bool {
        matches!(
            self,
            RebuildState::Requested | RebuildState::Running | RebuildState::Cancelling
        )
    }
}

/// A rebuild's progress, as admins see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RebuildProgress {
    /// The projection.
    pub name: String,
    /// Where it stands.
    pub state: RebuildState,
    /// Events folded into the shadow so far.
    pub events_done: i64,
    /// Events of the log it reads when it started.
    pub events_total: i64,
    /// Events per second so far.
    pub events_per_second: f64,
    /// Seconds left at that rate, while running.
    pub eta_seconds: Option<f64>,
    /// When it started (or was asked for).
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A `projection_rebuilds` row, with the seconds it has run.
#[derive(sqlx::FromRow)]
struct ProgressRow {
    name: String,
    state: String,
    events_done: i64,
    events_total: i64,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    error: Option<String>,
    seconds: f64,
}

impl TryFrom<ProgressRow> for RebuildProgress {
    type Error = sqlx::Error;

    fn try_from(row: ProgressRow) -> Result<Self, sqlx::Error> {
        let state = RebuildState::parse(&row.state)?;
        let rate = if row.seconds > 0.0 {
            row.events_done as f64 / row.seconds
        } else {
            0.0
        };
        let eta = (state == RebuildState::Running && rate > 0.0)
            .then(|| (row.events_total - row.events_done).max(0) as f64 / rate);
        Ok(RebuildProgress {
            name: row.name,
            state,
            events_done: row.events_done,
            events_total: row.events_total,
            events_per_second: rate,
            eta_seconds: eta,
            started_at: row.started_at,
            finished_at: row.finished_at,
            error: row.error,
        })
    }
}

/// The latest rebuild of each projection that was ever rebuilt.
pub async fn status(pool: &PgPool) -> Result<Vec<RebuildProgress>, sqlx::Error> {
    fail_abandoned(pool).await?;
    read_progress(pool).await
}

/// The rows as they stand.
async fn read_progress(pool: &PgPool) -> Result<Vec<RebuildProgress>, sqlx::Error> {
    let rows: Vec<ProgressRow> = sqlx::query_as(
        "SELECT name, state, events_done, events_total, started_at, finished_at, error, \
             EXTRACT(EPOCH FROM COALESCE(finished_at, updated_at) - started_at)::float8 AS seconds \
         FROM projection_rebuilds ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(RebuildProgress::try_from).collect()
}

/// Tells `progress` where the rebuild of `projection` stands.
pub(super) async fn report(
    pool: &PgPool,
    projection: &dyn Projection,
    progress: &mut impl FnMut(&RebuildProgress),
) -> Result<(), sqlx::Error> {
    if let Some(now) = read_progress(pool)
        .await?
        .into_iter()
        .find(|p| p.name == projection.name())
    {
        progress(&now);
    }
    Ok(())
}

/// Moves the rebuild's checkpoint past a batch applied to the shadow.
pub(crate) async fn save_progress(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    reached: Checkpoint,
    applied: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE projection_rebuilds SET transaction_id = $2::text::xid8, position = $3, \
             events_done = events_done + $4, updated_at = now() WHERE name = $1",
    )
    .bind(projection.name())
    .bind(reached.transaction_id_text())
    .bind(reached.position)
    .bind(applied as i64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a bulk chunk's events as done; whether the rebuild was asked to stop.
pub(super) async fn record_bulk_progress(
    conn: &mut PgConnection,
    projection: &dyn Projection,
    events: i64,
) -> Result<bool, sqlx::Error> {
    let state: String = sqlx::query_scalar(
        "UPDATE projection_rebuilds SET events_done = events_done + $2, updated_at = now() \
         WHERE name = $1 RETURNING state",
    )
    .bind(projection.name())
    .bind(events)
    .fetch_one(conn)
    .await?;
    Ok(RebuildState::parse(&state)? == RebuildState::Cancelling)
}

/// Asks a rebuild to stop (a requested one is cancelled at once); false if none is active.
pub async fn cancel(pool: &PgPool, projection: &dyn Projection) -> Result<bool, sqlx::Error> {
    let cancelled = sqlx::query(
        "UPDATE projection_rebuilds SET \
             state = CASE WHEN state = 'requested' THEN 'cancelled' ELSE 'cancelling' END, \
             finished_at = CASE WHEN state = 'requested' THEN now() END, updated_at = now() \
         WHERE name = $1 AND state IN ('requested', 'running')",
    )
    .bind(projection.name())
    .execute(pool)
    .await?;
    Ok(cancelled.rows_affected() == 1)
}
