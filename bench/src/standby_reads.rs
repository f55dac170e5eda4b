//! 6: queries from a hot standby (`DATABASE_READ_URL`). A PostgreSQL primary and a streaming
//! standby of the benchmark's own (the cluster `tests/standbys` starts, on free ports in a
//! temporary folder), one worker, and two APIs on the same database: one reading from the
//! primary alone, one from the standby. Measured, interleaved round by round:
//! `GET /creatures?q=…` throughput through each API at a fixed number of connections, then,
//! under a steady command load, each command followed by its read with `min_position`
//! (read-your-writes), while the standby's lag is sampled from `/readyz`.
//!
//! Both servers share this machine's cores (and the APIs and worker run beside them), so the
//! throughput ratio shows what routing to a standby costs or saves on one machine, not the
//! capacity a standby on a machine of its own would add.

#[allow(dead_code)] // shared with tests/standbys, which use all of it
#[path = "../../tests/standbys/cluster.rs"]
mod cluster;

use crate::databases::Server;
use crate::http_load;
use crate::services::{Binaries, Environment, Service};
use crate::stats::{Percentiles, median};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Concurrent connections of the query load.
const CONNECTIONS: usize = 32;

/// The figures of section 6.
#[derive(Debug, Default, Serialize)]
pub struct StandbyReads {
    /// Creatures in the read model queried.
    pub creatures: u64,
    /// Concurrent connections of the query load.
    pub connections: usize,
    /// Median queries/s through the API reading from the primary alone.
    pub primary_per_second: f64,
    /// Median queries/s through the API reading from the standby.
    pub standby_per_second: f64,
    /// Median over rounds of standby ÷ primary throughput.
    pub standby_vs_primary: f64,
    /// Query latencies from the primary, all rounds.
    pub primary_latency: Percentiles,
    /// Query latencies from the standby, all rounds.
    pub standby_latency: Percentiles,
    /// Of the standby API's answers, the share `X-Served-By: standby-0` answered.
    pub standby_share: f64,
    /// Queries without a 200.
    pub failed: u64,
    /// Commands per second of the steady load.
    pub rate: f64,
    /// Read-your-writes (command, then its read with `min_position`) on the primary: the read's
    /// latency.
    pub own_write_primary: Percentiles,
    /// The same through the standby API.
    pub own_write_standby: Percentiles,
    /// Of those reads, the share the standby answered (the rest fell back to the primary).
    pub own_write_standby_share: f64,
    /// Reads of one's own write that did not see it, or got no 200.
    pub own_write_failed: u64,
    /// The standby's lag in milliseconds during the steady load, sampled every 100 ms.
    pub lag_ms: Percentiles,
    /// The most positions the standby trailed by in those samples.
    pub lag_positions_max: i64,
}

