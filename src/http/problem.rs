//! Every error the API answers with, as `application/problem+json` (RFC 9457). This is the
//! one place where domain and store errors become HTTP statuses. 500s are logged, never shown.

use crate::accounts::AccountError;
use crate::auth::TokenError;
use crate::auth::passwords::HashError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commands::{CommandError, StoreError};
use domain::UniqueSet;
use domain::creature::CreatureError;
use domain::tag::TagError;
use domain::user::UserError;
use domain::values::ValidationError;
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer.
#[derive(Debug)]
pub enum ApiError {
    /// Input fields were refused (422), each with its reason.
    Validation(Vec<ValidationError>),
    /// The body is not JSON, or a header is malformed (400).
    BadRequest(String),
    /// The body is JSON of the wrong shape (422).
    Unprocessable(String),
    /// No or a wrong `Content-Type` (415).
    UnsupportedMediaType,
    /// The body is over the limit (413).
    PayloadTooLarge,
    /// No valid credentials (401).
    Unauthorized(&'static str),
    /// Valid credentials that may not do this (403).
    Forbidden(String),
    /// No such resource (404); names the kind of resource.
    NotFound(&'static str),
    /// The request conflicts with the current state (409).
    Conflict {
        /// The problem type's slug.
        slug: &'static str,
        /// What happened.
        detail: String,
        /// The resource's current version, when the conflict is about versions.
        current_version: Option<i64>,
    },
    /// An `Idempotency-Key` sent again with a different request (422).
    IdempotencyKeyReused,
    /// A dependency is down (503).
    Unavailable(String),
    /// Too many requests of this kind from this client or for this account (429).
    TooManyRequests {
        /// When the limit's window ends.
        retry_after: std::time::Duration,
    },
    /// Every slot for password hashing is taken (503, retry in a second).
    Busy,
    /// The read model has not reached the position the client asked for yet (503).
    NotYetConsistent {
        /// The position asked for.
        position: i64,
    },
    /// A read asked for a position the log has not reached (422); names the head.
    PositionBeyondHead {
        /// The position asked for.
        position: i64,
        /// The log's highest committed position.
        head: i64,
    },
    /// Something failed inside (500); the reason is logged, not sent.
    Internal(String),
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    problem_type: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<FieldError<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head: Option<i64>,
}

#[derive(Serialize)]
struct FieldError<'a> {
    field: &'a str,
    message: &'a str,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_)
            | ApiError::Unprocessable(_)
            | ApiError::IdempotencyKeyReused
            | ApiError::PositionBeyondHead { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Unavailable(_) | ApiError::NotYetConsistent { .. } | ApiError::Busy => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation-failed",
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unprocessable(_) => "unprocessable-body",
            ApiError::UnsupportedMediaType => "unsupported-media-type",
            ApiError::PayloadTooLarge => "payload-too-large",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict { slug, .. } => slug,
            ApiError::IdempotencyKeyReused => "idempotency-key-reused",
            ApiError::Unavailable(_) => "service-unavailable",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Busy => "busy",
            ApiError::NotYetConsistent { .. } => "not-yet-consistent",
            ApiError::PositionBeyondHead { .. } => "position-beyond-head",
            ApiError::Internal(_) => "internal-error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::Validation(errors) => errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            ApiError::BadRequest(detail)
            | ApiError::Unprocessable(detail)
            | ApiError::Forbidden(detail)
            | ApiError::Unavailable(detail)
            | ApiError::Conflict { detail, .. } => detail.clone(),
            ApiError::UnsupportedMediaType => {
                "send the body as `Content-Type: application/json`".into()
            }
            ApiError::IdempotencyKeyReused => {
                "this Idempotency-Key was used for a different request".into()
            }
            ApiError::PayloadTooLarge => "the request body is too large".into(),
            ApiError::Unauthorized(detail) => (*detail).into(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::NotYetConsistent { position } => {
                format!("the read model has not reached position {position} yet; retry shortly")
            }
            ApiError::PositionBeyondHead { position, head } => format!(
                "position {position} is beyond the log's head ({head}): no write returned it"
            ),
            ApiError::Internal(_) => "an internal error occurred; it has been logged".into(),
            ApiError::TooManyRequests { retry_after } => format!(
                "too many attempts; retry in {} s",
                retry_after.as_secs().max(1)
            ),
            ApiError::Busy => "the server is busy checking passwords; retry in a second".into(),
        }
    }

    /// A conflict between an expected and the current version.
    pub fn version_conflict(expected: i64, current: i64) -> Self {
        ApiError::Conflict {
            slug: "version-conflict",
            detail: format!(
                "expected version {expected}, but the resource is at version {current}"
            ),
            current_version: Some(current),
        }
    }
}

/// The problem type URI for a slug.
pub fn problem_type(slug: &str) -> String {
    format!("/problems/{slug}")
}

/// A bare problem response for a status (used for errors raised outside our handlers).
pub fn status_problem(status: StatusCode) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = Problem {
        problem_type: "about:blank".into(),
        title,
        status: status.as_u16(),
        detail: title.into(),
        errors: None,
        current_version: None,
        head: None,
    };
    respond(status, &body)
}

