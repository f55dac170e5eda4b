//! Who issues a command, and the roles a user can hold.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's role: what they may do beyond their own creatures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An ordinary user: changes their own creatures and creates tags.
    #[default]
    User,
    /// An administrator: changes anything, manages tags and users.
    Admin,
}

impl Role {
    /// The role's name as stored and sent: `user` or `admin`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = crate::values::ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "user" => Ok(Role::User),
            "admin" => Ok(Role::Admin),
            _ => Err(crate::values::ValidationError::new(
                "role",
                "must be `user` or `admin`",
            )),
        }
    }
}

/// The one who issues a command; every decision that checks permissions looks at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Nobody logged in (registration).
    Anonymous,
    /// A logged-in user with the role their token carries.
    User {
        /// The user's id.
        id: UserId,
        /// The user's role.
        role: Role,
    },
    /// Bestiary itself: bootstrap, the worker recording avatar outcomes.
    System,
}

impl Actor {
    /// The user behind the actor, if it is one.
    pub const fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Admins and the system itself may do anything a permission check guards.
    pub const fn is_privileged(&self) -> bool {
        matches!(
            self,
            Actor::System
                | Actor::User {
                    role: Role::Admin,
                    ..
                }
        )
    }

    /// Whether the actor may change something owned by `owner`: the owner, an admin, or the system.
    pub fn may_change(&self, owner: UserId) -> bool {
        self.is_privileged() || self.user_id() == Some(owner)
    }
}
