//! The API's link to Redis: connected lazily, and never in the way. With Redis down, calls
//! give up within a fraction of a second and the API goes on without it.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a Redis call may take before it is given up.
pub(crate) const TIMEOUT: Duration = Duration::from_millis(500);
/// How often a missing connection is tried again.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);

struct State {
    manager: Option<ConnectionManager>,
    last_attempt: Option<Instant>,
}

/// A Redis connection shared by the API's tasks, with the deployment's key prefix.
pub struct RedisLink {
    client: redis::Client,
    prefix: String,
    state: Mutex<State>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A link to `url`; nothing is connected yet.
    pub fn new(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            prefix: prefix.to_owned(),
            state: Mutex::new(State {
                manager: None,
                last_attempt: None,
            }),
        })
    }

    /// The prefix of this deployment's keys and channels.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A connection, if Redis can be reached (tried at most once a second while it cannot).
    pub async fn connection(&self) -> Option<ConnectionManager> {
        let mut state = self.state.lock().await;
        if let Some(manager) = &state.manager {
            return Some(manager.clone());
        }
        if state
            .last_attempt
            .is_some_and(|at| at.elapsed() < RETRY_INTERVAL)
        {
            return None;
        }
        state.last_attempt = Some(Instant::now());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        match tokio::time::timeout(
            2 * TIMEOUT,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        {
            Ok(Ok(manager)) => {
                tracing::info!("connected to Redis");
                state.manager = Some(manager.clone());
                Some(manager)
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "Redis unavailable");
                None
            }
            Err(_) => {
                tracing::warn!("Redis unavailable: connecting timed out");
                None
            }
        }
    }

    /// Runs a command; `None` if Redis could not answer in time.
    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Option<T> {
        let mut connection = self.connection().await?;
        match tokio::time::timeout(TIMEOUT, command.query_async::<T>(&mut connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => {
                tracing::debug!(%error, "Redis command failed");
                None
            }
            Err(_) => None,
        }
    }

    /// Whether Redis answers a PING now.
    pub async fn ping(&self) -> bool {
        self.run::<String>(redis::cmd("PING")).await.is_some()
    }

    /// Publishes a message; false if Redis could not take it.
    pub async fn publish(&self, channel: &str, message: &str) -> bool {
        let mut command = redis::cmd("PUBLISH");
        command.arg(channel).arg(message);
        self.run::<i64>(command).await.is_some()
    }

    /// The value of a key, if Redis has it.
    pub async fn get(&self, key: &str) -> Option<String> {
        let mut command = redis::cmd("GET");
        command.arg(key);
        self.run::<Option<String>>(command).await.flatten()
    }

    /// Sets a key that expires after `ttl`.
    pub async fn set_px(&self, key: &str, value: &str, ttl: Duration) {
        let mut command = redis::cmd("SET");
        command.arg(key).arg(value).arg("PX").arg(millis(ttl));
        let _ = self.run::<redis::Value>(command).await;
    }

    /// Sets a key that expires after `ttl` unless it exists: whether it was set (`None` if
    /// Redis could not answer).
    pub async fn set_nx_px(&self, key: &str, value: &str, ttl: Duration) -> Option<bool> {
        let mut command = redis::cmd("SET");
        command
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl));
        self.run::<Option<String>>(command)
            .await
            .map(|set| set.is_some())
    }

    /// Adds `add` to a counter that lives for `window` from its first use: the count after
    /// adding and the time the window has left (`None` if Redis could not answer).
    pub async fn count_in_window(
        &self,
        key: &str,
        add: u32,
        window: Duration,
    ) -> Option<(u64, Duration)> {
        let mut command = redis::cmd("EVAL");
        command
            .arg(
                "local n = redis.call('INCRBY', KEYS[1], ARGV[2]) \
                 local left = redis.call('PTTL', KEYS[1]) \
                 if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end \
                 return {n, left}",
            )
            .arg(1)
            .arg(key)
            .arg(millis(window))
            .arg(add);
        let (count, left) = self.run::<(i64, i64)>(command).await?;
        Some((
            u64::try_from(count).unwrap_or(0),
            Duration::from_millis(u64::try_from(left).unwrap_or(0)),
        ))
    }

    /// Deletes a key if it still holds `value`.
    pub async fn delete_if_equal(&self, key: &str, value: &str) {
        let mut command = redis::cmd("EVAL");
        command
            .arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
            .arg(1)
            .arg(key)
            .arg(value);
        let _ = self.run::<i64>(command).await;
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .max(1)
}
