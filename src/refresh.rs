//! `bestiary refresh-avatars`: ask for a new avatar for every creature (or only those whose
//! avatar is missing or failed), at most N at a time, and wait for each outcome. Each item is
//! guarded by a Redis key, so a second run right after skips what is done and an interrupted
//! run resumes where it stopped. The worker does the generating.

use commands::CommandHandler;
use commands::handler::Command;
use domain::Actor;
use domain::creature::{AvatarState, Creature, CreatureCommand};
use futures::StreamExt;
use redis_link::RedisLink;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a finished item is remembered (a run within this time skips it).
pub const DONE_FOR: Duration = Duration::from_secs(24 * 3600);
/// How long an item may be claimed by a run that stopped without finishing it.
const CLAIM_FOR: Duration = Duration::from_secs(600);
/// How long to wait for one avatar.
const WAIT_FOR: Duration = Duration::from_secs(120);

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Creatures considered.
    pub total: usize,
    /// Avatars regenerated.
    pub processed: usize,
    /// Items done by an earlier run (or being done by another).
    pub skipped: usize,
    /// Items whose generation failed (they are tried again by the next run).
    pub failed: usize,
    /// The most items that were in flight at once.
    pub max_in_flight: usize,
}

/// Why a run could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Without Redis the items cannot be guarded.
    #[error("Redis is unavailable: refresh-avatars needs it to remember what is done")]
    RedisUnavailable,
}

enum Item {
    Processed,
    Skipped,
    Failed,
}

/// Runs a refresh with at most `concurrency` items in flight.
pub async fn refresh(
    pool: &PgPool,
    commands: &CommandHandler,
    redis: &RedisLink,
    concurrency: usize,
    only_missing: bool,
) -> Result<Report, RefreshError> {
    if !redis.ping().await {
        return Err(RefreshError::RedisUnavailable);
    }
    let creatures: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM proj_creatures.creatures WHERE NOT archived \
         AND (NOT $1 OR avatar_state IN ('none', 'failed') OR avatar_sha256 IS NULL) \
         ORDER BY created_at, id",
    )
    .bind(only_missing)
    .fetch_all(pool)
    .await?;
    let total = creatures.len();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let progress = crate::progress::on_terminal();
    let mut report = Report {
        total,
        ..Report::default()
    };
    let mut items = futures::stream::iter(creatures)
        .map(|id| {
            let (in_flight, most, done) = (in_flight.clone(), most.clone(), done.clone());
            async move {
                let item = refresh_one(commands, redis, id, &in_flight, &most).await;
                let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
                if progress {
                    crate::progress::draw("refresh-avatars", finished as u64, total as u64, "");
                }
                item
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(item) = items.next().await {
        match item {
            Item::Processed => report.processed += 1,
            Item::Skipped => report.skipped += 1,
            Item::Failed => report.failed += 1,
        }
    }
    if progress {
        crate::progress::finish();
    }
    report.max_in_flight = most.load(Ordering::SeqCst);
    Ok(report)
}

async fn refresh_one(
    commands: &CommandHandler,
    redis: &RedisLink,
    id: Uuid,
    in_flight: &AtomicUsize,
    most: &AtomicUsize,
) -> Item {
    let key = format!("{}:refresh-avatars:{id}", redis.prefix());
    if let Some(true) = redis.set_nx_px(&key, "processing", CLAIM_FOR).await {
    } else {
        tracing::info!(creature = %id, "already processed, skipping");
        return Item::Skipped;
    }
    tracing::info!(creature = %id, "processing");
    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    most.fetch_max(now, Ordering::SeqCst);
    let outcome = regenerate(commands, id).await;
    in_flight.fetch_sub(1, Ordering::SeqCst);
    match outcome {
        Ok(()) => {
            redis.set_px(&key, "done", DONE_FOR).await;
            tracing::info!(creature = %id, "processed successfully");
            Item::Processed
        }
        Err(reason) => {
            redis.delete_if_equal(&key, "processing").await;
            tracing::warn!(creature = %id, %reason, "failed; the next run tries again");
            Item::Failed
        }
    }
}

/// Asks for a new avatar and waits for its outcome.
async fn regenerate(commands: &CommandHandler, id: Uuid) -> Result<(), String> {
    let request_id = Uuid::now_v7();
    let command = CreatureCommand::RequestAvatar { request_id };
    commands
        .execute(Command::<Creature>::new(
            id,
            command,
            Actor::System,
            request_id,
        ))
        .await
        .map_err(|error| error.to_string())?;
    let deadline = Instant::now() + WAIT_FOR;
    let mut pause = Duration::from_millis(20);
    loop {
        let loaded = commands
            .store()
            .load::<Creature>(id)
            .await
            .map_err(|error| error.to_string())?;
        match loaded.state.0.and_then(|creature| creature.avatar) {
            Some(AvatarState::Ready {
                request_id: done, ..
            }) if done == request_id => return Ok(()),
            Some(AvatarState::Failed {
                request_id: done,
                reason,
            }) if done == request_id => return Err(reason),
            Some(state) if state.request_id() != request_id => {
                return Err("superseded by a newer request".into());
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            return Err("no outcome in time: is a worker running?".into());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(250));
    }
}
