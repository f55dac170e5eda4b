//! The job consumers: read jobs as members of the group, take over jobs a dead worker left,
//! run them, acknowledge them once their outcome is recorded.

use super::generate::{Generator, Outcome};
use super::queue::{self, Job};
use crate::{metrics, pause};
use std::time::Duration;
use tokio::sync::watch;

/// How long one read waits for a new job: well inside the job connection's response timeout
/// (redis-rs's default, 500 ms), or every idle read would end as a timeout instead of an empty
/// answer.
const READ_BLOCK: Duration = Duration::from_millis(250);
/// How long to wait before reconnecting to Redis.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// Runs jobs as consumer `consumer` until `stop` turns true.
pub async fn consume(
    generator: Generator,
    client: redis::Client,
    prefix: String,
    consumer: String,
    mut stop: watch::Receiver<bool>,
) {
    let stream = queue::stream(&prefix);
    let mut reported_down = false;
    while !*stop.borrow() {
        let mut connection = match queue::connect(&client).await {
            Ok(connection) => connection,
            Err(error) => {
                if !reported_down {
                    tracing::warn!(%error, "Redis unavailable: avatar jobs wait for it");
                    reported_down = true;
                }
                pause(&mut stop, RECONNECT_DELAY).await;
                continue;
            }
        };
        reported_down = false;
        while !*stop.borrow() {
            let batch = match next_jobs(&mut connection, &stream, &consumer, &generator).await {
                Ok(batch) => batch,
                Err(error) => {
                    tracing::warn!(%error, "reading avatar jobs failed");
                    break;
                }
            };
            for (id, job) in batch {
                match generator.run(job).await {
                    Ok(outcome) => {
                        log(job, &outcome);
                        metrics::done(&outcome);
                        if let Err(error) = queue::ack(&mut connection, &stream, &id).await {
                            tracing::warn!(%error, "acknowledging an avatar job failed; it will run again");
                        }
                    }
                    // Left pending: this consumer or another takes it up again.
                    Err(error) => {
                        tracing::warn!(%error, creature = %job.creature, "avatar job interrupted");
                        metrics::interrupted();
                    }
                }
            }
        }
        pause(&mut stop, RECONNECT_DELAY).await;
    }
}

async fn next_jobs(
    connection: &mut redis::aio::MultiplexedConnection,
    stream: &str,
    consumer: &str,
    generator: &Generator,
) -> redis::RedisResult<Vec<(String, Job)>> {
    if !queue::join_group(connection, stream).await? {
        // Only the dispatcher creates the stream, holding every unfinished job: wait for it.
        tokio::time::sleep(READ_BLOCK).await;
        return Ok(Vec::new());
    }
    let reclaimed =
        queue::reclaim(connection, stream, consumer, generator.settings.claim_after).await?;
    if !reclaimed.is_empty() {
        metrics::reclaimed(reclaimed.len());
        tracing::info!(
            count = reclaimed.len(),
            "took over avatar jobs left by another worker"
        );
        return Ok(reclaimed);
    }
    queue::read(connection, stream, consumer, READ_BLOCK).await
}

fn log(job: Job, outcome: &Outcome) {
    match outcome {
        Outcome::Generated => tracing::info!(creature = %job.creature, "avatar generated"),
        Outcome::Failed(reason) => {
            tracing::warn!(creature = %job.creature, %reason, "avatar generation failed for good");
        }
        Outcome::Cancelled => {
            tracing::info!(creature = %job.creature, "avatar not drawn: the creature was archived");
        }
        Outcome::Skipped => {
            tracing::debug!(creature = %job.creature, "avatar job no longer needed");
        }
    }
}
