//! Tag commands over HTTP: anyone logged in creates a tag, admins rename and delete.

use super::Accepted;
use crate::http::extract::{Admin, Authenticated, CorrelationId, metadata, parse_id};
use crate::http::freshness::MinPosition;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{patch, post};
use commands::handler::Command;
use domain::Actor;
use domain::tag::{Tag, TagCommand};
use domain::values::TagName;
use projections::Projection;
use serde::Deserialize;
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
) -> Result<Json<serde_json::Value>, ApiError> {
    min_position.wait(&state, Projection::Tags).await?;
    let tags = projections::tags::list(&state.pool).await?;
    Ok(Json(serde_json::json!({ "tags": tags })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameBody {
    name: String,
}

async fn run(
    state: &AppState,
    id: Uuid,
    command: TagCommand,
    actor: Actor,
    correlation: CorrelationId,
) -> Result<Accepted, ApiError> {
    let outcome = state
        .commands
        .execute(Command::<Tag> {
            stream_id: id,
            command,
            actor,
            metadata: metadata(&actor, correlation),
            expected_version: None,
            side_writes: vec![],
        })
        .await?;
    Ok(Accepted::new(id, outcome))
}

async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    correlation: CorrelationId,
    Json(body): Json<NameBody>,
) -> Result<impl IntoResponse, ApiError> {
    let name = TagName::parse(&body.name)?;
    let id = Uuid::now_v7();
    let accepted = run(
        &state,
        id,
        TagCommand::Create(name),
        caller.actor(),
        correlation,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/tags/{id}"))],
        Json(accepted),
    ))
}

async fn rename(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    Path(id): Path<String>,
    Json(body): Json<NameBody>,
) -> Result<Json<Accepted>, ApiError> {
    let id = parse_id(&id, "tag")?;
    let name = TagName::parse(&body.name)?;
    Ok(Json(
        run(
            &state,
            id,
            TagCommand::Rename(name),
            admin.actor(),
            correlation,
        )
        .await?,
    ))
}

async fn delete(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    Path(id): Path<String>,
) -> Result<Json<Accepted>, ApiError> {
    let id = parse_id(&id, "tag")?;
    Ok(Json(
        run(&state, id, TagCommand::Delete, admin.actor(), correlation).await?,
    ))
}
