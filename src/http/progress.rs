//! How far each projection has got, in one watch shared by every read waiting for a position.
//!
//! It is fed by the projections' own notices (see [`super::live`]), which carry the
//! checkpoint a batch committed, so a waiting read makes no database call while it waits.
//! A lost notice (the `LISTEN` connection was re-established, a rebuild swapped without one)
//! is made up for by reading the checkpoints once a second, and only while reads wait.
//! Checkpoints only move forward, so every update keeps the furthest one known.

use super::live::Notice;
use projections::{Checkpoint, Projection, status};
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// How often the checkpoints are read while reads wait, in case a notice was lost.
const REFRESH: Duration = Duration::from_secs(1);

/// Each projection's furthest known checkpoint, by name.
type Checkpoints = BTreeMap<String, Checkpoint>;

/// The shared progress of the projections.
#[derive(Clone, Debug)]
pub struct Progress(watch::Sender<Checkpoints>);

impl Progress {
    /// Follows the notices on `live`, and the database while reads wait.
    pub fn follow(pool: PgPool, live: &broadcast::Sender<Notice>) -> Self {
        let progress = Self(watch::Sender::new(Checkpoints::new()));
        let mut notices = live.subscribe();
        let from_notices = progress.clone();
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(notice) => {
                        if let Some(checkpoint) = notice.checkpoint {
                            from_notices.advance(notice.applied.projection, checkpoint);
                        }
                    }
                    // Missed notices are made up for by the refresh.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        let from_database = progress.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(REFRESH);
            loop {
                every.tick().await;
                if from_database.0.receiver_count() == 0 {
                    continue;
                }
                match status::checkpoints(&pool).await {
                    Ok(checkpoints) => {
                        for (name, checkpoint) in checkpoints {
                            from_database.advance(name, checkpoint);
                        }
                    }
                    Err(error) => tracing::warn!(%error, "reading the checkpoints failed"),
                }
            }
        });
        progress
    }

    /// Whether `projection` reaches `target` within `wait`.
    pub async fn reaches(
        &self,
        projection: &dyn Projection,
        target: Checkpoint,
        wait: Duration,
    ) -> bool {
        let mut checkpoints = self.0.subscribe();
        let reached = checkpoints.wait_for(|checkpoints| {
            checkpoints
                .get(projection.name())
                .is_some_and(|checkpoint| *checkpoint >= target)
        });
        matches!(tokio::time::timeout(wait, reached).await, Ok(Ok(_)))
    }

    fn advance(&self, name: String, checkpoint: Checkpoint) {
        self.0.send_if_modified(|checkpoints| {
            let known = checkpoints.entry(name).or_default();
            let further = checkpoint > *known;
            if further {
                *known = checkpoint;
            }
            further
        });
    }
}
