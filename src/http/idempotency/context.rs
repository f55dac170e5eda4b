//! What a keyed command's handler needs: the record to store its answer under, and a flag
//! telling the middleware that execution began (so even a refusal is stored and replayed).

use super::super::problem::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commands::handler::{Command, Responder};
use commands::idempotency::{IdempotencyRecord, StoredResponse};
use domain::Aggregate;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
    executed: Arc<AtomicBool>,
}

impl IdempotencyContext {
    pub(super) fn new(scope: String, key: String, fingerprint: String, keep_for: Duration) -> Self {
        Self {
            scope,
            key,
            fingerprint,
            keep_for,
            executed: Arc::new(AtomicBool::new(false)),
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

    pub(super) fn executed(&self) -> bool {
        self.executed.load(Ordering::SeqCst)
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

impl Idempotency {
    /// Marks that execution begins: from now on, the answer is stored and replayed.
    pub fn begin(&self) {
        if let Some(context) = &self.0 {
            context.executed.store(true, Ordering::SeqCst);
        }
    }

    /// Marks execution and attaches the key to a command, whose answer (`responder`) is then
    /// stored in the transaction of its events.
    pub fn attach<A: Aggregate>(&self, command: Command<A>, responder: &Responder) -> Command<A> {
        self.begin();
        match &self.0 {
            Some(context) => command.idempotent(context.record(), responder.clone()),
            None => command,
        }
    }

    /// The fingerprint to stamp on stored answers (empty without a key).
    pub fn fingerprint(&self) -> String {
        self.0
            .as_ref()
            .map(|context| context.fingerprint.clone())
            .unwrap_or_default()
    }
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
