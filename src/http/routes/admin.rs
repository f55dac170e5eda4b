//! Admin operations over HTTP.

use crate::http::extract::{Admin, CorrelationId};
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::admin::Rotated;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::post;
use commands::handler::Command;
use domain::audit::{AUDIT_STREAM, AuditCommand, AuditLog};
use serde::Deserialize;

/// `/admin/…`.
pub fn router() -> Router<AppState> {
    Router::new().route("/admin/rotate-keys", post(rotate_keys))
}

#[derive(Deserialize)]
struct RotateQuery {
    #[serde(default)]
    revoke_previous: bool,
}

/// Makes a new signing key active; earlier tokens stay valid for one token lifetime unless
/// `revoke_previous=true`.
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
