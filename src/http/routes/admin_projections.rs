//! Projections for admins: their state, lag and parked streams, rebuilds (ask for, follow,
//! cancel; a worker performs them), and the retry or skip of a parked stream.

use super::projection_views::projection_view;
use crate::http::extract::{Admin, CorrelationId};
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::admin::ProjectionList;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use commands::handler::Command;
use domain::audit::{AUDIT_STREAM, AuditCommand, AuditLog};
use projections::parked::{self, Resume};
use projections::projection::{self, Projection};
use projections::rebuild::{self, RebuildState, requests};
use serde_json::{Value, json};
use uuid::Uuid;

/// `/admin/projections…`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/projections", get(list))
        .route("/admin/projections/rebuild", post(rebuild_all))
        .route(
            "/admin/projections/{name}/rebuild",
            post(rebuild_one).delete(cancel),
        )
        .route(
            "/admin/projections/{name}/parked/{stream_id}/retry",
            post(retry),
        )
        .route(
            "/admin/projections/{name}/parked/{stream_id}/skip",
            post(skip),
        )
}

fn internal(error: sqlx::Error) -> ApiError {
    ApiError::Internal(error.to_string())
}

fn projection(name: &str) -> Result<&'static dyn Projection, ApiError> {
    projection::find(name).ok_or(ApiError::NotFound("projection"))
}

fn stream(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound("parked stream"))
}

/// Each projection's state (`running`, `rebuilding`), position, head, lag, parked streams,
/// and its latest rebuild's progress.
async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<ProjectionList>, ApiError> {
    // Rebuilds first: reading them records abandoned ones as failed, which the states reflect.
    let rebuilds = rebuild::status(&state.pool).await.map_err(internal)?;
    let statuses = projections::status::statuses(&state.pool)
        .await
        .map_err(internal)?;
    let projections = statuses
        .into_iter()
        .map(|status| {
            let rebuild = rebuilds.iter().find(|rebuild| rebuild.name == status.name);
            projection_view(status, rebuild)
        })
        .collect();
    Ok(Json(ProjectionList { projections }))
}

/// Records the requests and wakes the workers (they also look on their poll interval).
async fn request(
    state: &AppState,
    wanted: &[&'static dyn Projection],
) -> Result<(StatusCode, Json<Value>), ApiError> {
    requests::request(&state.pool, wanted).await?;
    let channel = redis_link::wake::rebuild_channel(state.redis.prefix());
    if !state.redis.publish(&channel, "requested").await {
        tracing::debug!("rebuild request not announced: Redis unavailable (workers poll)");
    }
    let names: Vec<&str> = wanted.iter().map(|p| p.name()).collect();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"projections": names, "state": RebuildState::Requested})),
    ))
}

async fn rebuild_one(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    let answer = request(&state, &[projection]).await?;
    tracing::info!(admin = %admin.sub, projection = projection.name(), "rebuild requested");
    Ok(answer)
}

async fn rebuild_all(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let answer = request(&state, &projection::ALL).await?;
    tracing::info!(admin = %admin.sub, "rebuild of every projection requested");
    Ok(answer)
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

/// Tries the event a parked stream stopped at again, and its held events after it.
async fn retry(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((name, stream_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    let stream_id = stream(&stream_id)?;
    let resumed = parked::resume(&state.pool, projection, stream_id, Resume::Retry).await?;
    tracing::info!(admin = %admin.sub, projection = projection.name(), %stream_id, ?resumed, "parked stream retried");
    Ok(answer(projection, stream_id, &resumed))
}

/// Leaves out the event a parked stream stopped at, recorded in the audit log, and applies
/// its held events after it.
async fn skip(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    Path((name, stream_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let projection = projection(&name)?;
    let stream_id = stream(&stream_id)?;
    let parked_at = parked::parked_at(&state.pool, projection, stream_id).await?;
    let record = AuditCommand::RecordSkippedEvent {
        projection: projection.name().to_owned(),
        position: parked_at.position,
        reason: parked_at.reason,
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
    let resumed = parked::resume(&state.pool, projection, stream_id, Resume::Skip).await?;
    tracing::warn!(admin = %admin.sub, projection = projection.name(), %stream_id, position = parked_at.position, "poison event skipped");
    let mut body = answer(projection, stream_id, &resumed);
    body.1.0["skipped_position"] = json!(parked_at.position);
    Ok(body)
}

fn answer(
    projection: &dyn Projection,
    stream_id: Uuid,
    resumed: &parked::Resumed,
) -> (StatusCode, Json<Value>) {
    let mut body = serde_json::to_value(resumed).unwrap_or_default();
    body["projection"] = json!(projection.name());
    body["stream_id"] = json!(stream_id);
    (StatusCode::OK, Json(body))
}
