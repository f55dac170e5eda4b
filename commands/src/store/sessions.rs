//! Reading the session epochs the appends record (`session_epochs`), for the caches that
//! check tokens against them: whole, then only what changed since a read.

use crate::error::StoreError;
use sqlx::PgPool;
use uuid::Uuid;

/// The PostgreSQL channel told, on commit, of every user whose sessions ended.
pub const SESSION_EPOCHS_CHANNEL: &str = "bestiary_session_epochs";

/// Epochs read from the store, and where the next read starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochChanges {
    /// Users and their current epoch.
    pub epochs: Vec<(Uuid, u32)>,
    /// The oldest transaction still running at this read: rows a later read must look at
    /// again, since their writers may commit after it. Pass it to the next read.
    pub horizon: u64,
}

/// The epochs written by transactions from `horizon` on (everything with `None`). A row
/// committed after this read is written by a transaction at or past the returned horizon, so
/// reading again from there never misses one.
pub async fn epochs_since(pool: &PgPool, horizon: Option<u64>) -> Result<EpochChanges, StoreError> {
    // Read before the rows: a transaction not finished now has an id at or past this, so
    // whatever it writes is read again next time.
    let horizon_now: String =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            .fetch_one(pool)
            .await?;
    let rows: Vec<(Uuid, i32)> = sqlx::query_as(
        "SELECT user_id, epoch FROM session_epochs WHERE changed_in >= $1::text::xid8",
    )
    .bind(horizon.unwrap_or(0).to_string())
    .fetch_all(pool)
    .await?;
    Ok(EpochChanges {
        epochs: rows
            .into_iter()
            .map(|(user, epoch)| (user, u32::try_from(epoch).unwrap_or(0)))
            .collect(),
        horizon: horizon_now.parse().unwrap_or(0),
    })
}

/// One user's current session epoch (0 if their sessions never ended).
pub async fn epoch_of(pool: &PgPool, user_id: Uuid) -> Result<u32, StoreError> {
    let epoch: Option<i32> =
        sqlx::query_scalar("SELECT epoch FROM session_epochs WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    Ok(epoch.map_or(0, |epoch| u32::try_from(epoch).unwrap_or(0)))
}
