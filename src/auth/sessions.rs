//! Session epochs, kept current in memory so that checking a token costs no database round
//! trip. Every token carries its user's epoch ([`Claims::sep`]); the event store moves a user's
//! epoch on, in the append's transaction, when their role or password changes or they log out
//! everywhere (`session_epochs`), and a token of an earlier epoch is refused.
//!
//! How current the cache is (its staleness bound):
//! - on the instance that ran the command: at once, since the handler
//!   [refreshes](SessionEpochs::ended) before it answers;
//! - on every other instance: when PostgreSQL `NOTIFY` (sent on commit) or the Redis
//!   announcement arrives, usually within milliseconds;
//! - if both are lost: at the next periodic read, at most [`SYNC_INTERVAL`] later;
//! - if the database cannot be read for longer than [`MAX_STALENESS`], each token is checked
//!   against the database directly, and refused (503) when that fails too.

use super::tokens::{Claims, TokenError};
use commands::store::sessions::{self, SESSION_EPOCHS_CHANNEL};
use redis_link::RedisLink;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Notify};
use uuid::Uuid;

/// How often the epochs are read again even when no change was announced.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);
/// How old the cache may be before tokens are checked against the database instead.
pub const MAX_STALENESS: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Known {
    /// Users whose sessions ended at least once, with their epoch (others are at 0).
    epochs: HashMap<Uuid, u32>,
    /// Where the next read starts (`None`: read everything).
    horizon: Option<u64>,
    /// When the last read succeeded.
    synced_at: Option<Instant>,
}

impl Known {
    fn raise(&mut self, user: Uuid, epoch: u32) {
        let known = self.epochs.entry(user).or_insert(0);
        *known = (*known).max(epoch);
    }
}

/// The session epochs of every user, as this instance knows them.
pub struct SessionEpochs {
    pool: PgPool,
    known: RwLock<Known>,
    /// One read of the store at a time.
    reading: Mutex<()>,
    /// Wakes the follower: a change was announced.
    announced: Notify,
}

impl std::fmt::Debug for SessionEpochs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionEpochs").finish_non_exhaustive()
    }
}

/// The Redis channel ended sessions are announced on.
pub fn channel(prefix: &str) -> String {
    format!("{prefix}:session-epochs")
}

impl SessionEpochs {
    /// Reads every epoch; fails if the store cannot be read.
    pub async fn load(pool: PgPool) -> Result<Arc<Self>, commands::StoreError> {
        let epochs = Arc::new(Self {
            pool,
            known: RwLock::new(Known::default()),
            reading: Mutex::new(()),
            announced: Notify::new(),
        });
        epochs.refresh().await?;
        Ok(epochs)
    }

    /// Reads what changed since the last read.
    pub async fn refresh(&self) -> Result<(), commands::StoreError> {
        let _reading = self.reading.lock().await;
        let horizon = self.read_known().horizon;
        let changes = sessions::epochs_since(&self.pool, horizon).await?;
        let mut known = self.write_known();
        for (user, epoch) in changes.epochs {
            known.raise(user, epoch);
        }
        known.horizon = Some(changes.horizon);
        known.synced_at = Some(Instant::now());
        Ok(())
    }

    /// After a command that ended a user's sessions: this instance reads the change before
    /// answering, and the others are told over Redis (they also hear PostgreSQL's `NOTIFY`).
    pub async fn ended(&self, redis: &RedisLink, user: Uuid) -> Result<(), TokenError> {
        self.refresh()
            .await
            .map_err(|error| TokenError::SessionsUnavailable(error.to_string()))?;
        redis
            .publish(&channel(redis.prefix()), &user.to_string())
            .await;
        Ok(())
    }

    /// Whether a verified token's session is still open.
    pub async fn check(&self, claims: &Claims) -> Result<(), TokenError> {
        let (known, fresh) = {
            let known = self.read_known();
            (
                known.epochs.get(&claims.sub).copied().unwrap_or(0),
                known
                    .synced_at
                    .is_some_and(|at| at.elapsed() <= MAX_STALENESS),
            )
        };
        if fresh && claims.sep == known {
            return Ok(());
        }
        if fresh && claims.sep < known {
            return Err(TokenError::SessionEnded);
        }
        // A stale cache, or a token of an epoch this instance has not read yet (issued by an
        // instance that read it first): ask the store.
        let current = sessions::epoch_of(&self.pool, claims.sub)
            .await
            .map_err(|error| TokenError::SessionsUnavailable(error.to_string()))?;
        self.write_known().raise(claims.sub, current);
        if claims.sep == current {
            Ok(())
        } else {
            Err(TokenError::SessionEnded)
        }
    }

    /// Keeps the epochs current for as long as the process runs: reads again on every
    /// `NOTIFY`, every Redis announcement, and every [`SYNC_INTERVAL`].
    pub fn follow(self: &Arc<Self>, redis: Option<redis::Client>, prefix: &str) {
        let epochs = self.clone();
        tokio::spawn(async move {
            loop {
                let _ = tokio::time::timeout(SYNC_INTERVAL, epochs.announced.notified()).await;
                if let Err(error) = epochs.refresh().await {
                    tracing::warn!(%error, "reading session epochs failed");
                }
            }
        });
        let epochs = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = epochs.listen().await {
                    tracing::debug!(%error, "session epoch notices interrupted");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        if let Some(client) = redis {
            let epochs = self.clone();
            redis_link::wake::follow(client, channel(prefix), move || {
                epochs.announced.notify_one();
                std::future::ready(())
            });
        }
    }

    async fn listen(&self) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(SESSION_EPOCHS_CHANNEL).await?;
        loop {
            listener.recv().await?;
            self.announced.notify_one();
        }
    }

    fn read_known(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_known(&self) -> std::sync::RwLockWriteGuard<'_, Known> {
        self.known
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
