//! The background worker of Bestiary: it keeps every projection up to date with the log.
//!
//! Redis only wakes it: the API publishes the head position after each commit ([`redis_link::wake`]).
//! The truth is the events table and each projection's checkpoint in PostgreSQL, so with Redis
//! gone the worker polls at a bounded interval and loses nothing. Several workers may run:
//! each projection is run by whichever holds its [`lease`] (a PostgreSQL advisory lock on a
//! connection of its own, released when that worker dies), and [`projector`] runs it.
//! [`avatars`] turns avatar requests into jobs on a Redis stream and runs them against the
//! ai-service. [`rebuilds`] performs the projection rebuilds admins ask for. [`metrics`]
//! records what it does through the `metrics` facade; the binary exports it.

pub mod avatars;
pub mod committed;
pub use projections::lease;
pub mod metrics;
pub mod projector;
pub mod rebuilds;

use redis_link::{notify, wake};
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the worker behaves.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Redis URL (the wake-up channel).
    pub redis_url: String,
    /// Prefix of every Redis key and channel this deployment uses.
    pub redis_prefix: String,
    /// Events applied per transaction.
    pub batch_size: i64,
    /// How often to look for new events while Redis is unreachable.
    pub poll_interval: Duration,
    /// How often to look anyway while Redis is connected (a lost message costs at most this).
    pub idle_interval: Duration,
    /// Avatar jobs (none: this worker runs projections only).
    pub avatars: Option<avatars::AvatarSettings>,
    /// Timeout and circuit of the link that announces recorded avatar outcomes.
    pub redis_link: redis_link::LinkSettings,
}

impl WorkerSettings {
    /// Defaults for a Redis URL and prefix.
    pub fn new(redis_url: impl Into<String>, redis_prefix: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            redis_prefix: redis_prefix.into(),
            batch_size: 5_000,
            poll_interval: Duration::from_millis(500),
            idle_interval: Duration::from_secs(5),
            avatars: None,
            redis_link: redis_link::LinkSettings::default(),
        }
    }
}

/// Why the worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The Redis URL does not parse.
    #[error("REDIS_URL is not a valid Redis URL ({0})")]
    InvalidRedisUrl(String),
}

/// The worker: one task per projection, one listening to Redis, and the avatar jobs.
pub struct Worker {
    pool: PgPool,
    settings: WorkerSettings,
}

impl Worker {
    /// A worker over the given pool.
    pub fn new(pool: PgPool, settings: WorkerSettings) -> Self {
        Self { pool, settings }
    }

    /// Runs until `shutdown` completes; then each projection finishes its batch and stops.
    /// Dropping the returned future stops everything at once (a crash: batches roll back).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), WorkerError> {
        let client = redis::Client::open(self.settings.redis_url.as_str())
            .map_err(|error| WorkerError::InvalidRedisUrl(error.to_string()))?;
        metrics::register();
        let mut tasks = JoinSet::new();
        let wake = wake::listen(&mut tasks, client.clone(), &self.settings.redis_prefix);
        let (stop, stopped) = watch::channel(false);
        let mut projectors = JoinSet::new();
        let committed = committed::Committed::default();
        for projection in projections::projection::ALL {
            projectors.spawn(projector::run(
                self.pool.clone(),
                projection,
                self.settings.clone(),
                wake.clone(),
                committed.clone(),
                stopped.clone(),
            ));
        }
        // A rebuild in progress at shutdown is abandoned (its lease ends with the process;
        // the live tables are untouched) rather than waited for.
        tasks.spawn(rebuilds::run(
            self.pool.clone(),
            client.clone(),
            self.settings.clone(),
            wake.clone(),
            stopped.clone(),
        ));
        if let Some(avatars) = &self.settings.avatars {
            self.spawn_avatar_jobs(&mut projectors, avatars, &client, &wake, &stopped);
        }
        tasks.spawn(metrics::sample(
            self.pool.clone(),
            client.clone(),
            self.settings.redis_prefix.clone(),
            stopped.clone(),
        ));
        tracing::info!("worker running");
        shutdown.await;
        let _ = stop.send(true);
        while projectors.join_next().await.is_some() {}
        tasks.abort_all();
        tracing::info!("worker stopped");
        Ok(())
    }

    fn spawn_avatar_jobs(
        &self,
        tasks: &mut JoinSet<()>,
        settings: &avatars::AvatarSettings,
        client: &redis::Client,
        wake: &wake::Wake,
        stopped: &watch::Receiver<bool>,
    ) {
        let prefix = &self.settings.redis_prefix;
        tasks.spawn(avatars::dispatch::dispatch(
            self.pool.clone(),
            client.clone(),
            prefix.clone(),
            wake.clone(),
            self.settings.poll_interval,
            stopped.clone(),
        ));
        // Outcomes wake every worker's projections, as the API's commands do.
        let link = match redis_link::RedisLink::new(
            &self.settings.redis_url,
            prefix,
            self.settings.redis_link,
        ) {
            Ok(link) => std::sync::Arc::new(link),
            Err(error) => {
                tracing::error!(%error, "avatar jobs cannot start");
                return;
            }
        };
        let commands = commands::CommandHandler::new(commands::EventStore::new(self.pool.clone()))
            .with_commit_hook(notify::head_publisher(link));
        let generator = match avatars::generate::Generator::new(commands, settings.clone()) {
            Ok(generator) => generator,
            Err(error) => {
                tracing::error!(%error, "avatar jobs cannot start");
                return;
            }
        };
        let worker_id = uuid::Uuid::new_v4().simple().to_string();
        for n in 0..settings.concurrency.max(1) {
            tasks.spawn(avatars::jobs::consume(
                generator.clone(),
                client.clone(),
                prefix.clone(),
                format!("{worker_id}-{n}"),
                stopped.clone(),
            ));
        }
    }
}

/// Waits `duration`, or less if `stop` changes meanwhile.
pub(crate) async fn pause(stop: &mut watch::Receiver<bool>, duration: Duration) {
    tokio::select! {
        () = tokio::time::sleep(duration) => {}
        _ = stop.changed() => {}
    }
}
