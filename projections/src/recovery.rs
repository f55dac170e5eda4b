//! Getting a failed projection going again: retry the event it stopped at (after a fix was
//! deployed), or skip it (recorded by the caller as an admin action).

use crate::projection::Projection;
use sqlx::PgPool;

/// Why a recovery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The projection is not failed.
    #[error("{0} is not failed")]
    NotFailed(&'static str),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The event a failed projection stopped at: (position, reason).
pub async fn failure(
    pool: &PgPool,
    projection: Projection,
) -> Result<(i64, String), RecoveryError> {
    let row: Option<(Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT failed_position, failed_reason FROM projection_checkpoints WHERE name = $1 AND state = 'failed'",
    )
    .bind(projection.name())
    .fetch_optional(pool)
    .await?;
    match row {
        Some((Some(position), reason)) => Ok((position, reason.unwrap_or_default())),
        _ => Err(RecoveryError::NotFailed(projection.name())),
    }
}

/// Runs the projection again from where it stopped (the same event is tried again).
pub async fn retry(pool: &PgPool, projection: Projection) -> Result<(), RecoveryError> {
    let resumed = sqlx::query(
        "UPDATE projection_checkpoints SET state = 'running', failed_position = NULL, failed_reason = NULL, \
             updated_at = now() WHERE name = $1 AND state = 'failed'",
    )
    .bind(projection.name())
    .execute(pool)
    .await?;
    if resumed.rows_affected() == 0 {
        return Err(RecoveryError::NotFailed(projection.name()));
    }
    Ok(())
}

/// Moves the projection past the event it stopped at (`position`) and runs it again.
pub async fn skip(
    pool: &PgPool,
    projection: Projection,
    position: i64,
) -> Result<(), RecoveryError> {
    let skipped = sqlx::query(
        "UPDATE projection_checkpoints c SET transaction_id = e.transaction_id, position = e.position, \
             events_applied = c.events_applied + 1, state = 'running', failed_position = NULL, \
             failed_reason = NULL, updated_at = now() \
         FROM events e WHERE e.position = $2 AND c.name = $1 AND c.state = 'failed' AND c.failed_position = $2",
    )
    .bind(projection.name())
    .bind(position)
    .execute(pool)
    .await?;
    if skipped.rows_affected() == 0 {
        return Err(RecoveryError::NotFailed(projection.name()));
    }
    Ok(())
}
