//! The Redis fast path: stored answers and in-flight markers, under this deployment's prefix.
//! Redis being down only makes it slower: answers come from PostgreSQL, and without markers a
//! concurrent repeat waits on the database instead of getting 409.
//!
//! A marker is a lease held by the request that set it: it lives [`IN_FLIGHT_LEASE`] and the
//! request renews it every [`RENEW_EVERY`] while it runs, so the marker of a process that died
//! lapses within seconds and a retry then runs (or replays) instead of getting 409.

use commands::idempotency::StoredResponse;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::task::AbortHandle;
use uuid::Uuid;
use worker::redis_link::RedisLink;

/// How long an in-flight marker lives unless its request renews it.
const IN_FLIGHT_LEASE: Duration = Duration::from_secs(3);
/// How often a running request renews its marker: a third of the lease, so two renewals may
/// be lost (a slow Redis) before it lapses.
const RENEW_EVERY: Duration = Duration::from_secs(1);

/// The Redis keys holding an idempotency key's cached answer and its in-flight marker.
pub fn redis_keys(prefix: &str, scope: &str, key: &str) -> (String, String) {
    (
        format!("{prefix}:idempotency:answer:{scope}:{key}"),
        format!("{prefix}:idempotency:in-flight:{scope}:{key}"),
    )
}

/// The Redis keys of one idempotency key, and the lease on its marker while this request
/// holds it (given up when released or dropped).
pub struct Cache<'a> {
    redis: &'a Arc<RedisLink>,
    answer: String,
    marker: String,
    token: String,
    renewal: OnceLock<AbortHandle>,
}

impl<'a> Cache<'a> {
    pub fn new(redis: &'a Arc<RedisLink>, scope: &str, key: &str) -> Self {
        let (answer, marker) = redis_keys(redis.prefix(), scope, key);
        Self {
            redis,
            answer,
            marker,
            token: Uuid::new_v4().to_string(),
            renewal: OnceLock::new(),
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

    /// Marks the key in flight, and keeps renewing the mark until it is released; false if
    /// another request holds it. With Redis down, true.
    pub async fn mark_in_flight(&self) -> bool {
        let marked = self
            .redis
            .set_nx_px(&self.marker, &self.token, IN_FLIGHT_LEASE)
            .await;
        if marked == Some(true) {
            let renewal = tokio::spawn(renew(
                self.redis.clone(),
                self.marker.clone(),
                self.token.clone(),
            ));
            let _ = self.renewal.set(renewal.abort_handle());
        }
        marked.unwrap_or(true)
    }

    /// Stops renewing and removes our marker (only ours: a lapsed one may have been taken).
    pub async fn release(&self) {
        self.stop_renewing();
        self.redis.delete_if_equal(&self.marker, &self.token).await;
    }

    fn stop_renewing(&self) {
        if let Some(renewal) = self.renewal.get() {
            renewal.abort();
        }
    }
}

impl Drop for Cache<'_> {
    /// A request that ends without releasing (its client went away) stops renewing: its
    /// marker lapses within the lease.
    fn drop(&mut self) {
        self.stop_renewing();
    }
}

/// Renews the marker every [`RENEW_EVERY`] for as long as it is ours.
async fn renew(redis: Arc<RedisLink>, marker: String, token: String) {
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
    loop {
        ticks.tick().await;
        // `None`: Redis did not answer this time; the next tick tries again.
        if redis
            .expire_if_equal(&marker, &token, IN_FLIGHT_LEASE)
            .await
            == Some(false)
        {
            tracing::debug!("in-flight marker lapsed while its request ran");
            return;
        }
    }
}
