//! Creature commands over HTTP, and a creature's history straight from the event store.

use crate::http::command::{accepted, run};
use crate::http::extract::{Authenticated, CorrelationId, IfMatch, parse_id};
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::openapi::Accepted;
use crate::http::problem::ApiError;
use crate::http::reads::ServedBy;
use crate::http::state::AppState;
use api_types::creatures::{
    ActorRef, CreateCreatureRequest, History, HistoryEntry, UpdateCreatureRequest,
};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use commands::CommandHandler;
use commands::EventStore;
use commands::handler::Command;
use domain::creature::{
    Creature, CreatureChanges, CreatureCommand, CreatureEvent, MAX_TAGS, TagRef,
};
use domain::values::{CreatureName, Description, Species, TagName, Traits, ValidationError};
use domain::{Actor, DomainEvent, TagId, UniqueSet};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// `/creatures` and everything below it.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, super::creature_reads::list))
        .routes(routes!(super::creature_reads::get, update, archive))
        .routes(routes!(attach_tag, detach_tag))
        .routes(routes!(super::avatars::avatar, request_avatar))
        .routes(routes!(history))
        .routes(routes!(restore))
}

/// Collects the errors of several fields parsed one by one.
#[derive(Default)]
struct Fields(Vec<ValidationError>);

impl Fields {
    fn check<T>(&mut self, parsed: Result<T, ValidationError>) -> Option<T> {
        parsed.map_err(|error| self.0.push(error)).ok()
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// Resolves tag names to the tags that hold them now.
async fn resolve_tag(
    commands: &CommandHandler,
    name: &TagName,
) -> Result<Option<TagRef>, ApiError> {
    let id = commands
        .store()
        .unique_owner(UniqueSet::TagName, &name.key())
        .await?;
    Ok(id.map(|id| TagRef {
        id: TagId::from_uuid(id),
        name: name.clone(),
    }))
}

/// A creature command's context: a logged-in caller, the request's correlation id and its
/// idempotency key.
struct Caller {
    state: AppState,
    idempotency: Idempotency,
    actor: Actor,
    correlation: CorrelationId,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Authenticated::from_request_parts(parts, state).await?;
        Ok(Self {
            state: state.clone(),
            idempotency: Idempotency::from_request_parts(parts, state).await?,
            actor: caller.actor(),
            correlation: CorrelationId::from_request_parts(parts, state).await?,
        })
    }
}

impl Caller {
    /// Runs a command on creature `id`, answering `status` with the creature's id, version
    /// and position.
    async fn run(
        &self,
        id: Uuid,
        command: CreatureCommand,
        expected_version: Option<i64>,
        status: StatusCode,
        location: Option<String>,
    ) -> Result<Response, ApiError> {
        let command = Command::<Creature>::new(id, command, self.actor, self.correlation.0)
            .expecting(expected_version);
        self.run_command(command, status, location).await
    }

    /// Registers a creature under a new id, answering 201 with its id, version and position.
    async fn register(&self, command: CreatureCommand) -> Result<Response, ApiError> {
        let command = Command::<Creature>::on_a_new_stream(command, self.actor, self.correlation.0);
        let location = format!("/creatures/{}", command.stream_id);
        self.run_command(command, StatusCode::CREATED, Some(location))
            .await
    }

