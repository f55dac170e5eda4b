//! Performing the projection rebuilds admins ask for: the API records a request
//! (`projections::rebuild::requests`) and announces it on Redis; every worker looks on that
//! announcement and on its poll interval, and whichever claims a request runs it here, out of
//! the API's process.

use crate::{WorkerSettings, pause};
use projections::rebuild::requests;
use redis_link::wake::{self, Wake};
use sqlx::PgPool;
use tokio::sync::watch;

/// Claims and runs requested rebuilds until `stop` turns true.
pub async fn run(
    pool: PgPool,
    client: redis::Client,
    settings: WorkerSettings,
    wake: Wake,
    mut stop: watch::Receiver<bool>,
) {
    let (announced, mut woken) = watch::channel(());
    wake::follow(
        client,
        wake::rebuild_channel(&settings.redis_prefix),
        move || {
            let _ = announced.send(());
            std::future::ready(())
        },
    );
    while !*stop.borrow() {
        run_requested(&pool).await;
        let wait = if wake.connected() {
            settings.idle_interval
        } else {
            settings.poll_interval
        };
        tokio::select! {
            _ = woken.changed() => {}
            () = pause(&mut stop, wait) => {}
        }
    }
}

/// Runs every requested rebuild this worker can claim, one after another.
async fn run_requested(pool: &PgPool) {
    let requested = match requests::requested(pool).await {
        Ok(requested) => requested,
        Err(error) => {
            tracing::warn!(%error, "cannot read rebuild requests");
            return;
        }
    };
    for projection in requested {
        match requests::claim_requested(pool, projection).await {
            Ok(Some(rebuild)) => {
                tracing::info!(projection = projection.name(), "rebuild started");
                match rebuild.run(pool, |_| {}).await {
                    Ok(finished) => {
                        tracing::info!(projection = projection.name(), ?finished, "rebuild ended");
                    }
                    Err(error) => {
                        tracing::error!(projection = projection.name(), %error, "rebuild failed");
                    }
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(projection = projection.name(), %error, "cannot claim the rebuild");
            }
        }
    }
}
