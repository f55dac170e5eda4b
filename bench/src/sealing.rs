//! 7: what crypto-shredding costs, interleaved round by round. (a) Appends of user
//! registrations, whose e-mail and display name are sealed with a data key made for the user and
//! written beside the event, and whose e-mail claim is a keyed hash, against appends of creature
//! registrations (nothing personal), through the same event store at 1, 8 and 32 writers.
//! (b) The users projection folding a log of sealed registrations (each opened with its
//! subject's key, joined to its row) against a log of as many registrations written as before
//! encryption (plain), each folded from scratch.

use crate::append::for_each_writer;
use crate::databases::Server;
use crate::stats::median;
use commands::store::NewEvents;
use commands::{EventMetadata, EventStore};
use domain::creature::CreatureEvent;
use domain::user::UserEvent;
use domain::values::{CreatureName, Description, DisplayName, Email, Personal, Species, Traits};
use domain::{Actor, Role, UserId};
use serde::Serialize;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Writer counts of (a).
const WRITERS: [usize; 3] = [1, 8, 32];

/// One writer count of (a).
#[derive(Debug, Serialize)]
pub struct SealedAppends {
    /// Concurrent writers.
    pub writers: usize,
    /// Median registrations (sealed) per second.
    pub sealed_per_second: f64,
    /// Median creature registrations (plain) per second.
    pub plain_per_second: f64,
    /// Median over rounds of sealed ÷ plain.
    pub sealed_vs_plain: f64,
}

/// The figures of section 7.
#[derive(Debug, Serialize)]
pub struct Sealing {
    /// (a).
    pub appends: Vec<SealedAppends>,
    /// Registrations in each log of (b).
    pub events: u64,
    /// Median events/s folding the sealed log.
    pub sealed_fold_per_second: f64,
    /// Median events/s folding the plain log.
    pub plain_fold_per_second: f64,
    /// Median over rounds of sealed ÷ plain.
    pub fold_sealed_vs_plain: f64,
}

/// Runs section 7 on databases of its own (`remember` is told each one made).
pub async fn run(
    server: &Server,
    rounds: usize,
    slice: Duration,
    events: u64,
    remember: &impl Fn(&String),
) -> anyhow::Result<Sealing> {
    let database = server.create("sealing", None).await?;
    remember(&database);
    let pool = server.migrated(&database, 32).await?;
    let appends = appends(&pool, rounds, slice).await?;
    pool.close().await;

    let sealed_log = server.create("sealed_log", None).await?;
    remember(&sealed_log);
    let sealed = server.migrated(&sealed_log, 16).await?;
    register(&sealed, events).await?;
    let plain_log = server.create("plain_log", None).await?;
    remember(&plain_log);
    let plain = server.migrated(&plain_log, 16).await?;
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, \
             schema_version, payload, actor_kind, correlation_id) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'user', 1, 'UserRegistered', 1, \
             jsonb_build_object('email', 'user' || i || '@example.org', \
                 'display_name', 'User ' || i, 'role', 'user'), 'anonymous', gen_random_uuid() \
         FROM generate_series(1, $1) i",
    )
    .bind(i64::try_from(events)?)
    .execute(&plain)
    .await?;
    let (mut sealed_rates, mut plain_rates) = (Vec::new(), Vec::new());
    for round in 0..rounds.max(2) {
        for offset in 0..2 {
            let on_sealed = (round + offset) % 2 == 0;
            let pool = if on_sealed { &sealed } else { &plain };
            let rate = fold(pool, events).await?;
            if on_sealed {
                sealed_rates.push(rate);
            } else {
                plain_rates.push(rate);
            }
        }
        eprintln!(
            "bench: sealing round {}: users projection over sealed {:.0} events/s, plain {:.0} events/s",
            round + 1,
            sealed_rates.last().unwrap_or(&0.0),
            plain_rates.last().unwrap_or(&0.0)
        );
    }
    let ratios: Vec<f64> = sealed_rates
        .iter()
        .zip(&plain_rates)
        .map(|(sealed, plain)| sealed / plain)
        .collect();
    sealed.close().await;
    plain.close().await;
    Ok(Sealing {
        appends,
        events,
        sealed_fold_per_second: median(&sealed_rates),
        plain_fold_per_second: median(&plain_rates),
        fold_sealed_vs_plain: median(&ratios),
    })
}

/// A user registration for a new stream, its e-mail unique by `n`.
fn registration(n: u64) -> anyhow::Result<UserEvent> {
    Ok(UserEvent::UserRegistered {
        email: Personal::Known(Email::parse(&format!("user{n}@example.org"))?),
        display_name: Personal::Known(DisplayName::parse(&format!("User {n}"))?),
        role: Role::User,
    })
}

