//! Tag commands over HTTP: anyone logged in creates a tag, admins rename and delete.

use crate::http::command::{self, accepted};
use crate::http::extract::{Admin, Authenticated, CorrelationId, parse_id};
use crate::http::freshness::MinPosition;
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::tags::{TagList, TagNameRequest};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{patch, post};
use commands::handler::Command;
use domain::Actor;
use domain::tag::{Tag, TagCommand};
use domain::values::TagName;
use projections::tags::Tags;
use uuid::Uuid;

/// `/tags` and `/tags/{id}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tags", post(create).get(list))
        .route("/tags/{id}", patch(rename).delete(delete))
}

/// `GET /tags`: every tag with its creature count.
async fn list(
    State(state): State<AppState>,
    min_position: MinPosition,
) -> Result<Json<TagList>, ApiError> {
    min_position.wait(&state, &Tags).await?;
    let tags = projections::tags::list(&state.pool).await?;
    Ok(Json(TagList { tags }))
}

/// Runs a tag command, answering `status` with the tag's id, version and position.
async fn run(
    state: &AppState,
    idempotency: &Idempotency,
    id: Uuid,
    command: TagCommand,
    actor: Actor,
    correlation: CorrelationId,
    (status, location): (StatusCode, Option<String>),
) -> Result<Response, ApiError> {
    let command = Command::<Tag>::new(id, command, actor, correlation.0);
    command::run(state, idempotency, command, accepted(id, status, location)).await
}

async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Json(body): Json<TagNameRequest>,
) -> Result<Response, ApiError> {
    let name = TagName::parse(&body.name)?;
    let id = Uuid::now_v7();
    let answer = (StatusCode::CREATED, Some(format!("/tags/{id}")));
    run(
        &state,
        &idempotency,
        id,
        TagCommand::Create(name),
        caller.actor(),
        correlation,
        answer,
    )
    .await
}

async fn rename(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Path(id): Path<String>,
    Json(body): Json<TagNameRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "tag")?;
    let name = TagName::parse(&body.name)?;
    let answer = (StatusCode::OK, None);
    run(
        &state,
        &idempotency,
        id,
        TagCommand::Rename(name),
        admin.actor(),
        correlation,
        answer,
    )
    .await
}

async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "tag")?;
    let answer = (StatusCode::OK, None);
    run(
        &state,
        &idempotency,
        id,
        TagCommand::Delete,
        admin.actor(),
        correlation,
        answer,
    )
    .await
}
