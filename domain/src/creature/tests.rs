//! Given/when/then tests of the creature aggregate.

use super::*;
use crate::actor::{Actor, Role};
use crate::aggregate::Aggregate;
use crate::event::{DecodeError, DomainEvent};
use crate::ids::{TagId, UserId};
use crate::values::{CreatureName, Description, Species, TagName, Traits};
use serde_json::json;
use uuid::Uuid;

fn owner() -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::from_u128(1)),
        role: Role::User,
    }
}

fn stranger() -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::from_u128(2)),
        role: Role::User,
    }
}

fn admin() -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::from_u128(3)),
        role: Role::Admin,
    }
}

fn tag(n: u128, name: &str) -> TagRef {
    TagRef {
        id: TagId::from_uuid(Uuid::from_u128(n)),
        name: TagName::parse(name).unwrap(),
    }
}

fn registered() -> CreatureEvent {
    CreatureEvent::CreatureRegistered {
        name: CreatureName::parse("Smaug").unwrap(),
        species: Species::parse("dragon").unwrap(),
        description: Description::parse("Lives under a mountain.").unwrap(),
        traits: Traits::parse(&json!({"wings": 2})).unwrap(),
        owner: UserId::from_uuid(Uuid::from_u128(1)),
    }
}

const FIRST_REQUEST: Uuid = Uuid::from_u128(100);

/// Folds `given`, decides `when` as `actor`.
fn when(
    given: &[CreatureEvent],
    actor: Actor,
    command: CreatureCommand,
) -> Result<Vec<CreatureEvent>, CreatureError> {
    Creature::fold(given).decide(&actor, command)
}

fn history() -> Vec<CreatureEvent> {
    vec![
        registered(),
        CreatureEvent::AvatarRequested {
            request_id: FIRST_REQUEST,
        },
    ]
}

#[test]
fn registering_records_the_creature_its_tags_and_an_avatar_request() {
    let command = CreatureCommand::Register {
        name: CreatureName::parse("Smaug").unwrap(),
        species: Species::parse("dragon").unwrap(),
        description: Description::parse("Lives under a mountain.").unwrap(),
        traits: Traits::parse(&json!({"wings": 2})).unwrap(),
        tags: vec![tag(7, "fire"), tag(7, "fire")],
        avatar_request: FIRST_REQUEST,
    };
    let events = when(&[], owner(), command).unwrap();
    assert_eq!(
        events,
        vec![
            registered(),
            CreatureEvent::CreatureTagged {
                tag_id: tag(7, "fire").id,
                tag_name: tag(7, "fire").name,
            },
            CreatureEvent::AvatarRequested {
                request_id: FIRST_REQUEST
            },
        ]
    );
}

#[test]
fn only_a_user_can_register_and_only_once() {
    let register = || CreatureCommand::Register {
        name: CreatureName::parse("Smaug").unwrap(),
        species: Species::parse("dragon").unwrap(),
        description: Description::parse("").unwrap(),
        traits: Traits::default(),
        tags: vec![],
        avatar_request: FIRST_REQUEST,
    };
    assert_eq!(
        when(&[], Actor::Anonymous, register()),
        Err(CreatureError::NoOwner)
    );
    assert_eq!(
        when(&history(), owner(), register()),
        Err(CreatureError::AlreadyRegistered)
    );
}

#[test]
fn an_update_records_only_the_fields_that_change() {
    let changes = CreatureChanges {
        name: Some(CreatureName::parse("Smaug the Golden").unwrap()),
        species: Some(Species::parse("dragon").unwrap()),
        ..CreatureChanges::default()
    };
    let events = when(&history(), owner(), CreatureCommand::Update(changes)).unwrap();
    assert_eq!(
        events,
        vec![CreatureEvent::CreatureRenamed {
            name: CreatureName::parse("Smaug the Golden").unwrap()
        }]
    );
    assert_eq!(
        when(
            &history(),
            owner(),
            CreatureCommand::Update(CreatureChanges::default())
        ),
        Err(CreatureError::EmptyUpdate)
    );
}

#[test]
fn only_the_owner_or_an_admin_may_change_a_creature() {
    assert_eq!(
        when(&history(), stranger(), CreatureCommand::Archive),
        Err(CreatureError::Forbidden)
    );
    assert_eq!(
        when(&history(), Actor::Anonymous, CreatureCommand::Archive),
        Err(CreatureError::Forbidden)
    );
    assert!(when(&history(), owner(), CreatureCommand::Archive).is_ok());
    assert!(when(&history(), admin(), CreatureCommand::Archive).is_ok());
}

#[test]
fn an_archived_creature_accepts_no_change() {
    let mut given = history();
    given.push(CreatureEvent::CreatureArchived {});
    for command in [
        CreatureCommand::Archive,
        CreatureCommand::Tag(tag(7, "fire")),
        CreatureCommand::RequestAvatar {
            request_id: Uuid::from_u128(5),
        },
    ] {
        assert_eq!(when(&given, admin(), command), Err(CreatureError::Archived));
    }
}

