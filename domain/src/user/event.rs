//! What happened to a user, as stored in their stream.

use crate::actor::Role;
use crate::event::{DecodeError, DomainEvent, UniqueClaim, UniqueSet, decode_data, encode_data};
use crate::values::{DisplayName, Email};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
}

impl DomainEvent for UserEvent {
    fn event_type(&self) -> &'static str {
        match self {
            UserEvent::UserRegistered { .. } => "UserRegistered",
            UserEvent::UserRoleChanged { .. } => "UserRoleChanged",
            UserEvent::UserPasswordChanged {} => "UserPasswordChanged",
        }
    }

    fn schema_version(&self) -> u16 {
        1
    }

    fn to_payload(&self) -> Value {
        encode_data(self)
    }

    fn from_stored(
        event_type: &str,
        schema_version: u16,
        payload: Value,
    ) -> Result<Self, DecodeError> {
        decode_data(event_type, schema_version, 1, payload)
    }

    fn unique_claims(&self) -> Vec<UniqueClaim> {
        match self {
            UserEvent::UserRegistered { email, .. } => vec![UniqueClaim::Claim {
                set: UniqueSet::UserEmail,
                key: email.as_str().to_owned(),
            }],
            UserEvent::UserRoleChanged { .. } | UserEvent::UserPasswordChanged {} => vec![],
        }
    }
}