/// Runs section 6.
pub async fn run(
    binaries: &Binaries,
    ai_service: &str,
    rounds: usize,
    slice: Duration,
    steady: Duration,
    rate: f64,
) -> anyhow::Result<StandbyReads> {
    // Its servers, and the database made on them, go when this process ends.
    let cluster = tokio::task::spawn_blocking(cluster::cluster).await?;
    let server = Server {
        admin_url: cluster.primary.url("postgres"),
    };
    let database = server.create("standby", None).await?;
    server.migrated(&database, 1).await?.close().await;
    let environment = Environment {
        database_url: server.url(&database),
        redis_prefix: format!("bench-{}", uuid::Uuid::new_v4().simple()),
    };
    let _worker = Service::worker(binaries, &environment, ai_service)?;
    let primary = Service::api(binaries, &environment).await?;
    let standby = Service::api_with(
        binaries,
        &environment,
        &[("DATABASE_READ_URL", cluster.standby.url(&database))],
    )
    .await?;
    let token = http_load::token(&primary.url).await?;

    let creatures = if slice < Duration::from_secs(2) {
        1_000
    } else {
        5_000
    };
    let head = seed(&primary.url, &token, creatures).await?;
    until_served_by_standby(&standby.url, head).await?;

    let mut figures = StandbyReads {
        creatures,
        connections: CONNECTIONS,
        rate,
        ..StandbyReads::default()
    };
    let (mut primary_rates, mut standby_rates) = (Vec::new(), Vec::new());
    let (mut primary_latencies, mut standby_latencies) = (Vec::new(), Vec::new());
    let (mut from_standby, mut standby_answers) = (0u64, 0u64);
    queries(&standby.url, slice / 2).await; // warm up both pools and caches
    queries(&primary.url, slice / 2).await;
    for round in 0..rounds {
        for offset in 0..2 {
            let on_standby = (round + offset) % 2 == 1;
            let api = if on_standby { &standby } else { &primary };
            let outcome = queries(&api.url, slice).await;
            figures.failed += outcome.failed;
            if on_standby {
                standby_rates.push(outcome.per_second);
                standby_latencies.extend(outcome.latencies);
                from_standby += outcome.by_standby;
                standby_answers += outcome.answered;
            } else {
                primary_rates.push(outcome.per_second);
                primary_latencies.extend(outcome.latencies);
            }
        }
        eprintln!(
            "bench: standby round {}: primary {:.0} queries/s, standby {:.0} queries/s",
            round + 1,
            primary_rates.last().unwrap_or(&0.0),
            standby_rates.last().unwrap_or(&0.0)
        );
    }
    let ratios: Vec<f64> = standby_rates
        .iter()
        .zip(&primary_rates)
        .map(|(standby, primary)| standby / primary)
        .collect();
    figures.primary_per_second = median(&primary_rates);
    figures.standby_per_second = median(&standby_rates);
    figures.standby_vs_primary = median(&ratios);
    figures.primary_latency = Percentiles::of(&mut primary_latencies);
    figures.standby_latency = Percentiles::of(&mut standby_latencies);
    figures.standby_share = from_standby as f64 / standby_answers.max(1) as f64;

    // Read-your-writes under a steady command load, half the time through each API, while
    // the standby's lag is sampled.
    let sampling = tokio::spawn(sample_lag(standby.url.clone(), steady));
    let on_primary = own_writes(&primary.url, &token, rate, steady / 2).await;
    let on_standby = own_writes(&standby.url, &token, rate, steady / 2).await;
    let (mut lags, lag_positions_max) = sampling.await?;
    let (mut primary_reads, mut standby_reads) = (on_primary.latencies, on_standby.latencies);
    figures.own_write_primary = Percentiles::of(&mut primary_reads);
    figures.own_write_standby = Percentiles::of(&mut standby_reads);
    figures.own_write_standby_share =
        on_standby.by_standby as f64 / on_standby.answered.max(1) as f64;
    figures.own_write_failed = on_primary.failed + on_standby.failed;
    figures.lag_ms = Percentiles::of(&mut lags);
    figures.lag_positions_max = lag_positions_max;
    Ok(figures)
}

/// Creates `count` creatures through `api`; the position of the last.
async fn seed(api: &str, token: &str, count: u64) -> anyhow::Result<i64> {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..16)
        .map(|_| {
            let (client, api, token, next) = (
                client.clone(),
                api.to_owned(),
                token.to_owned(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut furthest = 0;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= count {
                        return furthest;
                    }
                    if let (_, Some(position)) =
                        http_load::create(&client, &api, &token, false, n).await
                    {
                        furthest = furthest.max(position);
                    }
                }
            })
        })
        .collect();
    let mut head = 0;
    for writer in writers {
        head = head.max(writer.await?);
    }
    anyhow::ensure!(head > 0, "no creature was created");
    Ok(head)
}

/// Waits until the standby API answers a read of `position` from the standby.
async fn until_served_by_standby(api: &str, position: i64) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = client
            .get(format!("{api}/creatures?limit=1&min_position={position}"))
            .send()
            .await;
        if let Ok(response) = answer
            && response.status() == 200
            && served_by_standby(&response)
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the standby did not serve position {position} within 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn served_by_standby(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("x-served-by")
        .is_some_and(|by| by.as_bytes().starts_with(b"standby-"))
}

/// What one load slice got.
#[derive(Default)]
struct Outcome {
    per_second: f64,
    latencies: Vec<Duration>,
    answered: u64,
    by_standby: u64,
    failed: u64,
}

