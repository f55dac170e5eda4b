//! Rebuilding a projection while it serves (blue-green).
//!
//! The events are replayed from position 0 into a shadow schema (an empty copy of the live
//! one) while the live tables keep serving reads and the live projection keeps advancing. Once
//! the shadow has caught up, one transaction locks the live checkpoint (pausing the live
//! runner), applies the last events to the shadow, swaps the schemas and moves the checkpoint:
//! no read ever sees a half-built table. The retired schema is dropped after that. A rebuild
//! enqueues no job and sends no notice but its progress; it can be cancelled, leaving the live
//! tables untouched; a second rebuild of the same projection is refused while one runs (a
//! lease, so a rebuild whose process died can be started again).

use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::lease::{LEASE_CLASS, Lease, REBUILD_BASE};
use crate::projection::{Projection, use_schema};
use crate::reader::{OrderedEvent, read_after};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};

/// Events applied per transaction while rebuilding. Small, because while a rebuild's
/// transaction is open no reader can pass it (see `reader`): the live projection advances
/// between the rebuild's transactions.
const BATCH: i64 = 500;

/// Why a rebuild did not happen or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// A rebuild of this projection is running.
    #[error("a rebuild of {0} is already running")]
    AlreadyRunning(&'static str),
    /// An event could not be applied (the shadow is dropped, the live tables untouched).
    #[error(transparent)]
    Apply(#[from] ApplyError),
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

/// A rebuild's progress, as admins see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RebuildProgress {
    /// The projection.
    pub name: String,
    /// `running`, `cancelling`, `done`, `cancelled` or `failed`.
    pub state: String,
    /// Events applied to the shadow so far.
    pub events_done: i64,
    /// Events in the log when it started.
    pub events_total: i64,
    /// Events per second so far.
    pub events_per_second: f64,
    /// Seconds left at that rate, while running.
    pub eta_seconds: Option<f64>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A claimed rebuild: its lease is held until it ends.
pub struct Rebuild {
    projection: Projection,
    _lease: Lease,
}

/// Claims the rebuild of `projection`: refused while another runs.
pub async fn claim(pool: &PgPool, projection: Projection) -> Result<Rebuild, RebuildError> {
    let options = (*pool.connect_options()).clone();
    let Some(lease) = Lease::try_acquire(&options, REBUILD_BASE + projection.index()).await? else {
        return Err(RebuildError::AlreadyRunning(projection.name()));
    };
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    sqlx::query(
        "INSERT INTO projection_rebuilds (name, state, shadow, events_total) VALUES ($1, 'running', $2, $3) \
         ON CONFLICT (name) DO UPDATE SET state = 'running', shadow = EXCLUDED.shadow, transaction_id = '0', \
             position = 0, events_done = 0, events_total = EXCLUDED.events_total, started_at = now(), \
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
        .filter_map(|name| Projection::from_name(name))
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

fn shadow(projection: Projection) -> String {
    format!("{}_rebuild", projection.schema())
}

fn retired(projection: Projection) -> String {
    format!("{}_retired", projection.schema())
}

impl Rebuild {
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

    /// Runs the rebuild to its end; `progress` is called after each batch.
    pub async fn run(
        self,
        pool: &PgPool,
        mut progress: impl FnMut(&RebuildProgress),
    ) -> Result<Finished, RebuildError> {
        let projection = self.projection;
        let outcome = self.fill_and_swap(pool, &mut progress).await;
        let (state, error) = match &outcome {
            Ok(Finished::Swapped) => ("done", None),
            Ok(Finished::Cancelled) => ("cancelled", None),
            Err(error) => ("failed", Some(error.to_string())),
        };
        if !matches!(outcome, Ok(Finished::Swapped)) {
            let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", shadow(projection));
            sqlx::query(sqlx::AssertSqlSafe(drop)).execute(pool).await?;
        }
        sqlx::query(
            "UPDATE projection_rebuilds SET state = $2, error = $3, finished_at = now(), updated_at = now() WHERE name = $1",
        )
        .bind(projection.name())
        .bind(state)
        .bind(error)
        .execute(pool)
        .await?;
        if let Ok(Finished::Swapped) = outcome {
            let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", retired(projection));
            sqlx::query(sqlx::AssertSqlSafe(drop)).execute(pool).await?;
        }
        if let Some(last) = read_progress(pool)
            .await?
            .into_iter()
            .find(|p| p.name == projection.name())
        {
            progress(&last);
        }
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
        loop {
            let mut tx = pool.begin().await?;
            let (checkpoint, state) = lock_rebuild(&mut tx, projection).await?;
            if state == "cancelling" {
                return Ok(Finished::Cancelled);
            }
            use_schema(&mut tx, &shadow(projection)).await?;
            let events = read_after(&mut tx, checkpoint, BATCH).await?;
            apply(&mut tx, projection, &events).await?;
            advance(&mut tx, projection, &events).await?;
            tx.commit().await?;
            if let Some(now) = read_progress(pool)
                .await?
                .into_iter()
                .find(|p| p.name == projection.name())
            {
                progress(&now);
            }
            if (events.len() as i64) < BATCH {
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
        if state == "cancelling" {
            return Ok(Finished::Cancelled);
        }
        use_schema(&mut tx, &shadow(projection)).await?;
        loop {
            let events = read_after(&mut tx, checkpoint, BATCH).await?;
            let Some(last) = events.last() else {
                break;
            };
            checkpoint = last.checkpoint;
            apply(&mut tx, projection, &events).await?;
            advance(&mut tx, projection, &events).await?;
        }
        sqlx::query("SELECT projection_shadow_swap($1, $2, $3)")
            .bind(projection.schema())
            .bind(shadow(projection))
            .bind(retired(projection))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE projection_checkpoints c SET transaction_id = r.transaction_id, position = r.position, \
                 events_applied = r.events_done, state = 'running', failed_position = NULL, \
                 failed_reason = NULL, updated_at = now() \
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

async fn lock_rebuild(
    conn: &mut PgConnection,
    projection: Projection,
) -> Result<(Checkpoint, String), sqlx::Error> {
    let row = sqlx::query(
        "SELECT transaction_id::text AS xid, position, state FROM projection_rebuilds WHERE name = $1 FOR UPDATE",
    )
    .bind(projection.name())
    .fetch_one(conn)
    .await?;
    let xid: String = row.try_get("xid")?;
    Ok((
        Checkpoint {
            transaction_id: xid.parse().unwrap_or_default(),
            position: row.try_get("position")?,
        },
        row.try_get("state")?,
    ))
}

async fn apply(
    conn: &mut PgConnection,
    projection: Projection,
    events: &[OrderedEvent],
) -> Result<(), ApplyError> {
    for ordered in events {
        projection.apply(conn, &ordered.event).await?;
    }
    Ok(())
}

async fn advance(
    conn: &mut PgConnection,
    projection: Projection,
    events: &[OrderedEvent],
) -> Result<(), sqlx::Error> {
    let Some(last) = events.last() else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE projection_rebuilds SET transaction_id = $2::text::xid8, position = $3, \
             events_done = events_done + $4, updated_at = now() WHERE name = $1",
    )
    .bind(projection.name())
    .bind(last.checkpoint.transaction_id_text())
    .bind(last.checkpoint.position)
    .bind(events.len() as i64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Asks a running rebuild to stop; false if none runs.
pub async fn cancel(pool: &PgPool, projection: Projection) -> Result<bool, sqlx::Error> {
    let cancelled = sqlx::query("UPDATE projection_rebuilds SET state = 'cancelling', updated_at = now() WHERE name = $1 AND state = 'running'")
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
            let state: String = row.try_get("state")?;
            let rate = if seconds > 0.0 {
                done as f64 / seconds
            } else {
                0.0
            };
            let eta =
                (state == "running" && rate > 0.0).then(|| (total - done).max(0) as f64 / rate);
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
