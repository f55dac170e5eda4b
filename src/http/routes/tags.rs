//! Tag commands over HTTP: anyone logged in creates a tag, admins rename and delete.

use crate::http::command::{self, accepted};
use crate::http::extract::{Admin, Authenticated, CorrelationId, parse_id};
use crate::http::freshness::MinPosition;
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::openapi::Accepted;
use crate::http::problem::ApiError;
use crate::http::reads::ServedBy;
use crate::http::state::AppState;
use api_types::tags::{TagList, TagNameRequest};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use commands::handler::Command;
use domain::Actor;
use domain::tag::{Tag, TagCommand};
use domain::values::TagName;
use projections::tags::Tags;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// `/tags` and `/tags/{id}`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(rename, delete))
}

/// `GET /tags`: every tag with its creature count.
#[utoipa::path(
    get,
    path = "/tags",
    operation_id = "listTags",
    tag = "tags",
    summary = "Every tag with its creature count",
    description = "Every live (not deleted) tag from the tags projection, alphabetically (case-insensitively), with the number of unarchived creatures carrying it. Not paginated. With `min_position` (or `X-Min-Position`), waits until the projection has applied that position (on the hot standby that answers, when `DATABASE_READ_URL` names some).",
    params(
        ("min_position" = Option<i64>, Query, minimum = 0, description = "Read-your-writes: the global position (a command's `position`) the answer must reflect. The read waits, up to a bound, until its projection has applied it, then answers 503 (`/problems/not-yet-consistent`) with `Retry-After`. When both are given, this wins over `X-Min-Position`. A position beyond the log's head (one no command answered with) is 422 at once (`/problems/position-beyond-head`, with the head). Not a whole number >= 0 gives 400."),
        ("X-Min-Position" = Option<i64>, Header, minimum = 0, description = "The same as the `min_position` query parameter, as a header; ignored when `min_position` is given."),
    ),
    responses(
        (status = 200, description = "The tags.", body = TagList, headers(("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 400, description = "`min_position` (or `X-Min-Position`) is not a whole number >= 0 (`/problems/bad-request`)."),
        (status = 422, description = "`min_position` (or `X-Min-Position`) is beyond the log's head: no command answered with it (`/problems/position-beyond-head`, with `head`, the highest committed position). Answered at once, without waiting."),
        (status = 503, description = "The projection has not applied `min_position` within the wait bound (`/problems/not-yet-consistent`); retry after `Retry-After` seconds. (A database that does not answer gives `/problems/service-unavailable` instead, without `Retry-After`.)", headers(("Retry-After" = i64, description = "Seconds to wait before retrying (always `1`; only with `/problems/not-yet-consistent`)."))),
    )
)]
async fn list(
    State(state): State<AppState>,
    min_position: MinPosition,
) -> Result<(ServedBy, Json<TagList>), ApiError> {
    let mut read = state.read_at(min_position, &Tags).await?;
    let tags = read
        .run(|pool| async move { projections::tags::list(&pool).await })
        .await?;
    Ok((read.served_by(), Json(TagList { tags })))
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

#[utoipa::path(
    post,
    path = "/tags",
    operation_id = "createTag",
    tag = "tags",
    summary = "Create a tag",
    description = "Any logged-in user. Tag names are unique case-insensitively.",
    request_body(content = TagNameRequest, description = "The tag's name."),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The tag was created.", body = Accepted, headers(("Location" = String, description = "The new tag's path, `/tags/{id}`."))),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 409, description = "A tag with this name exists already (`/problems/tag-name-taken`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "The name is invalid (`/problems/validation-failed`, field `name`), or the body has the wrong shape or an unknown field (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Json(body): Json<TagNameRequest>,
) -> Result<Response, ApiError> {
    let name = TagName::parse(&body.name)?;
    let command =
        Command::<Tag>::on_a_new_stream(TagCommand::Create(name), caller.actor(), correlation.0);
    let id = command.stream_id;
    let answer = accepted(id, StatusCode::CREATED, Some(format!("/tags/{id}")));
    command::run(&state, &idempotency, command, answer).await
}

#[utoipa::path(
    patch,
    path = "/tags/{id}",
    operation_id = "renameTag",
    tag = "tags",
    summary = "Rename a tag",
    description = "Admins only. Renaming to the current name records nothing. Creatures keep the name a tag had when it was attached.",
    params(
        ("id" = uuid::Uuid, Path, description = "The tag's id. A value that is not a UUID names nothing and gives 404."),
    ),
    request_body(content = TagNameRequest, description = "The tag's new name."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tag was renamed.", body = Accepted),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such tag, or it was deleted."),
        (status = 409, description = "Another tag holds this name (`/problems/tag-name-taken`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "The name is invalid (`/problems/validation-failed`, field `name`), or the body has the wrong shape or an unknown field (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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

#[utoipa::path(
    delete,
    path = "/tags/{id}",
    operation_id = "deleteTag",
    tag = "tags",
    summary = "Delete a tag",
    description = "Admins only. Records `TagDeleted` and frees the name.",
    params(
        ("id" = uuid::Uuid, Path, description = "The tag's id. A value that is not a UUID names nothing and gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tag was deleted.", body = Accepted),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 404, description = "No such tag, or it was deleted already."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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
