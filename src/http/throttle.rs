//! Rate limits on logins and registrations: fixed windows counted in Redis, so every API
//! instance shares them, and in this process while Redis cannot answer (each instance then
//! limits on its own). Subjects (client addresses, e-mail addresses) are keyed by an HMAC, so
//! Redis never holds them in clear.

use super::idempotency::FingerprintKey;
use super::problem::ApiError;
use redis_link::RedisLink;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most subjects counted in this process while Redis is away; past it, expired windows
/// are dropped first, then the oldest.
const MAX_LOCAL_SUBJECTS: usize = 100_000;

/// A limit: at most `max` uses per `window` (0: no limit).
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// The limit's name, part of its keys.
    pub name: &'static str,
    /// Uses allowed per window.
    pub max: u32,
    /// The window's length.
    pub window: Duration,
}

/// Counts uses against limits.
#[derive(Clone)]
pub struct Throttle {
    redis: Arc<RedisLink>,
    key: FingerprintKey,
    local: Arc<Mutex<HashMap<String, (Instant, u64)>>>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle").finish_non_exhaustive()
    }
}

impl Throttle {
    /// A throttle counting in `redis`, keying subjects with `key`.
    pub fn new(redis: Arc<RedisLink>, key: FingerprintKey) -> Self {
        Self {
            redis,
            key,
            local: Arc::default(),
        }
    }

    /// Counts one use by `subject`; 429 with `Retry-After` once the limit is passed.
    pub async fn hit(&self, limit: &Limit, subject: &str) -> Result<(), ApiError> {
        self.count(limit, subject, 1).await
    }

    /// 429 if `subject` has already used up the limit, counting nothing.
    pub async fn check(&self, limit: &Limit, subject: &str) -> Result<(), ApiError> {
        self.count(limit, subject, 0).await
    }

    async fn count(&self, limit: &Limit, subject: &str, add: u32) -> Result<(), ApiError> {
        if limit.max == 0 {
            return Ok(());
        }
        let key = format!(
            "{}:throttle:{}:{}",
            self.redis.prefix(),
            limit.name,
            &self.key.sign(&[limit.name.as_bytes(), subject.as_bytes()])[..32]
        );
        let (used, left) = match self.redis.count_in_window(&key, add, limit.window).await {
            Some(counted) => counted,
            None => self.count_here(key, add, limit.window),
        };
        // Counting a use, the limit is passed past `max`; only looking, at `max` already.
        let max = u64::from(limit.max);
        let over = if add == 0 { used >= max } else { used > max };
        if over {
            return Err(ApiError::TooManyRequests {
                retry_after: left.max(Duration::from_secs(1)),
            });
        }
        Ok(())
    }

    /// The same count in this process: (uses in the window, time left in it).
    fn count_here(&self, key: String, add: u32, window: Duration) -> (u64, Duration) {
        let mut local = self
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if local.len() >= MAX_LOCAL_SUBJECTS && !local.contains_key(&key) {
            local.retain(|_, (start, _)| now.duration_since(*start) < window);
            while local.len() >= MAX_LOCAL_SUBJECTS {
                let oldest = local
                    .iter()
                    .min_by_key(|(_, (start, _))| *start)
                    .map(|(key, _)| key.clone());
                match oldest {
                    Some(oldest) => local.remove(&oldest),
                    None => break,
                };
            }
        }
        let entry = local.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += u64::from(add);
        (entry.1, window.saturating_sub(now.duration_since(entry.0)))
    }
}
