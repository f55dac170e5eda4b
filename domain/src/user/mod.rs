//! The user aggregate: registration, role and password changes, ending the user's sessions,
//! and forgetting the user (their personal data is crypto-shredded, see
//! [`Personal`](crate::values::Personal)); a forgotten user refuses every later command. The password hash itself is never in an event: the event store keeps it in its
//! own table, written in the same transaction as [`UserEvent::UserPasswordChanged`] or
//! [`UserEvent::UserRegistered`].
//!
//! Sessions: every access token carries the user's *session epoch* when it was issued. An
//! event that [ends the user's sessions](crate::DomainEvent::ends_sessions) (a role change, a
//! password change, "log out everywhere") moves the epoch on, and a token of an earlier epoch
//! is refused.

mod event;
#[cfg(test)]
mod tests;

pub use event::UserEvent;

use crate::actor::{Actor, Role};
use crate::aggregate::Aggregate;
use crate::event::DomainEvent;
use crate::ids::UserId;
use crate::values::{DisplayName, Email, Personal};

/// A user's state, folded from its events. `None` until registered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct User(pub Option<UserState>);

/// What is known about a registered user.
#[derive(Clone, Debug, PartialEq)]
pub struct UserState {
    /// Their normalised e-mail address.
    pub email: Personal<Email>,
    /// The name shown to others.
    pub display_name: Personal<DisplayName>,
    /// Their role.
    pub role: Role,
    /// How many times their sessions were ended; tokens of an earlier epoch are refused.
    pub session_epoch: u32,
    /// Whether they were forgotten.
    pub forgotten: bool,
}

/// What may be asked of a user, in the imperative.
#[derive(Clone, Debug, PartialEq)]
pub enum UserCommand {
    /// Register a new user. Only the system may register someone as an admin.
    Register {
        /// Their e-mail address.
        email: Email,
        /// The name shown to others.
        display_name: DisplayName,
        /// Their role.
        role: Role,
    },
    /// Give the user another role (admins and the system only).
    ChangeRole(Role),
    /// Record that the password of this user (the stream's own id) changed: the user
    /// themself, admins and the system may.
    ChangePassword {
        /// The id of the user whose password changes.
        user: UserId,
    },
    /// End every session of this user (the stream's own id): "log out everywhere". The user
    /// themself, admins and the system may.
    EndSessions {
        /// The id of the user whose sessions end.
        user: UserId,
    },
    /// Forget this user (the stream's own id): the user themself, admins and the system may.
    Forget {
        /// The id of the user to forget.
        user: UserId,
    },
}

/// Why a user command was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// The user was never registered.
    #[error("user not found")]
    NotFound,
    /// A user with this id exists already.
    #[error("user already registered")]
    AlreadyRegistered,
    /// The actor may not do this to this user.
    #[error("not allowed to change this user")]
    Forbidden,
}

impl Aggregate for User {
    const STREAM_TYPE: &'static str = "user";
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;

    fn decide(&self, actor: &Actor, command: UserCommand) -> Result<Vec<UserEvent>, UserError> {
        match (&self.0, command) {
            (
                None,
                UserCommand::Register {
                    email,
                    display_name,
                    role,
                },
            ) => {
                if role == Role::Admin && *actor != Actor::System {
                    return Err(UserError::Forbidden);
                }
                Ok(vec![UserEvent::UserRegistered {
                    email: Personal::Known(email),
                    display_name: Personal::Known(display_name),
                    role,
                }])
            }
            (Some(_), UserCommand::Register { .. }) => Err(UserError::AlreadyRegistered),
            (None, _) => Err(UserError::NotFound),
            // A forgotten user is gone: nothing more is decided about them.
            (Some(user), _) if user.forgotten => Err(UserError::NotFound),
            (Some(user), UserCommand::ChangeRole(role)) => {
                if !actor.is_privileged() {
                    Err(UserError::Forbidden)
                } else if user.role == role {
                    Ok(vec![])
                } else {
                    Ok(vec![UserEvent::UserRoleChanged { role }])
                }
            }
            (Some(_), UserCommand::ChangePassword { user }) => {
                if actor.is_privileged() || actor.user_id() == Some(user) {
                    Ok(vec![UserEvent::UserPasswordChanged {}])
                } else {
                    Err(UserError::Forbidden)
                }
            }
            (Some(_), UserCommand::EndSessions { user }) => {
                if actor.is_privileged() || actor.user_id() == Some(user) {
                    Ok(vec![UserEvent::UserSessionsEnded {}])
                } else {
                    Err(UserError::Forbidden)
                }
            }
            (Some(_), UserCommand::Forget { user }) => {
                if actor.is_privileged() || actor.user_id() == Some(user) {
                    Ok(vec![UserEvent::UserForgotten {}])
                } else {
                    Err(UserError::Forbidden)
                }
            }
        }
    }

    fn evolve(self, event: &UserEvent) -> Self {
        let ends_sessions = event.ends_sessions();
        let mut user = self.evolve_details(event);
        if ends_sessions && let Some(state) = &mut user.0 {
            state.session_epoch += 1;
        }
        user
    }
}

impl User {
    /// Folds what an event says about the user's details (everything but the epoch).
    fn evolve_details(self, event: &UserEvent) -> Self {
        match (self.0, event) {
            (
                _,
                UserEvent::UserRegistered {
                    email,
                    display_name,
                    role,
                },
            ) => User(Some(UserState {
                email: email.clone(),
                display_name: display_name.clone(),
                role: *role,
                session_epoch: 0,
                forgotten: false,
            })),
            (Some(mut user), UserEvent::UserForgotten {}) => {
                user.email = Personal::Forgotten;
                user.display_name = Personal::Forgotten;
                user.forgotten = true;
                User(Some(user))
            }
            (Some(mut user), UserEvent::UserRoleChanged { role }) => {
                user.role = *role;
                User(Some(user))
            }
            (state, _) => User(state),
        }
    }
}
