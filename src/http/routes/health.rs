//! Liveness and readiness.

use crate::http::json::Json;
use crate::http::openapi::{Health, Readiness};
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::extract::State;
use serde_json::{Value, json};
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /healthz`, `GET /readyz`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "health",
    summary = "Liveness: the process is up",
    responses(
        (status = 200, description = "The process is up.", body = Health),
    )
)]
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve: PostgreSQL must answer (else 503). Redis only speeds things up, so
/// without it the API is `degraded`, not down; so is a standby down or lagging (its reads go
/// elsewhere).
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "health",
    summary = "Readiness: PostgreSQL answers within a second; Redis and the standbys are reported",
    description = "PostgreSQL (the primary) must answer within a second, else 503. Redis is pinged too (given up after about half a second); it only speeds things up (wake-ups fall back to polling), so without it the API still serves and answers 200 with `status` `degraded` and `checks.redis` `down`. Each hot standby of `DATABASE_READ_URL` is reported under `checks.standbys` with its lag, as its background health check last saw it: one `down` or `lagging` makes the answer `degraded` (queries go to the other standbys or the primary), never 503.",
    responses(
        (status = 200, description = "The process can serve: `ready` with Redis and every standby up, `degraded` otherwise.", body = Readiness),
        (status = 503, description = "PostgreSQL does not answer within a second (`/problems/service-unavailable`); Redis does not matter here."),
    )
)]
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
    let standbys: serde_json::Map<String, Value> = state
        .standbys
        .all()
        .iter()
        .map(|standby| (standby.name().to_owned(), json!(standby.health())))
        .collect();
    let every_standby_serves = state.standbys.all().iter().all(|standby| standby.serves());
    let ready = redis && every_standby_serves;
    let redis = if redis { "up" } else { "down" };
    Ok(Json(json!({
        "status": if ready { "ready" } else { "degraded" },
        "checks": {"database": "up", "redis": redis, "standbys": standbys},
    })))
}
