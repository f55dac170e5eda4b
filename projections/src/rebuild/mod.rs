//! Rebuilding a projection while it serves (blue-green).
//!
//! The log is folded into a shadow schema (an empty copy of the live one) while the live
//! tables keep serving reads and the live projection keeps advancing:
//! 1. [`bulk`] streams every event up to a bound in stream order, folds it a stream at a time
//!    and loads the shadow's bare tables with `COPY`;
//! 2. the shadow's keys and indexes are built once, after the load;
//! 3. the shadow catches up from the bound in ordinary batches;
//! 4. one transaction locks the live checkpoint (pausing the live runner), applies the last
//!    events to the shadow, swaps the schemas and moves the checkpoint: no read ever sees a
//!    half-built table. The retired schema is dropped after that.
//!
//! A rebuild enqueues no job and sends no notice but its progress; it can be cancelled,
//! leaving the live tables untouched; a second rebuild of the same projection is refused while
//! one runs (a lease, so a rebuild whose process died can be started again).

pub mod bulk;
pub mod requests;

use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::lease::{LEASE_CLASS, Lease, REBUILD_BASE};
use crate::projection::{self, Projection, use_schema};
use crate::runner;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashSet;

/// Events applied per transaction while the shadow catches up after the bulk load. While a
/// rebuild's transaction is open no reader can pass it (see `reader`): the live projection
/// advances between the rebuild's transactions.
const BATCH: i64 = 5_000;

/// Why a rebuild did not happen or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// A rebuild of this projection is running.
    #[error("a rebuild of {0} is already running")]
    AlreadyRunning(&'static str),
    /// An event could not be applied (the shadow is dropped, the live tables untouched).
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// The bulk load's writer stopped unexpectedly.
    #[error("the bulk load stopped: {0}")]
    Interrupted(String),
}

impl From<sqlx::Error> for RebuildError {
    fn from(error: sqlx::Error) -> Self {
        RebuildError::Apply(ApplyError::Database(error))
    }
}

/// How a rebuild ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// The rebuilt tables are live.
    Swapped,
    /// It was cancelled; the live tables are as they were.
    Cancelled,
}

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

/// A claimed rebuild: its lease is held until it ends.
pub struct Rebuild {
    projection: &'static dyn Projection,
    _lease: Lease,
}

/// Claims the rebuild of `projection` to run it here (`bestiary replay`): refused while
/// another runs.
pub async fn claim(
    pool: &PgPool,
    projection: &'static dyn Projection,
) -> Result<Rebuild, RebuildError> {
    let options = (*pool.connect_options()).clone();
    let Some(lease) = Lease::try_acquire(&options, REBUILD_BASE + projection.index()).await? else {
        return Err(RebuildError::AlreadyRunning(projection.name()));
    };
    start(pool, projection, lease).await
}

/// Records the rebuild as running, under its lease.
async fn start(
    pool: &PgPool,
    projection: &'static dyn Projection,
    lease: Lease,
) -> Result<Rebuild, RebuildError> {
    let total = projection.reads().count(pool).await?;
    sqlx::query(
        "INSERT INTO projection_rebuilds (name, state, shadow, events_total) VALUES ($1, 'running', $2, $3) \
         ON CONFLICT (name) DO UPDATE SET state = 'running', shadow = EXCLUDED.shadow, transaction_id = '0', \
             position = 0, events_done = 0, events_total = EXCLUDED.events_total, \
             started_at = CASE WHEN projection_rebuilds.state = 'requested' \
                 THEN projection_rebuilds.started_at ELSE now() END, \
             updated_at = now(), finished_at = NULL, error = NULL",
    )
    .bind(projection.name())
    .bind(shadow(projection))
    .bind(total)
    .execute(pool)
    .await?;
    Ok(Rebuild {
        projection,
        _lease: lease,
    })
}

