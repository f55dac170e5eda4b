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
mod projection_views;
pub mod tags;
pub mod updates;

use super::problem::ApiError;

/// The answer for a path no route matches.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("resource")
}
