//! Rebuilds asked for through the API and performed by a worker: the request is a row
//! (`state = 'requested'`) that a worker claims by taking the rebuild's lease and moving the
//! row to `running` in one conditional update, so two workers never run one request. Workers
//! are woken by Redis when a request is made and look on their poll interval otherwise.

use super::abandoned::fail_abandoned;
use super::claim::start;
use super::{Rebuild, RebuildError, shadow};
use crate::lease::{Lease, REBUILD_BASE};
use crate::projection::{self, Projection};
use sqlx::PgPool;

/// Records a request to rebuild each of `projections`: all of them, or none if one has a
/// rebuild requested or running.
pub async fn request(
    pool: &PgPool,
    projections: &[&'static dyn Projection],
) -> Result<(), RebuildError> {
    fail_abandoned(pool).await?;
    let names: Vec<&str> = projections.iter().map(|p| p.name()).collect();
    let mut tx = pool.begin().await?;
    // Two requests at once must not both find nothing active.
    sqlx::query("LOCK TABLE projection_rebuilds IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let active: Option<String> = sqlx::query_scalar(
        "SELECT name FROM projection_rebuilds \
         WHERE name = ANY($1) AND state IN ('requested', 'running', 'cancelling') LIMIT 1",
    )
    .bind(&names)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(name) = active.and_then(|name| projection::find(&name)) {
        return Err(RebuildError::AlreadyRunning(name.name()));
    }
    for projection in projections {
        sqlx::query(
            "INSERT INTO projection_rebuilds (name, state, shadow) VALUES ($1, 'requested', $2) \
             ON CONFLICT (name) DO UPDATE SET state = 'requested', shadow = EXCLUDED.shadow, \
                 transaction_id = '0', position = 0, events_done = 0, events_total = 0, \
                 started_at = now(), updated_at = now(), finished_at = NULL, error = NULL",
        )
        .bind(projection.name())
        .bind(shadow(*projection))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The projections whose rebuild is requested and not claimed yet.
pub async fn requested(pool: &PgPool) -> Result<Vec<&'static dyn Projection>, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM projection_rebuilds WHERE state = 'requested' ORDER BY started_at, name",
    )
    .fetch_all(pool)
    .await?;
    Ok(names
        .iter()
        .filter_map(|name| projection::find(name))
        .collect())
}

/// Claims the requested rebuild of `projection`; `None` if another worker has it, or it is no
/// longer requested.
pub async fn claim_requested(
    pool: &PgPool,
    projection: &'static dyn Projection,
) -> Result<Option<Rebuild>, RebuildError> {
    let options = (*pool.connect_options()).clone();
    let Some(lease) = Lease::try_acquire(&options, REBUILD_BASE + projection.index()).await? else {
        return Ok(None);
    };
    let still: Option<String> = sqlx::query_scalar(
        "SELECT name FROM projection_rebuilds WHERE name = $1 AND state = 'requested'",
    )
    .bind(projection.name())
    .fetch_optional(pool)
    .await?;
    if still.is_none() {
        lease.release().await;
        return Ok(None);
    }
    start(pool, projection, lease).await.map(Some)
}
