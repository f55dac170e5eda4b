//! 3: `POST /creatures` through the real API (JWT, and an `Idempotency-Key` or none, the worker
//! running) at 1, 8, 32 and 64 connections, and raw single-row `INSERT` commits into a copy of
//! `events` on the same server at as many connections; throughput and latency percentiles,
//! interleaved round by round.

use crate::append::{for_each_writer, raw_insert};
use crate::stats::{Percentiles, median};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Connection counts measured.
pub const CONNECTIONS: [usize; 4] = [1, 8, 32, 64];

/// One connection count's figures.
#[derive(Debug, Serialize)]
pub struct HttpLevel {
    /// Concurrent connections.
    pub connections: usize,
    /// Median requests/s with an `Idempotency-Key`.
    pub keyed_per_second: f64,
    /// Median requests/s without one.
    pub unkeyed_per_second: f64,
    /// Median raw single-row `INSERT` commits/s at as many connections.
    pub raw_per_second: f64,
    /// Median over rounds of keyed / unkeyed throughput (what idempotency costs).
    pub keyed_vs_unkeyed: f64,
    /// Median over rounds of keyed commands / raw `INSERT` commits (what the whole command
    /// path costs against the commit it ends in).
    pub keyed_vs_raw: f64,
    /// Latencies with a key, all rounds.
    pub keyed_latency: Percentiles,
    /// Latencies without one, all rounds.
    pub unkeyed_latency: Percentiles,
    /// Answers that were not 201.
    pub errors: u64,
}

/// Registers and logs in a user; their bearer token.
pub async fn token(api: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    let email = format!("bench-{}@example.org", uuid::Uuid::new_v4().simple());
    let body = json!({"email": email, "password": "benchmark password", "display_name": "Bench"});
    let registered = client
        .post(format!("{api}/auth/register"))
        .json(&body)
        .send()
        .await?;
    anyhow::ensure!(
        registered.status() == 201,
        "registering: {}",
        registered.status()
    );
    let login: serde_json::Value = client
        .post(format!("{api}/auth/login"))
        .json(&json!({"email": email, "password": "benchmark password"}))
        .send()
        .await?
        .json()
        .await?;
    Ok(login["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// One `POST /creatures`; its latency and the position it answered, or `None` if refused.
pub async fn create(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    keyed: bool,
    n: u64,
) -> (Duration, Option<i64>) {
    let body = json!({
        "name": format!("Creature {n}"),
        "species": "dragon",
        "description": "A benchmark creature.",
        "traits": {"wings": 2},
    });
    let mut request = client
        .post(format!("{api}/creatures"))
        .bearer_auth(token)
        .json(&body);
    if keyed {
        request = request.header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
    }
    let started = Instant::now();
    let outcome = request.send().await;
    let position = match outcome {
        Ok(response) if response.status() == 201 => response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|body| body["position"].as_i64()),
        _ => None,
    };
    (started.elapsed(), position)
}

/// Runs the interleaved rounds against `api`.
pub async fn run(
    api: &str,
    token: &str,
    raw: &PgPool,
    rounds: usize,
    slice: Duration,
) -> anyhow::Result<Vec<HttpLevel>> {
    let payload = json!({"name": "Creature", "species": "dragon", "description": "A benchmark creature.", "traits": {"wings": 2}});
    let counter = Arc::new(AtomicU64::new(0));
    // Warm up: connections, statement caches, the worker's first batches.
    load(api, token, true, 8, slice / 2, &counter).await;
    let mut levels = Vec::new();
    for &connections in &CONNECTIONS {
        let mut keyed_rates = Vec::new();
        let mut unkeyed_rates = Vec::new();
        let mut raw_rates = Vec::new();
        let mut keyed_latencies = Vec::new();
        let mut unkeyed_latencies = Vec::new();
        let mut errors = 0;
        for round in 0..rounds {
            // Rotate who goes first, so no system always meets the disk in the same state.
            for offset in 0..3 {
                let keyed = match (round + offset) % 3 {
                    0 => true,
                    1 => false,
                    _ => {
                        let payload = payload.clone();
                        let started = Instant::now();
                        let pool = raw.clone();
                        let commits = for_each_writer(connections, slice, move || {
                            let (pool, payload) = (pool.clone(), payload.clone());
                            async move { raw_insert(&pool, &payload).await }
                        })
                        .await?;
                        raw_rates.push(commits as f64 / started.elapsed().as_secs_f64());
                        continue;
                    }
                };
                let outcome = load(api, token, keyed, connections, slice, &counter).await;
                errors += outcome.errors;
                let (rates, latencies) = if keyed {
                    (&mut keyed_rates, &mut keyed_latencies)
                } else {
                    (&mut unkeyed_rates, &mut unkeyed_latencies)
                };
                rates.push(outcome.per_second);
                latencies.extend(outcome.latencies);
            }
            eprintln!(
                "bench: http round {} × {:>2} connections: keyed {:.0}/s, unkeyed {:.0}/s, raw INSERT {:.0}/s",
                round + 1,
                connections,
                keyed_rates.last().unwrap_or(&0.0),
                unkeyed_rates.last().unwrap_or(&0.0),
                raw_rates.last().unwrap_or(&0.0)
            );
        }
        let ratio = |over: &[f64]| {
            let ratios: Vec<f64> = keyed_rates.iter().zip(over).map(|(k, o)| k / o).collect();
            median(&ratios)
        };
        levels.push(HttpLevel {
            connections,
            keyed_per_second: median(&keyed_rates),
            unkeyed_per_second: median(&unkeyed_rates),
            raw_per_second: median(&raw_rates),
            keyed_vs_unkeyed: ratio(&unkeyed_rates),
            keyed_vs_raw: ratio(&raw_rates),
            keyed_latency: Percentiles::of(&mut keyed_latencies),
            unkeyed_latency: Percentiles::of(&mut unkeyed_latencies),
            errors,
        });
    }
    Ok(levels)
}

struct Load {
    per_second: f64,
    latencies: Vec<Duration>,
    errors: u64,
}

async fn load(
    api: &str,
    token: &str,
    keyed: bool,
    connections: usize,
    slice: Duration,
    counter: &Arc<AtomicU64>,
) -> Load {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("an HTTP client");
    let started = Instant::now();
    let deadline = started + slice;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (client, api, token, counter) = (
                client.clone(),
                api.to_owned(),
                token.to_owned(),
                counter.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let (latency, position) = create(&client, &api, &token, keyed, n).await;
                    match position {
                        Some(_) => latencies.push(latency),
                        None => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((mut done, failed)) = task.await {
            latencies.append(&mut done);
            errors += failed;
        }
    }
    Load {
        per_second: latencies.len() as f64 / started.elapsed().as_secs_f64(),
        latencies,
        errors,
    }
}
