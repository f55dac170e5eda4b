//! What happened to a creature, as stored in its stream.

use super::command::AvatarImage;
use crate::event::DomainEvent;
use crate::ids::{TagId, UserId};
use crate::values::{CreatureName, Description, Species, TagName, Traits};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// What happened to a creature, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CreatureEvent {
    /// It was registered. Schema v2: `traits` is an object (v1 stored a list of names).
    CreatureRegistered {
        /// Its name.
        name: CreatureName,
        /// Its species.
        species: Species,
        /// Its description.
        description: Description,
        /// Its traits.
        traits: Traits,
        /// Who registered it.
        owner: UserId,
    },
    /// It got a new name.
    CreatureRenamed {
        /// The new name.
        name: CreatureName,
    },
    /// Its species changed.
    CreatureSpeciesChanged {
        /// The new species.
        species: Species,
    },
    /// Its description changed.
    CreatureDescriptionChanged {
        /// The new description.
        description: Description,
    },
    /// Its traits were replaced.
    CreatureTraitsChanged {
        /// The new traits.
        traits: Traits,
    },
    /// A tag was attached.
    CreatureTagged {
        /// The tag.
        tag_id: TagId,
        /// The tag's name when attached.
        tag_name: TagName,
    },
    /// A tag was detached.
    CreatureUntagged {
        /// The tag.
        tag_id: TagId,
    },
    /// A new avatar was asked for.
    AvatarRequested {
        /// The request's id.
        request_id: Uuid,
    },
    /// The avatar for a request was generated and stored.
    AvatarGenerated {
        /// The request it answers.
        request_id: Uuid,
        /// The stored image.
        image: AvatarImage,
    },
    /// Generating the avatar for a request failed after its retries.
    AvatarGenerationFailed {
        /// The request it answers.
        request_id: Uuid,
        /// Why.
        reason: String,
    },
    /// It was archived.
    CreatureArchived {},
    /// It was restored after it was archived.
    CreatureRestored {},
}

impl CreatureEvent {
    /// The newest schema version of `CreatureRegistered`.
    const REGISTERED_VERSION: u16 = 2;
}

impl DomainEvent for CreatureEvent {
    fn event_type(&self) -> &'static str {
        match self {
            CreatureEvent::CreatureRegistered { .. } => "CreatureRegistered",
            CreatureEvent::CreatureRenamed { .. } => "CreatureRenamed",
            CreatureEvent::CreatureSpeciesChanged { .. } => "CreatureSpeciesChanged",
            CreatureEvent::CreatureDescriptionChanged { .. } => "CreatureDescriptionChanged",
            CreatureEvent::CreatureTraitsChanged { .. } => "CreatureTraitsChanged",
            CreatureEvent::CreatureTagged { .. } => "CreatureTagged",
            CreatureEvent::CreatureUntagged { .. } => "CreatureUntagged",
            CreatureEvent::AvatarRequested { .. } => "AvatarRequested",
            CreatureEvent::AvatarGenerated { .. } => "AvatarGenerated",
            CreatureEvent::AvatarGenerationFailed { .. } => "AvatarGenerationFailed",
            CreatureEvent::CreatureArchived {} => "CreatureArchived",
            CreatureEvent::CreatureRestored {} => "CreatureRestored",
        }
    }

    fn written_version(event_type: &str) -> u16 {
        match event_type {
            "CreatureRegistered" => Self::REGISTERED_VERSION,
            _ => 1,
        }
    }

    fn upcast(event_type: &str, schema_version: u16, payload: Value) -> Value {
        match (event_type, schema_version) {
            ("CreatureRegistered", 1) => upcast_registered_v1(payload),
            _ => payload,
        }
    }
}

/// `CreatureRegistered` v1 stored traits as a list of names (`["winged", "fierce"]`); v2
/// stores an object of named values. Each v1 name becomes a `true` trait.
fn upcast_registered_v1(mut payload: Value) -> Value {
    if let Some(Value::Array(names)) = payload.get("traits") {
        let traits: Map<String, Value> = names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| (name.to_owned(), Value::Bool(true)))
            .collect();
        payload["traits"] = Value::Object(traits);
    }
    payload
}
