//! What happened to a tag, as stored in its stream.

use crate::event::{DomainEvent, UniqueClaim, UniqueSet};
use crate::values::TagName;
use serde::{Deserialize, Serialize};

/// What happened to a tag, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum TagEvent {
    /// The tag was created; its name is now taken.
    TagCreated {
        /// Its name.
        name: TagName,
    },
    /// The tag was renamed; the old name is free, the new one taken.
    TagRenamed {
        /// The name before.
        from: TagName,
        /// The name after.
        to: TagName,
    },
    /// The tag was deleted; its name is free.
    TagDeleted {
        /// Its last name.
        name: TagName,
    },
}

impl DomainEvent for TagEvent {
    fn event_type(&self) -> &'static str {
        match self {
            TagEvent::TagCreated { .. } => "TagCreated",
            TagEvent::TagRenamed { .. } => "TagRenamed",
            TagEvent::TagDeleted { .. } => "TagDeleted",
        }
    }

    fn unique_claims(&self) -> Vec<UniqueClaim> {
        let claim = |name: &TagName| UniqueClaim::Claim {
            set: UniqueSet::TagName,
            key: name.key(),
        };
        let release = |name: &TagName| UniqueClaim::Release {
            set: UniqueSet::TagName,
            key: name.key(),
        };
        match self {
            TagEvent::TagCreated { name } => vec![claim(name)],
            TagEvent::TagRenamed { from, to } if from.key() == to.key() => vec![],
            TagEvent::TagRenamed { from, to } => vec![release(from), claim(to)],
            TagEvent::TagDeleted { name } => vec![release(name)],
        }
    }
}
