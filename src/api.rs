//! The API service: built from a pool and its configuration, bound before it runs so tests
//! can start it on port 0 and ask for the port.

use crate::accounts::{Accounts, Registration};
use crate::auth::{KeyRing, PasswordHasher, SessionEpochs};
use crate::config::{ApiConfig, RedisConfig, Secret};
use crate::http::idempotency::FingerprintKey;
use crate::http::state::{AppState, LoginRateLimits};
use crate::http::throttle::Throttle;
use crate::http::{self, live, progress::Progress};
use crate::serve::{Timeouts, serve};
use crate::standbys::Standbys;
use commands::{CommandHandler, EventStore};
use domain::values::{DisplayName, Email, Password};
use redis_link::notify;
use sqlx::PgPool;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The shortest `SECRET_KEY` accepted.
pub const MIN_SECRET_CHARS: usize = 32;

/// A bound, ready-to-run API.
pub struct Api {
    listener: TcpListener,
    router: axum::Router,
    timeouts: Timeouts,
}

impl Api {
    /// Checks the secret, loads the key ring, makes sure the bootstrap admin exists, binds.
    pub async fn build(
        pool: PgPool,
        config: &ApiConfig,
        redis_config: &RedisConfig,
        secret: Secret,
    ) -> anyhow::Result<Self> {
        if secret.expose().chars().count() < MIN_SECRET_CHARS {
            anyhow::bail!("SECRET_KEY must be at least {MIN_SECRET_CHARS} characters");
        }
        crate::prometheus::handle();
        let redis = Arc::new(redis_config.link()?);
        let commands = CommandHandler::new(EventStore::new(pool.clone()))
            .with_commit_hook(notify::head_publisher(redis.clone()));
        let limits = &config.login_limits;
        let hasher = PasswordHasher::new(
            config.bcrypt_cost,
            limits.bcrypt_concurrency(),
            limits.bcrypt_queue,
        );
        let accounts = Accounts::new(commands.clone(), hasher);
        ensure_bootstrap_admin(&accounts, config).await?;
        let fingerprint_key = FingerprintKey::derive(&secret);
        let keys = Arc::new(KeyRing::load(pool.clone(), secret, config.access_token_ttl()).await?);
        let sessions = SessionEpochs::load(pool.clone()).await?;
        let redis_client = redis::Client::open(redis_config.redis_url.as_str()).ok();
        if let Some(client) = redis_client.clone() {
            crate::auth::ring_sync::follow(keys.clone(), client, &redis_config.redis_prefix);
        }
        sessions.follow(redis_client, &redis_config.redis_prefix);
        spawn_idempotency_cleanup(pool.clone());
        let throttle = Throttle::new(redis.clone(), fingerprint_key.clone());
        let notices = live::listen(pool.clone());
        let standbys = Standbys::connect(&config.reads, &pool)?;
        let state = AppState {
            commands,
            accounts,
            keys,
            sessions,
            progress: Progress::follow(pool.clone(), &notices),
            live: notices,
            standbys,
            pool,
            redis,
            read_wait: config.read_wait(),
            throttle,
            login_limits: LoginRateLimits::new(&config.login_limits),
            trusted_proxies: Arc::new(config.login_limits.trusted_proxies.clone()),
            fingerprint_key,
            idempotency_ttl: config.idempotency_ttl(),
        };
        let router = http::router(state, &config.allowed_origins());
        let listener = TcpListener::bind(config.api_addr)
            .await
            .map_err(|error| anyhow::anyhow!("cannot listen on {} ({error})", config.api_addr))?;
        Ok(Self {
            listener,
            router,
            timeouts: config.http.timeouts(),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then drains open requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "API listening");
        serve(self.listener, self.router, self.timeouts, shutdown).await
    }
}

/// Deletes expired idempotency answers every few minutes, in small batches.
fn spawn_idempotency_cleanup(pool: PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            every.tick().await;
            loop {
                match commands::idempotency::delete_expired(&pool, 1000).await {
                    Ok(0) => break,
                    Ok(deleted) => tracing::debug!(deleted, "expired idempotency answers deleted"),
                    Err(error) => {
                        tracing::warn!(%error, "cleaning up idempotency answers failed");
                        break;
                    }
                }
            }
        }
    });
}

/// With `ADMIN_EMAIL` and `ADMIN_PASSWORD` set, that admin exists after start. Empty values
/// count as unset (Docker Compose passes `${ADMIN_EMAIL:-}` as an empty string).
async fn ensure_bootstrap_admin(accounts: &Accounts, config: &ApiConfig) -> anyhow::Result<()> {
    let email = config
        .admin_email
        .as_deref()
        .filter(|email| !email.is_empty());
    let password = config
        .admin_password
        .as_ref()
        .filter(|password| !password.expose().is_empty());
    let (Some(email), Some(password)) = (email, password) else {
        return Ok(());
    };
    let registration = Registration {
        email: Email::parse(email).map_err(|error| anyhow::anyhow!("ADMIN_EMAIL: {error}"))?,
        password: Password::parse(password.expose())
            .map_err(|error| anyhow::anyhow!("ADMIN_PASSWORD: {error}"))?,
        display_name: DisplayName::parse("Administrator")?,
    };
    let id = accounts.ensure_admin(registration).await?;
    tracing::info!(admin = %id, email = %email, "bootstrap admin is ready");
    Ok(())
}
