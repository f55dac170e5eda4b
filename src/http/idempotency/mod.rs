//! Idempotent commands: a command sent again with the same `Idempotency-Key` replays its
//! first answer (`Idempotent-Replayed: true`) and executes nothing.
//!
//! A keyed request its caller may not make is refused first ([`access`]), touching nothing.
//! Keys are scoped to the caller ([`scope`]). Then, for every keyed command alike:
//! 1. one Redis round trip looks up a cached answer and sets an in-flight marker ([`cache`]),
//!    given back at once if an answer was cached:
//!    a cached answer is replayed (a different request under the same key is 422), a marker
//!    held by another request is 409 unless PostgreSQL has the answer (its holder may have
//!    crashed after committing), and otherwise the command runs;
//! 2. the command runs through the one path of `http::command`. If it appends, its answer is
//!    stored durably in the append's own statement, which also answers "this key was answered
//!    before: here is the answer" when Redis had lost it, so no separate durable lookup is made;
//! 3. if it appended nothing, its answer is stored right after, when it is [`decided`]: that
//!    store, too, hands back an answer stored before, which is then replayed instead;
//! 4. one Redis round trip caches the answer and releases the marker: after the response has
//!    left when an answer was stored (a repeat in between replays the durable one), before it
//!    otherwise.
//!
//! An answer carrying an access token is stored without its signature on both paths
//! ([`sealing`]).

mod access;
mod cache;
mod context;
mod fingerprint;
mod scope;
pub(crate) mod sealing;

pub use cache::{forget as forget_cached_answers, redis_keys};
pub use context::{Idempotency, IdempotencyContext, StoredAnswer, to_response};
pub use fingerprint::{FingerprintKey, fingerprint};
pub use scope::scope;

use super::problem::{ApiError, status_problem};
use super::state::AppState;
use crate::auth::{Authenticator, KeyRing};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cache::Lookup;
use commands::idempotency::{self as durable, StoredResponse};
use redis_link::RedisLink;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// The header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";

/// The longest key accepted.
const MAX_KEY_LENGTH: usize = 255;

/// Checks a key: 1–255 characters of visible ASCII.
pub fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let bytes = value.as_bytes();
    if bytes.is_empty()
        || bytes.len() > MAX_KEY_LENGTH
        || !bytes.iter().all(|byte| (0x21..=0x7e).contains(byte))
    {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key must be 1–{MAX_KEY_LENGTH} visible ASCII characters"
        )));
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// What the middleware needs, and nothing more.
#[derive(Clone, Debug)]
pub struct IdempotencyState {
    /// Where answers are stored.
    pub pool: PgPool,
    /// Where answers are cached and markers set.
    pub redis: Arc<RedisLink>,
    /// Who the caller is (keys are scoped to them).
    pub authenticator: Authenticator,
    /// Keys request fingerprints.
    pub fingerprint_key: FingerprintKey,
    /// How long an answer is kept.
    pub keep_for: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (anonymous scopes).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
}

impl IdempotencyState {
    /// The middleware's share of the API's state.
    pub fn of(state: &AppState) -> Self {
        Self {
            pool: state.pool.clone(),
            redis: state.redis.clone(),
            authenticator: Authenticator::from_ref(state),
            fingerprint_key: state.fingerprint_key.clone(),
            keep_for: state.idempotency_ttl,
            trusted_proxies: state.trusted_proxies.clone(),
        }
    }

    fn keys(&self) -> &KeyRing {
        &self.authenticator.keys
    }
}

impl FromRef<IdempotencyState> for Authenticator {
    fn from_ref(state: &IdempotencyState) -> Self {
        state.authenticator.clone()
    }
}

/// Whether an answer is stored for its key: when the command was decided, that is it
/// succeeded or was refused for what it asked (401 wrong credentials, 403, 404, 409, 410,
/// 412). A request that could not be taken up (400, 405, 413, 415, 422, 429) or that failed
/// (5xx) stores nothing: the key may be sent again with a corrected request, or retried.
pub fn decided(status: StatusCode) -> bool {
    status.is_success()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::NOT_FOUND
                | StatusCode::CONFLICT
                | StatusCode::GONE
                | StatusCode::PRECONDITION_FAILED
        )
}