    async fn run_command(
        &self,
        command: Command<Creature>,
        status: StatusCode,
        location: Option<String>,
    ) -> Result<Response, ApiError> {
        let answer = accepted(command.stream_id, status, location);
        run(&self.state, &self.idempotency, command, answer).await
    }
}

#[utoipa::path(
    post,
    path = "/creatures",
    operation_id = "createCreature",
    tag = "creatures",
    summary = "Register a creature",
    description = "The caller becomes the creature's owner. Records `CreatureRegistered`, one `CreatureTagged` per distinct tag, and `AvatarRequested`. Every invalid field is reported at once in `errors`.",
    request_body(content = CreateCreatureRequest, description = "The creature."),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The creature was registered.", body = Accepted, headers(("Location" = String, description = "The new creature's path, `/creatures/{id}`."))),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "A field is invalid, including more than 32 tags or a tag name no tag holds (`/problems/validation-failed`, with `errors`), or the body has the wrong shape or an unknown field (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<CreateCreatureRequest>,
) -> Result<Response, ApiError> {
    let mut fields = Fields::default();
    let name = fields.check(CreatureName::parse(&body.name));
    let species = fields.check(Species::parse(&body.species));
    let description = fields.check(Description::parse(&body.description));
    let traits = fields.check(Traits::parse(&body.traits));
    if body.tags.len() > MAX_TAGS {
        fields.0.push(ValidationError::new(
            "tags",
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut tags = Vec::new();
    for raw in body.tags.iter().take(MAX_TAGS) {
        let parsed = TagName::parse(raw).map_err(|error| ValidationError {
            field: "tags",
            ..error
        });
        let Some(tag_name) = fields.check(parsed) else {
            continue;
        };
        match resolve_tag(&state.commands, &tag_name).await? {
            Some(tag) => tags.push(tag),
            None => fields.0.push(ValidationError::new(
                "tags",
                format!("there is no tag named `{tag_name}`"),
            )),
        }
    }
    fields.finish()?;
    let (Some(name), Some(species), Some(description), Some(traits)) =
        (name, species, description, traits)
    else {
        return Err(ApiError::Internal("validated fields went missing".into()));
    };
    let command = CreatureCommand::Register {
        name,
        species,
        description,
        traits,
        tags,
        avatar_request: Uuid::now_v7(),
    };
    caller.register(command).await
}

#[utoipa::path(
    patch,
    path = "/creatures/{id}",
    operation_id = "updateCreature",
    tag = "creatures",
    summary = "Change a creature's details",
    description = "Owner or admin. Partial update: only the given fields change, and fields equal to the current value record no event. At least one field must be given. With `If-Match`, the command is refused unless the creature is at that version.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("If-Match" = Option<String>, Header, pattern = "^\\s*(W/)?\"?[0-9]{1,18}\"?\\s*$", description = "The version the caller expects, e.g. `3` (also `\"3\"` or `W/\"3\"`). Without it the command applies to the current version."),
    ),
    request_body(content = UpdateCreatureRequest, description = "The fields to change."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changes were recorded (or there was nothing to change).", body = Accepted),
        (status = 400, description = "The body is not valid JSON, or `If-Match` is not a version number, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is neither the owner nor an admin."),
        (status = 404, description = "No such creature."),
        (status = 409, description = "The creature is not at the `If-Match` version (`/problems/version-conflict`, with `current_version`), or it is archived (`/problems/archived`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "A field is invalid, or no field is given (`/problems/validation-failed`, with `errors`), or the body has the wrong shape or an unknown field (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn update(
    caller: Caller,
    IfMatch(expected): IfMatch,
    Path(id): Path<String>,
    Json(body): Json<UpdateCreatureRequest>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let mut fields = Fields::default();
    let changes = CreatureChanges {
        name: body
            .name
            .as_deref()
            .and_then(|name| fields.check(CreatureName::parse(name))),
        species: body
            .species
            .as_deref()
            .and_then(|species| fields.check(Species::parse(species))),
        description: body
            .description
            .as_deref()
            .and_then(|text| fields.check(Description::parse(text))),
        traits: body
            .traits
            .as_ref()
            .and_then(|traits| fields.check(Traits::parse(traits))),
    };
    fields.finish()?;
    caller
        .run(
            id,
            CreatureCommand::Update(changes),
            expected,
            StatusCode::OK,
            None,
        )
        .await
}

#[utoipa::path(
    delete,
    path = "/creatures/{id}",
    operation_id = "archiveCreature",
    tag = "creatures",
    summary = "Archive a creature",
    description = "Owner or admin. Records `CreatureArchived`; nothing is deleted. An archived creature accepts no further change but a restore (`POST /creatures/{id}/restore`). With `If-Match`, the command is refused unless the creature is at that version.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("If-Match" = Option<String>, Header, pattern = "^\\s*(W/)?\"?[0-9]{1,18}\"?\\s*$", description = "The version the caller expects, e.g. `3` (also `\"3\"` or `W/\"3\"`). Without it the command applies to the current version."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The creature was archived.", body = Accepted),
        (status = 400, description = "`If-Match` is not a version number, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is neither the owner nor an admin."),
        (status = 404, description = "No such creature."),
        (status = 409, description = "The creature is not at the `If-Match` version (`/problems/version-conflict`, with `current_version`), or it is archived already (`/problems/archived`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn archive(
    caller: Caller,
    IfMatch(expected): IfMatch,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    caller
        .run(id, CreatureCommand::Archive, expected, StatusCode::OK, None)
        .await
}

#[utoipa::path(
    post,
    path = "/creatures/{id}/restore",
    operation_id = "restoreCreature",
    tag = "creatures",
    summary = "Restore an archived creature",
    description = "Owner or admin. Records `CreatureRestored`: the creature is listed again, with the tags it had, and takes changes again. Restoring a creature that is not archived records nothing. With `If-Match`, the command is refused unless the creature is at that version.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("If-Match" = Option<String>, Header, pattern = "^\\s*(W/)?\"?[0-9]{1,18}\"?\\s*$", description = "The version the caller expects, e.g. `3` (also `\"3\"` or `W/\"3\"`). Without it the command applies to the current version."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The creature was restored (or was not archived).", body = Accepted),
        (status = 400, description = "`If-Match` is not a version number, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is neither the owner nor an admin."),
        (status = 404, description = "No such creature."),
        (status = 409, description = "The creature is not at the `If-Match` version (`/problems/version-conflict`, with `current_version`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn restore(
    caller: Caller,
    IfMatch(expected): IfMatch,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    caller
        .run(id, CreatureCommand::Restore, expected, StatusCode::OK, None)
        .await
}

/// The tag named in the path, which must exist now.
async fn path_tag(state: &AppState, name: &str) -> Result<TagRef, ApiError> {
    let name = TagName::parse(name).map_err(|_| ApiError::NotFound("tag"))?;
    resolve_tag(&state.commands, &name)
        .await?
        .ok_or(ApiError::NotFound("tag"))
}

#[utoipa::path(
    put,
    path = "/creatures/{id}/tags/{tag}",
    operation_id = "attachTag",
    tag = "creatures",
    summary = "Attach a tag to a creature, by the tag's name",
    description = "Owner or admin. Attaching a tag the creature carries already records nothing.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("tag" = String, Path, max_length = 40, min_length = 1, description = "The tag's current name (not its id), matched case-insensitively. A name that is not a valid tag name, or that no tag holds now, gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tag is attached.", body = Accepted),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is neither the owner nor an admin."),
        (status = 404, description = "No such creature, or no tag holds this name."),
        (status = 409, description = "The creature is archived (`/problems/archived`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The creature carries 32 tags already (`/problems/validation-failed`, field `tags`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn attach_tag(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let tag = path_tag(&state, &tag).await?;
    caller
        .run(id, CreatureCommand::Tag(tag), None, StatusCode::OK, None)
        .await
}

#[utoipa::path(
    delete,
    path = "/creatures/{id}/tags/{tag}",
    operation_id = "detachTag",
    tag = "creatures",
    summary = "Detach a tag from a creature, by the tag's name",
    description = "Owner or admin. Detaching a tag the creature does not carry records nothing.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("tag" = String, Path, max_length = 40, min_length = 1, description = "The tag's current name (not its id), matched case-insensitively. A name that is not a valid tag name, or that no tag holds now, gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tag is not attached.", body = Accepted),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is neither the owner nor an admin."),
        (status = 404, description = "No such creature, or no tag holds this name."),
        (status = 409, description = "The creature is archived (`/problems/archived`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn detach_tag(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let tag = path_tag(&state, &tag).await?;
    caller
        .run(
            id,
            CreatureCommand::Untag(tag.id),
            None,
            StatusCode::OK,
            None,
        )
        .await
}

#[utoipa::path(
    post,
    path = "/creatures/{id}/avatar",
    operation_id = "requestAvatar",
    tag = "creatures",
    summary = "Ask for a new avatar",
    description = "Owner or admin. Asks for a new avatar, which the worker generates: records `AvatarRequested` and answers 202. The creature's `avatar.state` then turns `pending`, and later `ready` (with a new `avatar.url`) or `failed` (with `avatar.failure`), each recorded as an event. Meanwhile the previous image, if any, stays served at its current `avatar.url`.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The request was recorded; the avatar is generated asynchronously.", body = Accepted),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is neither the owner nor an admin."),
        (status = 404, description = "No such creature."),
        (status = 409, description = "The creature is archived (`/problems/archived`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn request_avatar(caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let command = CreatureCommand::RequestAvatar {
        request_id: Uuid::now_v7(),
    };
    caller
        .run(id, command, None, StatusCode::ACCEPTED, None)
        .await
}

#[utoipa::path(
    get,
    path = "/creatures/{id}/history",
    operation_id = "getCreatureHistory",
    tag = "creatures",
    summary = "A creature's events, straight from the event store",
    description = "Every event of the creature's stream, in order, each in its current schema (older payloads are upcast). Archived creatures keep their history.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
    ),
    responses(
        (status = 200, description = "The creature's events, oldest first.", body = History, headers(("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 404, description = "No such creature."),
    )
)]
async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<(ServedBy, Json<History>), ApiError> {
    let id = parse_id(&id, "creature")?;
    let mut read = state.read();
    let recorded = read
        .run(|pool| async move { EventStore::new(pool).read_stream(id).await })
        .await?;
    if recorded.is_empty() || recorded.iter().any(|event| event.stream_type != "creature") {
        return Err(ApiError::NotFound("creature"));
    }
    let mut events = Vec::with_capacity(recorded.len());
    for event in recorded {
        // Decoded and re-encoded, so clients see every event in its current schema.
        let data = event
            .decode::<CreatureEvent>()
            .map_err(|error| ApiError::Internal(error.to_string()))?
            .to_payload();
        events.push(HistoryEntry {
            event_type: event.event_type,
            version: event.version,
            position: event.position,
            recorded_at: event.recorded_at,
            actor: actor_ref(event.metadata.actor),
            data,
        });
    }
    Ok((read.served_by(), Json(History { events })))
}

/// Who recorded an event, as the API shows it.
fn actor_ref(actor: commands::ActorRef) -> ActorRef {
    match actor {
        commands::ActorRef::Anonymous => ActorRef::Anonymous,
        commands::ActorRef::User(id) => ActorRef::User(id),
        commands::ActorRef::System => ActorRef::System,
    }
}