async fn appends(
    pool: &PgPool,
    rounds: usize,
    slice: Duration,
) -> anyhow::Result<Vec<SealedAppends>> {
    let store = Arc::new(EventStore::new(pool.clone()));
    let creature = Arc::new(CreatureEvent::CreatureRegistered {
        name: CreatureName::parse("Smaug")?,
        species: Species::parse("dragon")?,
        description: Description::parse("Lives under the Lonely Mountain.")?,
        traits: Traits::parse(&serde_json::json!({"wings": 2}))?,
        owner: UserId::from_uuid(Uuid::now_v7()),
    });
    let next = Arc::new(AtomicU64::new(0));
    let metadata = Arc::new(EventMetadata::new(&Actor::Anonymous, Uuid::now_v7()));
    let measure = |sealed: bool, writers: usize, slice: Duration| {
        let (store, creature, next, metadata) = (
            store.clone(),
            creature.clone(),
            next.clone(),
            metadata.clone(),
        );
        async move {
            let started = Instant::now();
            let done = for_each_writer(writers, slice, move || {
                let (store, creature, next, metadata) = (
                    store.clone(),
                    creature.clone(),
                    next.clone(),
                    metadata.clone(),
                );
                async move {
                    let stream = Uuid::now_v7();
                    if sealed {
                        let event = [registration(next.fetch_add(1, Ordering::Relaxed))?];
                        store
                            .append(&NewEvents::new("user", stream, 0, &event, &metadata))
                            .await?;
                    } else {
                        let event = [(*creature).clone()];
                        store
                            .append(&NewEvents::new("creature", stream, 0, &event, &metadata))
                            .await?;
                    }
                    Ok(())
                }
            })
            .await?;
            Ok::<f64, anyhow::Error>(done as f64 / started.elapsed().as_secs_f64())
        }
    };
    measure(true, 8, slice / 2).await?;
    measure(false, 8, slice / 2).await?;
    let mut levels = Vec::new();
    for writers in WRITERS {
        let (mut sealed, mut plain) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            for offset in 0..2 {
                if (round + offset) % 2 == 0 {
                    sealed.push(measure(true, writers, slice).await?);
                } else {
                    plain.push(measure(false, writers, slice).await?);
                }
            }
            eprintln!(
                "bench: sealing round {} × {writers:>2} writers: sealed registrations {:.0}/s, creature registrations {:.0}/s",
                round + 1,
                sealed.last().unwrap_or(&0.0),
                plain.last().unwrap_or(&0.0)
            );
        }
        let ratios: Vec<f64> = sealed.iter().zip(&plain).map(|(s, p)| s / p).collect();
        levels.push(SealedAppends {
            writers,
            sealed_per_second: median(&sealed),
            plain_per_second: median(&plain),
            sealed_vs_plain: median(&ratios),
        });
    }
    Ok(levels)
}

/// Appends `count` sealed registrations on 16 writers.
async fn register(pool: &PgPool, count: u64) -> anyhow::Result<()> {
    let store = EventStore::new(pool.clone());
    let metadata = EventMetadata::new(&Actor::Anonymous, Uuid::now_v7());
    let next = AtomicU64::new(0);
    let writers = (0..16).map(|_| async {
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if n >= count {
                return Ok::<(), anyhow::Error>(());
            }
            let event = [registration(n)?];
            store
                .append(&NewEvents::new(
                    "user",
                    Uuid::now_v7(),
                    0,
                    &event,
                    &metadata,
                ))
                .await?;
        }
    });
    for outcome in futures::future::join_all(writers).await {
        outcome?;
    }
    Ok(())
}

/// Folds the users projection over the whole log from scratch; events per second.
async fn fold(pool: &PgPool, events: u64) -> anyhow::Result<f64> {
    sqlx::raw_sql(
        "DELETE FROM proj_users.users; \
         UPDATE projection_checkpoints SET transaction_id = '0', position = 0, events_applied = 0 \
         WHERE name = 'users'",
    )
    .execute(pool)
    .await?;
    let started = Instant::now();
    projections::runner::catch_up(pool, &projections::users::Users, 5_000, &|_| true).await?;
    let seconds = started.elapsed().as_secs_f64();
    let folded: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_users.users")
        .fetch_one(pool)
        .await?;
    anyhow::ensure!(
        u64::try_from(folded)? == events,
        "the users projection folded {folded} of {events} registrations"
    );
    Ok(events as f64 / seconds)
}