/// `GET /creatures?q=creature N&limit=20` (N a digit in turn, about a tenth of the
/// creatures each) on [`CONNECTIONS`] connections for `slice`.
async fn queries(api: &str, slice: Duration) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("an HTTP client");
    let started = Instant::now();
    let deadline = started + slice;
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|task| {
            let (client, api) = (client.clone(), api.to_owned());
            tokio::spawn(async move {
                let mut outcome = Outcome::default();
                let mut n = task;
                while Instant::now() < deadline {
                    n += 1;
                    let url = format!("{api}/creatures?q=creature%20{}&limit=20", n % 10);
                    let sent = Instant::now();
                    match client.get(url).send().await {
                        Ok(response) if response.status() == 200 => {
                            let by_standby = served_by_standby(&response);
                            if response.bytes().await.is_ok() {
                                outcome.latencies.push(sent.elapsed());
                                outcome.answered += 1;
                                outcome.by_standby += u64::from(by_standby);
                            } else {
                                outcome.failed += 1;
                            }
                        }
                        _ => outcome.failed += 1,
                    }
                }
                outcome
            })
        })
        .collect();
    let mut total = Outcome::default();
    for task in tasks {
        if let Ok(mut done) = task.await {
            total.latencies.append(&mut done.latencies);
            total.answered += done.answered;
            total.by_standby += done.by_standby;
            total.failed += done.failed;
        }
    }
    total.per_second = total.answered as f64 / started.elapsed().as_secs_f64();
    total
}

/// Commands at `rate` for `duration`, each followed by `GET /creatures/{id}?min_position=P`;
/// the reads' latencies and who answered them.
async fn own_writes(api: &str, token: &str, rate: f64, duration: Duration) -> Outcome {
    let client = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = Instant::now() + duration;
    let mut sent = Vec::new();
    let mut n = 1_000_000;
    while Instant::now() < deadline {
        tick.tick().await;
        n += 1;
        let (client, api, token) = (client.clone(), api.to_owned(), token.to_owned());
        sent.push(tokio::spawn(async move {
            own_write(&client, &api, &token, n).await
        }));
    }
    let mut total = Outcome::default();
    for read in sent {
        match read.await {
            Ok(Some((latency, by_standby))) => {
                total.latencies.push(latency);
                total.answered += 1;
                total.by_standby += u64::from(by_standby);
            }
            _ => total.failed += 1,
        }
    }
    total
}

/// One command and its read: the read's latency and whether the standby answered it, or
/// `None` when the command failed or the read did not see it.
async fn own_write(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    n: u64,
) -> Option<(Duration, bool)> {
    let name = format!("Creature {n}");
    let body =
        serde_json::json!({"name": name, "species": "dragon", "description": "", "traits": {}});
    let created: serde_json::Value = client
        .post(format!("{api}/creatures"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .ok()
        .filter(|response| response.status() == 201)?
        .json()
        .await
        .ok()?;
    let (id, position) = (created["id"].as_str()?, created["position"].as_i64()?);
    let started = Instant::now();
    let response = client
        .get(format!("{api}/creatures/{id}?min_position={position}"))
        .send()
        .await
        .ok()
        .filter(|response| response.status() == 200)?;
    let by_standby = served_by_standby(&response);
    let view: serde_json::Value = response.json().await.ok()?;
    let latency = started.elapsed();
    (view["name"] == name.as_str()).then_some((latency, by_standby))
}

/// Samples `standby-0`'s lag on `api`'s `/readyz` every 100 ms for `duration`: the lags in
/// milliseconds (as durations) and the most positions it trailed by.
async fn sample_lag(api: String, duration: Duration) -> (Vec<Duration>, i64) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + duration;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let (mut lags, mut positions) = (Vec::new(), 0);
    while Instant::now() < deadline {
        tick.tick().await;
        let Ok(response) = client.get(format!("{api}/readyz")).send().await else {
            continue;
        };
        let Ok(ready) = response.json::<serde_json::Value>().await else {
            continue;
        };
        let standby = &ready["checks"]["standbys"]["standby-0"];
        if let Some(lag) = standby["lag_ms"].as_u64() {
            lags.push(Duration::from_millis(lag));
        }
        positions = positions.max(standby["lag_positions"].as_i64().unwrap_or(0));
    }
    (lags, positions)
}
