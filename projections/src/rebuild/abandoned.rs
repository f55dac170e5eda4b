//! Rebuilds whose process died: their row says they run, but nobody holds their lease.

use crate::lease::{LEASE_CLASS, Lease, REBUILD_BASE};
use crate::projection;
use sqlx::PgPool;

/// Why an abandoned rebuild failed, as admins read it.
pub const ABANDONED: &str =
    "its process stopped before it finished; the live tables are unchanged, start it again";

/// Records as failed the rebuilds whose row says they run while nobody holds their lease: their
/// process ended (killed, crashed, lost its connection) before they finished. The swap records
/// `done` in its own transaction, so such a rebuild never swapped: the live tables are as they
/// were, and the next rebuild clears the shadow it left.
pub(super) async fn fail_abandoned(pool: &PgPool) -> Result<(), sqlx::Error> {
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