fn respond(status: StatusCode, body: &Problem<'_>) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(reason) = &self {
            tracing::error!(%reason, "internal error");
        }
        let errors = match &self {
            ApiError::Validation(errors) => Some(
                errors
                    .iter()
                    .map(|error| FieldError {
                        field: error.field,
                        message: &error.message,
                    })
                    .collect(),
            ),
            _ => None,
        };
        let current_version = match &self {
            ApiError::Conflict {
                current_version, ..
            } => *current_version,
            _ => None,
        };
        let head = match &self {
            ApiError::PositionBeyondHead { head, .. } => Some(*head),
            _ => None,
        };
        let body = Problem {
            problem_type: problem_type(self.slug()),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: self.detail(),
            errors,
            current_version,
            head,
        };
        let mut response = respond(status, &body);
        let retry_after = match &self {
            ApiError::NotYetConsistent { .. } | ApiError::Busy => Some(1),
            ApiError::TooManyRequests { retry_after } => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        ApiError::Validation(vec![error])
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict {
                expected, actual, ..
            } => ApiError::version_conflict(expected, actual),
            StoreError::Taken(UniqueSet::UserEmail) => ApiError::Conflict {
                slug: "email-taken",
                detail: "a user with this e-mail address exists already".into(),
                current_version: None,
            },
            StoreError::Taken(UniqueSet::TagName) => ApiError::Conflict {
                slug: "tag-name-taken",
                detail: "a tag with this name exists already".into(),
                current_version: None,
            },
            StoreError::WrongStreamType(_) => ApiError::NotFound("resource"),
            // The twin request's answer is replayed instead, once it is found stored.
            StoreError::DuplicateRequest => ApiError::Conflict {
                slug: "request-in-flight",
                detail: "a request with this Idempotency-Key completed meanwhile".into(),
                current_version: None,
            },
            StoreError::Database(sqlx::Error::PoolTimedOut) => {
                ApiError::Unavailable("the database is not answering".into())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl<E: Into<ApiError>> From<CommandError<E>> for ApiError {
    fn from(error: CommandError<E>) -> Self {
        match error {
            CommandError::Rejected(rejection) => rejection.into(),
            CommandError::Store(store) => store.into(),
        }
    }
}

fn conflict(slug: &'static str, detail: impl ToString) -> ApiError {
    ApiError::Conflict {
        slug,
        detail: detail.to_string(),
        current_version: None,
    }
}

impl From<CreatureError> for ApiError {
    fn from(error: CreatureError) -> Self {
        match error {
            CreatureError::NotFound => ApiError::NotFound("creature"),
            CreatureError::AlreadyRegistered => conflict("already-exists", &error),
            CreatureError::Archived => conflict("archived", &error),
            CreatureError::Forbidden => ApiError::Forbidden(error.to_string()),
            CreatureError::NoOwner => ApiError::Unauthorized("log in to register a creature"),
            CreatureError::EmptyUpdate => {
                ApiError::Validation(vec![ValidationError::new("body", error.to_string())])
            }
            CreatureError::TooManyTags => {
                ApiError::Validation(vec![ValidationError::new("tags", error.to_string())])
            }
            CreatureError::StaleAvatarRequest(_) => conflict("stale-avatar-request", &error),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        match error {
            UserError::NotFound => ApiError::NotFound("user"),
            UserError::AlreadyRegistered => conflict("already-exists", &error),
            UserError::Forbidden => ApiError::Forbidden(error.to_string()),
        }
    }
}

impl From<TagError> for ApiError {
    fn from(error: TagError) -> Self {
        match error {
            TagError::NotFound => ApiError::NotFound("tag"),
            TagError::AlreadyCreated => conflict("already-exists", &error),
            TagError::Forbidden => {
                ApiError::Forbidden("only admins may rename or delete tags".into())
            }
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::WrongCredentials => ApiError::Unauthorized("wrong e-mail or password"),
            AccountError::Command(command) => command.into(),
            AccountError::Hash(HashError::Busy) => ApiError::Busy,
            AccountError::Hash(hash) => ApiError::Internal(hash.to_string()),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Unavailable(_) | TokenError::Signing(_) => {
                ApiError::Internal(error.to_string())
            }
            TokenError::SessionsUnavailable(_) => {
                tracing::warn!(%error, "token not checked");
                ApiError::Unavailable("sessions cannot be checked right now; retry shortly".into())
            }
            TokenError::Invalid(_) | TokenError::UnknownKey => {
                tracing::debug!(%error, "token refused");
                ApiError::Unauthorized("the access token is invalid or expired")
            }
            TokenError::SessionEnded => {
                ApiError::Unauthorized("this session has ended: log in again")
            }
        }
    }
}

impl From<projections::QueryError> for ApiError {
    fn from(error: projections::QueryError) -> Self {
        match error {
            projections::QueryError::Invalid { field, message } => {
                ApiError::Validation(vec![ValidationError::new(field, message)])
            }
            projections::QueryError::Database(sqlx::Error::PoolTimedOut) => {
                ApiError::Unavailable("the database is not answering".into())
            }
            projections::QueryError::Database(error) => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<domain::audit::AuditError> for ApiError {
    fn from(error: domain::audit::AuditError) -> Self {
        ApiError::Forbidden(error.to_string())
    }
}

impl From<projections::rebuild::RebuildError> for ApiError {
    fn from(error: projections::rebuild::RebuildError) -> Self {
        match error {
            projections::rebuild::RebuildError::AlreadyRunning(name) => conflict(
                "rebuild-running",
                format!("a rebuild of {name} is already running"),
            ),
            projections::rebuild::RebuildError::Apply(error) => {
                ApiError::Internal(error.to_string())
            }
            projections::rebuild::RebuildError::Interrupted(error) => ApiError::Internal(error),
        }
    }
}

impl From<projections::parked::RecoveryError> for ApiError {
    fn from(error: projections::parked::RecoveryError) -> Self {
        match error {
            projections::parked::RecoveryError::NotParked(_) => ApiError::NotFound("parked stream"),
            projections::parked::RecoveryError::Apply(error) => {
                ApiError::Internal(error.to_string())
            }
        }
    }
}
