//! What every handler can reach.

use super::idempotency::FingerprintKey;
use super::live::Notice;
use super::progress::Progress;
use super::throttle::{Limit, Throttle};
use crate::accounts::Accounts;
use crate::auth::{Authenticator, KeyRing, SessionEpochs};
use crate::standbys::Standbys;
use axum::extract::FromRef;
use commands::CommandHandler;
use redis_link::RedisLink;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The API's shared state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Runs commands against the event store.
    pub commands: CommandHandler,
    /// Registers users and checks credentials.
    pub accounts: Accounts,
    /// Signs and verifies access tokens.
    pub keys: Arc<KeyRing>,
    /// The users' session epochs: a verified token is valid only in its user's current one.
    pub sessions: Arc<SessionEpochs>,
    /// The primary database: read models (without standbys) and health checks.
    pub pool: PgPool,
    /// Hot standbys that serve queries (none without `DATABASE_READ_URL`).
    pub standbys: Standbys,
    /// Redis (optional at run time: the API works without it).
    pub redis: Arc<RedisLink>,
    /// Live notices of projection progress.
    pub live: broadcast::Sender<Notice>,
    /// How far each projection has got, for reads waiting for a position.
    pub progress: Progress,
    /// How long a read with `min_position` may wait.
    pub read_wait: Duration,
    /// Keys request fingerprints (idempotency).
    pub fingerprint_key: FingerprintKey,
    /// How long a keyed command's answer is kept.
    pub idempotency_ttl: Duration,
    /// Counts logins and registrations against their limits.
    pub throttle: Throttle,
    /// The limits on logins and registrations.
    pub login_limits: LoginRateLimits,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
}

/// The rate limits on logins and registrations.
#[derive(Clone, Copy, Debug)]
pub struct LoginRateLimits {
    /// Login attempts per client address.
    pub attempts_per_address: Limit,
    /// Failed logins per account.
    pub failures_per_account: Limit,
    /// Registrations per client address.
    pub registrations_per_address: Limit,
}

impl LoginRateLimits {
    /// The limits as configured.
    pub fn new(config: &crate::config::LoginLimits) -> Self {
        Self {
            attempts_per_address: Limit {
                name: "login-address",
                max: config.login_attempts_per_minute,
                window: Duration::from_secs(60),
            },
            failures_per_account: Limit {
                name: "login-account",
                max: config.login_failures_per_account,
                window: Duration::from_secs(15 * 60),
            },
            registrations_per_address: Limit {
                name: "register-address",
                max: config.registrations_per_hour,
                window: Duration::from_secs(3600),
            },
        }
    }
}

impl FromRef<AppState> for Authenticator {
    fn from_ref(state: &AppState) -> Self {
        Authenticator {
            keys: state.keys.clone(),
            sessions: state.sessions.clone(),
        }
    }
}
