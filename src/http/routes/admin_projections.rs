//! Projections for admins: their state and lag, and rebuilds (start, follow, cancel).

use crate::http::extract::Admin;
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use projections::Projection;
use projections::rebuild::{self, Rebuild, RebuildError};
use serde_json::{Value, json};
use sqlx::PgPool;

/// `/admin/projections…`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/projections", get(list))
        .route("/admin/projections/rebuild", post(rebuild_all))
        .route(
            "/admin/projections/{name}/rebuild",
            post(rebuild_one).delete(cancel),
        )
}

fn internal(error: sqlx::Error) -> ApiError {
    ApiError::Internal(error.to_string())
}

fn projection(name: &str) -> Result<Projection, ApiError> {
    Projection::from_name(name).ok_or(ApiError::NotFound("projection"))
}

impl From<RebuildError> for ApiError {
    fn from(error: RebuildError) -> Self {
        match error {
            RebuildError::AlreadyRunning(name) => ApiError::Conflict {
                slug: "rebuild-running",
                detail: format!("a rebuild of {name} is already running"),
                current_version: None,
            },
            RebuildError::Apply(error) => ApiError::Internal(error.to_string()),
        }
    }
}

/// Each projection's state (`running`, `rebuilding`, `failed`), position, head, lag, and its
/// latest rebuild's progress.
async fn list(State(state): State<AppState>, _admin: Admin) -> Result<Json<Value>, ApiError> {
    let statuses = projections::status::statuses(&state.pool)
        .await
        .map_err(internal)?;
    let rebuilds = rebuild::status(&state.pool).await.map_err(internal)?;
    let projections: Vec<Value> = statuses
        .into_iter()
        .map(|status| {
            let rebuild = rebuilds.iter().find(|rebuild| rebuild.name == status.name);
            let rebuilding = rebuild
                .is_some_and(|rebuild| matches!(rebuild.state.as_str(), "running" | "cancelling"));
            let mut entry = serde_json::to_value(&status).unwrap_or_default();
            if rebuilding && status.state == "running" {
                entry["state"] = json!("rebuilding");
            }
            entry["rebuild"] = serde_json::to_value(rebuild).unwrap_or_default();
            entry
        })
        .collect();
    Ok(Json(json!({ "projections": projections })))
}

/// Runs claimed rebuilds one after another, in the background.
fn spawn(pool: PgPool, rebuilds: Vec<Rebuild>) {
    tokio::spawn(async move {
        for rebuild in rebuilds {
            if let Err(error) = rebuild.run(&pool, |_| {}).await {
                tracing::error!(%error, "rebuild failed");
            }
        }
    });
}

async fn rebuild_one(
    State(state): State<AppState>,
    Admin(admin): Admin,
    idempotency: Idempotency,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    idempotency.begin();
    let claimed = rebuild::claim(&state.pool, projection).await?;
    tracing::info!(admin = %admin.sub, projection = projection.name(), "rebuild started");
    spawn(state.pool.clone(), vec![claimed]);
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"projections": [projection.name()], "state": "running"})),
    ))
}

async fn rebuild_all(
    State(state): State<AppState>,
    Admin(admin): Admin,
    idempotency: Idempotency,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    idempotency.begin();
    let mut claimed = Vec::new();
    for projection in Projection::ALL {
        // A refusal drops the claims made so far (their leases end with them).
        claimed.push(rebuild::claim(&state.pool, projection).await?);
    }
    tracing::info!(admin = %admin.sub, "rebuild of every projection started");
    spawn(state.pool.clone(), claimed);
    let names: Vec<&str> = Projection::ALL.iter().map(Projection::name).collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"projections": names, "state": "running"})),
    ))
}

async fn cancel(
    State(state): State<AppState>,
    _admin: Admin,
    idempotency: Idempotency,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    idempotency.begin();
    if !rebuild::cancel(&state.pool, projection)
        .await
        .map_err(internal)?
    {
        return Err(ApiError::NotFound("running rebuild"));
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"projection": projection.name(), "state": "cancelling"})),
    ))
}
