//! Avatar jobs: every `AvatarRequested` event becomes a job on a Redis stream, which the
//! workers of a consumer group share. A job asks the ai-service for the creature's portrait,
//! stores the image by its content, and records the outcome through the command path with a
//! deterministic idempotency key, so a job run twice records once.
//!
//! Nothing is lost: [`dispatch`] enqueues from the log with a checkpoint of its own (never
//! replayed, so rebuilding projections enqueues nothing) and reconciles a Redis that lost its
//! data from the event store; [`jobs`] reclaims jobs whose worker died.

pub mod dispatch;
pub mod generate;
pub mod jobs;
pub mod queue;

use std::time::Duration;

/// How avatar jobs run.
#[derive(Clone, Debug)]
pub struct AvatarSettings {
    /// The ai-service's base URL.
    pub ai_service_url: String,
    /// How long one call to the ai-service may take.
    pub timeout: Duration,
    /// Attempts per job before the failure is recorded.
    pub attempts: u32,
    /// The first retry's delay; each next one doubles, with jitter.
    pub backoff: Duration,
    /// A job left unacknowledged this long by its worker is taken over by another.
    pub claim_after: Duration,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
}

impl AvatarSettings {
    /// Defaults for an ai-service at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            ai_service_url: url.into(),
            timeout: Duration::from_secs(10),
            attempts: 5,
            backoff: Duration::from_millis(500),
            claim_after: Duration::from_secs(60),
            concurrency: 2,
        }
    }
}
