//! What happened to a user, as stored in their stream.

use crate::actor::Role;
use crate::event::{DomainEvent, UniqueClaim, UniqueSet};
use crate::values::{DisplayName, Email};
use serde::{Deserialize, Serialize};

/// What happened to a user, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum UserEvent {
    /// The user registered; their e-mail is now taken.
    UserRegistered {
        /// Their e-mail address.
        email: Email,
        /// The name shown to others.
        display_name: DisplayName,
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
}

impl DomainEvent for UserEvent {
    fn event_type(&self) -> &'static str {
        match self {
            UserEvent::UserRegistered { .. } => "UserRegistered",
            UserEvent::UserRoleChanged { .. } => "UserRoleChanged",
            UserEvent::UserPasswordChanged {} => "UserPasswordChanged",
            UserEvent::UserSessionsEnded {} => "UserSessionsEnded",
        }
    }

    fn unique_claims(&self) -> Vec<UniqueClaim> {
        match self {
            UserEvent::UserRegistered { email, .. } => vec![UniqueClaim::Claim {
                set: UniqueSet::UserEmail,
                key: email.as_str().to_owned(),
            }],
            UserEvent::UserRoleChanged { .. }
            | UserEvent::UserPasswordChanged {}
            | UserEvent::UserSessionsEnded {} => vec![],
        }
    }

    /// A new role or password, or "log out everywhere", ends every session: a token issued
    /// before must not keep the old role or outlive a stolen password.
    fn ends_sessions(&self) -> bool {
        match self {
            UserEvent::UserRegistered { .. } => false,
            UserEvent::UserRoleChanged { .. }
            | UserEvent::UserPasswordChanged {}
            | UserEvent::UserSessionsEnded {} => true,
        }
    }
}
