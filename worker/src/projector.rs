//! One projection's loop: take its lease, catch up, wait for a wake-up or the poll interval,
//! and again. A poison event parks its stream (see `projections::parked`); the projection
//! goes on. Held back by a transaction still open, it looks again as soon as another task of
//! this worker commits ([`Committed`]), or after a short delay for transactions elsewhere.
//! While its steps keep moving the checkpoint, each reads on from where the last one left it
//! rather than asking the database first.

use crate::WorkerSettings;
use crate::committed::Committed;
use crate::metrics;
use crate::pause;
use projections::lease::Lease;
use projections::runner::catch_up_from;
use projections::{BatchOutcome, Checkpoint, Projection};
use redis_link::wake::Wake;
use sqlx::PgPool;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How soon to look again when committed events are held back by a transaction still open
/// in another process (one of this worker's raises [`Committed`] as it commits).
const HELD_BACK_RETRY: Duration = Duration::from_millis(10);
/// How long to wait after an error before trying again.
const ERROR_BACKOFF: Duration = Duration::from_secs(1);
/// How often the lease's connection is checked (a lost lease only costs work: every batch
/// holds the checkpoint lock, so two runners never apply an event twice).
const LEASE_CHECK: Duration = Duration::from_millis(500);

/// Runs `projection` until `stop` turns true.
pub async fn run(
    pool: PgPool,
    projection: &'static dyn Projection,
    settings: WorkerSettings,
    wake: Wake,
    committed: Committed,
    mut stop: watch::Receiver<bool>,
) {
    let options = (*pool.connect_options()).clone();
    let name = projection.name();
    while !*stop.borrow() {
        let mut lease = match Lease::try_acquire(&options, projection.index()).await {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                pause(&mut stop, settings.poll_interval).await;
                continue;
            }
            Err(error) => {
                tracing::warn!(projection = name, %error, "cannot reach PostgreSQL for the lease");
                pause(&mut stop, ERROR_BACKOFF).await;
                continue;
            }
        };
        tracing::info!(projection = name, "took the lease");
        metrics::lease(name, true);
        let mut head = wake.head();
        let mut others = committed.subscribe();
        // Where the last step left the checkpoint, while steps keep moving it.
        let mut known = None;
        while !*stop.borrow() {
            others.borrow_and_update();
            let stepped = step(
                &pool,
                projection,
                known,
                settings.batch_size,
                &committed,
                &stop,
            )
            .await;
            known = stepped
                .as_ref()
                .ok()
                .filter(|reached| reached.moved)
                .map(|reached| reached.checkpoint);
            // Committed events wait behind a transaction still in flight.
            let held_back = stepped
                .as_ref()
                .is_ok_and(|reached| reached.horizon.held_back);
            let wait = match stepped {
                Ok(_) if held_back => HELD_BACK_RETRY,
                Ok(_) if wake.connected() => settings.idle_interval,
                Ok(_) => settings.poll_interval,
                Err(error) => {
                    tracing::warn!(projection = name, %error, "batch failed; retrying");
                    metrics::step_failed(name);
                    ERROR_BACKOFF
                }
            };
            if !lease.is_held(LEASE_CHECK).await {
                tracing::warn!(projection = name, "lost the lease");
                metrics::lease(name, false);
                break;
            }
            tokio::select! {
                woken = head.changed() => {
                    if woken.is_err() {
                        // The subscriber is gone (shutting down): fall back to the interval.
                        tokio::time::sleep(wait).await;
                    }
                }
                // Only a held-back projection cares that this worker committed something.
                Ok(()) = others.changed(), if held_back => {}
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Catches up from `known` (or from the checkpoint as stored), recording each batch; where
/// the last batch left the projection.
async fn step(
    pool: &PgPool,
    projection: &'static dyn Projection,
    known: Option<Checkpoint>,
    batch: i64,
    committed: &Committed,
    stop: &watch::Receiver<bool>,
) -> Result<BatchOutcome, projections::ApplyError> {
    let since = Mutex::new(Instant::now());
    let reached = catch_up_from(pool, projection, known, batch, &|outcome| {
        if let Ok(mut since) = since.lock() {
            metrics::batch(projection.name(), outcome, since.elapsed());
            *since = Instant::now();
        }
        if outcome.moved {
            committed.raise();
        }
        !*stop.borrow()
    })
    .await?;
    metrics::step(
        projection.name(),
        reached.checkpoint.position,
        reached.horizon.head,
    );
    Ok(reached)
}
