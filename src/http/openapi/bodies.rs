//! Schemas of the answers handlers build as JSON in place (commands' acknowledgements, the
//! event log, health, rebuilds), and of problem+json errors.

#![allow(dead_code)] // Described, not constructed: the handlers write these shapes with `json!`.

use api_types::admin::ProjectionName;
use api_types::creatures::ActorRef;
use chrono::{DateTime, Utc};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a command answers.
#[derive(ToSchema)]
pub struct Accepted {
    /// The resource's id.
    pub id: Uuid,
    /// The resource's version after the command.
    pub version: i64,
    /// The global position of the command's last event (of the stream's last event if the
    /// command recorded none).
    pub position: i64,
}

/// What registering answers.
#[derive(ToSchema)]
pub struct Registered {
    /// The new user's id.
    pub user_id: Uuid,
    /// The user's version after registering.
    pub version: i64,
    /// The global position of the `UserRegistered` event.
    pub position: i64,
}

/// What a password change answers: the user's id, version and position, and an access token
/// of the session that begins with the change (the change ends every earlier one).
#[derive(ToSchema)]
pub struct PasswordChanged {
    /// The user's id.
    pub id: Uuid,
    /// The user's version after the change.
    pub version: i64,
    /// The global position of the change's event.
    pub position: i64,
    /// The bearer token of the new session.
    pub access_token: String,
    /// Always `bearer`.
    #[schema(value_type = api_types::auth::TokenType)]
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// A page of the global event log.
#[derive(ToSchema)]
pub struct EventPage {
    /// In position order.
    pub events: Vec<LogEvent>,
    /// When the page is full: the last event's position, to pass as `after` for the next
    /// page (which may be empty). Null when the page is not full: the end of the log as it
    /// stood.
    #[schema(required = true)]
    pub next_after: Option<i64>,
}

/// A stream's type.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StreamType {
    /// A creature's.
    Creature,
    /// A user's.
    User,
    /// A tag's.
    Tag,
    /// The audit log.
    Audit,
}

/// An event as stored in the event store.
#[derive(ToSchema)]
pub struct LogEvent {
    /// Its global position.
    pub position: i64,
    /// Its unique id (what later events name as their `causation_id`).
    pub id: Uuid,
    /// The stream it belongs to: the creature's, user's or tag's id, or the audit stream's.
    pub stream_id: Uuid,
    /// The stream's type.
    pub stream_type: StreamType,
    /// The stream's version after it.
    pub version: i64,
    /// The stored type name.
    #[serde(rename = "type")]
    #[schema(example = "CreatureRegistered")]
    pub event_type: String,
    /// The schema version its data was written with.
    #[schema(minimum = 1)]
    pub schema_version: i32,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who did it and in which request.
    pub metadata: EventMetadata,
    /// Its payload as stored, in the schema of `schema_version` (not upcast).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// What is recorded beside each event: who did it and in which request.
#[derive(ToSchema)]
pub struct EventMetadata {
    /// Who issued the command (the role is not stored: it lives in the user's own stream).
    pub actor: ActorRef,
    /// The request (its `X-Request-Id`) or job the command belonged to.
    pub correlation_id: Uuid,
    /// The id of the event that caused the command, when an event did.
    #[schema(required = true)]
    pub causation_id: Option<Uuid>,
    /// The `Idempotency-Key` the command came with, if any.
    #[schema(required = true)]
    pub idempotency_key: Option<String>,
}

/// `ok`.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Live {
    /// The process is up.
    Ok,
}

/// The process is up.
#[derive(ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: Live,
}

/// Whether the API can serve.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReadyState {
    /// Every dependency is up.
    Ready,
    /// Redis is down, or a standby is down or lagging; the API still serves.
    Degraded,
}

/// Whether a dependency answers.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpDown {
    /// It answers.
    Up,
    /// It does not.
    Down,
}

/// The dependencies' state.
#[derive(ToSchema)]
pub struct Checks {
    /// PostgreSQL (when it is down the answer is 503 instead).
    pub database: UpDown,
    /// Redis.
    pub redis: UpDown,
    /// Each hot standby of `DATABASE_READ_URL`, by name (`standby-0`, … in its order);
    /// empty without standbys. As its last health check saw it, so this costs no round trip.
    pub standbys: std::collections::BTreeMap<String, StandbyCheck>,
}

/// Whether a standby serves reads.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StandbyState {
    /// It answers and trails the primary by at most `READ_MAX_LAG_MS`: it serves reads.
    Up,
    /// It answers but trails the primary by more: reads skip it.
    Lagging,
    /// It does not answer, or is not a standby in recovery: reads skip it.
    Down,
}

