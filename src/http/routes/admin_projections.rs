//! Projections for admins: their state, lag and parked streams, rebuilds (ask for, follow,
//! cancel; a worker performs them), and the retry or skip of a parked stream.

use super::projection_views::projection_view;
use crate::http::extract::{Admin, CorrelationId};
use crate::http::json::Json;
use crate::http::openapi::{
    ParkedEventSkipped, ParkedStreamResumed, RebuildCancelling, RebuildRequested,
};
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::admin::ProjectionList;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use commands::handler::Command;
use domain::audit::{AUDIT_STREAM, AuditCommand, AuditLog};
use projections::parked::{self, Resume};
use projections::projection::{self, Projection};
use projections::rebuild::{self, RebuildState, requests};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// `/admin/projections…`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(rebuild_all))
        .routes(routes!(rebuild_one, cancel))
        .routes(routes!(retry))
        .routes(routes!(skip))
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
#[utoipa::path(
    get,
    path = "/admin/projections",
    operation_id = "getProjections",
    tag = "admin",
    summary = "Where each projection stands",
    description = "Admins only. Every projection (`creatures`, `tags`, `users`), by name, with its state (`running`, `rebuilding` while a rebuild of it runs, `failed`), position, lag behind the event store, when it stopped on an event it cannot apply, where and why, and its latest rebuild's progress (`rebuild`, null if it was never rebuilt).",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The projections' state.", body = ProjectionList),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
    )
)]
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

#[utoipa::path(
    post,
    path = "/admin/projections/{name}/rebuild",
    operation_id = "rebuildProjection",
    tag = "admin",
    summary = "Rebuild a projection",
    description = "Admins only. Asks for a rebuild of the projection: the request is recorded and a worker performs it, outside the API; the answer comes at once. A second rebuild of the same projection is refused while one is requested or runs (409); one whose process died can be started again. Rebuilds blue-green: the log is folded into a shadow copy of the projection's tables (a bulk load, then its indexes, then a catch-up) while the live tables keep serving reads and the live projection keeps advancing. Once the shadow has caught up, one transaction pauses the live projection, applies the last events to the shadow and swaps it in atomically, so no read ever sees a half-built table; the projection then goes on from the rebuild's position (a `failed` projection runs again). A rebuild never enqueues avatar jobs and sends no notices on `/updates`. If it fails or is cancelled, the shadow is dropped and the live tables stay untouched. Follow its progress in `GET /admin/projections` (`rebuild`). With an `Idempotency-Key`, a repeat of the request replays the first answer (`Idempotent-Replayed: true`), a 409 `/problems/rebuild-running` included, and starts nothing (an unknown projection, 404, is not kept).",
    params(
        ("name" = String, Path, description = "The projection's name. Any other name gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The rebuild was asked for.", body = RebuildRequested),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such projection."),
        (status = 409, description = "A rebuild of this projection is already running (`/problems/rebuild-running`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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

#[utoipa::path(
    post,
    path = "/admin/projections/rebuild",
    operation_id = "rebuildAllProjections",
    tag = "admin",
    summary = "Rebuild every projection",
    description = "Admins only. Asks for a rebuild of every projection (`creatures`, `tags`, `users`): the request is recorded and a worker performs the rebuilds, one after another, outside the API; the answer comes at once. If a rebuild of any of them is requested or running, none is asked for (409). Rebuilds blue-green: the log is folded into a shadow copy of the projection's tables (a bulk load, then its indexes, then a catch-up) while the live tables keep serving reads and the live projection keeps advancing. Once the shadow has caught up, one transaction pauses the live projection, applies the last events to the shadow and swaps it in atomically, so no read ever sees a half-built table; the projection then goes on from the rebuild's position (a `failed` projection runs again). A rebuild never enqueues avatar jobs and sends no notices on `/updates`. If it fails or is cancelled, the shadow is dropped and the live tables stay untouched. Follow its progress in `GET /admin/projections` (`rebuild`). Until its turn comes, a projection's rebuild shows as `running` with no events done. With an `Idempotency-Key`, a repeat of the request replays the first answer (`Idempotent-Replayed: true`), a 409 `/problems/rebuild-running` included, and starts nothing.",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The rebuilds were asked for.", body = RebuildRequested),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 409, description = "A rebuild of one of the projections is already running (`/problems/rebuild-running`; nothing was started), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn rebuild_all(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let answer = request(&state, &projection::ALL).await?;
    tracing::info!(admin = %admin.sub, "rebuild of every projection requested");
    Ok(answer)
}

#[utoipa::path(
    delete,
    path = "/admin/projections/{name}/rebuild",
    operation_id = "cancelProjectionRebuild",
    tag = "admin",
    summary = "Cancel a projection's rebuild",
    description = "Admins only. Asks the projection's running rebuild to stop; it stops before its next batch (or before swapping), drops its shadow copy and ends `cancelled`. The live tables stay untouched and the live projection goes on. The answer comes at once; follow the rebuild in `GET /admin/projections`. With an `Idempotency-Key`, a repeat of the request replays the first answer (`Idempotent-Replayed: true`), a 404 for no running rebuild included (an unknown projection, 404, is not kept).",
    params(
        ("name" = String, Path, description = "The projection's name. Any other name gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The rebuild is being cancelled.", body = RebuildCancelling),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such projection, or no rebuild of it is running (one being cancelled already counts as not running)."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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
#[utoipa::path(
    post,
    path = "/admin/projections/{name}/parked/{stream_id}/retry",
    operation_id = "retryParkedStream",
    tag = "admin",
    summary = "Retry a parked stream",
    description = "Admins only. Applies the events a parked stream holds, from the one it stopped at, up to where the projection stands, in version order, typically after a fix was deployed; then the stream flows again. If an event still cannot be applied the stream stays parked, at that event (`state: parked` in the answer). The projection's other streams are never held. With an `Idempotency-Key`, a repeat of the request replays the first answer (`Idempotent-Replayed: true`) and does nothing.",
    params(
        ("name" = String, Path, description = "The projection's name. Any other name gives 404."),
        ("stream_id" = uuid::Uuid, Path, description = "The parked stream's id. One that is not parked by this projection (or not a UUID) gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Where the stream stands now.", body = ParkedStreamResumed),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such projection, or the stream is not parked by it."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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
#[utoipa::path(
    post,
    path = "/admin/projections/{name}/parked/{stream_id}/skip",
    operation_id = "skipParkedEvent",
    tag = "admin",
    summary = "Skip a parked stream's poison event",
    description = "Admins only. Leaves out the event a parked stream stopped at, recorded in the audit log (`ProjectionEventSkipped`, with the admin, the position and the reason), then applies the stream's later events as a retry does. Rebuilds leave the skipped event out too. With an `Idempotency-Key`, a repeat of the request replays the first answer (`Idempotent-Replayed: true`) and does nothing.",
    params(
        ("name" = String, Path, description = "The projection's name. Any other name gives 404."),
        ("stream_id" = uuid::Uuid, Path, description = "The parked stream's id. One that is not parked by this projection (or not a UUID) gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The event was skipped; where the stream stands now.", body = ParkedEventSkipped),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such projection, or the stream is not parked by it."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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
