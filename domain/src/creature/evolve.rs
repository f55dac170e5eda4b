//! How each creature event changes its state.

use super::{AvatarState, Creature, CreatureEvent, CreatureState};
use std::collections::BTreeMap;

impl Creature {
    /// Applies one event. Events that make no sense for the state (they cannot be stored by
    /// `decide`) leave it as it is.
    pub(super) fn apply(self, event: &CreatureEvent) -> Self {
        let Creature(state) = self;
        if let CreatureEvent::CreatureRegistered {
            name,
            species,
            description,
            traits,
            owner,
        } = event
        {
            return Creature(Some(CreatureState {
                name: name.clone(),
                species: species.clone(),
                description: description.clone(),
                traits: traits.clone(),
                owner: *owner,
                tags: BTreeMap::new(),
                avatar: None,
                archived: false,
            }));
        }
        Creature(state.map(|mut creature| {
            match event {
                CreatureEvent::CreatureRegistered { .. } => {}
                CreatureEvent::CreatureRenamed { name } => creature.name = name.clone(),
                CreatureEvent::CreatureSpeciesChanged { species } => {
                    creature.species = species.clone();
                }
                CreatureEvent::CreatureDescriptionChanged { description } => {
                    creature.description = description.clone();
                }
                CreatureEvent::CreatureTraitsChanged { traits } => creature.traits = traits.clone(),
                CreatureEvent::CreatureTagged { tag_id, tag_name } => {
                    creature.tags.insert(*tag_id, tag_name.clone());
                }
                CreatureEvent::CreatureUntagged { tag_id } => {
                    creature.tags.remove(tag_id);
                }
                CreatureEvent::AvatarRequested { request_id } => {
                    creature.avatar = Some(AvatarState::Pending {
                        request_id: *request_id,
                    });
                }
                CreatureEvent::AvatarGenerated { request_id, image } => {
                    creature.avatar = Some(AvatarState::Ready {
                        request_id: *request_id,
                        image: image.clone(),
                    });
                }
                CreatureEvent::AvatarGenerationFailed { request_id, reason } => {
                    creature.avatar = Some(AvatarState::Failed {
                        request_id: *request_id,
                        reason: reason.clone(),
                    });
                }
                CreatureEvent::CreatureArchived {} => creature.archived = true,
                CreatureEvent::CreatureRestored {} => creature.archived = false,
            }
            creature
        }))
    }
}