/// Records as failed the rebuilds whose row says they run while nobody holds their lease: their
/// process ended (killed, crashed, lost its connection) before they finished. The swap records
/// `done` in its own transaction, so such a rebuild never swapped: the live tables are as they
/// were, and the next rebuild clears the shadow it left.
async fn fail_abandoned(pool: &PgPool) -> Result<(), sqlx::Error> {
    let unfinished: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM projection_rebuilds WHERE state IN ('running', 'cancelling')",
    )
    .fetch_all(pool)
    .await?;
    if unfinished.is_empty() {
        return Ok(());
    }
    let held: Vec<i64> = sqlx::query_scalar(
        "SELECT objid::int8 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND objsubid = 2 AND classid::int8 = $1",
    )
    .bind(i64::from(LEASE_CLASS))
    .fetch_all(pool)
    .await?;
    let options = (*pool.connect_options()).clone();
    for projection in unfinished
        .iter()
        .filter_map(|name| projection::find(name))
        .filter(|projection| !held.contains(&i64::from(REBUILD_BASE + projection.index())))
    {
        // While this lease is held no rebuild of the projection runs or can start.
        let Some(lease) = Lease::try_acquire(&options, REBUILD_BASE + projection.index()).await?
        else {
            continue;
        };
        sqlx::query(
            "UPDATE projection_rebuilds SET state = 'failed', error = $2, finished_at = now(), \
                 updated_at = now() WHERE name = $1 AND state IN ('running', 'cancelling')",
        )
        .bind(projection.name())
        .bind(ABANDONED)
        .execute(pool)
        .await?;
        lease.release().await;
    }
    Ok(())
}

/// Why an abandoned rebuild failed, as admins read it.
pub const ABANDONED: &str =
    "its process stopped before it finished; the live tables are unchanged, start it again";

fn shadow(projection: &dyn Projection) -> String {
    format!("{}_rebuild", projection.schema())
}

fn retired(projection: &dyn Projection) -> String {
    format!("{}_retired", projection.schema())
}

impl Rebuild {
    /// The projection being rebuilt.
    pub fn projection(&self) -> &'static dyn Projection {
        self.projection
    }

    /// Gives a claimed rebuild up before it ran (recorded as cancelled).
    pub async fn abandon(self, pool: &PgPool) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE projection_rebuilds SET state = 'cancelled', finished_at = now(), updated_at = now() WHERE name = $1",
        )
        .bind(self.projection.name())
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Runs the rebuild to its end; `progress` is called after each step.
    pub async fn run(
        self,
        pool: &PgPool,
        mut progress: impl FnMut(&RebuildProgress),
    ) -> Result<Finished, RebuildError> {
        let projection = self.projection;
        let outcome = self.fill_and_swap(pool, &mut progress).await;
        let (state, error) = match &outcome {
            Ok(Finished::Swapped) => (RebuildState::Done, None),
            Ok(Finished::Cancelled) => (RebuildState::Cancelled, None),
            Err(error) => (RebuildState::Failed, Some(error.to_string())),
        };
        if !matches!(outcome, Ok(Finished::Swapped)) {
            let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", shadow(projection));
            sqlx::query(sqlx::AssertSqlSafe(drop)).execute(pool).await?;
        }
        sqlx::query(
            "UPDATE projection_rebuilds SET state = $2, error = $3, finished_at = now(), updated_at = now() WHERE name = $1",
        )
        .bind(projection.name())
        .bind(state.as_str())
        .bind(error)
        .execute(pool)
        .await?;
        if let Ok(Finished::Swapped) = outcome {
            let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", retired(projection));
            sqlx::query(sqlx::AssertSqlSafe(drop)).execute(pool).await?;
        }
        report(pool, projection, &mut progress).await?;
        outcome
    }

    async fn fill_and_swap(
        &self,
        pool: &PgPool,
        progress: &mut impl FnMut(&RebuildProgress),
    ) -> Result<Finished, RebuildError> {
        let projection = self.projection;
        sqlx::query("SELECT projection_shadow_create($1, $2)")
            .bind(projection.schema())
            .bind(shadow(projection))
            .execute(pool)
            .await?;
        let bound = bulk::bound(pool).await?;
        let skipped = skipped_positions(pool, projection).await?;
        if bulk::load(pool, projection, &shadow(projection), bound, &skipped).await? {
            return Ok(Finished::Cancelled);
        }
        report(pool, projection, progress).await?;
        let mut tx = pool.begin().await?;
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT projection_shadow_index($1, $2)")
            .bind(projection.schema())
            .bind(shadow(projection))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE projection_rebuilds SET transaction_id = $2::text::xid8, position = $3, \
                 updated_at = now() WHERE name = $1",
        )
        .bind(projection.name())
        .bind(bound.checkpoint.transaction_id_text())
        .bind(bound.checkpoint.position)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        loop {
            let mut tx = pool.begin().await?;
            let (checkpoint, state) = lock_rebuild(&mut tx, projection).await?;
            if state == RebuildState::Cancelling {
                return Ok(Finished::Cancelled);
            }
            use_schema(&mut tx, &shadow(projection)).await?;
            let outcome = runner::apply_next(&mut tx, projection, checkpoint, BATCH, false).await?;
            tx.commit().await?;
            report(pool, projection, progress).await?;
            if outcome.caught_up {
                break;
            }
        }
        self.swap(pool).await
    }

    /// Pauses the live projection, brings the shadow to the end of what is readable, swaps.
    async fn swap(&self, pool: &PgPool) -> Result<Finished, RebuildError> {
        let projection = self.projection;
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE")
            .bind(projection.name())
            .execute(&mut *tx)
            .await?;
        let (mut checkpoint, state) = lock_rebuild(&mut tx, projection).await?;
        if state == RebuildState::Cancelling {
            return Ok(Finished::Cancelled);
        }
        use_schema(&mut tx, &shadow(projection)).await?;
        loop {
            let outcome = runner::apply_next(&mut tx, projection, checkpoint, BATCH, false).await?;
            checkpoint = outcome.checkpoint;
            if outcome.caught_up {
                break;
            }
        }
        sqlx::query("SELECT projection_shadow_swap($1, $2, $3)")
            .bind(projection.schema())
            .bind(shadow(projection))
            .bind(retired(projection))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE projection_checkpoints c SET transaction_id = r.transaction_id, position = r.position, \
                 events_applied = r.events_done, updated_at = now() \
             FROM projection_rebuilds r WHERE r.name = c.name AND c.name = $1",
        )
        .bind(projection.name())
        .execute(&mut *tx)
        .await?;
        // Recorded with the swap, so a process that dies right after still reports it done.
        sqlx::query(
            "UPDATE projection_rebuilds SET state = 'done', finished_at = now(), updated_at = now() \
             WHERE name = $1",
        )
        .bind(projection.name())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Finished::Swapped)
    }
}

