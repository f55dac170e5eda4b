//! Idempotent commands: a command sent again with the same `Idempotency-Key` replays its
//! first answer (`Idempotent-Replayed: true`) and executes nothing.
//!
//! A keyed request its caller may not make is refused first ([`access`]), touching nothing.
//! Keys are scoped to the caller ([`scope`]). Before a keyed command runs, its stored answer
//! is looked up in Redis (fast) and PostgreSQL (durable) while an in-flight marker is set in
//! Redis, all three at once; a stored answer is replayed (a different request under the same
//! key is 422), a marker held by another request is 409, and otherwise the command runs. Its
//! answer is stored in PostgreSQL in the transaction of its events (see
//! `commands::idempotency`), or right after when it appended none, and cached in Redis. An
//! answer carrying an access token is stored without its signature ([`sealing`]).

mod access;
mod cache;

pub use cache::redis_keys;
mod context;
mod fingerprint;
mod scope;
mod sealing;

pub use context::{Idempotency, IdempotencyContext, to_response};
pub use fingerprint::{FingerprintKey, fingerprint};
pub use scope::scope;

use super::problem::{ApiError, status_problem};
use super::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use commands::idempotency::{self as durable, StoredResponse};

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// The header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";

/// Marks a response that lost a race for its key: the answer to send is the stored one.
#[derive(Clone, Copy, Debug)]
pub struct LostRace;

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

/// The middleware: replays, refuses or runs a keyed command, and stores its answer.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
    state: &AppState,
    raw: HeaderValue,
    request: Request,
    next: Next,
) -> Result<Response, Response> {
    // A path no route matches runs no command: it answers 404 and stores nothing.
    let Some(route) = request.extensions().get::<MatchedPath>().cloned() else {
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

    // The three lookups are independent: one round trip's wait instead of three. The marker
    // is set even when an answer turns out to be stored, and then released at once.
    let (cached, durable, marked) = tokio::join!(
        cache.get(),
        durable::find(&state.pool, &scope, &key),
        cache.mark_in_flight()
    );
    let stored = match (cached, durable) {
        (Some(stored), _) => Ok(Some(stored)),
        (None, Ok(Some((stored, left)))) => {
            // Cached only for the time the durable answer has left, never longer.
            cache.put(&stored, left).await;
            Ok(Some(stored))
        }
        (None, durable) => durable.map(|_| None),
    };
    // Only a request that goes on to run the command keeps the marker.
    if marked && !matches!(stored, Ok(None)) {
        cache.release().await;
    }
    let stored = stored.map_err(|error| ApiError::from(error).into_response())?;
    if let Some(stored) = stored {
        return Ok(replay(state, stored, &fingerprint).await);
    }
    if !marked {
        return Err(in_flight());
    }
    let context = IdempotencyContext::new(
        scope.clone(),
        key.clone(),
        fingerprint.clone(),
        state.idempotency_ttl,
    );
    let mut request = Request::from_parts(parts, Body::from(body));
    request.extensions_mut().insert(context.clone());
    let response = next.run(request).await;
    let answer = finish(state, &cache, &context, response).await;
    cache.release().await;
    answer
}

/// Stores the answer of an executed command, or replays the stored one if it lost a race.
async fn finish(
    state: &AppState,
    cache: &cache::Cache<'_>,
    context: &IdempotencyContext,
    response: Response,
) -> Result<Response, Response> {
    if response.extensions().get::<LostRace>().is_some() {
        let stored = durable::find(&state.pool, &context.scope, &context.key)
            .await
            .map_err(|error| ApiError::from(error).into_response())?;
        return Ok(match stored {
            Some((stored, _)) => replay(state, stored, &context.fingerprint).await,
            None => in_flight(),
        });
    }
    if !context.executed() || response.status().is_server_error() {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .map_err(|_| status_problem(StatusCode::INTERNAL_SERVER_ERROR))?;
    let stored = StoredResponse {
        fingerprint: context.fingerprint.clone(),
        status: parts.status.as_u16(),
        content_type: header_text(&parts, header::CONTENT_TYPE)
            .unwrap_or_else(|| "application/json".into()),
        location: header_text(&parts, header::LOCATION),
        body: sealing::seal(String::from_utf8_lossy(&body).into_owned()),
    };
    let mut connection = state
        .pool
        .acquire()
        .await
        .map_err(|error| ApiError::from(commands::StoreError::from(error)).into_response())?;
    // A command that appended events stored this already, in their transaction. The cache is
    // filled meanwhile; the marker goes only once the answer is durable (see `run_keyed`).
    let record = context.record();
    let (saved, ()) = tokio::join!(
        durable::save(&mut connection, &record, &stored),
        cache.put(&stored, state.idempotency_ttl)
    );
    saved.map_err(|error| ApiError::from(error).into_response())?;
    Ok(Response::from_parts(parts, Body::from(body)))
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
async fn replay(state: &AppState, stored: StoredResponse, fingerprint: &str) -> Response {
    if stored.fingerprint != fingerprint {
        return ApiError::IdempotencyKeyReused.into_response();
    }
    let stored = match sealing::unseal(&state.keys, stored).await {
        Ok(stored) => stored,
        Err(error) => return error.into_response(),
    };
    let mut response = context::to_response(&stored);
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
