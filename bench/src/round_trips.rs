//! 3b: the PostgreSQL and Redis round trips of one keyed `POST /creatures`, counted, not
//! estimated. The API under count talks to PostgreSQL through a proxy that counts the
//! client's `Sync` and `Query` messages (each ends one round trip of the extended or simple
//! protocol), and its Redis commands are read from `INFO commandstats` before and after. No
//! worker runs, so every Redis command is the API's. What the API does on its own in the
//! background (its once-a-second session-epoch read) is counted over an idle spell of the
//! same length and subtracted.

use crate::http_load;
use crate::services::{Binaries, Environment, Service};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Commands counted.
const COMMANDS: u64 = 300;

/// The counts per keyed command.
#[derive(Debug, Serialize)]
pub struct RoundTrips {
    /// Keyed commands sent, one after another.
    pub commands: u64,
    /// PostgreSQL round trips per command (background subtracted).
    pub postgres_per_command: f64,
    /// Redis commands per command on the request path (everything but `PUBLISH`).
    pub redis_per_command: f64,
    /// `PUBLISH`es of the new head per command: sent by a background task after the answer,
    /// coalesced under load, never waited for.
    pub publish_per_command: f64,
    /// Redis commands by name, per command.
    pub redis_by_command: BTreeMap<String, f64>,
}

/// Counts them against a fresh API on `environment`'s database.
pub async fn run(binaries: &Binaries, environment: &Environment) -> anyhow::Result<RoundTrips> {
    let (proxied, counted) = proxy(&environment.database_url).await?;
    let api = Service::api(
        binaries,
        &Environment {
            database_url: proxied,
            redis_prefix: environment.redis_prefix.clone(),
        },
    )
    .await?;
    let token = http_load::token(&api.url).await?;
    let client = reqwest::Client::new();
    // Warm: connections made, statements prepared.
    for n in 0..20 {
        http_load::create(&client, &api.url, &token, true, n).await;
    }
    let redis = redis::Client::open("redis://127.0.0.1:6379")?;
    let mut redis = redis.get_multiplexed_async_connection().await?;

    let started = Instant::now();
    let (syncs_before, redis_before) = (counted.load(Ordering::Relaxed), stats(&mut redis).await?);
    let mut refused = 0;
    for n in 0..COMMANDS {
        if http_load::create(&client, &api.url, &token, true, n)
            .await
            .1
            .is_none()
        {
            refused += 1;
        }
    }
    let busy = started.elapsed();
    let (syncs_after, redis_after) = (counted.load(Ordering::Relaxed), stats(&mut redis).await?);
    anyhow::ensure!(refused == 0, "{refused} keyed commands were refused");
    // The same spell with nothing sent: what the API reads on its own.
    let idle_before = counted.load(Ordering::Relaxed);
    tokio::time::sleep(busy).await;
    let background = counted.load(Ordering::Relaxed) - idle_before;

    let per = |count: f64| count / COMMANDS as f64;
    let mut by_command = BTreeMap::new();
    for (name, calls) in &redis_after {
        let delta = calls - redis_before.get(name).copied().unwrap_or(0);
        // The two INFO calls of this count are not the API's.
        let delta = if name == "info" { delta - 1 } else { delta };
        if delta > 0 {
            by_command.insert(name.clone(), per(delta as f64));
        }
    }
    let publish = by_command.get("publish").copied().unwrap_or(0.0);
    let redis_total: f64 = by_command.values().sum();
    Ok(RoundTrips {
        commands: COMMANDS,
        postgres_per_command: per((syncs_after - syncs_before).saturating_sub(background) as f64),
        redis_per_command: redis_total - publish,
        publish_per_command: publish,
        redis_by_command: by_command,
    })
}

/// Calls per Redis command name so far.
async fn stats(
    redis: &mut redis::aio::MultiplexedConnection,
) -> anyhow::Result<BTreeMap<String, u64>> {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(redis)
        .await?;
    let mut calls = BTreeMap::new();
    for line in info.lines() {
        // cmdstat_get:calls=12,usec=…
        let Some(rest) = line.strip_prefix("cmdstat_") else {
            continue;
        };
        let Some((name, fields)) = rest.split_once(':') else {
            continue;
        };
        let count = fields
            .split(',')
            .find_map(|field| field.strip_prefix("calls="))
            .and_then(|value| value.parse().ok())
            .unwrap_or(0);
        calls.insert(name.to_owned(), count);
    }
    Ok(calls)
}

/// A proxy in front of the server of `database_url`: the URL through it, and the count of
/// round trips the clients have made through it.
async fn proxy(database_url: &str) -> anyhow::Result<(String, Arc<AtomicU64>)> {
    // postgres://user@host:port/database
    let (scheme_and_user, rest) = database_url
        .split_once('@')
        .ok_or_else(|| anyhow::anyhow!("no host in {database_url}"))?;
    let (upstream, database) = rest
        .split_once('/')
        .ok_or_else(|| anyhow::anyhow!("no database in {database_url}"))?;
    let upstream = upstream.to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    // Without TLS, so the proxy can read the messages.
    let (name, query) = database.split_once('?').unwrap_or((database, ""));
    let mut parameters: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("sslmode="))
        .collect();
    parameters.push("sslmode=disable");
    let url = format!(
        "{scheme_and_user}@127.0.0.1:{port}/{name}?{}",
        parameters.join("&")
    );
    let counted = Arc::new(AtomicU64::new(0));
    let count = counted.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (upstream, count) = (upstream.clone(), count.clone());
            tokio::spawn(async move {
                if let Ok(server) = TcpStream::connect(&upstream).await {
                    let _ = relay(client, server, count).await;
                }
            });
        }
    });
    Ok((url, counted))
}

/// Relays one connection both ways, counting the client's `Sync` ('S') and `Query` ('Q')
/// messages after the untyped start-up message.
async fn relay(client: TcpStream, server: TcpStream, count: Arc<AtomicU64>) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let answers = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    // The start-up message: a length, then the rest, with no type byte.
    let length = client_read.read_u32().await?;
    let mut startup = vec![0; (length as usize).saturating_sub(4)];
    client_read.read_exact(&mut startup).await?;
    server_write.write_u32(length).await?;
    server_write.write_all(&startup).await?;
    loop {
        let kind = client_read.read_u8().await?;
        let length = client_read.read_u32().await?;
        let mut body = vec![0; (length as usize).saturating_sub(4)];
        client_read.read_exact(&mut body).await?;
        if kind == b'S' || kind == b'Q' {
            count.fetch_add(1, Ordering::Relaxed);
        }
        server_write.write_u8(kind).await?;
        server_write.write_u32(length).await?;
        server_write.write_all(&body).await?;
        if kind == b'X' {
            break;
        }
    }
    answers.abort();
    Ok(())
}

/// One line for the report.
pub fn describe(trips: &RoundTrips) -> String {
    let redis: Vec<String> = trips
        .redis_by_command
        .iter()
        .map(|(name, per)| format!("{name} {per:.2}"))
        .collect();
    format!(
        "{:.2} PostgreSQL, {:.2} Redis on the request path (+ {:.2} PUBLISH after it) per keyed command, over {} ({})",
        trips.postgres_per_command,
        trips.redis_per_command,
        trips.publish_per_command,
        trips.commands,
        redis.join(", ")
    )
}
