//! Admin operations over HTTP.

use crate::http::extract::{Admin, CorrelationId};
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::admin::Rotated;
use axum::extract::{Query, State};
use commands::handler::Command;
use domain::audit::{AUDIT_STREAM, AuditCommand, AuditLog};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/admin/…`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rotate_keys))
}

#[derive(Deserialize)]
struct RotateQuery {
    #[serde(default)]
    revoke_previous: bool,
}

/// Makes a new signing key active; earlier tokens stay valid for one token lifetime unless
/// `revoke_previous=true`.
#[utoipa::path(
    post,
    path = "/admin/rotate-keys",
    operation_id = "rotateKeys",
    tag = "admin",
    summary = "Rotate the token signing key",
    description = "Admins only. Makes a new signing key active. Tokens signed with earlier keys stay valid for one token lifetime (`grace_seconds`) unless `revoke_previous=true`. The rotation is recorded in the audit stream as a `SigningKeysRotated` event (`kid` and `revoke_previous`, never key material) with the admin's id in its metadata, so it shows in `GET /events`. It is announced on Redis, so every API instance reloads its key ring within a second. If Redis is unavailable (the answer is the same; the failure is logged) or the announcement is lost, each instance still reloads its ring periodically as a fallback: once the ring is over 5 seconds old, or when a token names a key it does not know; so tokens of the new key are accepted everywhere, and revoked keys refused, within seconds.",
    params(
        ("revoke_previous" = Option<bool>, Query, description = "Revoke the earlier keys at once, so every token issued before stops working."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new key is active.", body = Rotated),
        (status = 400, description = "`revoke_previous` is not `true` or `false` (a bare problem with `type` `about:blank`), or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The caller is not an admin."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
async fn rotate_keys(
    State(state): State<AppState>,
    Admin(admin): Admin,
    correlation: CorrelationId,
    Query(query): Query<RotateQuery>,
) -> Result<crate::http::json::Json<Rotated>, ApiError> {
    let kid = state
        .keys
        .rotate(query.revoke_previous)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    let record = AuditCommand::RecordKeyRotation {
        kid: kid.clone(),
        revoke_previous: query.revoke_previous,
    };
    state
        .commands
        .execute(Command::<AuditLog>::new(
            AUDIT_STREAM,
            record,
            admin.actor(),
            correlation.0,
        ))
        .await?;
    crate::auth::ring_sync::announce(&state.redis, &kid).await;
    tracing::info!(admin = %admin.sub, kid, revoke_previous = query.revoke_previous, "signing keys rotated");
    Ok(crate::http::json::Json(Rotated {
        grace_seconds: if query.revoke_previous {
            0
        } else {
            state.keys.token_ttl().as_secs()
        },
        kid,
        revoke_previous: query.revoke_previous,
    }))
}
