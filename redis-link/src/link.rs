//! A link to Redis that is never in the way of a request: every call gives up after a short timeout, and
//! after a few failures in a row a [`circuit`] skips Redis for a cool-down, so a hung or absent
//! Redis costs a request at most one timeout, and most requests nothing. The connection is made
//! lazily and remade in the background after a loss (redis-rs's `ConnectionManager`).

mod circuit;

use circuit::Circuit;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// How long one attempt to (re)connect may take; it runs in the background of the calls, each
/// of which still gives up after its own timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How the link bounds what Redis may cost a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkSettings {
    /// How long one call may take before it is given up.
    pub timeout: Duration,
    /// Failed or timed-out calls in a row that open the circuit.
    pub failures_to_open: u32,
    /// How long an open circuit skips Redis before one call probes it.
    pub cool_down: Duration,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(50),
            failures_to_open: 3,
            cool_down: Duration::from_secs(2),
        }
    }
}

/// A Redis connection shared by the API's tasks, with the deployment's key prefix.
pub struct RedisLink {
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    circuit: Circuit,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A link to `url`; nothing is connected until the first call. Needs a Tokio runtime.
    pub fn new(url: &str, prefix: &str, settings: LinkSettings) -> Result<Self, redis::RedisError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(1);
        let manager = ConnectionManager::new_lazy_with_config(redis::Client::open(url)?, config)?;
        Ok(Self {
            manager,
            prefix: prefix.to_owned(),
            timeout: settings.timeout,
            circuit: Circuit::new(settings.failures_to_open, settings.cool_down),
        })
    }

    /// The prefix of this deployment's keys and channels.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Runs a command; `None` if Redis did not answer in time, failed, or is being skipped.
    async fn run<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Option<T> {
        let mut connection = self.manager.clone();
        self.guarded(async move { command.query_async::<T>(&mut connection).await })
            .await
    }

    /// Runs several commands in one round trip (not atomically); their answers in order, or
    /// `None` as for one command.
    pub async fn pipeline<T: redis::FromRedisValue>(&self, pipeline: redis::Pipeline) -> Option<T> {
        let mut connection = self.manager.clone();
        self.guarded(async move { pipeline.query_async::<T>(&mut connection).await })
            .await
    }

    /// A call within the timeout and the circuit.
    async fn guarded<T>(
        &self,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        let attempt = self.circuit.attempt()?;
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => {
                attempt.succeeded();
                Some(value)
            }
            Ok(Err(error)) => {
                tracing::debug!(%error, "Redis command failed");
                attempt.failed();
                None
            }
            Err(_) => {
                tracing::debug!("Redis command timed out");
                attempt.failed();
                None
            }
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

    /// Extends a key's life to `ttl` if it still holds `value`: whether it did (`None` if Redis
    /// could not answer).
    pub async fn expire_if_equal(&self, key: &str, value: &str, ttl: Duration) -> Option<bool> {
        let mut command = redis::cmd("EVAL");
        command
            .arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end")
            .arg(1)
            .arg(key)
            .arg(value)
            .arg(millis(ttl));
        self.run::<i64>(command).await.map(|renewed| renewed == 1)
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

    /// Runs a Lua script on `keys` with `args`, in one round trip (`None` if Redis could not
    /// answer).
    pub async fn eval<T: redis::FromRedisValue>(
        &self,
        script: &str,
        keys: &[&str],
        args: &[&str],
    ) -> Option<T> {
        let mut command = redis::cmd("EVAL");
        command.arg(script).arg(keys.len()).arg(keys).arg(args);
        self.run::<T>(command).await
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
