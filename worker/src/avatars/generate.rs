//! One avatar job: ask the ai-service (with retries), store the image by its content, record
//! the outcome. Recording uses the key `avatar-outcome:<request>`, so a job that runs twice
//! (reclaimed from a worker that died after recording) records once.

use super::AvatarSettings;
use super::queue::Job;
use commands::handler::{Command, Executed};
use commands::idempotency::{AnswerTemplate, IdempotencyRecord};
use commands::{CommandError, CommandHandler, StoreError};
use domain::Actor;
use domain::creature::{AvatarImage, AvatarState, Creature, CreatureCommand};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::time::Duration;

/// How long the outcome's idempotency record is kept.
const OUTCOME_KEY_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// The failure recorded for a request whose creature was archived before it was drawn.
pub const ARCHIVED: &str = "the creature was archived";

/// What a job came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The avatar was generated and recorded.
    Generated,
    /// Every attempt failed; the failure was recorded.
    Failed(String),
    /// The creature was archived first: the request was recorded as failed, with [`ARCHIVED`].
    Cancelled,
    /// Nothing to do: the request is no longer pending (done or superseded).
    Skipped,
}

/// A fault that may pass (the database is away): the job stays pending and runs again.
#[derive(Debug, thiserror::Error)]
#[error("avatar job interrupted: {0}")]
pub struct Interrupted(String);

impl From<StoreError> for Interrupted {
    fn from(error: StoreError) -> Self {
        Interrupted(error.to_string())
    }
}

/// Everything a job needs.
#[derive(Clone, Debug)]
pub struct Generator {
    /// Records outcomes.
    pub commands: CommandHandler,
    /// Calls the ai-service.
    pub http: reqwest::Client,
    /// Retries and timeouts.
    pub settings: AvatarSettings,
}

impl Generator {
    /// A generator over the handler with the given settings.
    pub fn new(commands: CommandHandler, settings: AvatarSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()?;
        Ok(Self {
            commands,
            http,
            settings,
        })
    }

    /// Runs one job to its outcome.
    pub async fn run(&self, job: Job) -> Result<Outcome, Interrupted> {
        let loaded = self.commands.store().load::<Creature>(job.creature).await?;
        let Some(creature) = loaded.state.0 else {
            return Ok(Outcome::Skipped);
        };
        if creature.avatar
            != Some(AvatarState::Pending {
                request_id: job.request,
            })
        {
            return Ok(Outcome::Skipped);
        }
        if creature.archived {
            // Not drawn, but answered: the request's outcome is recorded, so it is not
            // left pending.
            let command = CreatureCommand::RecordAvatarFailed {
                request_id: job.request,
                reason: ARCHIVED.into(),
            };
            return self.record(job, command, Outcome::Cancelled).await;
        }
        let body = json!({
            "seed": job.creature.to_string(),
            "name": creature.name.as_str(),
            "species": creature.species.as_str(),
            "traits": creature.traits.to_value(),
        });
        let mut last_error = String::new();
        for attempt in 0..self.settings.attempts {
            if attempt > 0 {
                crate::metrics::retried();
                tokio::time::sleep(self.backoff(attempt)).await;
            }
            match self.call(&body).await {
                Ok((content_type, bytes)) => {
                    let image = self.store_image(&content_type, &bytes).await?;
                    let command = CreatureCommand::RecordAvatarGenerated {
                        request_id: job.request,
                        image,
                    };
                    return self.record(job, command, Outcome::Generated).await;
                }
                Err(error) => {
                    tracing::warn!(creature = %job.creature, attempt = attempt + 1, %error, "avatar generation failed");
                    last_error = error;
                }
            }
        }
        let reason = format!(
            "the avatar service failed {} times; last: {last_error}",
            self.settings.attempts
        );
        let command = CreatureCommand::RecordAvatarFailed {
            request_id: job.request,
            reason: reason.clone(),
        };
        self.record(job, command, Outcome::Failed(reason)).await
    }

    /// Exponential backoff with up to 50 % jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .settings
            .backoff
            .saturating_mul(1 << (attempt - 1).min(16));
        let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as f64 / 2000.0;
        base.mul_f64(1.0 + jitter)
    }

    async fn call(&self, body: &serde_json::Value) -> Result<(String, Vec<u8>), String> {
        let url = format!(
            "{}/avatars",
            self.settings.ai_service_url.trim_end_matches('/')
        );
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the avatar service answered {status}"));
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .filter(|value| value.starts_with("image/"))
            .ok_or("the avatar service answered something that is not an image")?
            .to_owned();
        let bytes = response.bytes().await.map_err(|error| error.to_string())?;
        Ok((content_type, bytes.to_vec()))
    }

    async fn store_image(
        &self,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<AvatarImage, Interrupted> {
        let sha256 =
            Sha256::digest(bytes)
                .iter()
                .fold(String::with_capacity(64), |mut hex, byte| {
                    let _ = write!(hex, "{byte:02x}");
                    hex
                });
        // The image commits without waiting for the disk: the event that names it commits
        // durably after it, and that flush writes the image's WAL too. A crash before the
        // event loses both, and the job runs again.
        sqlx::query(
            "INSERT INTO avatar_images (sha256, content_type, bytes) \
             SELECT $1::text, $2::text, $3::bytea FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazily \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&sha256)
        .bind(content_type)
        .bind(bytes)
        .execute(self.commands.store().pool())
        .await
        .map_err(|error| Interrupted(error.to_string()))?;
        Ok(AvatarImage {
            sha256,
            content_type: content_type.to_owned(),
        })
    }

    async fn record(
        &self,
        job: Job,
        command: CreatureCommand,
        outcome: Outcome,
    ) -> Result<Outcome, Interrupted> {
        let record = IdempotencyRecord {
            scope: "system".into(),
            key: format!("avatar-outcome:{}", job.request),
            fingerprint: "avatar-outcome".into(),
            keep_for: OUTCOME_KEY_LIFETIME,
        };
        let answer = AnswerTemplate {
            status: 200,
            location: None,
            body: json!({"version": 0, "position": 0}),
        };
        let command = Command::<Creature>::new(job.creature, command, Actor::System, job.request)
            .answering(answer)
            .idempotent(record);
        match self.commands.execute(command).await {
            Ok(Executed::Ran { .. }) => Ok(outcome),
            Ok(Executed::AnsweredBefore(_)) => Ok(Outcome::Skipped),
            // Recorded already, or superseded by a newer request.
            Err(CommandError::Rejected(_) | CommandError::Store(StoreError::DuplicateRequest)) => {
                Ok(Outcome::Skipped)
            }
            Err(CommandError::Store(error)) => Err(error.into()),
        }
    }
}
