//! Given/when/then tests of the tag aggregate.

use super::*;
use crate::actor::Role;
use crate::event::{DomainEvent, UniqueClaim, UniqueSet};
use crate::ids::UserId;
use uuid::Uuid;

fn name(text: &str) -> TagName {
    TagName::parse(text).unwrap()
}

fn user() -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::from_u128(1)),
        role: Role::User,
    }
}

fn admin() -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::from_u128(2)),
        role: Role::Admin,
    }
}

fn created() -> TagEvent {
    TagEvent::TagCreated { name: name("Fire") }
}

#[test]
fn users_create_tags_anonymous_callers_do_not() {
    assert_eq!(
        Tag::default().decide(&user(), TagCommand::Create(name("Fire"))),
        Ok(vec![created()])
    );
    assert_eq!(
        Tag::default().decide(&Actor::Anonymous, TagCommand::Create(name("Fire"))),
        Err(TagError::Forbidden)
    );
}

#[test]
fn only_admins_rename_and_delete() {
    let state = Tag::fold(&[created()]);
    assert_eq!(
        state.decide(&user(), TagCommand::Rename(name("Ice"))),
        Err(TagError::Forbidden)
    );
    assert_eq!(
        state.decide(&user(), TagCommand::Delete),
        Err(TagError::Forbidden)
    );
    assert_eq!(
        state.decide(&admin(), TagCommand::Rename(name("Ice"))),
        Ok(vec![TagEvent::TagRenamed {
            from: name("Fire"),
            to: name("Ice")
        }])
    );
    assert_eq!(
        state.decide(&admin(), TagCommand::Rename(name("Fire"))),
        Ok(vec![])
    );
}

#[test]
fn a_deleted_tag_accepts_nothing_further() {
    let state = Tag::fold(&[created(), TagEvent::TagDeleted { name: name("Fire") }]);
    assert_eq!(
        state.decide(&admin(), TagCommand::Delete),
        Err(TagError::NotFound)
    );
    assert_eq!(
        state.decide(&admin(), TagCommand::Rename(name("Ice"))),
        Err(TagError::NotFound)
    );
    assert_eq!(
        state.decide(&admin(), TagCommand::Create(name("Fire"))),
        Err(TagError::AlreadyCreated)
    );
}

#[test]
fn names_are_claimed_and_released_case_insensitively() {
    assert_eq!(
        created().unique_claims(),
        vec![UniqueClaim::Claim {
            set: UniqueSet::TagName,
            key: "fire".into()
        }]
    );
    let recased = TagEvent::TagRenamed {
        from: name("Fire"),
        to: name("FIRE"),
    };
    assert_eq!(recased.unique_claims(), vec![]);
    let renamed = TagEvent::TagRenamed {
        from: name("Fire"),
        to: name("Ice"),
    };
    assert_eq!(
        renamed.unique_claims(),
        vec![
            UniqueClaim::Release {
                set: UniqueSet::TagName,
                key: "fire".into()
            },
            UniqueClaim::Claim {
                set: UniqueSet::TagName,
                key: "ice".into()
            }
        ]
    );
}

#[test]
fn every_event_survives_storage() {
    for event in [
        created(),
        TagEvent::TagRenamed {
            from: name("Fire"),
            to: name("Ice"),
        },
        TagEvent::TagDeleted { name: name("Ice") },
    ] {
        let stored = TagEvent::from_stored(
            event.event_type(),
            event.schema_version(),
            event.to_payload(),
        );
        assert_eq!(stored, Ok(event));
    }
}
