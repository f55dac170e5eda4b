//! 4c: at a steady rate of commands, the time from a command's response to the moment the
//! creatures projection announces (on `GET /updates`) that it has applied that position.

use crate::http_load::create;
use crate::stats::Percentiles;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most commands waiting for their answer at once.
const MAX_IN_FLIGHT: usize = 256;

/// What the steady run measured.
#[derive(Debug, Serialize)]
pub struct Visibility {
    /// Commands per second asked for.
    pub target_per_second: f64,
    /// Commands per second answered.
    pub achieved_per_second: f64,
    /// Response → visible in the read model (0 when it was visible before the response).
    pub latency: Percentiles,
    /// Commands whose position was never announced within the drain time.
    pub never_seen: usize,
    /// Commands that got no 201, or were not sent because 256 were already waiting.
    pub failed: usize,
}

/// Sends `rate` commands per second for `duration` and matches them with notices.
pub async fn run(
    api: &str,
    token: &str,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Visibility> {
    let notices: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let (open, opened) = tokio::sync::oneshot::channel();
    let listener = tokio::spawn(listen(api.to_owned(), notices.clone(), open));
    opened.await?;

    let client = reqwest::Client::new();
    let answers: Arc<Mutex<Vec<(i64, Instant)>>> = Arc::default();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut sent = Vec::new();
    let mut n = 0u64;
    // Like a fleet of real clients, at most this many requests wait at once; a tick that finds
    // them all busy counts as a failed command.
    let in_flight = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    while started.elapsed() < duration {
        tick.tick().await;
        n += 1;
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            continue;
        };
        let (client, api, token, answers) = (
            client.clone(),
            api.to_owned(),
            token.to_owned(),
            answers.clone(),
        );
        sent.push(tokio::spawn(async move {
            let _permit = permit;
            if let (_, Some(position)) =
                create(&client, &api, &token, true, 1_000_000_000 + n).await
            {
                answers.lock().unwrap().push((position, Instant::now()));
            }
        }));
    }
    for task in sent {
        let _ = task.await;
    }
    let elapsed = started.elapsed();
    let sent_count = n as usize;
    let answers = answers.lock().unwrap().clone();
    let highest = answers
        .iter()
        .map(|(position, _)| *position)
        .max()
        .unwrap_or(0);
    // Drain: wait for the read model to announce the last position (bounded).
    let drain = Instant::now() + Duration::from_secs(30);
    while Instant::now() < drain
        && notices
            .lock()
            .unwrap()
            .last()
            .is_none_or(|(position, _)| *position < highest)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    listener.abort();
    let notices = notices.lock().unwrap().clone();
    let mut latencies = Vec::new();
    let mut never_seen = 0;
    for (position, answered) in &answers {
        match notices.iter().find(|(seen, _)| seen >= position) {
            Some((_, at)) => latencies.push(at.saturating_duration_since(*answered)),
            None => never_seen += 1,
        }
    }
    Ok(Visibility {
        target_per_second: rate,
        achieved_per_second: answers.len() as f64 / elapsed.as_secs_f64(),
        latency: Percentiles::of(&mut latencies),
        never_seen,
        failed: sent_count - answers.len(),
    })
}

/// Reads `GET /updates` and records each creatures notice's position and arrival.
async fn listen(
    api: String,
    notices: Arc<Mutex<Vec<(i64, Instant)>>>,
    open: tokio::sync::oneshot::Sender<()>,
) -> anyhow::Result<()> {
    let mut response = reqwest::get(format!("{api}/updates")).await?;
    let _ = open.send(());
    let mut buffer = String::new();
    while let Some(chunk) = response.chunk().await? {
        let arrived = Instant::now();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let message: String = buffer.drain(..end + 2).collect();
            let data = message.lines().find_map(|line| line.strip_prefix("data:"));
            let Some(notice) =
                data.and_then(|data| serde_json::from_str::<serde_json::Value>(data.trim()).ok())
            else {
                continue;
            };
            if let (true, Some(position)) = (
                notice["projection"] == "creatures",
                notice["position"].as_i64(),
            ) {
                notices.lock().unwrap().push((position, arrived));
            }
        }
    }
    Ok(())
}
