//! What happened to a user, as stored in their stream.

use crate::actor::Role;
use crate::event::{DomainEvent, UniqueClaim, UniqueSet};
use crate::values::{DisplayName, Email, Personal};
use serde::{Deserialize, Serialize};

/// What happened to a user, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum UserEvent {
    /// The user registered; their e-mail is now taken.
    UserRegistered {
        /// Their e-mail address (personal: encrypted in the store, forgotten with them).
        email: Personal<Email>,
        /// The name shown to others (personal, as the e-mail).
        display_name: Personal<DisplayName>,
        /// Their first role.
        role: Role,
    },
    /// The user was given another role.
    UserRoleChanged {
        /// The new role.
        role: Role,
    },
    /// The user's password changed (the hash is stored apart, never here).
    UserPasswordChanged {},
    /// Every session of the user was ended ("log out everywhere").
    UserSessionsEnded {},
    /// The user was forgotten: their data key was destroyed with this event, so their e-mail
    /// and display name read as forgotten everywhere; their e-mail is free again, they can no
    /// longer log in and their tokens are refused.
    UserForgotten {},
}

impl DomainEvent for UserEvent {
    fn event_type(&self) -> &'static str {
        match self {
            UserEvent::UserRegistered { .. } => "UserRegistered",
            UserEvent::UserRoleChanged { .. } => "UserRoleChanged",
            UserEvent::UserPasswordChanged {} => "UserPasswordChanged",
            UserEvent::UserSessionsEnded {} => "UserSessionsEnded",
            UserEvent::UserForgotten {} => "UserForgotten",
        }
    }

    fn personal_fields(event_type: &str) -> &'static [&'static str] {
        match event_type {
            "UserRegistered" => &["email", "display_name"],
            _ => &[],
        }
    }

    fn unique_claims(&self) -> Vec<UniqueClaim> {
        match self {
            UserEvent::UserRegistered { email, .. } => email
                .known()
                .map(|email| UniqueClaim::Claim {
                    set: UniqueSet::UserEmail,
                    key: email.as_str().to_owned(),
                })
                .into_iter()
                .collect(),
            UserEvent::UserForgotten {} => vec![UniqueClaim::ReleaseAll {
                set: UniqueSet::UserEmail,
            }],
            UserEvent::UserRoleChanged { .. }
            | UserEvent::UserPasswordChanged {}
            | UserEvent::UserSessionsEnded {} => vec![],
        }
    }

    /// A new role or password, "log out everywhere" or being forgotten ends every session: a token issued
    /// before must not keep the old role or outlive a stolen password.
    fn ends_sessions(&self) -> bool {
        match self {
            UserEvent::UserRegistered { .. } => false,
            UserEvent::UserRoleChanged { .. }
            | UserEvent::UserPasswordChanged {}
            | UserEvent::UserSessionsEnded {}
            | UserEvent::UserForgotten {} => true,
        }
    }
}
