//! Whose key it is: a logged-in caller's user id, or for anonymous calls a fingerprint of the
//! client (its address and user agent), so one client's answers never reach another.

use super::super::extract::bearer_token;
use super::super::state::AppState;
use axum::extract::ConnectInfo;
use axum::http::header;
use axum::http::request::Parts;
use std::net::SocketAddr;

/// The scope of the request's key.
pub async fn scope(state: &AppState, request: &Parts) -> String {
    let token = bearer_token(&request.headers).and_then(Result::ok);
    if let Some(token) = token
        && let Ok(claims) = state.authenticate(token).await
    {
        return format!("user:{}", claims.sub);
    }
    let address = request
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_default();
    let agent = request
        .headers
        .get(header::USER_AGENT)
        .map(|value| value.as_bytes())
        .unwrap_or_default();
    let client = state.fingerprint_key.sign(&[address.as_bytes(), agent]);
    format!("anonymous:{}", &client[..32])
}
