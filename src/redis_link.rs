//! The API's link to Redis: connected lazily, and never in the way. With Redis down, calls
//! give up within a fraction of a second and the API goes on without it.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a Redis call may take before it is given up.
const TIMEOUT: Duration = Duration::from_millis(500);
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

    /// Whether Redis answers a PING now.
    pub async fn ping(&self) -> bool {
        let Some(mut connection) = self.connection().await else {
            return false;
        };
        let ping = redis::cmd("PING");
        matches!(
            tokio::time::timeout(TIMEOUT, ping.query_async::<String>(&mut connection)).await,
            Ok(Ok(_))
        )
    }

    /// Publishes a message; false if Redis could not take it.
    pub async fn publish(&self, channel: &str, message: &str) -> bool {
        let Some(mut connection) = self.connection().await else {
            return false;
        };
        let mut publish = redis::cmd("PUBLISH");
        publish.arg(channel).arg(message);
        matches!(
            tokio::time::timeout(TIMEOUT, publish.query_async::<i64>(&mut connection)).await,
            Ok(Ok(_))
        )
    }
}
