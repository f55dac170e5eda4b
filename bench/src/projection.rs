//! 4a and 4b: how fast the worker catches up on a large log, against a raw ordered scan of
//! the same `events` table, and how long a full rebuild of every projection takes. Each round
//! starts from a copy of one generated database, so every catch-up starts from zero; the
//! catch-up and the scan are timed over the same first events of the log (all of them in a
//! small log), and the first round then rebuilds every projection over the whole log.

use crate::databases::Server;
use crate::reads::{self, Reads, ReadsDuringRebuild};
use crate::services::{Binaries, Environment, Service, run_to_end};
use crate::stats::median;
use futures::TryStreamExt;
use serde::Serialize;
use sqlx::PgPool;
use std::time::{Duration, Instant};

/// Events per generated creature (registered, renamed, described, traits changed).
const EVENTS_PER_CREATURE: i64 = 4;
/// Creatures generated per transaction.
const CREATURES_PER_BATCH: i64 = 25_000;

/// What the projection rounds measured.
#[derive(Debug, Serialize)]
pub struct ProjectionFigures {
    /// Events in the log.
    pub events: i64,
    /// Events the catch-up and the scan are timed over (the first of the log).
    pub timed_events: i64,
    /// Per round: raw ordered scan, events/s.
    pub scan_per_second: Vec<f64>,
    /// Per round: catch-up of all projections from zero, events/s.
    pub catch_up_per_second: Vec<f64>,
    /// `bestiary replay` of every projection over the whole log, seconds (first round).
    pub rebuild_seconds: f64,
    /// That replay's peak memory, MiB.
    pub rebuild_peak_rss_mib: f64,
    /// The API's reads before and during that replay.
    pub reads_during_rebuild: ReadsDuringRebuild,
    /// Median over rounds of catch-up / scan.
    pub catch_up_vs_scan: f64,
    /// The worker's peak memory during catch-up, MiB (largest over rounds).
    pub worker_peak_rss_mib: f64,
}

/// Generates `events` creature events into a new database; its name.
pub async fn generate(server: &Server, events: i64) -> anyhow::Result<String> {
    let name = server.create("log", None).await?;
    let pool = server.migrated(&name, 2).await?;
    let owner = uuid::Uuid::now_v7();
    // Creature ids as Bestiary mints them (UUIDv7: a millisecond timestamp, then random bits),
    // one millisecond apart and recorded at that time, so the read tables' keys grow as they do in
    // production.
    let minted_from = chrono::Utc::now().timestamp_millis();
    let creatures = events / EVENTS_PER_CREATURE;
    let mut first = 1;
    while first <= creatures {
        let last = (first + CREATURES_PER_BATCH - 1).min(creatures);
        sqlx::query(
            "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, \
                 schema_version, payload, actor_kind, actor_id, correlation_id, recorded_at) \
             SELECT gen_random_uuid(), s.id, 'creature', v.version, v.kind, v.schema, v.payload, \
                 'user', $3, gen_random_uuid(), to_timestamp(($4 + s.g) / 1000.0) \
             FROM (SELECT encode(set_byte(b, 6, (get_byte(b, 6) & 15) | 112), 'hex')::uuid AS id, g \
                   FROM (SELECT overlay(uuid_send(gen_random_uuid()) \
                                        placing substring(int8send($4 + g) from 3) from 1 for 6) AS b, g \
                         FROM generate_series($1::bigint, $2::bigint) g) stamped) s \
             CROSS JOIN LATERAL (VALUES \
               (1, 'CreatureRegistered', 2, jsonb_build_object('name', 'Creature ' || s.g, \
                   'species', (ARRAY['dragon', 'owl', 'kraken', 'sprite'])[1 + s.g % 4], \
                   'description', 'Generated for the benchmark.', \
                   'traits', jsonb_build_object('size', s.g % 10), 'owner', $3)), \
               (2, 'CreatureRenamed', 1, jsonb_build_object('name', 'Renamed ' || s.g)), \
               (3, 'CreatureDescriptionChanged', 1, jsonb_build_object('description', 'Changed ' || s.g)), \
               (4, 'CreatureTraitsChanged', 1, jsonb_build_object('traits', \
                   jsonb_build_object('size', s.g % 7, 'wings', s.g % 3))) \
             ) AS v(version, kind, schema, payload) \
             ORDER BY s.g, v.version",
        )
        .bind(first)
        .bind(last)
        .bind(owner)
        .bind(minted_from)
        .execute(&pool)
        .await?;
        first = last + 1;
    }
    sqlx::query("VACUUM ANALYZE events").execute(&pool).await?;
    pool.close().await;
    Ok(name)
}

