//! The tags projection's fold: tags, and which creatures carry them. Tag rows and creatures
//! carry the stream version of the last event applied to them; an event at or below it was
//! applied already and changes nothing. A deleted tag keeps its memberships (it is no longer
//! listed), and so does an archived creature (it is no longer counted, and counts again once
//! restored), so every row depends on its own stream alone.

use crate::projection::AnyEvent;
use crate::reader::Decoded;
use chrono::{DateTime, Utc};
use domain::creature::CreatureEvent;
use domain::tag::TagEvent;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// A row of `tags`.
#[derive(Clone, Debug, PartialEq)]
pub struct TagRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub deleted: bool,
    pub version: i32,
}

/// A creature as this projection knows it: the version of its last tag-related event,
/// whether it is archived, and the tags it carries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreatureRow {
    pub version: i32,
    pub archived: bool,
    pub tags: BTreeSet<Uuid>,
}

/// Rows as a batch leaves them.
#[derive(Default)]
pub struct Fold {
    /// Tags the batch touched (or that were loaded to be touched).
    pub tags: BTreeMap<Uuid, TagRow>,
    /// Tags an event changed.
    pub changed_tags: BTreeSet<Uuid>,
    /// Creatures the batch touched, as folded.
    pub creatures: BTreeMap<Uuid, CreatureRow>,
    /// The same creatures as stored, to write only the difference.
    pub stored: BTreeMap<Uuid, CreatureRow>,
    /// Creatures an event changed.
    pub changed_creatures: BTreeSet<Uuid>,
}

impl Fold {
    /// Streams whose rows are held.
    pub fn streams(&self) -> usize {
        self.changed_tags.len() + self.changed_creatures.len()
    }

    /// Folds one event.
    pub fn add(&mut self, event: &Decoded) {
        match &event.event {
            AnyEvent::Tag(change) => self.tag(event, change),
            AnyEvent::Creature(change) => self.creature(event, change),
            AnyEvent::User(_) | AnyEvent::Other => {}
        }
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
                    created_at: event.recorded_at,
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

    fn creature(&mut self, event: &Decoded, change: &CreatureEvent) {
        if !matches!(
            change,
            CreatureEvent::CreatureTagged { .. }
                | CreatureEvent::CreatureUntagged { .. }
                | CreatureEvent::CreatureArchived {}
                | CreatureEvent::CreatureRestored {}
        ) {
            return;
        }
        let row = self.creatures.entry(event.stream_id).or_default();
        if event.version <= row.version {
            return;
        }
        row.version = event.version;
        match change {
            CreatureEvent::CreatureTagged { tag_id, .. } => {
                row.tags.insert(tag_id.as_uuid());
            }
            CreatureEvent::CreatureUntagged { tag_id } => {
                row.tags.remove(&tag_id.as_uuid());
            }
            CreatureEvent::CreatureArchived {} => row.archived = true,
            CreatureEvent::CreatureRestored {} => row.archived = false,
            _ => {}
        }
        self.changed_creatures.insert(event.stream_id);
    }

    /// Forgets every row (after a bulk flush).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}
