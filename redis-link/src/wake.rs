//! Wake-ups over Redis: the API publishes the head position on a channel after each commit;
//! the worker subscribes, and falls back to polling while Redis is away.

use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long to wait before subscribing again after Redis went away.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);

/// The channel the head position is published on.
pub fn channel(prefix: &str) -> String {
    format!("{prefix}:events")
}

/// The channel rebuild requests are announced on (the worker's rebuilds follow it).
pub fn rebuild_channel(prefix: &str) -> String {
    format!("{prefix}:rebuilds")
}

/// What the subscriber tells the projectors.
#[derive(Clone, Debug)]
pub struct Wake {
    head: watch::Receiver<i64>,
    connected: Arc<AtomicBool>,
}

impl Wake {
    /// Whether the subscription to Redis is up now.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// A receiver that changes whenever a new head position is announced.
    pub fn head(&self) -> watch::Receiver<i64> {
        self.head.clone()
    }
}

/// Starts the subscriber on `tasks`.
pub fn listen(tasks: &mut JoinSet<()>, client: redis::Client, prefix: &str) -> Wake {
    let (head_tx, head) = watch::channel(0);
    let connected = Arc::new(AtomicBool::new(false));
    tasks.spawn(subscribe_forever(
        client,
        channel(prefix),
        head_tx,
        connected.clone(),
    ));
    Wake { head, connected }
}

async fn subscribe_forever(
    client: redis::Client,
    channel: String,
    head: watch::Sender<i64>,
    connected: Arc<AtomicBool>,
) {
    let mut reported_down = false;
    loop {
        match subscribe(&client, &channel).await {
            Ok(mut pubsub) => {
                connected.store(true, Ordering::Relaxed);
                tracing::info!(%channel, "woken by Redis");
                reported_down = false;
                // Anything may have been missed while away: wake everyone once.
                head.send_modify(|_| {});
                let mut messages = pubsub.on_message();
                while let Some(message) = messages.next().await {
                    let position = message
                        .get_payload::<String>()
                        .ok()
                        .and_then(|text| text.parse().ok());
                    head.send_modify(|head| *head = position.unwrap_or(*head).max(*head));
                }
                connected.store(false, Ordering::Relaxed);
                tracing::warn!("Redis subscription lost; polling until it returns");
            }
            Err(error) => {
                if !reported_down {
                    tracing::warn!(%error, "Redis unavailable; polling until it returns");
                    reported_down = true;
                }
            }
        }
        tokio::time::sleep(RECONNECT_DELAY).await;
    }
}

/// Runs `on_message` for every message on `channel`, for as long as the process runs,
/// subscribing again [`RECONNECT_DELAY`] after Redis went away (what was announced meanwhile
/// is lost: followers also read on a timer).
pub fn follow<F, Fut>(client: redis::Client, channel: String, mut on_message: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        loop {
            if let Ok(mut pubsub) = subscribe(&client, &channel).await {
                let mut messages = pubsub.on_message();
                while messages.next().await.is_some() {
                    on_message().await;
                }
            }
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    });
}

/// A subscription to `channel` (connecting within two seconds).
pub async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<redis::aio::PubSub> {
    let connect = client.get_async_pubsub();
    let mut pubsub = tokio::time::timeout(Duration::from_secs(2), connect)
        .await
        .map_err(|_| redis::RedisError::from((redis::ErrorKind::Io, "connect timed out")))??;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}
