//! 1 and 2: single-event commits at 1, 8 and 32 writers through the event store, through a raw
//! `INSERT` into a copy of the `events` table (same columns, indexes, defaults and commit
//! settings: the physical limit), and through the peer, interleaved round by round.

use crate::peer::Peer;
use crate::stats::median;
use commands::store::NewEvents;
use commands::{EventMetadata, EventStore};
use domain::Actor;
use domain::creature::CreatureEvent;
use domain::values::{CreatureName, Description, Species, Traits};
use domain::{DomainEvent, UserId};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Writer counts measured.
pub const CONCURRENCY: [usize; 3] = [1, 8, 32];

/// The systems compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// Raw `INSERT` into a copy of `events`.
    RawInsert,
    /// Bestiary's event store.
    Bestiary,
    /// postgres-es.
    PostgresEs,
}

/// Commits per second of each system at one writer count, per round.
#[derive(Debug, Serialize)]
pub struct AppendLevel {
    /// Concurrent writers.
    pub writers: usize,
    /// Per round: (raw, bestiary, postgres-es) commits/s.
    pub rounds: Vec<[f64; 3]>,
    /// Median over rounds of bestiary / raw.
    pub bestiary_vs_raw: f64,
    /// Median over rounds of postgres-es / raw.
    pub peer_vs_raw: f64,
    /// Median over rounds of bestiary / postgres-es.
    pub bestiary_vs_peer: f64,
}

struct Targets {
    pool: PgPool,
    store: EventStore,
    peer: Peer,
    event: CreatureEvent,
    payload: Value,
}

/// Runs the interleaved rounds on database `url` (migrated `pool`).
pub async fn run(
    pool: PgPool,
    url: &str,
    rounds: usize,
    slice: Duration,
) -> anyhow::Result<Vec<AppendLevel>> {
    sqlx::raw_sql(RAW_TABLE).execute(&pool).await?;
    let event = CreatureEvent::CreatureRegistered {
        name: CreatureName::parse("Smaug")?,
        species: Species::parse("dragon")?,
        description: Description::parse("Lives under the Lonely Mountain.")?,
        traits: Traits::parse(&json!({"wings": 2, "temper": "fiery"}))?,
        owner: UserId::from_uuid(Uuid::now_v7()),
    };
    let targets = Arc::new(Targets {
        peer: Peer::connect(url, 32).await?,
        store: EventStore::new(pool.clone()),
        payload: event.to_payload(),
        event,
        pool,
    });
    // Warm every path once (connections, plans, caches).
    for system in [System::RawInsert, System::Bestiary, System::PostgresEs] {
        measure(&targets, system, 8, slice / 2).await?;
    }
    let mut levels: Vec<AppendLevel> = CONCURRENCY
        .iter()
        .map(|&writers| AppendLevel {
            writers,
            rounds: Vec::new(),
            bestiary_vs_raw: 0.0,
            peer_vs_raw: 0.0,
            bestiary_vs_peer: 0.0,
        })
        .collect();
    let systems = [System::RawInsert, System::Bestiary, System::PostgresEs];
    for round in 0..rounds {
        for level in &mut levels {
            let mut rates = [0.0; 3];
            // Rotate who goes first, so no system always meets the disk in the same state.
            for offset in 0..3 {
                let index = (round + offset) % 3;
                rates[index] = measure(&targets, systems[index], level.writers, slice).await?;
            }
            eprintln!(
                "bench: append round {} × {:>2} writers: raw {:.0}/s, bestiary {:.0}/s, postgres-es {:.0}/s",
                round + 1,
                level.writers,
                rates[0],
                rates[1],
                rates[2]
            );
            level.rounds.push(rates);
        }
    }
    for level in &mut levels {
        let ratio = |a: usize, b: usize| {
            median(&level.rounds.iter().map(|r| r[a] / r[b]).collect::<Vec<_>>())
        };
        level.bestiary_vs_raw = ratio(1, 0);
        level.peer_vs_raw = ratio(2, 0);
        level.bestiary_vs_peer = ratio(1, 2);
    }
    Ok(levels)
}

async fn measure(
    targets: &Arc<Targets>,
    system: System,
    writers: usize,
    slice: Duration,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let commits = for_each_writer(writers, slice, {
        let targets = targets.clone();
        move || {
            let targets = targets.clone();
            async move { commit_one(&targets, system).await }
        }
    })
    .await?;
    Ok(commits as f64 / started.elapsed().as_secs_f64())
}

async fn commit_one(targets: &Targets, system: System) -> anyhow::Result<()> {
    let stream = Uuid::now_v7();
    match system {
        System::RawInsert => raw_insert(&targets.pool, &targets.payload).await?,
        System::Bestiary => {
            let metadata = EventMetadata::new(&Actor::System, Uuid::now_v7());
            let events = std::slice::from_ref(&targets.event);
            targets
                .store
                .append(&NewEvents::new("creature", stream, 0, events, &metadata))
                .await?;
        }
        System::PostgresEs => {
            targets
                .peer
                .append(&stream.to_string(), &targets.payload)
                .await?;
        }
    }
    Ok(())
}

/// The table the raw `INSERT`s go to: a copy of `events` (columns, indexes, defaults).
pub const RAW_TABLE: &str = "CREATE TABLE raw_events (LIKE events INCLUDING ALL)";

/// One raw single-row `INSERT` into [`RAW_TABLE`], committed on its own: the physical limit
/// of an append.
pub async fn raw_insert(pool: &PgPool, payload: &Value) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO raw_events (event_id, stream_id, stream_type, version, event_type, \
         schema_version, payload, actor_kind, correlation_id) \
         VALUES ($1, $2, 'creature', 1, 'CreatureRegistered', 2, $3, 'system', $4)",
    )
    .bind(Uuid::now_v7())
    .bind(Uuid::now_v7())
    .bind(payload)
    .bind(Uuid::now_v7())
    .execute(pool)
    .await?;
    Ok(())
}

/// Runs `writers` loops of `operation` for `slice`; how many completed.
pub async fn for_each_writer<F, Fut>(
    writers: usize,
    slice: Duration,
    operation: F,
) -> anyhow::Result<u64>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let deadline = Instant::now() + slice;
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let operation = operation.clone();
            tokio::spawn(async move {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    operation().await?;
                    done += 1;
                }
                Ok::<u64, anyhow::Error>(done)
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await??;
    }
    Ok(total)
}
