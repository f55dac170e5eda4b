//! What every handler can reach.

use super::idempotency::FingerprintKey;
use super::live::Notice;
use super::metrics::Metrics;
use super::progress::Progress;
use crate::accounts::Accounts;
use crate::auth::KeyRing;
use commands::CommandHandler;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use worker::redis_link::RedisLink;

/// The API's shared state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Runs commands against the event store.
    pub commands: CommandHandler,
    /// Registers users and checks credentials.
    pub accounts: Accounts,
    /// Signs and verifies access tokens.
    pub keys: Arc<KeyRing>,
    /// The database: read models and health checks.
    pub pool: PgPool,
    /// Redis (optional at run time: the API works without it).
    pub redis: Arc<RedisLink>,
    /// Live notices of projection progress.
    pub live: broadcast::Sender<Notice>,
    /// How far each projection has got, for reads waiting for a position.
    pub progress: Progress,
    /// Request metrics.
    pub metrics: Metrics,
    /// How long a read with `min_position` may wait.
    pub read_wait: Duration,
    /// Keys request fingerprints (idempotency).
    pub fingerprint_key: FingerprintKey,
    /// How long a keyed command's answer is kept.
    pub idempotency_ttl: Duration,
}
