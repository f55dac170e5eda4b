//! Given/when/then tests of the user aggregate.

use super::*;
use crate::event::{DomainEvent, UniqueClaim, UniqueSet};
use crate::ids::UserId;
use uuid::Uuid;

fn registered() -> UserEvent {
    UserEvent::UserRegistered {
        email: Personal::Known(Email::parse("ada@example.org").unwrap()),
        display_name: Personal::Known(DisplayName::parse("Ada").unwrap()),
        role: Role::User,
    }
}

fn user(n: u128, role: Role) -> Actor {
    Actor::User {
        id: UserId::from_uuid(Uuid::from_u128(n)),
        role,
    }
}

fn register(role: Role) -> UserCommand {
    UserCommand::Register {
        email: Email::parse("ada@example.org").unwrap(),
        display_name: DisplayName::parse("Ada").unwrap(),
        role,
    }
}

#[test]
fn anyone_registers_as_a_user_and_claims_the_email() {
    let events = User::default()
        .decide(&Actor::Anonymous, register(Role::User))
        .unwrap();
    assert_eq!(events, vec![registered()]);
    assert_eq!(
        events[0].unique_claims(),
        vec![UniqueClaim::Claim {
            set: UniqueSet::UserEmail,
            key: "ada@example.org".into()
        }]
    );
}

#[test]
fn only_the_system_registers_an_admin() {
    assert_eq!(
        User::default().decide(&Actor::Anonymous, register(Role::Admin)),
        Err(UserError::Forbidden)
    );
    assert_eq!(
        User::default().decide(&user(9, Role::Admin), register(Role::Admin)),
        Err(UserError::Forbidden)
    );
    assert!(
        User::default()
            .decide(&Actor::System, register(Role::Admin))
            .is_ok()
    );
}

#[test]
fn registering_twice_is_refused() {
    let state = User::fold(&[registered()]);
    assert_eq!(
        state.decide(&Actor::Anonymous, register(Role::User)),
        Err(UserError::AlreadyRegistered)
    );
}

#[test]
fn admins_change_roles_and_a_same_role_change_records_nothing() {
    let state = User::fold(&[registered()]);
    assert_eq!(
        state.decide(&user(1, Role::User), UserCommand::ChangeRole(Role::Admin)),
        Err(UserError::Forbidden)
    );
    let events = state
        .decide(&user(2, Role::Admin), UserCommand::ChangeRole(Role::Admin))
        .unwrap();
    assert_eq!(
        events,
        vec![UserEvent::UserRoleChanged { role: Role::Admin }]
    );
    let promoted = state.evolve(&events[0]);
    assert_eq!(promoted.0.as_ref().unwrap().role, Role::Admin);
    assert_eq!(
        promoted.decide(&Actor::System, UserCommand::ChangeRole(Role::Admin)),
        Ok(vec![])
    );
}

#[test]
fn a_password_is_changed_by_its_user_or_an_admin_only() {
    let state = User::fold(&[registered()]);
    let subject = UserId::from_uuid(Uuid::from_u128(1));
    let change = || UserCommand::ChangePassword { user: subject };
    assert_eq!(
        state.decide(&user(1, Role::User), change()),
        Ok(vec![UserEvent::UserPasswordChanged {}])
    );
    assert_eq!(
        state.decide(&user(2, Role::User), change()),
        Err(UserError::Forbidden)
    );
    assert!(state.decide(&user(3, Role::Admin), change()).is_ok());
    assert_eq!(
        User::default().decide(&Actor::System, change()),
        Err(UserError::NotFound)
    );
}

#[test]
fn every_event_survives_storage() {
    for event in [
        registered(),
        UserEvent::UserRoleChanged { role: Role::Admin },
        UserEvent::UserPasswordChanged {},
        UserEvent::UserSessionsEnded {},
        UserEvent::UserForgotten {},
    ] {
        let stored = UserEvent::from_stored(
            event.event_type(),
            event.schema_version(),
            event.to_payload(),
        );
        assert_eq!(stored, Ok(event));
    }
}

#[test]
fn sessions_are_ended_by_their_user_or_an_admin_only() {
    let state = User::fold(&[registered()]);
    let subject = UserId::from_uuid(Uuid::from_u128(1));
    let end = || UserCommand::EndSessions { user: subject };
    assert_eq!(
        state.decide(&user(1, Role::User), end()),
        Ok(vec![UserEvent::UserSessionsEnded {}])
    );
    assert_eq!(
        state.decide(&user(2, Role::User), end()),
        Err(UserError::Forbidden)
    );
    assert!(state.decide(&user(3, Role::Admin), end()).is_ok());
    assert!(state.decide(&Actor::System, end()).is_ok());
}

#[test]
fn a_role_change_a_password_change_and_logging_out_everywhere_each_move_the_epoch() {
    let epoch = |events: &[UserEvent]| User::fold(events).0.unwrap().session_epoch;
    assert_eq!(epoch(&[registered()]), 0);
    assert_eq!(
        epoch(&[
            registered(),
            UserEvent::UserRoleChanged { role: Role::Admin }
        ]),
        1
    );
    assert_eq!(
        epoch(&[
            registered(),
            UserEvent::UserRoleChanged { role: Role::Admin },
            UserEvent::UserPasswordChanged {},
            UserEvent::UserSessionsEnded {},
        ]),
        3
    );
    assert!(!registered().ends_sessions());
}

#[test]
fn a_user_is_forgotten_by_themself_or_an_admin_and_then_refuses_everything() {
    let state = User::fold(&[registered()]);
    let subject = UserId::from_uuid(Uuid::from_u128(1));
    let forget = || UserCommand::Forget { user: subject };
    assert_eq!(
        state.decide(&user(1, Role::User), forget()),
        Ok(vec![UserEvent::UserForgotten {}])
    );
    assert_eq!(
        state.decide(&user(2, Role::User), forget()),
        Err(UserError::Forbidden)
    );
    assert!(state.decide(&user(3, Role::Admin), forget()).is_ok());

    let forgotten = User::fold(&[registered(), UserEvent::UserForgotten {}]);
    let after = forgotten.0.clone().unwrap();
    assert!(after.forgotten);
    assert_eq!(after.email, Personal::Forgotten);
    assert_eq!(after.display_name, Personal::Forgotten);
    assert_eq!(after.session_epoch, 1, "their tokens are refused");
    for command in [
        forget(),
        UserCommand::ChangeRole(Role::Admin),
        UserCommand::EndSessions { user: subject },
    ] {
        assert_eq!(
            forgotten.decide(&Actor::System, command),
            Err(UserError::NotFound)
        );
    }
}

#[test]
fn forgetting_frees_the_email_and_names_its_personal_fields() {
    assert_eq!(
        UserEvent::UserForgotten {}.unique_claims(),
        vec![UniqueClaim::ReleaseAll {
            set: UniqueSet::UserEmail
        }]
    );
    assert_eq!(
        UserEvent::personal_fields("UserRegistered"),
        ["email", "display_name"]
    );
    assert!(UserEvent::personal_fields("UserRoleChanged").is_empty());
}

#[test]
fn a_registration_whose_personal_data_is_shredded_reads_as_forgotten() {
    let shredded = serde_json::json!({"email": null, "display_name": null, "role": "user"});
    let event = UserEvent::from_stored("UserRegistered", 1, shredded).unwrap();
    assert_eq!(
        event,
        UserEvent::UserRegistered {
            email: Personal::Forgotten,
            display_name: Personal::Forgotten,
            role: Role::User,
        }
    );
    assert!(event.unique_claims().is_empty());
}
