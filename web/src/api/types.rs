//! The shapes of the API's answers. Values the domain defines (names, traits, ids, roles,
//! creature events) are the domain's own types, so the SPA and the server cannot disagree.

use domain::creature::CreatureEvent;
use domain::values::{CreatureName, Description, DisplayName, Species, TagName, Traits};
use domain::{CreatureId, DecodeError, DomainEvent, Role, TagId, UserId};
use serde::Deserialize;
use serde_json::Value;

/// A creature from the read model.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CreatureView {
    /// Its id.
    pub id: CreatureId,
    /// Its name.
    pub name: CreatureName,
    /// Its species.
    pub species: Species,
    /// Its description.
    pub description: Description,
    /// Its traits.
    pub traits: Traits,
    /// Who registered it.
    pub owner: OwnerView,
    /// Its tags' names, alphabetically.
    pub tags: Vec<TagName>,
    /// Where its avatar stands.
    pub avatar: AvatarView,
    /// Whether it is archived.
    pub archived: bool,
    /// Its stream version (sent as `If-Match` by edits).
    pub version: i64,
    /// When it was registered (RFC 3339).
    pub created_at: String,
}

/// A creature's owner.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct OwnerView {
    /// The owner's id.
    pub id: UserId,
    /// Their display name, if the users projection knows it yet.
    pub display_name: Option<String>,
}

/// A creature's avatar as the read model has it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AvatarView {
    /// `none`, `pending`, `ready` or `failed`.
    pub state: String,
    /// The image's path on the API, once ready.
    pub url: Option<String>,
    /// Why the latest generation failed.
    pub failure: Option<String>,
}

/// A page of creatures.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CreaturePage {
    /// The creatures, newest first.
    pub items: Vec<CreatureView>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<String>,
}

/// A tag with its count.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TagView {
    /// Its id.
    pub id: TagId,
    /// Its name.
    pub name: TagName,
    /// How many unarchived creatures carry it.
    pub creature_count: i64,
}

/// `GET /tags`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TagList {
    /// Every tag.
    pub tags: Vec<TagView>,
}

/// The logged-in caller (`GET /auth/me`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Me {
    /// Their id.
    pub id: UserId,
    /// Their e-mail address.
    pub email: String,
    /// The name shown to others.
    pub display_name: DisplayName,
    /// What they may do.
    pub role: Role,
}

/// `POST /auth/login`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Login {
    /// The bearer token.
    pub access_token: String,
}

/// What every command answers: where its last event landed.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Committed {
    /// The global position of the command's last event (absent when nothing changed).
    pub position: Option<i64>,
    /// The stream's version after the command.
    pub version: Option<i64>,
    /// The created resource's id, for commands that create one.
    pub id: Option<String>,
}

/// Who recorded an event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum ActorRef {
    /// Nobody logged in.
    Anonymous,
    /// A user.
    User(UserId),
    /// Bestiary itself (the worker recording avatars, say).
    System,
}

/// One event of a creature's history.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HistoryEntry {
    /// The event's type name.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The stream version it made.
    pub version: i64,
    /// Its global position.
    pub position: i64,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// Who caused it.
    pub actor: ActorRef,
    /// Its data, in the current schema.
    pub data: Value,
}

impl HistoryEntry {
    /// The domain event it records.
    pub fn event(&self) -> Result<CreatureEvent, DecodeError> {
        CreatureEvent::from_current(&self.event_type, self.data.clone())
    }
}

/// `GET /creatures/{id}/history`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct History {
    /// The events, oldest first.
    pub events: Vec<HistoryEntry>,
}

/// A projection's latest rebuild.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RebuildView {
    /// `running`, `cancelling`, `done`, `cancelled` or `failed`.
    pub state: String,
    /// Events copied so far.
    pub events_done: i64,
    /// Events to copy.
    pub events_total: i64,
    /// Speed.
    pub events_per_second: f64,
    /// Why it failed.
    pub error: Option<String>,
}

/// A projection as admins see it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProjectionView {
    /// Its name.
    pub name: String,
    /// `running` or `rebuilding`.
    pub state: String,
    /// The last position it applied.
    pub position: i64,
    /// The event store's head.
    pub head: i64,
    /// Events behind the head.
    pub lag: i64,
    /// Streams it holds on an event it cannot apply.
    pub parked: Vec<ParkedStreamView>,
    /// Its latest rebuild, if any.
    pub rebuild: Option<RebuildView>,
}

/// A stream a projection holds on an event it cannot apply.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ParkedStreamView {
    /// The stream.
    pub stream_id: String,
    /// The position of the event it stopped at.
    pub position: i64,
    /// That event's type.
    pub event_type: String,
    /// Why it cannot be applied.
    pub reason: String,
}

/// `GET /admin/projections`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ProjectionList {
    /// Every projection.
    pub projections: Vec<ProjectionView>,
}

/// A user as admins see them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UserView {
    /// Their id.
    pub id: UserId,
    /// Their e-mail address.
    pub email: String,
    /// Their display name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
}

/// `GET /admin/users`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UserList {
    /// Every user.
    pub users: Vec<UserView>,
}

/// `POST /admin/rotate-keys`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Rotated {
    /// The new key's id.
    pub kid: String,
    /// How long earlier tokens stay valid.
    pub grace_seconds: u64,
}

/// A notice from `GET /updates`: a projection applied events up to `position`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Notice {
    /// The projection.
    pub projection: String,
    /// The highest position it applied.
    pub position: i64,
    /// The creatures it changed (`None`: too many to name).
    pub creatures: Option<Vec<CreatureId>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Aggregate;
    use domain::creature::Creature;
    use serde_json::json;

    #[test]
    fn history_folds_with_the_domains_own_code() {
        let owner = "0190a3f0-0000-7000-8000-000000000001";
        let history: History = serde_json::from_value(json!({"events": [
            {"type": "CreatureRegistered", "version": 1, "position": 7,
             "recorded_at": "2026-11-26T10:00:00Z", "actor": {"kind": "user", "id": owner},
             "data": {"name": "Smaug", "species": "dragon", "description": "",
                      "traits": {"wings": 2}, "owner": owner}},
            {"type": "CreatureRenamed", "version": 2, "position": 9,
             "recorded_at": "2026-11-26T10:01:00Z", "actor": {"kind": "system"},
             "data": {"name": "Smaug the Golden"}}
        ]}))
        .unwrap();
        let events: Vec<_> = history
            .events
            .iter()
            .map(|entry| entry.event().unwrap())
            .collect();
        let state = Creature::fold(&events).0.unwrap();
        assert_eq!(state.name.as_str(), "Smaug the Golden");
        assert_eq!(history.events[1].actor, ActorRef::System);
        let before_rename = Creature::fold(&events[..1]).0.unwrap();
        assert_eq!(before_rename.name.as_str(), "Smaug");
    }
}
