//! 3b: the PostgreSQL and Redis round trips of one keyed `POST /creatures`, counted, not
//! estimated. The API under count talks to both through proxies of this module: the
//! PostgreSQL one counts the client's `Sync` and `Query` messages (each ends one round trip
//! of the extended or simple protocol), the Redis one each command the client sends (a RESP
//! array), by name; commands a script runs inside Redis are not round trips and are not
//! seen. No worker runs. What the API does on its own in the background (its once-a-second
//! session-epoch read, its key-ring reload) is counted over an idle spell as long and
//! subtracted.

use crate::http_load;
use crate::services::{Binaries, Environment, Service};
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// Commands counted.
const COMMANDS: u64 = 300;

/// The counts per keyed command.
#[derive(Debug, Serialize)]
pub struct RoundTrips {
    /// Keyed commands sent, one after another.
    pub commands: u64,
    /// PostgreSQL round trips per command that run a statement (background subtracted).
    pub postgres_per_command: f64,
    /// PostgreSQL pings per command: sqlx checks each connection given back to its pool with
    /// one, after the answer and off the request path.
    pub postgres_pings_per_command: f64,
    /// Redis round trips per command (batches sent before waiting, a pipeline being one; the
    /// `PUBLISH`es apart). The answer waits for the lookup only: the cache write follows it.
    pub redis_per_command: f64,
    /// `PUBLISH`es of the new head per command: sent by a background task after the answer,
    /// coalesced under load, never waited for.
    pub publish_per_command: f64,
    /// Redis commands sent, by name, per command.
    pub redis_by_command: BTreeMap<String, f64>,
}

/// Counts them against a fresh API on `environment`'s database and `redis_url`'s server.
pub async fn run(
    binaries: &Binaries,
    environment: &Environment,
    redis_url: &str,
) -> anyhow::Result<RoundTrips> {
    let (proxied, postgres) = postgres_proxy(&environment.database_url).await?;
    let (redis_proxied, redis) = redis_proxy(redis_url).await?;
    let api = Service::api_with(
        binaries,
        &Environment {
            database_url: proxied,
            redis_prefix: environment.redis_prefix.clone(),
        },
        &[("REDIS_URL", redis_proxied)],
    )
    .await?;
    let token = http_load::token(&api.url).await?;
    let client = reqwest::Client::new();
    // Warm: connections made, statements prepared.
    for n in 0..20 {
        http_load::create(&client, &api.url, &token, true, n).await;
    }

    let started = Instant::now();
    let (postgres_before, redis_before) = (postgres.snapshot(), redis.snapshot());
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
    let (postgres_after, redis_after) = (postgres.snapshot(), redis.snapshot());
    anyhow::ensure!(refused == 0, "{refused} keyed commands were refused");
    // The same spell with nothing sent: what the API does on its own.
    let (idle_postgres, idle_redis) = (postgres.snapshot(), redis.snapshot());
    tokio::time::sleep(busy).await;
    let background_postgres = postgres.snapshot();
    let background_redis = redis.snapshot();

    let per = |count: u64| count as f64 / COMMANDS as f64;
    let mut by_command = BTreeMap::new();
    for (name, calls) in &redis_after {
        let during = calls - redis_before.get(name).copied().unwrap_or(0);
        let idle = background_redis.get(name).copied().unwrap_or(0)
            - idle_redis.get(name).copied().unwrap_or(0);
        let count = during.saturating_sub(idle);
        if count > 0 {
            by_command.insert(name.clone(), per(count));
        }
    }
    let publish = by_command.get("PUBLISH").copied().unwrap_or(0.0);
    // A PUBLISH is a round trip of its own, sent by the background publisher.
    let redis_total = by_command.remove(ROUND_TRIP).unwrap_or(0.0);
    Ok(RoundTrips {
        commands: COMMANDS,
        postgres_per_command: per((postgres_after.0 - postgres_before.0)
            .saturating_sub(background_postgres.0 - idle_postgres.0)),
        postgres_pings_per_command: per((postgres_after.1 - postgres_before.1)
            .saturating_sub(background_postgres.1 - idle_postgres.1)),
        redis_per_command: redis_total - publish,
        publish_per_command: publish,
        redis_by_command: by_command,
    })
}

/// What the PostgreSQL clients sent.
#[derive(Default)]
struct PostgresCounts {
    /// Statements run (a `Sync` ending a batch, or a simple `Query`).
    round_trips: AtomicU64,
    /// Bare `Sync`s.
    pings: AtomicU64,
}

impl PostgresCounts {
    fn snapshot(&self) -> (u64, u64) {
        (
            self.round_trips.load(Ordering::Relaxed),
            self.pings.load(Ordering::Relaxed),
        )
    }
}

/// The name under which [`RedisCounts`] counts round trips (batches of commands sent before
/// the client waited for answers), beside the commands by name.
const ROUND_TRIP: &str = "(ROUND TRIPS)";

/// Redis commands seen, by name.
#[derive(Clone, Default)]
struct RedisCounts(Arc<Mutex<BTreeMap<String, u64>>>);