/// Interleaves scans and catch-ups (and a rebuild after each catch-up) on copies of `log`.
pub async fn run(
    server: &Server,
    log: &str,
    binaries: &Binaries,
    ai_service: &str,
    rounds: usize,
    timed_events: i64,
) -> anyhow::Result<ProjectionFigures> {
    let mut figures = ProjectionFigures {
        events: 0,
        timed_events,
        scan_per_second: Vec::new(),
        catch_up_per_second: Vec::new(),
        rebuild_seconds: 0.0,
        rebuild_peak_rss_mib: 0.0,
        reads_during_rebuild: ReadsDuringRebuild::default(),
        catch_up_vs_scan: 0.0,
        worker_peak_rss_mib: 0.0,
    };
    for round in 0..rounds {
        let copy = server.create("catchup", Some(log)).await?;
        let rebuild = round == 0;
        let outcome = one_round(server, &copy, binaries, ai_service, rebuild, &mut figures).await;
        server.drop(&copy).await;
        outcome?;
        eprintln!(
            "bench: projection round {}: scan {:.0} events/s, catch-up {:.0} events/s",
            round + 1,
            figures.scan_per_second.last().unwrap_or(&0.0),
            figures.catch_up_per_second.last().unwrap_or(&0.0),
        );
    }
    let ratios: Vec<f64> = figures
        .catch_up_per_second
        .iter()
        .zip(&figures.scan_per_second)
        .map(|(ours, scan)| ours / scan)
        .collect();
    figures.catch_up_vs_scan = median(&ratios);
    Ok(figures)
}

async fn one_round(
    server: &Server,
    database: &str,
    binaries: &Binaries,
    ai_service: &str,
    rebuild: bool,
    figures: &mut ProjectionFigures,
) -> anyhow::Result<()> {
    let pool = server.migrated(database, 2).await?;
    figures.events = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await?;
    let timed = figures.timed_events.min(figures.events);
    figures.timed_events = timed;
    // The last timed event: the catch-up is done when every checkpoint has passed it.
    let head: i64 = sqlx::query_scalar(
        "SELECT COALESCE(max(position), 0) \
         FROM (SELECT position FROM events ORDER BY position LIMIT $1) first",
    )
    .bind(timed)
    .fetch_one(&pool)
    .await?;

    figures.scan_per_second.push(scan(&pool, timed).await?);

    let environment = Environment {
        database_url: server.url(database),
        redis_prefix: format!("bench-{}", uuid::Uuid::new_v4().simple()),
    };
    let started = Instant::now();
    let worker = Service::worker(binaries, &environment, ai_service)?;
    wait_for_checkpoints(&pool, head).await?;
    let elapsed = started.elapsed();
    figures
        .catch_up_per_second
        .push(timed as f64 / elapsed.as_secs_f64());
    figures.worker_peak_rss_mib = figures.worker_peak_rss_mib.max(worker.peak_rss_mib());
    drop(worker);
    if rebuild {
        // An API serves reads before and during the rebuild, which runs in its own process.
        let api = Service::api(binaries, &environment).await?;
        let (latency, failed) = reads::for_a_while(&api.url, Duration::from_secs(5)).await;
        figures.reads_during_rebuild.rate = reads::RATE;
        figures.reads_during_rebuild.quiet = Reads {
            latency,
            failed,
            api_peak_rss_mib: api.peak_rss_mib(),
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let reading = tokio::spawn(reads::until(api.url.clone(), stopped));
        let replay = run_to_end(binaries, &environment.database_url, &["replay"]).await;
        let _ = stop.send(true);
        let (latency, failed) = reading.await?;
        figures.reads_during_rebuild.rebuilding = Reads {
            latency,
            failed,
            api_peak_rss_mib: api.peak_rss_mib(),
        };
        let replay = replay?;
        figures.rebuild_seconds = replay.seconds;
        figures.rebuild_peak_rss_mib = replay.peak_rss_mib;
        eprintln!(
            "bench: rebuild of every projection over {} events: {:.1} s, peak {:.0} MiB",
            figures.events, figures.rebuild_seconds, figures.rebuild_peak_rss_mib
        );
    }
    pool.close().await;
    Ok(())
}

/// A full rebuild on a log of its own.
#[derive(Debug, Serialize)]
pub struct RebuildAtScale {
    /// Events in the log.
    pub events: i64,
    /// `bestiary replay` of every projection, seconds.
    pub seconds: f64,
    /// Its peak memory, MiB.
    pub peak_rss_mib: f64,
}

/// Generates a log of `events` events and rebuilds every projection over it once.
pub async fn rebuild_at_scale(
    server: &Server,
    binaries: &Binaries,
    events: i64,
    remember: impl Fn(&String),
) -> anyhow::Result<RebuildAtScale> {
    let log = generate(server, events).await?;
    remember(&log);
    let replay = run_to_end(binaries, &server.url(&log), &["replay"]).await?;
    Ok(RebuildAtScale {
        events: (events / EVENTS_PER_CREATURE) * EVENTS_PER_CREATURE,
        seconds: replay.seconds,
        peak_rss_mib: replay.peak_rss_mib,
    })
}

/// Reads the first `events` events in order, as a client of the table would; events/s.
async fn scan(pool: &PgPool, events: i64) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut rows = sqlx::query_as::<_, (i64, uuid::Uuid, String, i16, serde_json::Value)>(
        "SELECT position, stream_id, event_type, schema_version, payload FROM events \
         ORDER BY position LIMIT $1",
    )
    .bind(events)
    .fetch(pool);
    let mut count = 0u64;
    while rows.try_next().await?.is_some() {
        count += 1;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Waits until every projection's checkpoint has reached `head`.
async fn wait_for_checkpoints(pool: &PgPool, head: i64) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(3600);
    loop {
        let lowest: Option<i64> = sqlx::query_scalar(
            "SELECT min(position) FROM projection_checkpoints HAVING count(*) >= 3",
        )
        .fetch_optional(pool)
        .await?
        .flatten();
        if lowest.is_some_and(|lowest| lowest >= head) {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the projections did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
