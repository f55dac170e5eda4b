//! What the worker records, through the `metrics` facade (the binary installs the recorder and
//! exports it): each projection's position, lag, batches and failures, and the avatar jobs.
//! Every label is a projection's name or a job's outcome, a closed set.
//!
//! Gauges set by one worker describe what that worker saw: a projection's position and lag
//! come from the worker holding its lease (`bestiary_worker_projection_lease_held` is 1 there).
//! The parked streams and the queue length are read at a bounded interval ([`sample`]), not per
//! batch or per job.

use crate::avatars::generate::Outcome;
use crate::avatars::queue;
use crate::pause;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use projections::runner::BatchOutcome;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::watch;

/// The checkpoint's global position after the projection's last batch.
pub const POSITION: &str = "bestiary_worker_projection_position";
/// The log's head minus that position.
pub const LAG: &str = "bestiary_worker_projection_lag_positions";
/// Events applied per batch (a histogram).
pub const BATCH_EVENTS: &str = "bestiary_worker_projection_batch_events";
/// Time per batch, reading included (a histogram).
pub const BATCH_DURATION: &str = "bestiary_worker_projection_batch_duration_seconds";
/// Batches that failed and are retried.
pub const FAILURES: &str = "bestiary_worker_projection_failures_total";
/// 1 while the projection's last step failed.
pub const FAILING: &str = "bestiary_worker_projection_failing";
/// 1 while this worker holds the projection's lease.
pub const LEASE_HELD: &str = "bestiary_worker_projection_lease_held";
/// Streams the projection holds on an event it cannot apply.
pub const PARKED: &str = "bestiary_worker_projection_parked_streams";
/// Avatar jobs put on the queue by this worker's dispatcher.
pub const JOBS_ENQUEUED: &str = "bestiary_worker_avatar_jobs_enqueued_total";
/// Avatar jobs run to an outcome, by outcome.
pub const JOBS_DONE: &str = "bestiary_worker_avatar_jobs_done_total";
/// Avatar jobs interrupted by a passing fault (left pending, run again).
pub const JOBS_INTERRUPTED: &str = "bestiary_worker_avatar_jobs_interrupted_total";
/// Calls to the avatar service repeated after a failed one.
pub const JOBS_RETRIED: &str = "bestiary_worker_avatar_retries_total";
/// Jobs taken over from a worker that left them unacknowledged.
pub const JOBS_RECLAIMED: &str = "bestiary_worker_avatar_jobs_reclaimed_total";
/// Jobs on the queue not acknowledged yet (waiting or running).
pub const QUEUE_LENGTH: &str = "bestiary_worker_avatar_queue_length";

/// The `outcome` labels of [`JOBS_DONE`].
const OUTCOMES: [&str; 4] = ["generated", "failed", "cancelled", "skipped"];

/// How often [`sample`] reads the parked streams and the queue length.
pub const SAMPLE_INTERVAL: Duration = Duration::from_secs(5);

/// Describes the worker's metrics to the recorder.
pub fn describe() {
    describe_gauge!(
        POSITION,
        "Global position of the last event the projection applied, after this worker's last batch."
    );
    describe_gauge!(LAG, "The log's head minus the projection's position.");
    describe_histogram!(BATCH_EVENTS, "Events a projection applied per batch.");
    describe_histogram!(
        BATCH_DURATION,
        metrics::Unit::Seconds,
        "Time a projection's batch took, reading included."
    );
    describe_counter!(FAILURES, "Projection batches that failed and are retried.");
    describe_gauge!(FAILING, "1 while the projection's last step failed.");
    describe_gauge!(LEASE_HELD, "1 while this worker runs the projection.");
    describe_gauge!(
        PARKED,
        "Streams a projection holds on an event it cannot apply."
    );
    describe_counter!(JOBS_ENQUEUED, "Avatar jobs put on the queue.");
    describe_counter!(JOBS_DONE, "Avatar jobs run to an outcome.");
    describe_counter!(
        JOBS_INTERRUPTED,
        "Avatar jobs interrupted by a passing fault (run again)."
    );
    describe_counter!(
        JOBS_RETRIED,
        "Calls to the avatar service repeated after a failure."
    );
    describe_counter!(
        JOBS_RECLAIMED,
        "Avatar jobs taken over from another worker."
    );
    describe_gauge!(
        QUEUE_LENGTH,
        "Avatar jobs on the queue not acknowledged yet."
    );
}

