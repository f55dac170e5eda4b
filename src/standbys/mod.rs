//! Hot standbys of the primary (PostgreSQL streaming replication, `DATABASE_READ_URL`) that
//! serve queries. Each is picked in turn ([`Standbys::pick`]), skipping one that is down or
//! trails the primary by more than `READ_MAX_LAG_MS`; a background task per standby
//! ([`health`]) keeps its state, lag and replicated checkpoints current, so picking one costs
//! no round trip.
//!
//! A standby replays the primary's `projection_checkpoints` rows with the read rows they
//! commit with, so "this standby's projection has applied position P" is read on the standby
//! itself; a read waiting for P awaits [`Standby::reaches`].

mod health;
mod lag;

use crate::config::{ReadFallback, ReadsConfig};
use projections::{Checkpoint, Projection, status};
use serde::Serialize;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How long one query of the health check, or the last look at a standby's checkpoints, may
/// take before the standby counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// Each projection's checkpoint on a standby, by name.
type Checkpoints = BTreeMap<String, Checkpoint>;

/// The standbys, in the order of `DATABASE_READ_URL`.
#[derive(Clone, Debug, Default)]
pub struct Standbys {
    list: Arc<[Arc<Standby>]>,
    next: Arc<AtomicUsize>,
    fallback: ReadFallback,
    max_lag: Duration,
}

impl Standbys {
    /// Pools on the configured standbys (connected lazily: a standby down at start is only
    /// reported), each followed by its health check against `primary`.
    pub fn connect(config: &ReadsConfig, primary: &PgPool) -> anyhow::Result<Self> {
        let mut list = Vec::new();
        for (index, url) in config.urls().iter().enumerate() {
            let options = PgConnectOptions::from_str(url.expose()).map_err(|error| {
                anyhow::anyhow!(
                    "DATABASE_READ_URL: entry {} is not a valid PostgreSQL URL ({error})",
                    index + 1
                )
            })?;
            let pool = crate::db::pool_options(config.read_pool_size)
                // A standby that went away is given up quickly; the primary answers instead.
                .acquire_timeout(CHECK_TIMEOUT)
                .connect_lazy_with(options);
            let standby = Arc::new(Standby::new(format!("standby-{index}"), pool));
            health::follow(
                &standby,
                primary.clone(),
                config.health_interval(),
                config.max_lag(),
            );
            list.push(standby);
        }
        Ok(Self {
            list: list.into(),
            next: Arc::new(AtomicUsize::new(0)),
            fallback: config.read_fallback,
            max_lag: config.max_lag(),
        })
    }

    /// The next standby in turn that is up and close enough to the primary, if any.
    pub fn pick(&self) -> Option<Arc<Standby>> {
        let count = self.list.len();
        if count == 0 {
            return None;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|offset| &self.list[(start + offset) % count])
            .find(|standby| standby.serves())
            .cloned()
    }

    /// Every standby, in order.
    pub fn all(&self) -> &[Arc<Standby>] {
        &self.list
    }

    /// What a read with `min_position` gets when its standby is late.
    pub fn fallback(&self) -> ReadFallback {
        self.fallback
    }

    /// How far a standby may trail the primary.
    pub fn max_lag(&self) -> Duration {
        self.max_lag
    }
}

/// One standby: its pool, its health and its replicated checkpoints.
#[derive(Debug)]
pub struct Standby {
    name: String,
    pool: PgPool,
    health: watch::Sender<Health>,
    checkpoints: watch::Sender<Checkpoints>,
    /// Wakes the health task for a read that starts waiting.
    wake: Notify,
}

/// A standby's state as its last check saw it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Health {
    /// Whether it serves reads.
    pub status: StandbyStatus,
    /// How far behind the primary it is, at most, in milliseconds: it had replayed all the
    /// primary had written this long ago (unknown while it is down).
    pub lag_ms: Option<u64>,
    /// How many positions of the log it has not replayed yet (unknown while it is down).
    pub lag_positions: Option<i64>,
}

/// Whether a standby serves reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StandbyStatus {
    /// It answers and is close enough to the primary: it serves.
    Up,
    /// It answers but trails the primary by more than `READ_MAX_LAG_MS`: skipped.
    Lagging,
    /// It does not answer (or is not a standby in recovery): skipped.
    Down,
}

impl Standby {
    fn new(name: String, pool: PgPool) -> Self {
        Self {
            name,
            pool,
            health: watch::Sender::new(Health::down()),
            checkpoints: watch::Sender::new(Checkpoints::new()),
            wake: Notify::new(),
        }
    }

    /// Its name (`standby-0`, … in the order of `DATABASE_READ_URL`), never its URL.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Its state as its last check saw it.
    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    /// Whether it serves reads now.
    pub fn serves(&self) -> bool {
        self.health.borrow().status == StandbyStatus::Up
    }

    /// Takes it out of service until its next check finds it answering (a query on it failed
    /// to reach it).
    pub fn mark_down(&self) {
        self.health.send_if_modified(|health| {
            let changed = health.status != StandbyStatus::Down;
            *health = Health::down();
            changed
        });
    }

    /// Whether its `projection` is known to have applied the event at `at`.
    pub fn has_applied(&self, projection: &dyn Projection, at: Checkpoint) -> bool {
        reached(&self.checkpoints.borrow(), projection, at)
    }

    /// Completes once its `projection` is seen to have applied the event at `at` (its
    /// checkpoints are read often while a read waits).
    pub async fn reaches(&self, projection: &dyn Projection, at: Checkpoint) {
        let mut checkpoints = self.checkpoints.subscribe();
        self.wake.notify_one();
        // The sender lives as long as `self`: the wait ends only when the checkpoint is seen.
        let _ = checkpoints
            .wait_for(|checkpoints| reached(checkpoints, projection, at))
            .await;
    }

    /// Reads its checkpoints once more (the last word at a wait's bound): whether
    /// `projection` has applied the event at `at`. A standby that does not answer has not.
    pub async fn applied_on_database(&self, projection: &dyn Projection, at: Checkpoint) -> bool {
        match tokio::time::timeout(CHECK_TIMEOUT / 4, status::checkpoints(&self.pool)).await {
            Ok(Ok(checkpoints)) => {
                self.advance(checkpoints);
                self.has_applied(projection, at)
            }
            _ => false,
        }
    }

    /// Keeps the furthest checkpoint known of each projection.
    fn advance(&self, checkpoints: Vec<(String, Checkpoint)>) {
        self.checkpoints.send_if_modified(|known| {
            let mut further = false;
            for (name, checkpoint) in checkpoints {
                let entry = known.entry(name).or_default();
                if checkpoint > *entry {
                    *entry = checkpoint;
                    further = true;
                }
            }
            further
        });
    }
}

impl Health {
    fn down() -> Self {
        Self {
            status: StandbyStatus::Down,
            lag_ms: None,
            lag_positions: None,
        }
    }
}

fn reached(checkpoints: &Checkpoints, projection: &dyn Projection, at: Checkpoint) -> bool {
    checkpoints
        .get(projection.name())
        .is_some_and(|checkpoint| *checkpoint >= at)
}

/// Describes the standbys' metrics to the registry.
pub fn describe() {
    health::describe();
}
