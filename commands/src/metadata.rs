//! What is recorded beside each event: who did it and in which request.

use domain::{Actor, UserId};
use serde::Serialize;
use uuid::Uuid;

/// Who did something, as stored with an event (the role is not stored: it lives in the
/// user's own stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum ActorRef {
    /// Nobody logged in.
    Anonymous,
    /// A user.
    User(UserId),
    /// Bestiary itself.
    System,
}

impl ActorRef {
    /// The stored `actor_kind`.
    pub const fn kind(&self) -> &'static str {
        match self {
            ActorRef::Anonymous => "anonymous",
            ActorRef::User(_) => "user",
            ActorRef::System => "system",
        }
    }

    /// The stored `actor_id`.
    pub fn id(&self) -> Option<Uuid> {
        match self {
            ActorRef::User(id) => Some(id.as_uuid()),
            _ => None,
        }
    }

    /// Reads the stored pair back; an unknown kind reads as the system.
    pub fn from_stored(kind: &str, id: Option<Uuid>) -> Self {
        match (kind, id) {
            ("user", Some(id)) => ActorRef::User(UserId::from_uuid(id)),
            ("anonymous", _) => ActorRef::Anonymous,
            _ => ActorRef::System,
        }
    }
}

impl From<&Actor> for ActorRef {
    fn from(actor: &Actor) -> Self {
        match actor {
            Actor::Anonymous => ActorRef::Anonymous,
            Actor::User { id, .. } => ActorRef::User(*id),
            Actor::System => ActorRef::System,
        }
    }
}

/// The metadata of the events one command appends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventMetadata {
    /// Who issued the command.
    pub actor: ActorRef,
    /// The request (or job) the command belongs to.
    pub correlation_id: Uuid,
    /// The event that caused the command, when an event did.
    pub causation_id: Option<Uuid>,
    /// The idempotency key the command came with, if any.
    pub idempotency_key: Option<String>,
}

impl EventMetadata {
    /// Metadata for a command issued by `actor` within the request `correlation_id`.
    pub fn new(actor: &Actor, correlation_id: Uuid) -> Self {
        Self {
            actor: actor.into(),
            correlation_id,
            causation_id: None,
            idempotency_key: None,
        }
    }
}
