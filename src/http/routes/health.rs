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

/// The process can serve: PostgreSQL must answer (else 503). Redis only speeds things up, so
/// without it the API is `degraded`, not down.
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    let (database, redis) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(1), ping),
        state.redis.ping()
    );
    if !matches!(database, Ok(Ok(_))) {
        return Err(ApiError::Unavailable(
            "database is down: PostgreSQL does not answer".into(),
        ));
    }
    let redis = if redis { "up" } else { "down" };
    Ok(Json(json!({
        "status": if redis == "up" { "ready" } else { "degraded" },
        "checks": {"database": "up", "redis": redis},
    })))
}
