//! What passes between the middleware and the one command path: the key's record, handed
//! to the handler as a request extension, and the answer the append stored, handed back as a
//! response extension so that it is stored once.

use super::super::problem::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commands::idempotency::{IdempotencyRecord, StoredResponse};
use std::time::Duration;

/// A keyed request in progress.
#[derive(Clone, Debug)]
pub struct IdempotencyContext {
    /// Whose key.
    pub scope: String,
    /// The key.
    pub key: String,
    /// The request's fingerprint.
    pub fingerprint: String,
    keep_for: Duration,
}

impl IdempotencyContext {
    pub(super) fn new(scope: String, key: String, fingerprint: String, keep_for: Duration) -> Self {
        Self {
            scope,
            key,
            fingerprint,
            keep_for,
        }
    }

    /// The durable record of this key.
    pub fn record(&self) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.scope.clone(),
            key: self.key.clone(),
            fingerprint: self.fingerprint.clone(),
            keep_for: self.keep_for,
        }
    }
}

/// The request's idempotency context, if it came with a key.
#[derive(Clone, Debug, Default)]
pub struct Idempotency(pub Option<IdempotencyContext>);

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idempotency(
            parts.extensions.get::<IdempotencyContext>().cloned(),
        ))
    }
}

/// On a response: its answer is stored under the key already (by the append), so the
/// middleware stores nothing more.
#[derive(Clone, Debug)]
pub struct StoredAnswer {
    /// The answer as stored (its token unsigned).
    pub answer: StoredResponse,
    /// Stored by this request (and so cached for the key's whole lifetime), rather than found.
    pub fresh: bool,
}

/// The HTTP response for a stored (or about to be stored) answer.
pub fn to_response(stored: &StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body.clone()).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&stored.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(location) = stored
        .location
        .as_deref()
        .and_then(|location| HeaderValue::from_str(location).ok())
    {
        headers.insert(header::LOCATION, location);
    }
    response
}
