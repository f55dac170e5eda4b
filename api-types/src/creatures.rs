//! Creatures as the read model shows them, and their event history.

use chrono::{DateTime, Utc};
use domain::creature::CreatureEvent;
use domain::{CreatureId, DecodeError, DomainEvent, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// A creature (`GET /creatures/{id}`, and each item of a page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatureView {
    /// Its id.
    #[schema(value_type = uuid::Uuid)]
    pub id: CreatureId,
    /// Its name.
    pub name: String,
    /// Its species.
    pub species: String,
    /// Its description.
    pub description: String,
    /// Its traits (a flat JSON object).
    #[schema(value_type = crate::traits::Traits)]
    pub traits: Value,
    /// Who registered it.
    pub owner: OwnerView,
    /// Names of its tags, alphabetically.
    pub tags: Vec<String>,
    /// Its avatar.
    pub avatar: AvatarView,
    /// Whether it is archived.
    pub archived: bool,
    /// Its stream version (sent as `If-Match` by edits).
    pub version: i32,
    /// The global position of its last event.
    pub position: i64,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A creature's owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OwnerView {
    /// The user's id.
    #[schema(value_type = uuid::Uuid)]
    pub id: UserId,
    /// Their display name (unknown until their registration is projected, and for ever once
    /// they are forgotten).
    #[schema(required = true)]
    pub display_name: Option<String>,
    /// Whether the owner was forgotten (their creatures stay, shown as by "a forgotten user").
    #[serde(default)]
    pub forgotten: bool,
}

/// A creature's avatar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AvatarView {
    /// `pending` while a requested avatar is being generated, `ready` when the latest request
    /// succeeded, `failed` when it failed, `none` before any.
    #[schema(value_type = AvatarState)]
    pub state: String,
    /// Where the latest generated image is (also while a newer one is pending).
    #[schema(required = true)]
    pub url: Option<String>,
    /// Why the latest request failed.
    #[schema(required = true)]
    pub failure: Option<String>,
}

/// A page of creatures (`GET /creatures`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreaturePage {
    /// The creatures, newest first.
    pub items: Vec<CreatureView>,
    /// The cursor of the next page, if there is one.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Who recorded an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum ActorRef {
    /// Nobody logged in.
    Anonymous,
    /// A user.
    User(UserId),
    /// Bestiary itself (the worker recording avatars, say).
    System,
}

impl PartialSchema for ActorRef {
    fn schema() -> RefOr<Schema> {
        let kind = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["anonymous", "user", "system"]));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("Who did it; `id` only for `user`."))
            .property("kind", kind)
            .required("kind")
            .property(
                "id",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            )
            .into()
    }
}

impl ToSchema for ActorRef {}

/// One event of a creature's history (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// Who caused it.
    pub actor: ActorRef,
    /// Its data, in the current schema.
    #[schema(value_type = Object)]
    pub data: Value,
    /// Its global position.
    pub position: i64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The event's type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The stream version it made.
    pub version: i64,
}

impl HistoryEntry {
    /// The domain event it records.
    pub fn event(&self) -> Result<CreatureEvent, DecodeError> {
        CreatureEvent::from_current(&self.event_type, self.data.clone())
    }
}

/// `GET /creatures/{id}/history`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct History {
    /// The events, oldest first.
    pub events: Vec<HistoryEntry>,
}

/// `POST /creatures`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCreatureRequest {
    /// Its name: 1-80 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// Its species: 1-80 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 80)]
    pub species: String,
    /// Its description (empty when left out): at most 2000 characters after trimming; line
    /// breaks and tabs allowed, other control characters not.
    #[schema(max_length = 2000)]
    #[serde(default)]
    pub description: String,
    /// Its traits, a flat JSON object (empty when left out).
    #[serde(default = "empty_object")]
    #[schema(value_type = crate::traits::Traits)]
    pub traits: Value,
    /// Names of existing tags to attach (none when left out), matched case-insensitively;
    /// duplicates are attached once.
    #[schema(max_items = 32)]
    #[serde(default)]
    pub tags: Vec<String>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// `PATCH /creatures/{id}`: the fields to change (absent or `null`: unchanged).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCreatureRequest {
    /// A new name: 1-80 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,
    /// A new species: 1-80 characters after trimming, no control characters.
    #[schema(min_length = 1, max_length = 80)]
    pub species: Option<String>,
    /// A new description: at most 2000 characters after trimming.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// New traits (they replace the old ones).
    #[schema(value_type = Option<crate::traits::Traits>)]
    pub traits: Option<Value>,
}

/// A creature's avatar state (in the OpenAPI document).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum AvatarState {
    /// None was ever requested.
    None,
    /// One is being generated.
    Pending,
    /// The latest request succeeded.
    Ready,
    /// The latest request failed.
    Failed,
}
