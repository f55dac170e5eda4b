//! What operators look at: Prometheus metrics.

use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// `GET /metrics`.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let statuses = projections::status::statuses(&state.pool)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    crate::http::metrics::observe_projections(&statuses);
    Ok((
        [(header::CONTENT_TYPE, crate::prometheus::CONTENT_TYPE)],
        crate::prometheus::render(),
    ))
}
