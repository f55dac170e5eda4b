//! The global event log and the users, for admins.

use crate::http::command::{accepted, run};
use crate::http::extract::{Admin, CorrelationId, parse_id};
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::openapi::{Accepted, EventPage};
use crate::http::problem::ApiError;
use crate::http::reads::ServedBy;
use crate::http::state::AppState;
use api_types::admin::{RoleChangeRequest, UserList};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use commands::EventStore;
use commands::handler::Command;
use domain::Role;
use domain::user::{User, UserCommand};
use domain::values::ValidationError;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /events`, `GET /admin/users`, `PATCH /admin/users/{id}`, `DELETE /admin/users/{id}`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(events))
        .routes(routes!(users))
        .routes(routes!(change_role, forget_user))
}

/// The most events one page may hold.
const MAX_EVENTS: i64 = 1000;

#[derive(Deserialize)]
struct EventsQuery {
    after: Option<i64>,
    limit: Option<i64>,
}

/// The global log in position order, paged by position (`after` = the last position seen).
#[utoipa::path(
    get,
    path = "/events",
    operation_id = "getEvents",
    tag = "admin",
    summary = "The global event log",
    description = "Admins only. Every event of every stream (creatures, users, tags and the audit log), in global position order, straight from the event store, a page at a time. Pass the last position seen as `after` (the previous page's `next_after`) to read on. Each event comes with its stream, version, type, schema version, metadata (who did it, in which request, with which idempotency key) and its data as stored, in the schema of its `schema_version` (not upcast). Positions only grow but may have gaps (rolled-back transactions), and they are given at insert, not at commit: an event of a transaction still running when a page was read may later show up below that page's last position, so a page read at the very head of the log may miss it.",
    params(
        ("after" = Option<i64>, Query, description = "The last position seen: the page starts with the first event after it. A negative value counts as 0."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "The most events in the page, 1–1000 (else 422)."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of events, oldest first.", body = EventPage, headers(("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 400, description = "`after` or `limit` is not a whole number (a bare problem with `type` `about:blank`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 422, description = "`limit` is not between 1 and 1000 (`/problems/validation-failed`, field `limit`)."),
    )
)]
async fn events(
    State(state): State<AppState>,
    _admin: Admin,
    Query(query): Query<EventsQuery>,
) -> Result<(ServedBy, Json<Value>), ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_EVENTS).contains(&limit) {
        return Err(
            ValidationError::new("limit", format!("must be between 1 and {MAX_EVENTS}")).into(),
        );
    }
    let after = query.after.unwrap_or(0).max(0);
    let mut read = state.read();
    let events = read
        .run(|pool| async move { EventStore::new(pool).read_all(after, limit).await })
        .await?;
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
    Ok((
        read.served_by(),
        Json(json!({ "events": events, "next_after": next_after })),
    ))
}

#[utoipa::path(
    get,
    path = "/admin/users",
    operation_id = "getUsers",
    tag = "admin",
    summary = "Every user",
    description = "Admins only. Every registered user with their role, oldest first, read from the users projection (so a recent registration or role change may not show yet; this read takes no `min_position`). Never password hashes or other secrets.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The users.", body = UserList, headers(("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
    )
)]
async fn users(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<(ServedBy, Json<UserList>), ApiError> {
    let mut read = state.read();
    let users = read
        .run(|pool| async move { projections::users::list(&pool).await })
        .await?;
    Ok((read.served_by(), Json(UserList { users })))
}

/// Gives a user another role, as a `UserRoleChanged` event.
#[utoipa::path(
    patch,
    path = "/admin/users/{id}",
    operation_id = "changeUserRole",
    tag = "admin",
    summary = "Change a user's role",
    description = "Admins only. Gives the user another role, recorded as a `UserRoleChanged` event in the user's stream with the admin's id in its metadata. Giving the role they already have records nothing (the answer carries their current version). Access tokens carry the role they were issued with, so the new role applies to tokens issued afterwards. `GET /admin/users` shows it once the users projection has applied `position`. A role change ends every session of the user: their earlier tokens are refused, so a demoted admin loses admin rights at once.",
    params(
        ("id" = uuid::Uuid, Path, description = "The user's id. A value that is not a UUID names nothing and gives 404."),
    ),
    request_body(content = RoleChangeRequest, description = "The new role."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The role was changed (or was already this one).", body = Accepted),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such user."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "The role is neither `user` nor `admin` (`/problems/validation-failed`, field `role`), or the body has the wrong shape or an unknown field (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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

/// Forgets a user, as `DELETE /auth/me` does for themself.
#[utoipa::path(
    delete,
    path = "/admin/users/{id}",
    operation_id = "forgetUser",
    tag = "admin",
    summary = "Forget a user (erase their personal data)",
    description = "Admins only. Records `UserForgotten` in the user's stream with the admin's id in its metadata and, in the same transaction, destroys the user's data key (crypto-shredding): their e-mail address and display name become unreadable everywhere, in the log, in backups replayed later and in every read table. Their password hash and the remembered answers that name them are deleted, their e-mail is free to register again, and their tokens are refused. Their creatures stay, shown as by a forgotten user. This cannot be undone; a forgotten user is 404 from then on.",
    params(
        ("id" = uuid::Uuid, Path, description = "The user's id. A value that is not a UUID names nothing and gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user is forgotten.", body = Accepted),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such user, or one forgotten already."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn forget_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "user")?;
    let answer = accepted(id, StatusCode::OK, None);
    let prepare = |command| idempotency.prepare(command, answer);
    let executed = state
        .accounts
        .forget(
            domain::UserId::from_uuid(id),
            admin.actor(),
            correlation.0,
            prepare,
        )
        .await?;
    let response = idempotency.respond(&state.keys, executed).await?;
    super::auth::forgotten(&state, id).await?;
    Ok(response)
}
