//! The global event log and the users, for admins.

use crate::http::command::{accepted, run};
use crate::http::extract::{Admin, CorrelationId, parse_id};
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::admin::{RoleChangeRequest, UserList};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, patch};
use commands::handler::Command;
use domain::Role;
use domain::user::{User, UserCommand};
use domain::values::ValidationError;
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /events`, `GET /admin/users`, `PATCH /admin/users/{id}`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(events))
        .route("/admin/users", get(users))
        .route("/admin/users/{id}", patch(change_role))
}

/// The most events one page may hold.
const MAX_EVENTS: i64 = 1000;

#[derive(Deserialize)]
struct EventsQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

/// The global log in position order, paged by position (`after` = the last position seen).
async fn events(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<EventsQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_EVENTS).contains(&limit) {
        return Err(
            ValidationError::new("limit", format!("must be between 1 and {MAX_EVENTS}")).into(),
        );
    }
    let after = query.after.unwrap_or(0).max(0);
    let events = state.commands.store().read_all(after, limit).await?;
    let next_after = (events.len() as i64 == limit)
        .then(|| events.last().map(|event| event.position))
        .flatten();
    let events: Vec<Value> = events
        .into_iter()
        .map(|event| {
            json!({
                "position": event.position,
                "id": event.event_id,
                "stream_id": event.stream_id,
                "stream_type": event.stream_type,
                "version": event.version,
                "type": event.event_type,
                "schema_version": event.schema_version,
                "recorded_at": event.recorded_at,
                "metadata": event.metadata,
                "data": event.payload,
            })
        })
        .collect();
    Ok(Json(json!({ "events": events, "next_after": next_after })))
}

async fn users(State(state): State<AppState>, _admin: Admin) -> Result<Json<UserList>, ApiError> {
    let users = projections::users::list(&state.pool).await?;
    Ok(Json(UserList { users }))
}

/// Gives a user another role, as a `UserRoleChanged` event.
async fn change_role(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Path(id): Path<String>,
    Json(body): Json<RoleChangeRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "user")?;
    let role: Role = body.role.parse()?;
    let command = Command::<User>::new(
        id,
        UserCommand::ChangeRole(role),
        admin.actor(),
        correlation.0,
    );
    let response = run(
        &state,
        &idempotency,
        command,
        accepted(id, StatusCode::OK, None),
    )
    .await?;
    state.sessions.ended(&state.redis, id).await?;
    Ok(response)
}
