//! 4b, beside the rebuild: what users see of the API while every projection is rebuilt. Reads
//! of `GET /creatures` at a steady rate, first with nothing else running, then while
//! `bestiary replay` rebuilds every projection in its own process (as a worker would), with
//! the API's latency and peak memory in both.

use crate::stats::Percentiles;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Reads per second.
pub const RATE: f64 = 100.0;

/// Reads of one phase.
#[derive(Debug, Default, Serialize)]
pub struct Reads {
    /// Latency of the answered reads.
    pub latency: Percentiles,
    /// Reads that got no 200.
    pub failed: usize,
    /// The API's peak memory at the end of the phase, MiB.
    pub api_peak_rss_mib: f64,
}

/// The API while nothing runs beside it, and while a rebuild does.
#[derive(Debug, Default, Serialize)]
pub struct ReadsDuringRebuild {
    /// Reads per second asked for.
    pub rate: f64,
    /// Before the rebuild.
    pub quiet: Reads,
    /// During it.
    pub rebuilding: Reads,
}

/// Reads `GET /creatures?limit=20` at [`RATE`] until `stop` turns true.
pub async fn until(api: String, mut stop: watch::Receiver<bool>) -> (Percentiles, usize) {
    let client = reqwest::Client::new();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let failed: Arc<Mutex<usize>> = Arc::default();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / RATE));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut sent = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => break,
        }
        let (client, url, latencies, failed) = (
            client.clone(),
            format!("{api}/creatures?limit=20"),
            latencies.clone(),
            failed.clone(),
        );
        sent.push(tokio::spawn(async move {
            let started = Instant::now();
            let ok = match client.get(url).send().await {
                Ok(response) if response.status() == 200 => response.bytes().await.is_ok(),
                _ => false,
            };
            if ok {
                latencies.lock().unwrap().push(started.elapsed());
            } else {
                *failed.lock().unwrap() += 1;
            }
        }));
    }
    for read in sent {
        let _ = read.await;
    }
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    let failed = *failed.lock().unwrap();
    (Percentiles::of(&mut latencies), failed)
}

/// Reads for `duration`.
pub async fn for_a_while(api: &str, duration: Duration) -> (Percentiles, usize) {
    let (stop, stopped) = watch::channel(false);
    let reading = tokio::spawn(until(api.to_owned(), stopped));
    tokio::time::sleep(duration).await;
    let _ = stop.send(true);
    reading.await.unwrap_or_default()
}
