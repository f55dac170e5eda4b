//! Claiming a rebuild: its lease, taken for the whole run, and its row moved to `running`.

use super::RebuildError;
use super::shadow;
use crate::lease::{Lease, REBUILD_BASE};
use crate::projection::Projection;
use sqlx::PgPool;

/// A claimed rebuild: its lease is held until it ends.
pub struct Rebuild {
    pub(super) projection: &'static dyn Projection,
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
pub(super) async fn start(
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
}
