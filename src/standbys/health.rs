//! The health check of one standby, in a task of its own: every `READ_HEALTH_INTERVAL_MS` it
//! samples the primary (WAL position and log head) and the standby (whether it is in
//! recovery, what it has replayed, its head and its projections' checkpoints), and publishes
//! the standby's state, lag and checkpoints, and the lag as metrics. While reads wait for a
//! position on the standby, its checkpoints alone are read every few milliseconds.
//!
//! The task holds the standby only weakly: it ends when the API that made it is gone.

use super::lag::Samples;
use super::{CHECK_TIMEOUT, Health, Standby, StandbyStatus};
use metrics::{describe_gauge, gauge};
use projections::status;
use sqlx::PgPool;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// How often a standby's checkpoints are read while reads wait on it.
const WAITING_POLL: Duration = Duration::from_millis(5);

/// 1 while a standby serves reads, else 0, by standby.
const UP: &str = "bestiary_standby_up";
/// How far a standby trails the primary, in seconds (an upper bound), by standby.
const LAG_SECONDS: &str = "bestiary_standby_lag_seconds";
/// Log positions a standby has not replayed yet, by standby.
const LAG_EVENTS: &str = "bestiary_standby_lag_events";

/// Describes the gauges.
pub fn describe() {
    describe_gauge!(
        UP,
        "1 while a standby serves reads (up and within READ_MAX_LAG_MS), else 0."
    );
    describe_gauge!(
        LAG_SECONDS,
        "How far a standby trails the primary, at most: it had replayed all the primary had written this long ago."
    );
    describe_gauge!(
        LAG_EVENTS,
        "Log positions the primary has and a standby has not replayed yet."
    );
}

/// Starts the standby's health task.
pub(super) fn follow(standby: &Arc<Standby>, primary: PgPool, every: Duration, max_lag: Duration) {
    let standby = Arc::downgrade(standby);
    tokio::spawn(async move {
        let mut samples = Samples::default();
        let mut next_check = Instant::now();
        loop {
            let Some(standby) = Weak::upgrade(&standby) else {
                return;
            };
            let waiting = standby.checkpoints.receiver_count() > 0;
            if Instant::now() >= next_check {
                let health = check(&standby, &primary, &mut samples, max_lag).await;
                publish(&standby, health);
                next_check = Instant::now() + every;
            } else if waiting
                && let Ok(Ok(checkpoints)) =
                    tokio::time::timeout(CHECK_TIMEOUT, status::checkpoints(&standby.pool)).await
            {
                standby.advance(checkpoints);
            }
            let pause = if standby.checkpoints.receiver_count() > 0 {
                WAITING_POLL
            } else {
                next_check.saturating_duration_since(Instant::now())
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = standby.wake.notified() => {}
            }
        }
    });
}

/// What the primary has, sampled at a check.
#[derive(sqlx::FromRow)]
struct PrimarySample {
    lsn: i64,
    head: i64,
}

/// What a standby has, sampled at a check.
#[derive(sqlx::FromRow)]
struct StandbySample {
    in_recovery: bool,
    replayed: Option<i64>,
    head: i64,
}

/// One check of the standby.
async fn check(
    standby: &Standby,
    primary: &PgPool,
    samples: &mut Samples,
    max_lag: Duration,
) -> Health {
    let sampled_at = Instant::now();
    let on_primary = sqlx::query_as::<_, PrimarySample>(
        "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS lsn, \
             (SELECT COALESCE(max(position), 0) FROM events) AS head",
    )
    .fetch_one(primary);
    let primary_head = match tokio::time::timeout(CHECK_TIMEOUT, on_primary).await {
        Ok(Ok(sample)) => {
            samples.push(sampled_at, sample.lsn);
            Some(sample.head)
        }
        // Without the primary the lag is not known; the standby still serves what it has.
        _ => None,
    };
    let on_standby = sqlx::query_as::<_, StandbySample>(
        "SELECT pg_is_in_recovery() AS in_recovery, \
             (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replayed, \
             (SELECT COALESCE(max(position), 0) FROM events) AS head",
    )
    .fetch_one(&standby.pool);
    let sample = match tokio::time::timeout(CHECK_TIMEOUT, on_standby).await {
        Ok(Ok(sample)) => sample,
        Ok(Err(error)) => {
            tracing::debug!(standby = standby.name(), %error, "standby check failed");
            return Health::down();
        }
        Err(_) => return Health::down(),
    };
    let (true, Some(replayed)) = (sample.in_recovery, sample.replayed) else {
        tracing::warn!(
            standby = standby.name(),
            "this DATABASE_READ_URL is not a standby in recovery: it serves no reads"
        );
        return Health::down();
    };
    match tokio::time::timeout(CHECK_TIMEOUT, status::checkpoints(&standby.pool)).await {
        Ok(Ok(checkpoints)) => standby.advance(checkpoints),
        _ => return Health::down(),
    }
    let lag = primary_head.map(|_| samples.lag(replayed, Instant::now()));
    Health {
        status: if lag.is_some_and(|lag| lag > max_lag) {
            StandbyStatus::Lagging
        } else {
            StandbyStatus::Up
        },
        lag_ms: lag.map(|lag| u64::try_from(lag.as_millis()).unwrap_or(u64::MAX)),
        lag_positions: primary_head.map(|head| (head - sample.head).max(0)),
    }
}

/// Publishes a check's result, to reads and to the metrics.
fn publish(standby: &Standby, health: Health) {
    let name = standby.name().to_owned();
    let serves = health.status == StandbyStatus::Up;
    gauge!(UP, "standby" => name.clone()).set(if serves { 1.0 } else { 0.0 });
    if let Some(lag_ms) = health.lag_ms {
        gauge!(LAG_SECONDS, "standby" => name.clone()).set(lag_ms as f64 / 1000.0);
    }
    if let Some(lag_positions) = health.lag_positions {
        gauge!(LAG_EVENTS, "standby" => name).set(lag_positions as f64);
    }
    let was = standby.health.send_replace(health.clone()).status;
    if was != health.status {
        tracing::info!(standby = standby.name(), status = ?health.status, "standby status changed");
    }
}
