//! Running a claimed rebuild: fill the shadow (bulk load, indexes, catch-up), then swap it
//! in under the live checkpoint's lock; a cancelled or failed run drops the shadow instead.

use super::progress::{RebuildProgress, RebuildState, report};
use super::{Finished, Rebuild, RebuildError, bulk, retired, shadow};
use crate::checkpoint::Checkpoint;
use crate::projection::{Projection, use_schema};
use crate::runner;
use sqlx::FromRow;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashSet;

/// Events applied per transaction while the shadow catches up after the bulk load. While a
/// rebuild's transaction is open no reader can pass it (see `reader`): the live projection
/// advances between the rebuild's transactions.
const BATCH: i64 = 5_000;

impl Rebuild {
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
        runner::lock_checkpoint(&mut tx, projection).await?;
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

/// Locks the rebuild's row for this transaction: where the shadow stands, and whether it
/// was asked to stop.
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
        Checkpoint::from_row(&row)?,
        RebuildState::parse(row.try_get("state")?)?,
    ))
}