/// The middleware: replays, refuses or runs a keyed command, and stores its answer.
pub async fn middleware(
    State(state): State<IdempotencyState>,
    request: Request,
    next: Next,
) -> Response {
    let is_command = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let Some(raw) = request
        .headers()
        .get(HEADER)
        .filter(|_| is_command)
        .cloned()
    else {
        return next.run(request).await;
    };
    match run_keyed(&state, raw, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn run_keyed(
    state: &IdempotencyState,
    raw: HeaderValue,
    request: Request,
    next: Next,
) -> Result<Response, Response> {
    // A path no route matches, or a method its route lacks, runs no command: it answers 404
    // or 405 and stores nothing.
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .filter(|route| crate::http::openapi::is_operation(request.method(), route.as_str()))
        .cloned()
    else {
        return Ok(next.run(request).await);
    };
    let (mut parts, body) = request.into_parts();
    let caller = access::caller(state, &mut parts, route.as_str())
        .await
        .map_err(IntoResponse::into_response)?;
    let key = parse_key(&raw).map_err(IntoResponse::into_response)?;
    let scope = scope(state, &parts, caller.as_ref());
    let body = to_bytes(body, super::MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge.into_response())?;
    let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    // `If-Match` changes what a command does, so it is part of the request.
    let if_match = parts
        .headers
        .get(header::IF_MATCH)
        .map_or(&b""[..], |value| value.as_bytes());
    let fingerprint = fingerprint(
        &state.fingerprint_key,
        parts.method.as_str(),
        path,
        if_match,
        &body,
    );
    let cache = cache::Cache::new(&state.redis, &scope, &key);
    match cache.lookup().await {
        Lookup::Answered(stored) => {
            cache.release().await;
            return Ok(replay(state.keys(), stored, &fingerprint).await);
        }
        // Held by another request, or left by one that crashed after its commit: only then
        // is the durable answer looked up first.
        Lookup::InFlight => {
            return match durable::find(&state.pool, &scope, &key).await {
                Ok(Some((stored, _))) => Ok(replay(state.keys(), stored, &fingerprint).await),
                Ok(None) => Err(in_flight()),
                Err(error) => Err(ApiError::from(error).into_response()),
            };
        }
        // Without Redis the durable store deduplicates: the append, or the store after it,
        // hands back an answer stored before.
        Lookup::Marked | Lookup::Unknown => {}
    }
    let context = IdempotencyContext::new(scope, key, fingerprint, state.keep_for);
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(context.clone());
    let response = next.run(request).await;
    let (response, answer) = store_after(state, &context, response).await;
    match answer {
        // The answer is durable, so it is cached after the response has left: a repeat in
        // between finds the marker, then the durable answer, and replays it.
        Some(answer) => {
            let keep_for = state.keep_for;
            tokio::spawn(async move { cache.finish(Some(&answer), keep_for).await });
        }
        // Nothing to replay: the marker goes before the response, so a retry runs at once.
        None => cache.finish(None, state.keep_for).await,
    }
    Ok(response)
}

/// Stores the answer of a command that appended nothing (one that appended stored it in its
/// append, and says so), and gives the response to send with the answer to cache.
async fn store_after(
    state: &IdempotencyState,
    context: &IdempotencyContext,
    response: Response,
) -> (Response, Option<StoredResponse>) {
    if let Some(StoredAnswer { answer, fresh }) = response.extensions().get::<StoredAnswer>() {
        // Only a fresh answer is cached: one stored before may have little time left.
        let cached = fresh.then(|| answer.clone());
        return (response, cached);
    }
    if !decided(response.status()) {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return (status_problem(StatusCode::INTERNAL_SERVER_ERROR), None);
    };
    let ours = StoredResponse {
        fingerprint: context.fingerprint.clone(),
        status: parts.status.as_u16(),
        content_type: header_text(&parts, header::CONTENT_TYPE)
            .unwrap_or_else(|| "application/json".into()),
        location: header_text(&parts, header::LOCATION),
        body: sealing::seal(String::from_utf8_lossy(&body).into_owned()),
    };
    match durable::store_answer(&state.pool, &context.record(), &ours).await {
        Ok(None) => (Response::from_parts(parts, Body::from(body)), Some(ours)),
        // Answered before (Redis had lost it, or a twin request won): that answer stands.
        Ok(Some(earlier)) => (
            replay(state.keys(), earlier, &context.fingerprint).await,
            None,
        ),
        Err(error) => (ApiError::from(error).into_response(), None),
    }
}

fn in_flight() -> Response {
    ApiError::Conflict {
        slug: "request-in-flight",
        detail: "a request with this Idempotency-Key is still being processed; retry shortly"
            .into(),
        current_version: None,
    }
    .into_response()
}

fn header_text(parts: &axum::http::response::Parts, name: header::HeaderName) -> Option<String> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// The stored answer, if it was for the same request; 422 if the key was used for another.
pub async fn replay(keys: &KeyRing, stored: StoredResponse, fingerprint: &str) -> Response {
    if stored.fingerprint != fingerprint {
        return ApiError::IdempotencyKeyReused.into_response();
    }
    let stored = match sealing::unseal(keys, stored).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let mut response = context::to_response(&stored);
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
