//! One module per resource, each with its `router()`.

pub mod admin;
pub mod admin_log;
pub mod admin_projections;
pub mod auth;
pub mod avatars;
pub mod creature_reads;
pub mod creatures;
pub mod health;
pub mod observability;
pub mod openapi;
pub mod tags;
pub mod updates;

use super::idempotency::Idempotency;
use super::problem::ApiError;
use axum::http::StatusCode;
use commands::handler::Responder;
use commands::idempotency::StoredResponse;
use serde::Serialize;
use std::sync::Arc;
use uuid::Uuid;

/// What a command answers: the resource, its version, and the global position to read at.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// The resource's id.
    pub id: Uuid,
    /// The resource's version after the command.
    pub version: i64,
    /// The global position of the command's last event (`min_position` for reads).
    pub position: i64,
}

impl Accepted {
    /// The answer for a command on `id` with the given outcome.
    pub fn new(id: Uuid, outcome: commands::CommandOutcome) -> Self {
        Self {
            id,
            version: outcome.version,
            position: outcome.position,
        }
    }
}

/// The answer for a path no route matches.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("resource")
}

/// The answer of a command: `status`, `Location` if given, and a JSON body made from the
/// outcome. The same answer is sent, stored with the events (idempotency) and replayed.
pub fn responder<T, F>(
    idempotency: &Idempotency,
    status: StatusCode,
    location: Option<String>,
    body: F,
) -> Responder
where
    T: Serialize,
    F: Fn(&commands::CommandOutcome) -> T + Send + Sync + 'static,
{
    let fingerprint = idempotency.fingerprint();
    Arc::new(move |outcome| StoredResponse {
        fingerprint: fingerprint.clone(),
        status: status.as_u16(),
        content_type: "application/json".into(),
        location: location.clone(),
        body: serde_json::to_string(&body(outcome)).unwrap_or_default(),
    })
}

/// The answer of a command on resource `id`: [`Accepted`].
pub fn accepted(
    idempotency: &Idempotency,
    id: Uuid,
    status: StatusCode,
    location: Option<String>,
) -> Responder {
    responder(idempotency, status, location, move |outcome| {
        Accepted::new(id, *outcome)
    })
}
