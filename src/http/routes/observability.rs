//! What operators look at: Prometheus metrics, and the projections' state for admins.

use crate::http::extract::Admin;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};

/// `GET /metrics`, `GET /admin/projections`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/admin/projections", get(projections_state))
}

async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let statuses = projections::status::statuses(&state.pool)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&statuses),
    ))
}

async fn projections_state(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Value>, ApiError> {
    let statuses = projections::status::statuses(&state.pool)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(Json(json!({ "projections": statuses })))
}
