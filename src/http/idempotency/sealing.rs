//! Stored answers never hold a bearer token, whichever path stores them: an answer stored after
//! its command ([`seal`]) and one stored by the append ([`seal_template`]) keep their
//! `access_token` unsigned (header and claims, no signature) and signed again when it is
//! replayed: HS256 signs deterministically, so the replay carries the very token first issued,
//! while the idempotency table, its backups and the Redis cache hold nothing that
//! authenticates.

use crate::auth::KeyRing;
use crate::auth::tokens::{TokenError, unsigned};
use crate::http::problem::ApiError;
use commands::idempotency::StoredResponse;

/// The answer field that carries a token.
const FIELD: &str = "access_token";

/// The body as it may be stored: its access token, if any, without signature.
pub fn seal(body: String) -> String {
    match token_in(&body) {
        Some(token) => body.replace(&token, &unsigned(&token)),
        None => body,
    }
}

/// An answer template's body as it may be stored: its access token, if any, without
/// signature (the append stores it as it is).
pub fn seal_template(body: &mut serde_json::Value) {
    if let Some(serde_json::Value::String(token)) = body.get_mut(FIELD) {
        *token = unsigned(token);
    }
}

/// The stored answer as it was first sent: its access token signed again. A token whose key
/// was revoked since cannot be: the client is told to log in again.
pub async fn unseal(
    keys: &KeyRing,
    mut stored: StoredResponse,
) -> Result<StoredResponse, ApiError> {
    let Some(sealed) = token_in(&stored.body) else {
        return Ok(stored);
    };
    let token = keys.sign_again(&sealed).await.map_err(|error| match error {
        TokenError::Unavailable(error) => ApiError::Unavailable(error.to_string()),
        _ => ApiError::Unauthorized(
            "the token first issued for this Idempotency-Key was revoked; log in again with a new key",
        ),
    })?;
    stored.body = stored.body.replace(&sealed, &token);
    Ok(stored)
}

/// The token in a JSON answer's top-level `access_token`, if there is one.
fn token_in(body: &str) -> Option<String> {
    if !body.contains(FIELD) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get(FIELD)?.as_str().map(str::to_owned)
}
