//! Liveness and readiness.

use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};
use std::time::Duration;

/// `GET /healthz`, `GET /readyz`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve: PostgreSQL answers within a second.
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(Duration::from_secs(1), ping).await {
        Ok(Ok(_)) => Ok(Json(
            json!({"status": "ready", "checks": {"database": "up"}}),
        )),
        _ => Err(ApiError::Unavailable(
            "database is down: PostgreSQL does not answer".into(),
        )),
    }
}
