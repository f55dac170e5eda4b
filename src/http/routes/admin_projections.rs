//! Projections for admins: their state and lag, and rebuilds (start, follow, cancel).

use crate::http::extract::{Admin, CorrelationId};
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use commands::handler::Command;
use domain::audit::{AUDIT_STREAM, AuditCommand, AuditLog};
use projections::Projection;
use projections::rebuild::{self, Rebuild};
use projections::recovery;
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
        .route("/admin/projections/{name}/retry", post(retry))
        .route("/admin/projections/{name}/skip", post(skip))
}

fn internal(error: sqlx::Error) -> ApiError {
    ApiError::Internal(error.to_string())
}

fn projection(name: &str) -> Result<Projection, ApiError> {
    Projection::from_name(name).ok_or(ApiError::NotFound("projection"))
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
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
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
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut claimed = Vec::new();
    for projection in Projection::ALL {
        match rebuild::claim(&state.pool, projection).await {
            Ok(rebuild) => claimed.push(rebuild),
            Err(error) => {
                // All or none: give back what was claimed so far.
                for rebuild in claimed {
                    rebuild.abandon(&state.pool).await.map_err(internal)?;
                }
                return Err(error.into());
            }
        }
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
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
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

/// Tries the event a failed projection stopped at again.
async fn retry(
    State(state): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    recovery::retry(&state.pool, projection).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"projection": projection.name(), "state": "running"})),
    ))
}

/// Moves a failed projection past the event it stopped at, recorded in the audit log.
async fn skip(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    let (position, reason) = recovery::failure(&state.pool, projection).await?;
    let record = AuditCommand::RecordSkippedEvent {
        projection: projection.name().to_owned(),
        position,
        reason,
    };
    state
        .commands
        .execute(Command::<AuditLog>::new(
            AUDIT_STREAM,
            record,
            admin.actor(),
            correlation.0,
        ))
        .await?;
    recovery::skip(&state.pool, projection, position).await?;
    tracing::warn!(admin = %admin.sub, projection = projection.name(), position, "poison event skipped");
    Ok((
        StatusCode::ACCEPTED,
        Json(
            json!({"projection": projection.name(), "skipped_position": position, "state": "running"}),
        ),
    ))
}