#[test]
fn an_archived_creature_is_restored_by_its_owner_or_an_admin_with_its_tags() {
    let mut given = history();
    given.push(CreatureEvent::CreatureTagged {
        tag_id: tag(7, "fire").id,
        tag_name: tag(7, "fire").name,
    });
    given.push(CreatureEvent::CreatureArchived {});
    assert_eq!(
        when(&given, stranger(), CreatureCommand::Restore),
        Err(CreatureError::Forbidden)
    );
    assert_eq!(
        when(&given, admin(), CreatureCommand::Restore),
        Ok(vec![CreatureEvent::CreatureRestored {}])
    );
    let restored = when(&given, owner(), CreatureCommand::Restore).unwrap();
    assert_eq!(restored, vec![CreatureEvent::CreatureRestored {}]);
    given.extend(restored);
    let state = Creature::fold(&given).0.unwrap();
    assert!(!state.archived);
    assert!(state.tags.contains_key(&tag(7, "fire").id));
    // Restored, it takes changes again; restoring it again changes nothing.
    assert!(when(&given, owner(), CreatureCommand::Tag(tag(8, "ice"))).is_ok());
    assert_eq!(when(&given, owner(), CreatureCommand::Restore), Ok(vec![]));
}

#[test]
fn an_archived_creature_records_the_outcome_of_its_pending_avatar_request_once() {
    let mut given = history();
    given.push(CreatureEvent::CreatureArchived {});
    let cancelled = CreatureCommand::RecordAvatarFailed {
        request_id: FIRST_REQUEST,
        reason: "the creature was archived".into(),
    };
    let events = when(&given, Actor::System, cancelled.clone()).unwrap();
    assert_eq!(
        events,
        vec![CreatureEvent::AvatarGenerationFailed {
            request_id: FIRST_REQUEST,
            reason: "the creature was archived".into(),
        }]
    );
    given.extend(events);
    assert_eq!(
        Creature::fold(&given).0.unwrap().avatar,
        Some(AvatarState::Failed {
            request_id: FIRST_REQUEST,
            reason: "the creature was archived".into(),
        }),
        "no longer pending"
    );
    assert_eq!(
        when(&given, Actor::System, cancelled),
        Ok(vec![]),
        "a repeat changes nothing"
    );
    let stale = CreatureCommand::RecordAvatarGenerated {
        request_id: Uuid::from_u128(99),
        image: AvatarImage {
            sha256: "ab".repeat(32),
            content_type: "image/svg+xml".into(),
        },
    };
    assert_eq!(
        when(&given, Actor::System, stale),
        Err(CreatureError::StaleAvatarRequest(Uuid::from_u128(99)))
    );
    let late = CreatureCommand::RecordAvatarFailed {
        request_id: FIRST_REQUEST,
        reason: "late".into(),
    };
    assert_eq!(
        when(&given, stranger(), late),
        Err(CreatureError::Forbidden),
        "only who may change the creature records it"
    );
}

#[test]
fn unknown_creatures_are_not_found() {
    assert_eq!(
        when(&[], admin(), CreatureCommand::Archive),
        Err(CreatureError::NotFound)
    );
}

#[test]
fn tagging_is_idempotent_and_bounded() {
    let mut given = history();
    given.push(CreatureEvent::CreatureTagged {
        tag_id: tag(7, "fire").id,
        tag_name: tag(7, "fire").name,
    });
    assert_eq!(
        when(&given, owner(), CreatureCommand::Tag(tag(7, "fire"))),
        Ok(vec![])
    );
    assert_eq!(
        when(&given, owner(), CreatureCommand::Untag(tag(8, "ice").id)),
        Ok(vec![])
    );
    assert_eq!(
        when(&given, owner(), CreatureCommand::Untag(tag(7, "fire").id)),
        Ok(vec![CreatureEvent::CreatureUntagged {
            tag_id: tag(7, "fire").id
        }])
    );
    let full: Vec<CreatureEvent> = history()
        .into_iter()
        .chain(
            (0..MAX_TAGS as u128).map(|n| CreatureEvent::CreatureTagged {
                tag_id: TagId::from_uuid(Uuid::from_u128(1000 + n)),
                tag_name: TagName::parse(&format!("t{n}")).unwrap(),
            }),
        )
        .collect();
    assert_eq!(
        when(&full, owner(), CreatureCommand::Tag(tag(7, "fire"))),
        Err(CreatureError::TooManyTags)
    );
}

