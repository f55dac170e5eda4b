//! One module per resource, each with its `router()`.

pub mod admin;
pub mod auth;
pub mod creature_reads;
pub mod creatures;
pub mod health;
pub mod observability;
pub mod openapi;
pub mod tags;
pub mod updates;

use super::problem::ApiError;
use serde::Serialize;
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
