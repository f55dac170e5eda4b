//! What may be asked of a creature.

use crate::ids::TagId;
use crate::values::{CreatureName, Description, Species, TagName, Traits};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A tag as a creature command names it: the tag's id and its current name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRef {
    /// The tag's id.
    pub id: TagId,
    /// The tag's name now.
    pub name: TagName,
}

/// A stored avatar image, addressed by its content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvatarImage {
    /// The SHA-256 of the image bytes, in hex.
    pub sha256: String,
    /// The image's media type (`image/svg+xml`, `image/png`).
    pub content_type: String,
}

/// The fields of a partial update; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreatureChanges {
    /// A new name.
    pub name: Option<CreatureName>,
    /// A new species.
    pub species: Option<Species>,
    /// A new description.
    pub description: Option<Description>,
    /// New traits, replacing the old ones.
    pub traits: Option<Traits>,
}

impl CreatureChanges {
    /// Whether the update names no field at all.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.species.is_none()
            && self.description.is_none()
            && self.traits.is_none()
    }
}

/// What may be asked of a creature, in the imperative.
#[derive(Clone, Debug, PartialEq)]
pub enum CreatureCommand {
    /// Register a new creature owned by the acting user, with its first avatar request.
    Register {
        /// Its name.
        name: CreatureName,
        /// Its species.
        species: Species,
        /// Its description.
        description: Description,
        /// Its traits.
        traits: Traits,
        /// Tags to attach at once.
        tags: Vec<TagRef>,
        /// The id of its first avatar request.
        avatar_request: Uuid,
    },
    /// Change some of its details.
    Update(CreatureChanges),
    /// Attach a tag (attaching an attached tag changes nothing).
    Tag(TagRef),
    /// Detach a tag (detaching a tag it does not carry changes nothing).
    Untag(TagId),
    /// Ask for a new avatar.
    RequestAvatar {
        /// The id of the new request.
        request_id: Uuid,
    },
    /// Record that the avatar for a request was generated.
    RecordAvatarGenerated {
        /// The request it answers.
        request_id: Uuid,
        /// The stored image.
        image: AvatarImage,
    },
    /// Record that generating the avatar for a request failed for good.
    RecordAvatarFailed {
        /// The request it answers.
        request_id: Uuid,
        /// Why it failed.
        reason: String,
    },
    /// Archive it: it leaves the listings and accepts no further change but a restore.
    Archive,
    /// Restore an archived creature: it is listed again and takes changes again, with the
    /// tags it had. Restoring one that is not archived changes nothing.
    Restore,
}
