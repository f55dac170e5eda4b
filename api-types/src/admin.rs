//! What admins see: users, signing-key rotations and the projections' state.

use chrono::{DateTime, Utc};
use domain::UserId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as admins see them (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    /// When they registered.
    pub created_at: DateTime<Utc>,
    /// The name shown to others (`null` once they are forgotten).
    #[schema(required = true)]
    pub display_name: Option<String>,
    /// Their e-mail address (`null` once they are forgotten).
    #[schema(required = true)]
    pub email: Option<String>,
    /// Whether they were forgotten: their personal data is crypto-shredded.
    pub forgotten: bool,
    /// Their id.
    #[schema(value_type = uuid::Uuid)]
    pub id: UserId,
    /// `user` or `admin`.
    #[schema(value_type = crate::auth::RoleName)]
    pub role: String,
    /// Their stream version.
    pub version: i32,
}

/// `GET /admin/users`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserList {
    /// Every user, oldest first.
    pub users: Vec<UserView>,
}

/// `POST /admin/rotate-keys` (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Rotated {
    /// How long earlier tokens stay valid, in seconds: 0 when they were revoked, else the token
    /// lifetime.
    pub grace_seconds: u64,
    /// The new key's id.
    pub kid: String,
    /// Whether earlier tokens were revoked at once.
    pub revoke_previous: bool,
}

/// `GET /admin/projections`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectionList {
    /// Every projection.
    pub projections: Vec<ProjectionView>,
}

/// A projection's state for admins (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProjectionView {
    /// How many events it has applied.
    pub events_applied: i64,
    /// The log's highest position.
    pub head: i64,
    /// Events it has not applied yet.
    #[schema(minimum = 0)]
    pub lag: i64,
    /// Age of the oldest event it has not applied, in seconds (0 when caught up).
    #[schema(minimum = 0)]
    pub lag_seconds: f64,
    /// Its name.
    #[schema(value_type = ProjectionName)]
    pub name: String,
    /// Streams it holds on an event it cannot apply.
    pub parked: Vec<ParkedStreamView>,
    /// The global position of the last event it applied.
    pub position: i64,
    /// Its latest rebuild, if any.
    #[schema(required = true)]
    pub rebuild: Option<RebuildView>,
    /// Whether it is being rebuilt.
    pub state: ProjectionState,
    /// When its checkpoint last moved.
    pub updated_at: DateTime<Utc>,
}

/// Whether a projection is being rebuilt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProjectionState {
    /// It folds the log as it grows.
    Running,
    /// It does, and a rebuild of it is requested, running or being cancelled.
    Rebuilding,
}

impl ProjectionState {
    /// Its name as sent.
    pub const fn as_str(&self) -> &'static str {
        match self {
            ProjectionState::Running => "running",
            ProjectionState::Rebuilding => "rebuilding",
        }
    }
}

/// A stream a projection holds on an event it cannot apply (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ParkedStreamView {
    /// That event's type.
    pub event_type: String,
    /// When it was parked.
    pub parked_at: DateTime<Utc>,
    /// The position of the event it stopped at.
    pub position: i64,
    /// Why it cannot be applied.
    pub reason: String,
    /// The stream.
    pub stream_id: Uuid,
}

/// A projection's latest rebuild (fields in the order they are sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RebuildView {
    /// Why it failed.
    #[schema(required = true)]
    pub error: Option<String>,
    /// Seconds left at the current rate, while running.
    #[schema(required = true)]
    pub eta_seconds: Option<f64>,
    /// Events folded into the shadow so far.
    pub events_done: i64,
    /// Events per second so far.
    pub events_per_second: f64,
    /// Events of the log it reads when it started.
    pub events_total: i64,
    /// When it ended.
    #[schema(required = true)]
    pub finished_at: Option<DateTime<Utc>>,
    /// The projection.
    #[schema(value_type = ProjectionName)]
    pub name: String,
    /// When it started (or was asked for).
    pub started_at: DateTime<Utc>,
    /// Where it stands.
    pub state: RebuildState,
}

/// Where a rebuild stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RebuildState {
    /// Asked for; a worker will claim it.
    Requested,
    /// Folding the log into the shadow.
    Running,
    /// Asked to stop; it stops at its next step.
    Cancelling,
    /// Swapped in.
    Done,
    /// Stopped before the swap.
    Cancelled,
    /// Failed before the swap.
    Failed,
}

impl RebuildState {
    /// Its name as sent.
    pub const fn as_str(&self) -> &'static str {
        match self {
            RebuildState::Requested => "requested",
            RebuildState::Running => "running",
            RebuildState::Cancelling => "cancelling",
            RebuildState::Done => "done",
            RebuildState::Cancelled => "cancelled",
            RebuildState::Failed => "failed",
        }
    }
}

/// `PATCH /admin/users/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChangeRequest {
    /// The user's new role.
    #[schema(value_type = crate::auth::RoleName)]
    pub role: String,
}

/// A projection's name (in the OpenAPI document).
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum ProjectionName {
    /// The creatures read model.
    Creatures,
    /// The tags read model.
    Tags,
    /// The users read model.
    Users,
}