/// Registers the worker's counters and flags at zero, so they are exported (and `rate` works)
/// before anything happens.
pub fn register() {
    for projection in projections::projection::ALL {
        let name = projection.name();
        counter!(FAILURES, "projection" => name).increment(0);
        gauge!(FAILING, "projection" => name).set(0.0);
        gauge!(LEASE_HELD, "projection" => name).set(0.0);
    }
    counter!(JOBS_ENQUEUED).increment(0);
    for outcome in OUTCOMES {
        counter!(JOBS_DONE, "outcome" => outcome).increment(0);
    }
    counter!(JOBS_INTERRUPTED).increment(0);
    counter!(JOBS_RETRIED).increment(0);
    counter!(JOBS_RECLAIMED).increment(0);
}

/// Records a committed batch of `projection` that took `took`.
pub fn batch(projection: &'static str, outcome: &BatchOutcome, took: Duration) {
    gauge!(POSITION, "projection" => projection).set(outcome.checkpoint.position as f64);
    if outcome.applied > 0 {
        histogram!(BATCH_EVENTS, "projection" => projection).record(outcome.applied as f64);
        histogram!(BATCH_DURATION, "projection" => projection).record(took.as_secs_f64());
    }
}

/// Records where a projection stands after a step: its position, the head, and whether the
/// step failed.
pub fn step(projection: &'static str, position: i64, head: i64) {
    gauge!(POSITION, "projection" => projection).set(position as f64);
    gauge!(LAG, "projection" => projection).set((head - position).max(0) as f64);
    gauge!(FAILING, "projection" => projection).set(0.0);
}

/// Records a failed step.
pub fn step_failed(projection: &'static str) {
    counter!(FAILURES, "projection" => projection).increment(1);
    gauge!(FAILING, "projection" => projection).set(1.0);
}

/// Records whether this worker holds the projection's lease.
pub fn lease(projection: &'static str, held: bool) {
    gauge!(LEASE_HELD, "projection" => projection).set(if held { 1.0 } else { 0.0 });
}

/// Records jobs enqueued.
pub fn enqueued(jobs: usize) {
    counter!(JOBS_ENQUEUED).increment(jobs as u64);
}

/// Records a job's outcome.
pub fn done(outcome: &Outcome) {
    let [generated, failed, cancelled, skipped] = OUTCOMES;
    let outcome = match outcome {
        Outcome::Generated => generated,
        Outcome::Failed(_) => failed,
        Outcome::Cancelled => cancelled,
        Outcome::Skipped => skipped,
    };
    counter!(JOBS_DONE, "outcome" => outcome).increment(1);
}

/// Records an interrupted job.
pub fn interrupted() {
    counter!(JOBS_INTERRUPTED).increment(1);
}

/// Records a retried call to the avatar service.
pub fn retried() {
    counter!(JOBS_RETRIED).increment(1);
}

/// Records jobs taken over from another worker.
pub fn reclaimed(jobs: usize) {
    counter!(JOBS_RECLAIMED).increment(jobs as u64);
}

/// Reads each projection's parked streams and the queue's length every [`SAMPLE_INTERVAL`]
/// until `stop` turns true (a failed read leaves the last value).
pub async fn sample(
    pool: PgPool,
    client: redis::Client,
    prefix: String,
    mut stop: watch::Receiver<bool>,
) {
    let stream = queue::stream(&prefix);
    while !*stop.borrow() {
        match projections::parked::counts(&pool).await {
            Ok(counts) => {
                for (projection, parked) in counts {
                    gauge!(PARKED, "projection" => projection).set(parked as f64);
                }
            }
            Err(error) => tracing::debug!(%error, "cannot count parked streams"),
        }
        match queue_length(&client, &stream).await {
            Ok(length) => gauge!(QUEUE_LENGTH).set(length as f64),
            Err(error) => tracing::debug!(%error, "cannot read the avatar queue's length"),
        }
        pause(&mut stop, SAMPLE_INTERVAL).await;
    }
}

async fn queue_length(client: &redis::Client, stream: &str) -> redis::RedisResult<u64> {
    let mut connection = queue::connect(client).await?;
    redis::cmd("XLEN")
        .arg(stream)
        .query_async(&mut connection)
        .await
}