impl RedisCounts {
    fn add(&self, name: &str) {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry(name.to_ascii_uppercase()).or_default() += 1;
    }

    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A proxy in front of the Redis of `redis_url` (`redis://host:port`): the URL through it,
/// and the commands its clients have sent.
async fn redis_proxy(redis_url: &str) -> anyhow::Result<(String, RedisCounts)> {
    let upstream = redis_url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("redis://127.0.0.1:{}", listener.local_addr()?.port());
    let counts = RedisCounts::default();
    let seen = counts.clone();
    serve(listener, upstream, move |client, server| {
        forward_redis(client, server, seen.clone())
    });
    Ok((url, counts))
}

/// Serves `listener` as a proxy to `upstream`: the server's answers go back as they are, and
/// what each client sends goes through `forward`, which writes it on to the server.
fn serve<F, Fut>(listener: TcpListener, upstream: String, forward: F)
where
    F: Fn(OwnedReadHalf, OwnedWriteHalf) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = std::io::Result<()>> + Send,
{
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (upstream, forward) = (upstream.clone(), forward.clone());
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                // The proxy writes what it reads line by line: without this, Nagle's algorithm
                // holds a line back until the server acknowledges the last one (up to 40 ms).
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let (client_read, mut client_write) = client.into_split();
                let (mut server_read, server_write) = server.into_split();
                let answers = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                });
                let _ = forward(client_read, server_write).await;
                answers.abort();
            });
        }
    });
}

/// Forwards what one Redis client sends, noting the name of each command (an array of bulk
/// strings: `*<n>\r\n`, then `$<len>\r\n<bytes>\r\n` n times).
async fn forward_redis(
    client_read: OwnedReadHalf,
    mut server_write: OwnedWriteHalf,
    seen: RedisCounts,
) -> std::io::Result<()> {
    let mut client_read = tokio::io::BufReader::new(client_read);
    let mut line = Vec::new();
    loop {
        line.clear();
        if client_read.read_until(b'\n', &mut line).await? == 0 {
            break;
        }
        server_write.write_all(&line).await?;
        let Some(count) = line.strip_prefix(b"*") else {
            continue;
        };
        let parts: usize = std::str::from_utf8(count)
            .ok()
            .and_then(|count| count.trim().parse().ok())
            .unwrap_or(0);
        for part in 0..parts {
            line.clear();
            client_read.read_until(b'\n', &mut line).await?;
            server_write.write_all(&line).await?;
            let length: usize = std::str::from_utf8(line.get(1..).unwrap_or_default())
                .ok()
                .and_then(|length| length.trim().parse().ok())
                .unwrap_or(0);
            let mut bulk = vec![0; length + 2];
            client_read.read_exact(&mut bulk).await?;
            server_write.write_all(&bulk).await?;
            if part == 0 {
                seen.add(&String::from_utf8_lossy(&bulk[..length]));
            }
        }
        // Nothing more has arrived: the client waits for the answers. The commands since the
        // last wait (one, or a pipeline) were one round trip.
        if client_read.buffer().is_empty() {
            seen.add(ROUND_TRIP);
        }
    }
    Ok(())
}

/// A proxy in front of the server of `database_url`: the URL through it, and the count of
/// round trips the clients have made through it.
async fn postgres_proxy(database_url: &str) -> anyhow::Result<(String, Arc<PostgresCounts>)> {
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
    let counted = Arc::new(PostgresCounts::default());
    let count = counted.clone();
    serve(listener, upstream, move |client, server| {
        forward_postgres(client, server, count.clone())
    });
    Ok((url, counted))
}

/// Forwards what one PostgreSQL client sends, counting its `Sync` ('S') and `Query` ('Q')
/// messages after the untyped start-up message, and apart from them the pings (a `Sync`
/// with nothing before it).
async fn forward_postgres(
    mut client_read: OwnedReadHalf,
    mut server_write: OwnedWriteHalf,
    count: Arc<PostgresCounts>,
) -> std::io::Result<()> {
    // The start-up message: a length, then the rest, with no type byte.
    let length = client_read.read_u32().await?;
    let mut startup = vec![0; (length as usize).saturating_sub(4)];
    client_read.read_exact(&mut startup).await?;
    server_write.write_u32(length).await?;
    server_write.write_all(&startup).await?;
    let mut since_sync = 0;
    loop {
        let kind = client_read.read_u8().await?;
        let length = client_read.read_u32().await?;
        let mut body = vec![0; (length as usize).saturating_sub(4)];
        client_read.read_exact(&mut body).await?;
        match kind {
            // A `Sync` alone is a ping: sqlx's check of a connection given back to its pool.
            b'S' if since_sync == 0 => count.pings.fetch_add(1, Ordering::Relaxed),
            b'S' | b'Q' => count.round_trips.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        since_sync = if kind == b'S' { 0 } else { since_sync + 1 };
        server_write.write_u8(kind).await?;
        server_write.write_u32(length).await?;
        server_write.write_all(&body).await?;
        if kind == b'X' {
            break;
        }
    }
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
        "{:.2} PostgreSQL (+ {:.2} pings after it), {:.2} Redis (+ {:.2} PUBLISH after the answer) per keyed command, over {} ({})",
        trips.postgres_per_command,
        trips.postgres_pings_per_command,
        trips.redis_per_command,
        trips.publish_per_command,
        trips.commands,
        redis.join(", ")
    )
}
