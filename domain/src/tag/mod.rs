//! The tag aggregate: a name unique among tags (case-insensitively), renamed or deleted by
//! admins. A deleted tag accepts nothing further.

mod event;
#[cfg(test)]
mod tests;

pub use event::TagEvent;

use crate::actor::Actor;
use crate::aggregate::Aggregate;
use crate::values::TagName;

/// A tag's state, folded from its events. `None` until created.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tag(pub Option<TagState>);

/// What is known about a created tag.
#[derive(Clone, Debug, PartialEq)]
pub struct TagState {
    /// Its current name.
    pub name: TagName,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// What may be asked of a tag, in the imperative.
#[derive(Clone, Debug, PartialEq)]
pub enum TagCommand {
    /// Create it (any logged-in user).
    Create(TagName),
    /// Rename it (admins).
    Rename(TagName),
    /// Delete it (admins).
    Delete,
}

/// Why a tag command was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// The tag was never created, or was deleted.
    #[error("tag not found")]
    NotFound,
    /// A tag with this id exists already.
    #[error("tag already exists")]
    AlreadyCreated,
    /// Creating needs a logged-in user; renaming and deleting an admin.
    #[error("not allowed to change tags")]
    Forbidden,
}

impl Aggregate for Tag {
    const STREAM_TYPE: &'static str = "tag";
    type Command = TagCommand;
    type Event = TagEvent;
    type Error = TagError;

    fn decide(&self, actor: &Actor, command: TagCommand) -> Result<Vec<TagEvent>, TagError> {
        let live = self.0.as_ref().filter(|tag| !tag.deleted);
        match (&self.0, live, command) {
            (None, _, TagCommand::Create(name)) => {
                if actor.user_id().is_none() && !actor.is_privileged() {
                    return Err(TagError::Forbidden);
                }
                Ok(vec![TagEvent::TagCreated { name }])
            }
            (Some(_), _, TagCommand::Create(_)) => Err(TagError::AlreadyCreated),
            (_, None, _) => Err(TagError::NotFound),
            (_, Some(_), _) if !actor.is_privileged() => Err(TagError::Forbidden),
            (_, Some(tag), TagCommand::Rename(name)) => Ok(if tag.name == name {
                vec![]
            } else {
                vec![TagEvent::TagRenamed {
                    from: tag.name.clone(),
                    to: name,
                }]
            }),
            (_, Some(tag), TagCommand::Delete) => Ok(vec![TagEvent::TagDeleted {
                name: tag.name.clone(),
            }]),
        }
    }

    fn evolve(self, event: &TagEvent) -> Self {
        match (self.0, event) {
            (_, TagEvent::TagCreated { name }) => Tag(Some(TagState {
                name: name.clone(),
                deleted: false,
            })),
            (Some(mut tag), TagEvent::TagRenamed { to, .. }) => {
                tag.name = to.clone();
                Tag(Some(tag))
            }
            (Some(mut tag), TagEvent::TagDeleted { .. }) => {
                tag.deleted = true;
                Tag(Some(tag))
            }
            (state, _) => Tag(state),
        }
    }
}
