//! Creature commands over HTTP, and a creature's history straight from the event store.

use crate::http::command::{accepted, run};
use crate::http::extract::{Authenticated, CorrelationId, IfMatch, parse_id};
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::creatures::{
    ActorRef, CreateCreatureRequest, History, HistoryEntry, UpdateCreatureRequest,
};
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post, put};
use commands::CommandHandler;
use commands::handler::Command;
use domain::creature::{
    Creature, CreatureChanges, CreatureCommand, CreatureEvent, MAX_TAGS, TagRef,
};
use domain::values::{CreatureName, Description, Species, TagName, Traits, ValidationError};
use domain::{Actor, DomainEvent, TagId, UniqueSet};
use uuid::Uuid;

/// `/creatures` and everything below it.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/creatures", post(create).get(super::creature_reads::list))
        .route(
            "/creatures/{id}",
            get(super::creature_reads::get)
                .patch(update)
                .delete(archive),
        )
        .route(
            "/creatures/{id}/tags/{tag}",
            put(attach_tag).delete(detach_tag),
        )
        .route(
            "/creatures/{id}/avatar",
            get(super::avatars::avatar).post(request_avatar),
        )
        .route("/creatures/{id}/history", get(history))
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
        let answer = accepted(id, status, location);
        run(&self.state, &self.idempotency, command, answer).await
    }
}

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
    let id = Uuid::now_v7();
    let command = CreatureCommand::Register {
        name,
        species,
        description,
        traits,
        tags,
        avatar_request: Uuid::now_v7(),
    };
    caller
        .run(
            id,
            command,
            None,
            StatusCode::CREATED,
            Some(format!("/creatures/{id}")),
        )
        .await
}

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

/// The tag named in the path, which must exist now.
async fn path_tag(state: &AppState, name: &str) -> Result<TagRef, ApiError> {
    let name = TagName::parse(name).map_err(|_| ApiError::NotFound("tag"))?;
    resolve_tag(&state.commands, &name)
        .await?
        .ok_or(ApiError::NotFound("tag"))
}

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

async fn request_avatar(caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let command = CreatureCommand::RequestAvatar {
        request_id: Uuid::now_v7(),
    };
    caller
        .run(id, command, None, StatusCode::ACCEPTED, None)
        .await
}

async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<History>, ApiError> {
    let id = parse_id(&id, "creature")?;
    let recorded = state.commands.store().read_stream(id).await?;
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
    Ok(Json(History { events }))
}

/// Who recorded an event, as the API shows it.
fn actor_ref(actor: commands::ActorRef) -> ActorRef {
    match actor {
        commands::ActorRef::Anonymous => ActorRef::Anonymous,
        commands::ActorRef::User(id) => ActorRef::User(id),
        commands::ActorRef::System => ActorRef::System,
    }
}
