//! What each creature command means, given the creature's state and who asks.

use super::{
    AvatarState, Creature, CreatureChanges, CreatureCommand, CreatureError, CreatureEvent,
    CreatureState, MAX_TAGS,
};
use crate::actor::Actor;
use crate::aggregate::Aggregate;
use uuid::Uuid;

/// A failure reason is cut to this many characters before it is stored.
const MAX_FAILURE_REASON_CHARS: usize = 500;

impl Aggregate for Creature {
    const STREAM_TYPE: &'static str = "creature";
    type Command = CreatureCommand;
    type Event = CreatureEvent;
    type Error = CreatureError;

    fn decide(
        &self,
        actor: &Actor,
        command: CreatureCommand,
    ) -> Result<Vec<CreatureEvent>, CreatureError> {
        match (&self.0, command) {
            (
                None,
                CreatureCommand::Register {
                    name,
                    species,
                    description,
                    traits,
                    tags,
                    avatar_request,
                },
            ) => {
                let owner = actor.user_id().ok_or(CreatureError::NoOwner)?;
                let mut unique_tags = tags;
                unique_tags.sort_by_key(|tag| tag.id);
                unique_tags.dedup_by_key(|tag| tag.id);
                if unique_tags.len() > MAX_TAGS {
                    return Err(CreatureError::TooManyTags);
                }
                let mut events = vec![CreatureEvent::CreatureRegistered {
                    name,
                    species,
                    description,
                    traits,
                    owner,
                }];
                events.extend(
                    unique_tags
                        .into_iter()
                        .map(|tag| CreatureEvent::CreatureTagged {
                            tag_id: tag.id,
                            tag_name: tag.name,
                        }),
                );
                events.push(CreatureEvent::AvatarRequested {
                    request_id: avatar_request,
                });
                Ok(events)
            }
            (Some(_), CreatureCommand::Register { .. }) => Err(CreatureError::AlreadyRegistered),
            (None, _) => Err(CreatureError::NotFound),
            (Some(creature), command) => {
                // An archived creature still takes the outcome of the avatar request it had
                // pending, so its avatar never stays `pending`, and a restore; nothing else.
                if creature.archived
                    && !records_avatar_outcome(&command)
                    && command != CreatureCommand::Restore
                {
                    return Err(CreatureError::Archived);
                }
                if !actor.may_change(creature.owner) {
                    return Err(CreatureError::Forbidden);
                }
                decide_change(creature, command)
            }
        }
    }

    fn evolve(self, event: &CreatureEvent) -> Self {
        self.apply(event)
    }
}

/// Whether a command records the outcome of an avatar request.
fn records_avatar_outcome(command: &CreatureCommand) -> bool {
    matches!(
        command,
        CreatureCommand::RecordAvatarGenerated { .. } | CreatureCommand::RecordAvatarFailed { .. }
    )
}

/// Decides a command on a registered creature the actor may change: an unarchived one, or an
/// archived one for an avatar outcome or a restore.
fn decide_change(
    creature: &CreatureState,
    command: CreatureCommand,
) -> Result<Vec<CreatureEvent>, CreatureError> {
    match command {
        CreatureCommand::Register { .. } => Err(CreatureError::AlreadyRegistered),
        CreatureCommand::Update(changes) => update(creature, changes),
        CreatureCommand::Tag(tag) => {
            if creature.tags.contains_key(&tag.id) {
                Ok(vec![])
            } else if creature.tags.len() >= MAX_TAGS {
                Err(CreatureError::TooManyTags)
            } else {
                Ok(vec![CreatureEvent::CreatureTagged {
                    tag_id: tag.id,
                    tag_name: tag.name,
                }])
            }
        }
        CreatureCommand::Untag(tag_id) => Ok(if creature.tags.contains_key(&tag_id) {
            vec![CreatureEvent::CreatureUntagged { tag_id }]
        } else {
            vec![]
        }),
        CreatureCommand::RequestAvatar { request_id } => {
            Ok(vec![CreatureEvent::AvatarRequested { request_id }])
        }
        CreatureCommand::RecordAvatarGenerated { request_id, image } => record_outcome(
            creature,
            request_id,
            CreatureEvent::AvatarGenerated { request_id, image },
        ),
        CreatureCommand::RecordAvatarFailed { request_id, reason } => {
            let reason = reason.chars().take(MAX_FAILURE_REASON_CHARS).collect();
            record_outcome(
                creature,
                request_id,
                CreatureEvent::AvatarGenerationFailed { request_id, reason },
            )
        }
        CreatureCommand::Archive => Ok(vec![CreatureEvent::CreatureArchived {}]),
        CreatureCommand::Restore => Ok(if creature.archived {
            vec![CreatureEvent::CreatureRestored {}]
        } else {
            vec![]
        }),
    }
}

/// One event per field that actually changes; an update naming no field is refused.
fn update(
    creature: &CreatureState,
    changes: CreatureChanges,
) -> Result<Vec<CreatureEvent>, CreatureError> {
    if changes.is_empty() {
        return Err(CreatureError::EmptyUpdate);
    }
    let CreatureChanges {
        name,
        species,
        description,
        traits,
    } = changes;
    let mut events = Vec::new();
    if let Some(name) = name.filter(|name| *name != creature.name) {
        events.push(CreatureEvent::CreatureRenamed { name });
    }
    if let Some(species) = species.filter(|species| *species != creature.species) {
        events.push(CreatureEvent::CreatureSpeciesChanged { species });
    }
    if let Some(description) =
        description.filter(|description| *description != creature.description)
    {
        events.push(CreatureEvent::CreatureDescriptionChanged { description });
    }
    if let Some(traits) = traits.filter(|traits| *traits != creature.traits) {
        events.push(CreatureEvent::CreatureTraitsChanged { traits });
    }
    Ok(events)
}

/// An outcome is recorded once, and only for the current request: a repeat of the recorded
/// outcome changes nothing, an outcome of a superseded request is refused.
fn record_outcome(
    creature: &CreatureState,
    request_id: Uuid,
    outcome: CreatureEvent,
) -> Result<Vec<CreatureEvent>, CreatureError> {
    match &creature.avatar {
        Some(AvatarState::Pending {
            request_id: current,
        }) if *current == request_id => Ok(vec![outcome]),
        Some(state) if state.request_id() == request_id => Ok(vec![]),
        _ => Err(CreatureError::StaleAvatarRequest(request_id)),
    }
}
