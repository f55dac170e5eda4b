//! Creatures as the read model shows them, and their event history.

use chrono::{DateTime, Utc};
use domain::creature::CreatureEvent;
use domain::{CreatureId, DecodeError, DomainEvent, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A creature (`GET /creatures/{id}`, and each item of a page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatureView {
    /// Its id.
    pub id: CreatureId,
    /// Its name.
    pub name: String,
    /// Its species.
    pub species: String,
    /// Its description.
    pub description: String,
    /// Its traits (a flat JSON object).
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnerView {
    /// The user's id.
    pub id: UserId,
    /// Their display name (unknown until their registration is projected).
    pub display_name: Option<String>,
}

/// A creature's avatar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AvatarView {
    /// `none`, `pending`, `ready` or `failed`.
    pub state: String,
    /// Where the latest generated image is (also while a newer one is pending).
    pub url: Option<String>,
    /// Why the latest request failed.
    pub failure: Option<String>,
}

/// A page of creatures (`GET /creatures`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreaturePage {
    /// The creatures, newest first.
    pub items: Vec<CreatureView>,
    /// The cursor of the next page, if there is one.
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

/// One event of a creature's history (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Who caused it.
    pub actor: ActorRef,
    /// Its data, in the current schema.
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The events, oldest first.
    pub events: Vec<HistoryEntry>,
}

/// `POST /creatures`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCreatureRequest {
    /// Its name.
    pub name: String,
    /// Its species.
    pub species: String,
    /// Its description (empty when left out).
    #[serde(default)]
    pub description: String,
    /// Its traits, a flat JSON object (empty when left out).
    #[serde(default = "empty_object")]
    pub traits: Value,
    /// Names of tags to attach (none when left out).
    #[serde(default)]
    pub tags: Vec<String>,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// `PATCH /creatures/{id}`: the fields to change (absent or `null`: unchanged).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateCreatureRequest {
    /// A new name.
    pub name: Option<String>,
    /// A new species.
    pub species: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// New traits (they replace the old ones).
    pub traits: Option<Value>,
}
