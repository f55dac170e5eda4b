//! Running a projection: one batch at a time, its rows and its checkpoint in one transaction.
//!
//! The checkpoint row is locked for the batch (`FOR UPDATE`), so even two runners of one
//! projection cannot apply an event twice: the second waits, then reads the advanced
//! checkpoint. A poison event (one that fails for what it is, not for a passing fault) stops
//! the projection alone: the events before it are kept, and it is recorded as `failed` at
//! that event's position with the reason.

use crate::PROJECTION_CHANNEL;
use crate::checkpoint::Checkpoint;
use crate::error::ApplyError;
use crate::projection::{Projection, use_schema};
use crate::reader::{self, OrderedEvent};
use serde_json::json;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::BTreeSet;

/// At most this many creature ids are named in one change notice; beyond that, clients are
/// told to refresh everything.
const MAX_NOTICE_IDS: usize = 50;

/// What one batch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Events applied.
    pub applied: usize,
    /// The checkpoint after the batch.
    pub checkpoint: Checkpoint,
    /// Whether the batch reached everything readable now (no full batch waiting).
    pub caught_up: bool,
    /// Whether the projection is stopped on a poison event.
    pub failed: bool,
}

/// Applies up to `limit` events to the projection.
pub async fn run_batch(
    pool: &PgPool,
    projection: Projection,
    limit: i64,
) -> Result<BatchOutcome, ApplyError> {
    let mut tx = pool.begin().await?;
    use_schema(&mut tx, projection.schema()).await?;
    let (start, failed) = lock_checkpoint(&mut tx, projection).await?;
    if failed {
        return Ok(BatchOutcome {
            applied: 0,
            checkpoint: start,
            caught_up: true,
            failed: true,
        });
    }
    let events = reader::read_after(&mut tx, start, limit).await?;
    let caught_up = (events.len() as i64) < limit;
    match apply_all(&mut tx, projection, &events).await {
        Ok(()) => {
            let checkpoint = finish(&mut tx, projection, start, &events).await?;
            tx.commit().await?;
            Ok(BatchOutcome {
                applied: events.len(),
                checkpoint,
                caught_up,
                failed: false,
            })
        }
        Err((index, error)) if error.is_poison() => {
            tx.rollback().await?;
            stop_at_poison(pool, projection, start, &events, index, &error).await
        }
        Err((_, error)) => Err(error),
    }
}

/// Runs batches until the projection has applied everything readable now (or is failed).
pub async fn catch_up(
    pool: &PgPool,
    projection: Projection,
    batch: i64,
) -> Result<BatchOutcome, ApplyError> {
    loop {
        let outcome = run_batch(pool, projection, batch).await?;
        if outcome.caught_up || outcome.failed {
            return Ok(outcome);
        }
    }
}

/// Locks the projection's checkpoint row for this transaction; (checkpoint, failed).
async fn lock_checkpoint(
    conn: &mut PgConnection,
    projection: Projection,
) -> Result<(Checkpoint, bool), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(projection.name())
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "SELECT transaction_id::text AS xid, position, state FROM projection_checkpoints \
         WHERE name = $1 FOR UPDATE",
    )
    .bind(projection.name())
    .fetch_one(conn)
    .await?;
    let xid: String = row.try_get("xid")?;
    let state: String = row.try_get("state")?;
    Ok((
        Checkpoint {
            transaction_id: xid.parse().unwrap_or_default(),
            position: row.try_get("position")?,
        },
        state == "failed",
    ))
}

/// Applies events in order; on failure, the index of the event that failed.
async fn apply_all(
    conn: &mut PgConnection,
    projection: Projection,
    events: &[OrderedEvent],
) -> Result<(), (usize, ApplyError)> {
    for (index, ordered) in events.iter().enumerate() {
        projection
            .apply(conn, &ordered.event)
            .await
            .map_err(|error| (index, error))?;
    }
    Ok(())
}

/// Saves the checkpoint after `events` and announces them; the new checkpoint.
async fn finish(
    conn: &mut PgConnection,
    projection: Projection,
    start: Checkpoint,
    events: &[OrderedEvent],
) -> Result<Checkpoint, sqlx::Error> {
    let Some(last) = events.last() else {
        return Ok(start);
    };
    sqlx::query(
        "UPDATE projection_checkpoints SET transaction_id = $2::text::xid8, position = $3, \
             events_applied = events_applied + $4, updated_at = now() WHERE name = $1",
    )
    .bind(projection.name())
    .bind(last.checkpoint.transaction_id_text())
    .bind(last.checkpoint.position)
    .bind(events.len() as i64)
    .execute(&mut *conn)
    .await?;
    announce(conn, projection, events).await?;
    Ok(last.checkpoint)
}

/// Tells listeners (on commit) what changed: the position reached, the checkpoint (so a
/// waiting read can tell whether its event is applied without asking the database) and the
/// creatures touched.
async fn announce(
    conn: &mut PgConnection,
    projection: Projection,
    events: &[OrderedEvent],
) -> Result<(), sqlx::Error> {
    let creatures: BTreeSet<uuid::Uuid> = events
        .iter()
        .filter(|ordered| ordered.event.stream_type == "creature")
        .map(|ordered| ordered.event.stream_id)
        .collect();
    let position = events
        .iter()
        .map(|ordered| ordered.event.position)
        .max()
        .unwrap_or(0);
    let checkpoint = events.last().map(|last| last.checkpoint);
    let notice = if creatures.len() > MAX_NOTICE_IDS {
        json!({"projection": projection.name(), "position": position, "checkpoint": checkpoint, "creatures": null})
    } else {
        json!({"projection": projection.name(), "position": position, "checkpoint": checkpoint, "creatures": creatures})
    };
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(PROJECTION_CHANNEL)
        .bind(notice.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps the events before the poison one and records the projection as failed there.
async fn stop_at_poison(
    pool: &PgPool,
    projection: Projection,
    start: Checkpoint,
    events: &[OrderedEvent],
    index: usize,
    error: &ApplyError,
) -> Result<BatchOutcome, ApplyError> {
    let mut tx = pool.begin().await?;
    use_schema(&mut tx, projection.schema()).await?;
    let (current, failed) = lock_checkpoint(&mut tx, projection).await?;
    if current != start || failed {
        // Someone else moved it meanwhile; nothing of ours to record.
        return Ok(BatchOutcome {
            applied: 0,
            checkpoint: current,
            caught_up: false,
            failed,
        });
    }
    let good = &events[..index];
    apply_all(&mut tx, projection, good)
        .await
        .map_err(|(_, error)| error)?;
    let checkpoint = finish(&mut tx, projection, start, good).await?;
    let poison = &events[index].event;
    sqlx::query(
        "UPDATE projection_checkpoints SET state = 'failed', failed_position = $2, failed_reason = $3, \
             updated_at = now() WHERE name = $1",
    )
    .bind(projection.name())
    .bind(poison.position)
    .bind(format!("{} (event {} at position {})", error, poison.event_type, poison.position))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::error!(
        projection = projection.name(),
        position = poison.position,
        %error,
        "projection stopped on an event it cannot apply"
    );
    Ok(BatchOutcome {
        applied: good.len(),
        checkpoint,
        caught_up: true,
        failed: true,
    })
}
