//! Read-your-writes: a read given `min_position` (query) or `X-Min-Position` (header) waits,
//! up to a bound, until the projection it reads has applied that position; past the bound it
//! answers 503 with `Retry-After` rather than stale data.

use super::problem::ApiError;
use super::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use projections::{Projection, status};
use std::time::{Duration, Instant};

/// The position a read must reflect, if the client gave one.
#[derive(Clone, Copy, Debug)]
pub struct MinPosition(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for MinPosition {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let from_query = parts.uri.query().and_then(|query| {
            query
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| *key == "min_position")
                .map(|(_, value)| value.to_owned())
        });
        let from_header = parts
            .headers
            .get("x-min-position")
            .map(|value| value.to_str().unwrap_or_default().to_owned());
        let Some(text) = from_query.or(from_header) else {
            return Ok(MinPosition(None));
        };
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|position| *position >= 0)
            .map(|position| MinPosition(Some(position)))
            .ok_or_else(|| {
                ApiError::BadRequest("min_position must be a position (a whole number ≥ 0)".into())
            })
    }
}

impl MinPosition {
    /// Waits until `projection` has applied the position, or fails with 503 at the bound.
    pub async fn wait(self, state: &AppState, projection: Projection) -> Result<(), ApiError> {
        let Some(position) = self.0 else {
            return Ok(());
        };
        let deadline = Instant::now() + state.read_wait;
        let mut pause = Duration::from_millis(5);
        loop {
            if status::has_passed(&state.pool, projection, position)
                .await
                .map_err(|error| ApiError::Internal(error.to_string()))?
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(ApiError::NotYetConsistent { position });
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}