/// The positions operators skipped for this projection (recorded in the audit log), which a
/// rebuild leaves out as the live projection did.
async fn skipped_positions(
    pool: &PgPool,
    projection: &dyn Projection,
) -> Result<HashSet<i64>, sqlx::Error> {
    let positions: Vec<i64> = sqlx::query_scalar(
        "SELECT (payload->>'position')::int8 FROM events \
         WHERE event_type = 'ProjectionEventSkipped' AND payload->>'projection' = $1",
    )
    .bind(projection.name())
    .fetch_all(pool)
    .await?;
    Ok(positions.into_iter().collect())
}

async fn report(
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

async fn lock_rebuild(
    conn: &mut PgConnection,
    projection: &dyn Projection,
) -> Result<(Checkpoint, RebuildState), sqlx::Error> {
    let row = sqlx::query(
        "SELECT transaction_id::text AS xid, position, state FROM projection_rebuilds WHERE name = $1 FOR UPDATE",
    )
    .bind(projection.name())
    .fetch_one(conn)
    .await?;
    Ok((
        Checkpoint::from_row(&row, "xid", "position")?,
        RebuildState::parse(row.try_get("state")?)?,
    ))
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
async fn record_bulk_progress(
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

/// The latest rebuild of each projection that was ever rebuilt.
pub async fn status(pool: &PgPool) -> Result<Vec<RebuildProgress>, sqlx::Error> {
    fail_abandoned(pool).await?;
    read_progress(pool).await
}

/// The rows as they stand.
async fn read_progress(pool: &PgPool) -> Result<Vec<RebuildProgress>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT name, state, events_done, events_total, started_at, finished_at, error, \
             EXTRACT(EPOCH FROM COALESCE(finished_at, updated_at) - started_at)::float8 AS seconds \
         FROM projection_rebuilds ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let done: i64 = row.try_get("events_done")?;
            let total: i64 = row.try_get("events_total")?;
            let seconds: f64 = row.try_get("seconds")?;
            let state = RebuildState::parse(row.try_get("state")?)?;
            let rate = if seconds > 0.0 {
                done as f64 / seconds
            } else {
                0.0
            };
            let eta = (state == RebuildState::Running && rate > 0.0)
                .then(|| (total - done).max(0) as f64 / rate);
            Ok(RebuildProgress {
                name: row.try_get("name")?,
                state,
                events_done: done,
                events_total: total,
                events_per_second: rate,
                eta_seconds: eta,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
                error: row.try_get("error")?,
            })
        })
        .collect()
}
