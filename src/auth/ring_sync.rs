//! Keeping every API instance's key ring current: a rotation is announced on Redis and each
//! instance reloads at once; the ring's periodic reload covers a lost message or a Redis that
//! is away.

use super::KeyRing;
use redis_link::RedisLink;
use std::sync::Arc;

/// The channel rotations are announced on.
pub fn channel(prefix: &str) -> String {
    format!("{prefix}:signing-keys")
}

/// Tells every running instance that `kid` is the new signing key; false when Redis could not
/// be reached (instances then pick it up at their next periodic reload).
pub async fn announce(redis: &RedisLink, kid: &str) -> bool {
    let announced = redis.publish(&channel(redis.prefix()), kid).await;
    if !announced {
        tracing::warn!(
            "rotation not announced (Redis unavailable): instances reload within seconds"
        );
    }
    announced
}

/// Reloads `keys` whenever a rotation is announced, for as long as the process runs.
pub fn follow(keys: Arc<KeyRing>, client: redis::Client, prefix: &str) {
    redis_link::wake::follow(client, channel(prefix), move || {
        let keys = keys.clone();
        async move {
            match keys.reload().await {
                Ok(()) => tracing::info!("signing keys reloaded after a rotation"),
                Err(error) => tracing::warn!(%error, "reloading signing keys failed"),
            }
        }
    });
}
