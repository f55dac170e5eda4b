//! Live notices of what the projections applied, fanned out to every `GET /updates` client.
//! They come from PostgreSQL (`LISTEN`), where the worker announces each batch on commit, so
//! they need no Redis and every API instance hears every worker.

use projections::{Checkpoint, PROJECTION_CHANNEL};
use serde::Deserialize;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::Duration;
use tokio::sync::broadcast;

/// Notices kept for slow clients before they are told to resynchronise.
const BACKLOG: usize = 256;

/// What a projection just applied, as the worker announces it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Notice {
    /// What `GET /updates` sends of it.
    #[serde(flatten)]
    pub applied: api_types::updates::Notice,
    /// Its checkpoint after the batch (for waiting reads; not sent to `GET /updates`).
    #[serde(default)]
    pub checkpoint: Option<Checkpoint>,
}

/// Starts listening; subscribe to the returned sender for notices.
pub fn listen(pool: PgPool) -> broadcast::Sender<Notice> {
    let (sender, _) = broadcast::channel(BACKLOG);
    let notices = sender.clone();
    tokio::spawn(async move {
        loop {
            if let Err(error) = relay(&pool, &notices).await {
                tracing::warn!(%error, "live notices interrupted; listening again");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    sender
}

async fn relay(pool: &PgPool, notices: &broadcast::Sender<Notice>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(PROJECTION_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        match serde_json::from_str::<Notice>(notification.payload()) {
            // No receivers is fine: nobody is watching right now.
            Ok(notice) => drop(notices.send(notice)),
            Err(error) => tracing::warn!(%error, "unreadable projection notice"),
        }
    }
}
