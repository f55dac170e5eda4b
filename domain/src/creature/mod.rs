//! The creature aggregate: a registered creature, its details, tags and avatar, until it is
//! archived. Archived creatures accept no further change but the outcome of the avatar
//! request they had pending.

mod command;
mod decide;
mod event;
mod evolve;
#[cfg(test)]
mod tests;

pub use command::{AvatarImage, CreatureChanges, CreatureCommand, TagRef};
pub use event::CreatureEvent;

use crate::ids::{TagId, UserId};
use crate::values::{CreatureName, Description, Species, TagName, Traits};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The most tags one creature may carry.
pub const MAX_TAGS: usize = 32;

/// A creature's state, folded from its events. `None` until it is registered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Creature(pub Option<CreatureState>);

/// What is known about a registered creature.
#[derive(Clone, Debug, PartialEq)]
pub struct CreatureState {
    /// Its name.
    pub name: CreatureName,
    /// Its species.
    pub species: Species,
    /// Its description.
    pub description: Description,
    /// Its traits.
    pub traits: Traits,
    /// The user who registered it.
    pub owner: UserId,
    /// Attached tags, with the name each had when attached.
    pub tags: BTreeMap<TagId, TagName>,
    /// Where its avatar stands (`None` until the first request).
    pub avatar: Option<AvatarState>,
    /// Whether it is archived (then it accepts no change but its pending avatar's outcome).
    pub archived: bool,
}

/// Where a creature's avatar stands.
#[derive(Clone, Debug, PartialEq)]
pub enum AvatarState {
    /// A request is waiting for its outcome.
    Pending {
        /// The request being worked on.
        request_id: Uuid,
    },
    /// The latest request produced this image.
    Ready {
        /// The request that produced it.
        request_id: Uuid,
        /// The stored image.
        image: AvatarImage,
    },
    /// The latest request failed after its retries.
    Failed {
        /// The request that failed.
        request_id: Uuid,
        /// Why.
        reason: String,
    },
}

impl AvatarState {
    /// The request this state belongs to.
    pub fn request_id(&self) -> Uuid {
        match self {
            AvatarState::Pending { request_id }
            | AvatarState::Ready { request_id, .. }
            | AvatarState::Failed { request_id, .. } => *request_id,
        }
    }
}

/// Why a creature command was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreatureError {
    /// The creature was never registered.
    #[error("creature not found")]
    NotFound,
    /// A creature with this id exists already.
    #[error("creature already registered")]
    AlreadyRegistered,
    /// Archived creatures accept no change.
    #[error("creature is archived")]
    Archived,
    /// Only its owner or an admin may change a creature.
    #[error("only the creature's owner or an admin may change it")]
    Forbidden,
    /// Only a logged-in user can register a creature (they become its owner).
    #[error("only a logged-in user can register a creature")]
    NoOwner,
    /// An update named no field to change.
    #[error("the update changes nothing: give at least one field")]
    EmptyUpdate,
    /// The creature carries the most tags it may.
    #[error("a creature carries at most {MAX_TAGS} tags")]
    TooManyTags,
    /// An avatar outcome for a request that is no longer the current one.
    #[error("avatar request {0} is not the creature's current request")]
    StaleAvatarRequest(Uuid),
}