/// A standby's state and lag.
#[derive(ToSchema)]
pub struct StandbyCheck {
    /// Whether it serves reads.
    pub status: StandbyState,
    /// How far behind the primary it is, at most, in milliseconds: it had replayed all the
    /// primary had written this long ago. `null` while it (or the primary) does not answer.
    pub lag_ms: Option<u64>,
    /// Log positions the primary has and it has not replayed yet. `null` while it (or the
    /// primary) does not answer.
    pub lag_positions: Option<i64>,
}

/// `GET /readyz`.
#[derive(ToSchema)]
pub struct Readiness {
    /// `ready` with every dependency up; `degraded` when Redis is down (the API still serves).
    pub status: ReadyState,
    /// Each dependency.
    pub checks: Checks,
}

/// `requested`.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Requested {
    /// Recorded; a worker will claim it.
    Requested,
}

/// What asking for rebuilds answers: they are recorded, and a worker performs them.
#[derive(ToSchema)]
pub struct RebuildRequested {
    /// The projections to rebuild.
    pub projections: Vec<ProjectionName>,
    /// Always `requested`.
    pub state: Requested,
}

/// `cancelling`.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Cancelling {
    /// It stops at its next step.
    Cancelling,
}

/// What cancelling a rebuild answers.
#[derive(ToSchema)]
pub struct RebuildCancelling {
    /// The projection.
    pub projection: ProjectionName,
    /// Always `cancelling`.
    pub state: Cancelling,
}

/// Where a resumed stream stands.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResumedState {
    /// Up to date, it flows again.
    Running,
    /// Parked again at `position`, for `reason`.
    Parked,
}

/// Where a resumed parked stream stands.
#[derive(ToSchema)]
pub struct ParkedStreamResumed {
    /// The projection.
    pub projection: ProjectionName,
    /// The stream.
    pub stream_id: Uuid,
    /// `running`: up to date, it flows again; `parked`: parked again at `position`.
    pub state: ResumedState,
    /// When running: the held events applied.
    pub applied: Option<u64>,
    /// When parked: the event it stopped at.
    pub position: Option<i64>,
    /// When parked: why.
    pub reason: Option<String>,
}

/// What skipping a parked stream's event answers.
#[derive(ToSchema)]
pub struct ParkedEventSkipped {
    /// The projection.
    pub projection: ProjectionName,
    /// The stream.
    pub stream_id: Uuid,
    /// `running`: up to date, it flows again; `parked`: parked again at `position`.
    pub state: ResumedState,
    /// When running: the held events applied.
    pub applied: Option<u64>,
    /// When parked: the event it stopped at.
    pub position: Option<i64>,
    /// When parked: why.
    pub reason: Option<String>,
    /// The global position of the event skipped.
    pub skipped_position: i64,
}

/// An error (RFC 9457).
#[derive(ToSchema)]
pub struct Problem {
    /// `/problems/{slug}`, one of: validation-failed, bad-request, unprocessable-body,
    /// unsupported-media-type, payload-too-large, unauthorized, forbidden, not-found,
    /// version-conflict, email-taken, tag-name-taken, already-exists, archived,
    /// stale-avatar-request, idempotency-key-reused, request-in-flight, rebuild-running,
    /// projection-not-failed, too-many-requests, busy, service-unavailable,
    /// not-yet-consistent, position-beyond-head, internal-error. Errors raised outside the
    /// handlers (e.g. 405, a malformed query string) use `about:blank`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation-failed")]
    pub problem_type: String,
    /// The status's reason phrase.
    #[schema(example = "Unprocessable Entity")]
    pub title: String,
    /// The HTTP status.
    #[schema(example = 422)]
    pub status: u16,
    /// What happened, for a person.
    #[schema(example = "name: must not be empty")]
    pub detail: String,
    /// Only for `/problems/validation-failed`: every refused field.
    #[schema(required = false)]
    pub errors: Option<Vec<FieldError>>,
    /// Only for `/problems/version-conflict`: the resource's current version.
    #[schema(required = false)]
    pub current_version: Option<i64>,
    /// Only for `/problems/position-beyond-head`: the log's highest committed position.
    #[schema(required = false)]
    pub head: Option<i64>,
}

/// A refused input field.
#[derive(ToSchema)]
pub struct FieldError {
    /// The refused input field (`body` when an update names no field).
    #[schema(example = "name")]
    pub field: String,
    /// Why it was refused.
    #[schema(example = "must not be empty")]
    pub message: String,
}
