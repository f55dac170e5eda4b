//! The creatures projection's fold: creature rows with their tags, and the names of tags and
//! owners, changed in memory event by event. Each row carries the stream version it reflects;
//! an event at or below it was applied already and changes nothing.

use crate::projection::AnyEvent;
use crate::reader::Decoded;
use chrono::{DateTime, Utc};
use domain::creature::CreatureEvent;
use domain::tag::TagEvent;
use domain::user::UserEvent;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uuid::Uuid;

/// A row of `creatures`, with the creature's tags (`creature_tags`, loaded apart).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct CreatureRow {
    pub id: Uuid,
    pub name: String,
    pub species: String,
    pub description: String,
    pub traits: serde_json::Value,
    pub owner_id: Uuid,
    pub avatar_state: String,
    pub avatar_request_id: Option<Uuid>,
    pub avatar_sha256: Option<String>,
    pub avatar_content_type: Option<String>,
    pub avatar_failure: Option<String>,
    pub archived: bool,
    pub version: i32,
    pub last_position: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub tags: BTreeSet<Uuid>,
}

/// A row of this projection's `tags`: the names creatures are shown with.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct TagRow {
    pub id: Uuid,
    pub name: String,
    pub deleted: bool,
    pub version: i32,
}

/// Rows as a batch leaves them.
#[derive(Default)]
pub struct Fold {
    /// Creatures the batch touched (or that were loaded to be touched).
    pub creatures: BTreeMap<Uuid, CreatureRow>,
    /// The tag sets of loaded creatures as stored, to write only the difference.
    pub stored_tags: HashMap<Uuid, BTreeSet<Uuid>>,
    /// Creatures an event changed.
    pub changed_creatures: BTreeSet<Uuid>,
    /// Tags the batch touched.
    pub tags: BTreeMap<Uuid, TagRow>,
    /// Tags an event changed.
    pub changed_tags: BTreeSet<Uuid>,
    /// Owners' display names.
    /// Owners' display names; `None` for a forgotten owner.
    pub owners: BTreeMap<Uuid, Option<String>>,
}

impl Fold {
    /// Streams whose rows are held.
    pub fn streams(&self) -> usize {
        self.changed_creatures.len() + self.changed_tags.len() + self.owners.len()
    }

    /// Folds one event.
    pub fn add(&mut self, event: &Decoded) {
        match &event.event {
            AnyEvent::Creature(change) => self.creature(event, change),
            AnyEvent::Tag(change) => self.tag(event, change),
            AnyEvent::User(UserEvent::UserRegistered { display_name, .. }) => {
                let name = display_name.known().map(|name| name.as_str().to_owned());
                self.owners.insert(event.stream_id, name);
            }
            AnyEvent::User(UserEvent::UserForgotten {}) => {
                self.owners.insert(event.stream_id, None);
            }
            AnyEvent::User(_) | AnyEvent::Other => {}
        }
    }

    fn creature(&mut self, event: &Decoded, change: &CreatureEvent) {
        let id = event.stream_id;
        if let CreatureEvent::CreatureRegistered {
            name,
            species,
            description,
            traits,
            owner,
        } = change
        {
            if self.creatures.contains_key(&id) {
                return;
            }
            self.creatures.insert(
                id,
                CreatureRow {
                    id,
                    name: name.as_str().to_owned(),
                    species: species.as_str().to_owned(),
                    description: description.as_str().to_owned(),
                    traits: traits.to_value(),
                    owner_id: owner.as_uuid(),
                    avatar_state: "none".to_owned(),
                    avatar_request_id: None,
                    avatar_sha256: None,
                    avatar_content_type: None,
                    avatar_failure: None,
                    archived: false,
                    version: event.version,
                    last_position: event.position(),
                    created_at: event.recorded_at,
                    updated_at: event.recorded_at,
                    tags: BTreeSet::new(),
                },
            );
            self.changed_creatures.insert(id);
            return;
        }
        let Some(row) = self.creatures.get_mut(&id) else {
            return;
        };
        if event.version <= row.version {
            return;
        }
        row.version = event.version;
        row.last_position = event.position();
        row.updated_at = event.recorded_at;
        match change {
            CreatureEvent::CreatureRegistered { .. } => {}
            CreatureEvent::CreatureRenamed { name } => row.name = name.as_str().to_owned(),
            CreatureEvent::CreatureSpeciesChanged { species } => {
                row.species = species.as_str().to_owned();
            }
            CreatureEvent::CreatureDescriptionChanged { description } => {
                row.description = description.as_str().to_owned();
            }
            CreatureEvent::CreatureTraitsChanged { traits } => row.traits = traits.to_value(),
            CreatureEvent::CreatureTagged { tag_id, .. } => {
                row.tags.insert(tag_id.as_uuid());
            }
            CreatureEvent::CreatureUntagged { tag_id } => {
                row.tags.remove(&tag_id.as_uuid());
            }
            CreatureEvent::AvatarRequested { request_id } => {
                row.avatar_state = "pending".to_owned();
                row.avatar_request_id = Some(*request_id);
                row.avatar_failure = None;
            }
            CreatureEvent::AvatarGenerated { request_id, image } => {
                row.avatar_state = "ready".to_owned();
                row.avatar_request_id = Some(*request_id);
                row.avatar_sha256 = Some(image.sha256.clone());
                row.avatar_content_type = Some(image.content_type.clone());
                row.avatar_failure = None;
            }
            CreatureEvent::AvatarGenerationFailed { request_id, reason } => {
                row.avatar_state = "failed".to_owned();
                row.avatar_request_id = Some(*request_id);
                row.avatar_failure = Some(reason.clone());
            }
            CreatureEvent::CreatureArchived {} => row.archived = true,
            CreatureEvent::CreatureRestored {} => row.archived = false,
        }
        self.changed_creatures.insert(id);
    }

    fn tag(&mut self, event: &Decoded, change: &TagEvent) {
        let id = event.stream_id;
        if let TagEvent::TagCreated { name } = change {
            if self.tags.contains_key(&id) {
                return;
            }
            self.tags.insert(
                id,
                TagRow {
                    id,
                    name: name.as_str().to_owned(),
                    deleted: false,
                    version: event.version,
                },
            );
            self.changed_tags.insert(id);
            return;
        }
        let Some(row) = self.tags.get_mut(&id) else {
            return;
        };
        if event.version <= row.version {
            return;
        }
        row.version = event.version;
        match change {
            TagEvent::TagCreated { .. } => {}
            TagEvent::TagRenamed { to, .. } => row.name = to.as_str().to_owned(),
            TagEvent::TagDeleted { .. } => row.deleted = true,
        }
        self.changed_tags.insert(id);
    }

    /// Forgets every row (after a bulk flush).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}
