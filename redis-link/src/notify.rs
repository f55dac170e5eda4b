//! Telling the workers that the log grew: after each commit the new head position is published
//! on Redis, by one background task that coalesces bursts, so a command never waits for Redis.

use crate::RedisLink;
use std::sync::Arc;
use tokio::sync::watch;

/// Starts the publisher; the returned hook (a `commands` commit hook) records a committed
/// position for it.
pub fn head_publisher(link: Arc<RedisLink>) -> Arc<dyn Fn(i64) + Send + Sync> {
    let (head, mut published) = watch::channel(0_i64);
    let channel = crate::wake::channel(link.prefix());
    tokio::spawn(async move {
        while published.changed().await.is_ok() {
            let position = *published.borrow_and_update();
            if !link.publish(&channel, &position.to_string()).await {
                tracing::debug!(
                    position,
                    "head not published: Redis unavailable (the worker polls)"
                );
            }
        }
    });
    Arc::new(move |position| {
        head.send_modify(|head| *head = (*head).max(position));
    })
}
