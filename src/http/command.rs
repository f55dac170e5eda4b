//! The one path every command route runs a command through, keyed or not: the handler says
//! what the command answers (an [`AnswerTemplate`]), [`Idempotency::prepare`] attaches the
//! request's key to it, the command handler runs it (its append stores the answer, or hands
//! back the one stored before), and [`Idempotency::respond`] turns what it came to into the
//! response. A handler has no flag to set and no answer to store; the middleware stores what
//! the append did not ([`super::idempotency`]).

use super::idempotency::{Idempotency, StoredAnswer, replay, sealing, to_response};
use super::problem::ApiError;
use super::state::AppState;
use crate::auth::KeyRing;
use axum::http::StatusCode;
use axum::response::Response;
use commands::CommandError;
use commands::handler::{Answer, Command, Executed};
use commands::idempotency::AnswerTemplate;
use domain::Aggregate;
use serde_json::json;
use uuid::Uuid;

/// What most commands answer: the resource's id, its version after the command, and the
/// global position to read at (`min_position`).
pub fn accepted(id: Uuid, status: StatusCode, location: Option<String>) -> AnswerTemplate {
    AnswerTemplate {
        status: status.as_u16(),
        location,
        body: json!({"id": id, "version": 0, "position": 0}),
    }
}

/// Runs `command`, answering with `template`: the whole path for a command route.
pub async fn run<A>(
    state: &AppState,
    idempotency: &Idempotency,
    command: Command<A>,
    template: AnswerTemplate,
) -> Result<Response, ApiError>
where
    A: Aggregate,
    A::Command: Clone,
    CommandError<A::Error>: Into<ApiError>,
{
    let executed = state
        .commands
        .execute(idempotency.prepare(command, template))
        .await
        .map_err(Into::into)?;
    idempotency.respond(&state.keys, executed).await
}

impl Idempotency {
    /// `command`, answering with `template`, and keyed when the request is (its answer then
    /// goes to the store without its token's signature).
    pub fn prepare<A: Aggregate>(
        &self,
        command: Command<A>,
        mut template: AnswerTemplate,
    ) -> Command<A> {
        match &self.0 {
            Some(context) => {
                sealing::seal_template(&mut template.body);
                command.answering(template).idempotent(context.record())
            }
            None => command.answering(template),
        }
    }

    /// The response for what a prepared command came to.
    pub async fn respond(&self, keys: &KeyRing, executed: Executed) -> Result<Response, ApiError> {
        let answer = match executed {
            Executed::Ran {
                answer: Some(answer),
                ..
            } => answer,
            Executed::Ran { answer: None, .. } => {
                return Err(ApiError::Internal(
                    "a command ran without its answer".into(),
                ));
            }
            Executed::AnsweredBefore(stored) => {
                let fingerprint = self.fingerprint();
                let mut response = replay(keys, stored.clone(), &fingerprint).await;
                response.extensions_mut().insert(StoredAnswer {
                    answer: stored,
                    fresh: false,
                });
                return Ok(response);
            }
        };
        let Answer { response, stored } = answer;
        if self.0.is_none() {
            return Ok(to_response(&response));
        }
        let sent = sealing::unseal(keys, response.clone()).await?;
        let mut sent = to_response(&sent);
        if stored {
            sent.extensions_mut().insert(StoredAnswer {
                answer: response,
                fresh: true,
            });
        }
        Ok(sent)
    }

    fn fingerprint(&self) -> String {
        self.0
            .as_ref()
            .map(|context| context.fingerprint.clone())
            .unwrap_or_default()
    }
}
