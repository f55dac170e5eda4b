//! The audit log: admin actions that are not changes to a creature, a user or a tag, recorded
//! as events of one stream so they are in the log with who did them and when. Only admins
//! (and the system) may record them.

use crate::actor::Actor;
use crate::aggregate::Aggregate;
use crate::event::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The one stream all audit events go to.
pub const AUDIT_STREAM: Uuid = Uuid::from_u128(0x6175_6469_7400_0000_0000_0000_0000_0001);

/// The audit log's state: nothing is decided from it but who may write.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditLog;

/// What may be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditCommand {
    /// Record that the signing keys were rotated.
    RecordKeyRotation {
        /// The new key's id (an id, not key material).
        kid: String,
        /// Whether earlier tokens were revoked at once.
        revoke_previous: bool,
    },
    /// Record that a projection was moved past an event it could not apply.
    RecordSkippedEvent {
        /// The projection.
        projection: String,
        /// The event's global position.
        position: i64,
        /// Why it had stopped.
        reason: String,
    },
}

/// Audit events, in the past tense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum AuditEvent {
    /// The signing keys were rotated.
    SigningKeysRotated {
        /// The new key's id.
        kid: String,
        /// Whether earlier tokens were revoked at once.
        revoke_previous: bool,
    },
    /// A projection was moved past an event it could not apply.
    ProjectionEventSkipped {
        /// The projection.
        projection: String,
        /// The event's global position.
        position: i64,
        /// Why it had stopped.
        reason: String,
    },
}

/// Why an audit command was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// Only admins and the system record audit events.
    #[error("only admins may do this")]
    Forbidden,
}

impl Aggregate for AuditLog {
    const STREAM_TYPE: &'static str = "audit";
    type Command = AuditCommand;
    type Event = AuditEvent;
    type Error = AuditError;

    fn decide(&self, actor: &Actor, command: AuditCommand) -> Result<Vec<AuditEvent>, AuditError> {
        if !actor.is_privileged() {
            return Err(AuditError::Forbidden);
        }
        Ok(vec![match command {
            AuditCommand::RecordKeyRotation {
                kid,
                revoke_previous,
            } => AuditEvent::SigningKeysRotated {
                kid,
                revoke_previous,
            },
            AuditCommand::RecordSkippedEvent {
                projection,
                position,
                reason,
            } => AuditEvent::ProjectionEventSkipped {
                projection,
                position,
                reason: reason.chars().take(500).collect(),
            },
        }])
    }

    fn evolve(self, _: &AuditEvent) -> Self {
        self
    }
}

impl DomainEvent for AuditEvent {
    fn event_type(&self) -> &'static str {
        match self {
            AuditEvent::SigningKeysRotated { .. } => "SigningKeysRotated",
            AuditEvent::ProjectionEventSkipped { .. } => "ProjectionEventSkipped",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::ids::UserId;

    #[test]
    fn only_admins_record_and_events_survive_storage() {
        let rotation = || AuditCommand::RecordKeyRotation {
            kid: "k1".into(),
            revoke_previous: false,
        };
        let user = Actor::User {
            id: UserId::from_uuid(Uuid::from_u128(1)),
            role: Role::User,
        };
        assert_eq!(
            AuditLog.decide(&user, rotation()),
            Err(AuditError::Forbidden)
        );
        let admin = Actor::User {
            id: UserId::from_uuid(Uuid::from_u128(2)),
            role: Role::Admin,
        };
        let events = AuditLog.decide(&admin, rotation()).unwrap();
        let event = &events[0];
        assert_eq!(
            AuditEvent::from_stored(event.event_type(), 1, event.to_payload()),
            Ok(event.clone())
        );
    }
}