#[test]
fn an_avatar_outcome_is_recorded_once_for_the_current_request_only() {
    let image = AvatarImage {
        sha256: "ab".repeat(32),
        content_type: "image/svg+xml".into(),
    };
    let generated = CreatureCommand::RecordAvatarGenerated {
        request_id: FIRST_REQUEST,
        image: image.clone(),
    };
    let events = when(&history(), Actor::System, generated.clone()).unwrap();
    assert_eq!(
        events,
        vec![CreatureEvent::AvatarGenerated {
            request_id: FIRST_REQUEST,
            image
        }]
    );
    let mut given = history();
    given.extend(events);
    assert_eq!(
        when(&given, Actor::System, generated),
        Ok(vec![]),
        "a repeat changes nothing"
    );
    let stale = CreatureCommand::RecordAvatarFailed {
        request_id: Uuid::from_u128(99),
        reason: "timeout".into(),
    };
    assert_eq!(
        when(&given, Actor::System, stale),
        Err(CreatureError::StaleAvatarRequest(Uuid::from_u128(99)))
    );
}

#[test]
fn state_follows_the_events() {
    let mut given = history();
    given.push(CreatureEvent::AvatarGenerationFailed {
        request_id: FIRST_REQUEST,
        reason: "timeout".into(),
    });
    let state = Creature::fold(&given).0.unwrap();
    assert_eq!(state.name.as_str(), "Smaug");
    assert_eq!(
        state.avatar,
        Some(AvatarState::Failed {
            request_id: FIRST_REQUEST,
            reason: "timeout".into()
        })
    );
    assert!(!state.archived);
}

#[test]
fn every_event_survives_storage() {
    let events = vec![
        registered(),
        CreatureEvent::CreatureRenamed {
            name: CreatureName::parse("Glaurung").unwrap(),
        },
        CreatureEvent::CreatureSpeciesChanged {
            species: Species::parse("wyrm").unwrap(),
        },
        CreatureEvent::CreatureDescriptionChanged {
            description: Description::parse("Father of dragons.").unwrap(),
        },
        CreatureEvent::CreatureTraitsChanged {
            traits: Traits::parse(&json!({"legs": 4})).unwrap(),
        },
        CreatureEvent::CreatureTagged {
            tag_id: tag(7, "fire").id,
            tag_name: tag(7, "fire").name,
        },
        CreatureEvent::CreatureUntagged {
            tag_id: tag(7, "fire").id,
        },
        CreatureEvent::AvatarRequested {
            request_id: FIRST_REQUEST,
        },
        CreatureEvent::AvatarGenerated {
            request_id: FIRST_REQUEST,
            image: AvatarImage {
                sha256: "00".repeat(32),
                content_type: "image/png".into(),
            },
        },
        CreatureEvent::AvatarGenerationFailed {
            request_id: FIRST_REQUEST,
            reason: "x".into(),
        },
        CreatureEvent::CreatureArchived {},
    ];
    for event in events {
        let stored = CreatureEvent::from_stored(
            event.event_type(),
            event.schema_version(),
            event.to_payload(),
        );
        let text = CreatureEvent::from_stored_text(
            event.event_type(),
            event.schema_version(),
            &event.to_payload().to_string(),
        );
        assert_eq!(stored, Ok(event.clone()));
        assert_eq!(text, Ok(event));
    }
}

#[test]
fn a_version_1_registration_is_upcast_from_a_list_of_trait_names() {
    let v1 = json!({
        "name": "Smaug",
        "species": "dragon",
        "description": "",
        "traits": ["winged", "fire-breathing"],
        "owner": Uuid::from_u128(1),
    });
    let from_text =
        CreatureEvent::from_stored_text("CreatureRegistered", 1, &v1.to_string()).unwrap();
    let event = CreatureEvent::from_stored("CreatureRegistered", 1, v1).unwrap();
    assert_eq!(from_text, event);
    let CreatureEvent::CreatureRegistered { traits, .. } = event else {
        panic!("not a registration: {event:?}");
    };
    assert_eq!(
        traits.to_value(),
        json!({"winged": true, "fire-breathing": true})
    );
}

#[test]
fn events_from_a_newer_schema_or_of_unknown_type_are_refused_not_guessed() {
    assert!(matches!(
        CreatureEvent::from_stored("CreatureRegistered", 3, registered().to_payload()),
        Err(DecodeError::NewerVersion { found: 3, .. })
    ));
    assert!(matches!(
        CreatureEvent::from_stored("CreatureTeleported", 1, json!({})),
        Err(DecodeError::Malformed { .. })
    ));
    assert!(matches!(
        CreatureEvent::from_stored_text(
            "CreatureRegistered",
            3,
            &registered().to_payload().to_string()
        ),
        Err(DecodeError::NewerVersion { found: 3, .. })
    ));
    for text in ["{}", "not json", "[1, 2]"] {
        assert!(matches!(
            CreatureEvent::from_stored_text("CreatureRenamed", 1, text),
            Err(DecodeError::Malformed { .. })
        ));
    }
}

#[test]
fn events_in_the_current_schema_read_back_as_history_serves_them() {
    for event in history() {
        let read = CreatureEvent::from_current(event.event_type(), event.to_payload()).unwrap();
        assert_eq!(read, event);
    }
    assert!(matches!(
        CreatureEvent::from_current("CreatureRenamed", json!({"title": "Smaug"})),
        Err(DecodeError::Malformed { .. })
    ));
}
