//! Whose key it is: a logged-in caller's user id, or for anonymous calls a fingerprint of the
//! client (its address and user agent), so one client's answers never reach another.

use super::super::extract::ClientAddress;
use super::IdempotencyState;
use crate::auth::Claims;
use axum::http::header;
use axum::http::request::Parts;

/// The scope of the request's key, for its authenticated caller (if any).
pub fn scope(state: &IdempotencyState, request: &Parts, caller: Option<&Claims>) -> String {
    if let Some(claims) = caller {
        return format!("user:{}", claims.sub);
    }
    let address = ClientAddress::of(request, &state.trusted_proxies).text();
    let agent = request
        .headers
        .get(header::USER_AGENT)
        .map(axum::http::HeaderValue::as_bytes)
        .unwrap_or_default();
    let client = state.fingerprint_key.sign(&[address.as_bytes(), agent]);
    format!("anonymous:{}", &client[..32])
}
