//! Extractors for what handlers need from a request besides its body: the caller, the
//! version they expect, the request's correlation id, and ids in the path.

use super::problem::ApiError;
use super::state::AppState;
use crate::auth::{Authenticator, Claims};
use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, IF_MATCH};
use axum::http::request::Parts;
use domain::Actor;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

/// The id of the request (from `X-Request-Id` when it is a UUID, else new); it becomes the
/// correlation id of the events the request appends.
#[derive(Clone, Copy, Debug)]
pub struct CorrelationId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for CorrelationId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<CorrelationId>()
            .copied()
            .unwrap_or_else(|| CorrelationId(Uuid::now_v7())))
    }
}

/// A caller with a valid access token; anything else is 401.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Claims);

/// A caller who may or may not be logged in; a token that is sent must be valid.
#[derive(Clone, Debug)]
pub struct MaybeAuthenticated(pub Option<Claims>);

impl Authenticated {
    /// The caller as the domain's actor.
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl MaybeAuthenticated {
    /// The caller as the domain's actor (anonymous without a token).
    pub fn actor(&self) -> Actor {
        self.0.as_ref().map_or(Actor::Anonymous, Claims::actor)
    }
}

/// The token of an `Authorization: Bearer <token>` header; `None` without the header,
/// `Some(Err(()))` when the header is there but not a bearer token.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(()),
    )
}

impl<S> FromRequestParts<S> for MaybeAuthenticated
where
    S: Send + Sync,
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_token(&parts.headers) else {
            return Ok(MaybeAuthenticated(None));
        };
        let token =
            token.map_err(|()| ApiError::Unauthorized("use `Authorization: Bearer <token>`"))?;
        let authenticator = Authenticator::from_ref(state);
        Ok(MaybeAuthenticated(Some(
            authenticator.authenticate(token).await?,
        )))
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match MaybeAuthenticated::from_request_parts(parts, state).await? {
            MaybeAuthenticated(Some(claims)) => Ok(Authenticated(claims)),
            MaybeAuthenticated(None) => Err(ApiError::Unauthorized(
                "log in first: this needs an access token",
            )),
        }
    }
}

/// An admin caller: 401 without a valid token, 403 for anyone else.
#[derive(Clone, Debug)]
pub struct Admin(pub Claims);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Authenticated(claims) = Authenticated::from_request_parts(parts, state).await?;
        if claims.role != domain::Role::Admin {
            return Err(ApiError::Forbidden("only admins may do this".into()));
        }
        Ok(Admin(claims))
    }
}

/// The version the caller expects (`If-Match: 3` or `If-Match: "3"`), if they sent one.
#[derive(Clone, Copy, Debug)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let version = value
            .to_str()
            .ok()
            .map(|text| text.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|text| text.parse::<i64>().ok())
            .filter(|version| *version >= 0)
            .ok_or_else(|| {
                ApiError::BadRequest("If-Match must be a version number, like `3`".into())
            })?;
        Ok(IfMatch(Some(version)))
    }
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
/// untrusted address its `X-Forwarded-For` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    /// The client address of a request, trusting `X-Forwarded-For` only from `proxies`.
    pub fn of(parts: &Parts, proxies: &[IpNet]) -> Self {
        let Some(mut client) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip())
        else {
            return ClientAddress(None);
        };
        let trusted = |address: &IpAddr| proxies.iter().any(|network| network.contains(address));
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in forwarded.iter().rev() {
            if !trusted(&client) {
                break;
            }
            match hop.trim().parse::<IpAddr>() {
                Ok(address) => client = address,
                Err(_) => break,
            }
        }
        ClientAddress(Some(client))
    }

    /// The address as text (empty when unknown).
    pub fn text(&self) -> String {
        self.0
            .map(|address| address.to_string())
            .unwrap_or_default()
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(parts, &state.trusted_proxies))
    }
}

/// Parses an id from the path; an id that is not a UUID names nothing, so it is a 404.
pub fn parse_id(text: &str, what: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::NotFound(what))
}
