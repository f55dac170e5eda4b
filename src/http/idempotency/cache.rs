//! The Redis fast path: stored answers and in-flight markers, under this deployment's prefix.
//! Redis being down only makes it slower: answers come from PostgreSQL, and without markers a
//! concurrent repeat waits on the database instead of getting 409.

use commands::idempotency::StoredResponse;
use std::time::Duration;
use uuid::Uuid;
use worker::redis_link::RedisLink;

/// How long an in-flight marker lives if its request never finishes (a crashed API).
const IN_FLIGHT_TTL: Duration = Duration::from_secs(30);

/// The Redis keys holding an idempotency key's cached answer and its in-flight marker.
pub fn redis_keys(prefix: &str, scope: &str, key: &str) -> (String, String) {
    (
        format!("{prefix}:idempotency:answer:{scope}:{key}"),
        format!("{prefix}:idempotency:in-flight:{scope}:{key}"),
    )
}

/// The Redis keys of one idempotency key.
pub struct Cache<'a> {
    redis: &'a RedisLink,
    answer: String,
    marker: String,
    token: String,
}

impl<'a> Cache<'a> {
    pub fn new(redis: &'a RedisLink, scope: &str, key: &str) -> Self {
        let (answer, marker) = redis_keys(redis.prefix(), scope, key);
        Self {
            redis,
            answer,
            marker,
            token: Uuid::new_v4().to_string(),
        }
    }

    /// The cached answer, if Redis has it.
    pub async fn get(&self) -> Option<StoredResponse> {
        let text = self.redis.get(&self.answer).await?;
        serde_json::from_str(&text).ok()
    }

    /// Caches an answer for `ttl`.
    pub async fn put(&self, stored: &StoredResponse, ttl: Duration) {
        if let Ok(text) = serde_json::to_string(stored) {
            self.redis.set_px(&self.answer, &text, ttl).await;
        }
    }

    /// Marks the key in flight; false if another request holds it. With Redis down, true.
    pub async fn mark_in_flight(&self) -> bool {
        self.redis
            .set_nx_px(&self.marker, &self.token, IN_FLIGHT_TTL)
            .await
            .unwrap_or(true)
    }

    /// Removes our marker (only ours: an expired one may have been taken over).
    pub async fn release(&self) {
        self.redis.delete_if_equal(&self.marker, &self.token).await;
    }
}
