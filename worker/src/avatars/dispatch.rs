//! The dispatcher: turns each `AvatarRequested` in the log into a job, once, live. It reads
//! in commit-safe order with a checkpoint of its own, which rebuilds never touch, so replays
//! enqueue nothing. When the job stream is missing (a Redis that lost its data), it
//! reconciles from the event store: every creature whose latest avatar request has no outcome
//! gets a job again. One worker at a time dispatches (a lease).

use super::queue::{self, Job};
use crate::pause;
use domain::creature::CreatureEvent;
use projections::Checkpoint;
use projections::lease::{AVATAR_DISPATCH, Lease};
use projections::projection::{AnyEvent, Reads};
use projections::reader::{Logged, read_after};
use redis::aio::MultiplexedConnection;
use redis_link::wake::Wake;
use sqlx::{PgPool, Row};
use std::time::Duration;
use tokio::sync::watch;
use uuid::Uuid;

/// Events read per batch.
const BATCH: i64 = 200;
/// The checkpoint row.
const NAME: &str = "avatar_jobs";
/// The events it reads.
const READS: Reads = Reads {
    stream_types: &["creature"],
    event_types: Some(&["AvatarRequested"]),
    filtered_stream_types: &["creature"],
};

/// Dispatches until `stop` turns true.
pub async fn dispatch(
    pool: PgPool,
    client: redis::Client,
    prefix: String,
    wake: Wake,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let options = (*pool.connect_options()).clone();
    let stream = queue::stream(&prefix);
    while !*stop.borrow() {
        let Ok(Some(mut lease)) = Lease::try_acquire(&options, AVATAR_DISPATCH).await else {
            pause(&mut stop, poll).await;
            continue;
        };
        let mut head = wake.head();
        // One connection for as long as it works (a step that fails drops it).
        let mut redis = None;
        while !*stop.borrow() && lease.is_held(poll).await {
            let wait = match step(&pool, &client, &mut redis, &stream).await {
                Ok(true) => Duration::ZERO,
                Ok(false) => poll,
                Err(error) => {
                    redis = None;
                    tracing::warn!(%error, "dispatching avatar jobs failed; retrying");
                    Duration::from_secs(1)
                }
            };
            tokio::select! {
                woken = head.changed() => {
                    if woken.is_err() {
                        tokio::time::sleep(wait).await;
                    }
                }
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

/// Reconciles if the stream is gone, then dispatches one batch; whether more may be waiting.
async fn step(
    pool: &PgPool,
    client: &redis::Client,
    connection: &mut Option<MultiplexedConnection>,
    stream: &str,
) -> Result<bool, String> {
    let redis = match connection {
        Some(redis) => redis,
        None => connection.insert(
            queue::connect(client)
                .await
                .map_err(|error| error.to_string())?,
        ),
    };
    // The stream is created here only: nothing else (consumers, appends) creates it, so a
    // missing stream is a Redis that lost its data (or a first start), never an empty one.
    let exists = queue::exists(redis, stream)
        .await
        .map_err(|error| error.to_string())?;
    if !exists {
        let jobs = unfinished(pool).await.map_err(|error| error.to_string())?;
        queue::recreate(redis, stream, &jobs)
            .await
            .map_err(|error| error.to_string())?;
        crate::metrics::enqueued(jobs.len());
        tracing::info!(
            jobs = jobs.len(),
            "avatar job stream missing: reconciled from the event store"
        );
    }
    // Only the lease holder dispatches, so nothing is locked: the checkpoint and the window
    // are read outside any transaction, and the move is one statement that takes a
    // transaction id for itself alone and holds back no reader meanwhile. Its commit does not
    // wait for the disk: a move lost in a crash enqueues its jobs again, as a crash before it
    // does.
    let start: Checkpoint = sqlx::query_as(
        "SELECT transaction_id::text AS xid, position FROM reactor_checkpoints WHERE name = $1",
    )
    .bind(NAME)
    .fetch_one(pool)
    .await
    .map_err(|error| error.to_string())?;
    let mut conn = pool.acquire().await.map_err(|error| error.to_string())?;
    let read = read_after(&mut conn, start, BATCH, &READS)
        .await
        .map_err(|error| error.to_string())?;
    let last = read.reached(start);
    if last == start {
        return Ok(false);
    }
    let jobs: Vec<Job> = read.events.iter().filter_map(requested).collect();
    // Enqueued before the checkpoint moves: a crash in between enqueues twice, which the
    // jobs shrug off (the outcome is recorded once). A stream lost since the check above fails
    // the push, so the checkpoint stays and the next step reconciles.
    queue::push(redis, stream, &jobs)
        .await
        .map_err(|error| error.to_string())?;
    sqlx::query(
        "WITH local AS (SELECT set_config('synchronous_commit', 'off', true)) \
         UPDATE reactor_checkpoints SET transaction_id = $2::text::xid8, position = $3, \
             updated_at = now() FROM local WHERE name = $1",
    )
    .bind(NAME)
    .bind(last.transaction_id_text())
    .bind(last.position)
    .execute(&mut *conn)
    .await
    .map_err(|error| error.to_string())?;
    crate::metrics::enqueued(jobs.len());
    Ok(!read.complete)
}

fn requested(event: &Logged) -> Option<Job> {
    match event.clone().decode().map(|decoded| decoded.event) {
        Ok(AnyEvent::Creature(CreatureEvent::AvatarRequested { request_id })) => Some(Job {
            creature: event.stream_id,
            request: request_id,
        }),
        _ => None,
    }
}

/// Every creature whose latest avatar request has no outcome (archived ones too: their job
/// records that the creature was archived).
pub async fn unfinished(pool: &PgPool) -> Result<Vec<Job>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT stream_id, payload->>'request_id' AS request FROM ( \
             SELECT DISTINCT ON (stream_id) stream_id, event_type, payload FROM events \
             WHERE stream_type = 'creature' AND event_type IN \
                 ('AvatarRequested', 'AvatarGenerated', 'AvatarGenerationFailed') \
             ORDER BY stream_id, version DESC) latest \
         WHERE event_type = 'AvatarRequested'",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let request: Option<String> = row.get("request");
            Some(Job {
                creature: row.get("stream_id"),
                request: Uuid::parse_str(&request?).ok()?,
            })
        })
        .collect())
}
