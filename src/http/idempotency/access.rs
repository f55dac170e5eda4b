//! Who may send a keyed command to which route, decided before the idempotency store is
//! touched: a request its caller may not make is refused (401 or 403) and leaves no answer,
//! no marker and no lookup behind. The handlers check the same again (and ownership, which
//! only the domain can tell); this is the part that needs no state.

use super::super::extract::MaybeAuthenticated;
use super::super::problem::ApiError;
use super::IdempotencyState;
use crate::auth::Claims;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use domain::Role;

/// The routes anyone may send commands to, logged in or not.
const OPEN_TO_ANYONE: [&str; 2] = ["/auth/register", "/auth/login"];
/// The routes under this prefix are for admins only.
const ADMIN_ONLY: &str = "/admin/";

/// The caller of a keyed command to `route` (a route template), if they may send it: `None`
/// for an anonymous caller of an open route. A token that is sent must be valid.
pub async fn caller(
    state: &IdempotencyState,
    request: &mut Parts,
    route: &str,
) -> Result<Option<Claims>, ApiError> {
    let MaybeAuthenticated(caller) = MaybeAuthenticated::from_request_parts(request, state).await?;
    match &caller {
        None if !OPEN_TO_ANYONE.contains(&route) => Err(ApiError::Unauthorized(
            "log in first: this needs an access token",
        )),
        Some(claims) if route.starts_with(ADMIN_ONLY) && claims.role != Role::Admin => {
            Err(ApiError::Forbidden("only admins may do this".into()))
        }
        _ => Ok(caller),
    }
}
