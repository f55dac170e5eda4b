//! Read-your-writes: a read given `min_position` (query) or `X-Min-Position` (header) waits,
//! up to a bound, until the projection it reads has applied that position; past the bound it
//! answers 503 with `Retry-After` rather than stale data. A position beyond the log's head was
//! never told to any client: it is refused at once (422, with the head).
//!
//! One query locates the position; the wait itself awaits the shared [`Progress`](super::progress::Progress) of the
//! projections, fed by their notices, with one last database check at the bound.

use super::problem::ApiError;
use super::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use projections::Projection;
use projections::status::{self, Freshness};

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
        // Each one given must be a position, even the header the query wins over.
        let parse = |text: String| {
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|position| *position >= 0)
                .ok_or_else(|| {
                    ApiError::BadRequest(
                        "min_position must be a position (a whole number ≥ 0)".into(),
                    )
                })
        };
        let from_header = from_header.map(parse).transpose()?;
        let from_query = from_query.map(parse).transpose()?;
        Ok(MinPosition(from_query.or(from_header)))
    }
}

impl MinPosition {
    /// Waits until `projection` has applied the position, or fails: 422 beyond the log's
    /// head, 503 at the bound.
    pub async fn wait(self, state: &AppState, projection: &dyn Projection) -> Result<(), ApiError> {
        let Some(position) = self.0 else {
            return Ok(());
        };
        let internal = |error: sqlx::Error| ApiError::Internal(error.to_string());
        let target = match status::locate(&state.pool, projection, position)
            .await
            .map_err(internal)?
        {
            Freshness::Passed => return Ok(()),
            Freshness::BeyondHead { head } => {
                return Err(ApiError::PositionBeyondHead { position, head });
            }
            Freshness::Pending(target) => target,
        };
        if state
            .progress
            .reaches(projection, target, state.read_wait)
            .await
        {
            return Ok(());
        }
        // A notice may have been lost at the very end: the database has the last word.
        if status::has_passed(&state.pool, projection, position)
            .await
            .map_err(internal)?
        {
            Ok(())
        } else {
            Err(ApiError::NotYetConsistent { position })
        }
    }
}
