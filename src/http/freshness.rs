//! Read-your-writes: a read given `min_position` (query) or `X-Min-Position` (header) waits,
//! up to a bound, until the projection it reads has applied that position; past the bound it
//! answers 503 with `Retry-After` rather than stale data. A position beyond the log's head was
//! never told to any client: it is refused at once (422, with the head).
//!
//! One query locates the position; the wait itself awaits the shared [`Progress`](super::progress::Progress) of the
//! projections, fed by their notices, with one last database check at the bound.
//!
//! On a standby ([`MinPosition::wait_on`]) the primary still locates the position (only it
//! can tell one not replicated yet from one beyond the head), and the wait awaits the
//! standby's own replicated checkpoint, which its health task reads every few milliseconds
//! while reads wait. The standby gets the bound, but no more than `READ_MAX_LAG_MS` past the
//! moment the primary's projection has the position; then the read goes to the primary
//! (`READ_FALLBACK=primary`) or answers 503 (`unavailable`).

use super::problem::ApiError;
use super::state::AppState;
use crate::config::ReadFallback;
use crate::standbys::Standby;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use projections::Projection;
use projections::status::{self, Freshness, Pinned};

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

/// Where a read that waited on a standby is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The standby has applied the position.
    Standby,
    /// It has not in time, the primary has, and `READ_FALLBACK` is `primary`.
    Primary,
}

impl MinPosition {
    /// Waits until `standby`'s `projection` has applied the position: 422 beyond the log's
    /// head (as the primary says); past the standby's bound, the primary (with
    /// `READ_FALLBACK=primary`, once its projection has it) or 503.
    pub async fn wait_on(
        self,
        state: &AppState,
        standby: &Standby,
        projection: &dyn Projection,
    ) -> Result<Placement, ApiError> {
        let Some(position) = self.0 else {
            return Ok(Placement::Standby);
        };
        let internal = |error: sqlx::Error| ApiError::Internal(error.to_string());
        let (at, passed_on_primary) = match status::pin(&state.pool, projection, position)
            .await
            .map_err(internal)?
        {
            Pinned::Gap => return Ok(Placement::Standby),
            Pinned::BeyondHead { head } => {
                return Err(ApiError::PositionBeyondHead { position, head });
            }
            Pinned::Event { at, passed } => (at, passed),
        };
        if standby.has_applied(projection, at) {
            return Ok(Placement::Standby);
        }
        let deadline = tokio::time::Instant::now() + state.read_wait;
        // The standby trails the primary by at most READ_MAX_LAG_MS while it serves.
        let primary_then_grace = async {
            if !passed_on_primary {
                state
                    .progress
                    .reaches(projection, at, state.read_wait)
                    .await;
            }
            tokio::time::sleep(state.standbys.max_lag()).await;
        };
        let caught_up = tokio::select! {
            () = standby.reaches(projection, at) => true,
            () = primary_then_grace => false,
            () = tokio::time::sleep_until(deadline) => false,
        };
        if caught_up || standby.applied_on_database(projection, at).await {
            return Ok(Placement::Standby);
        }
        match state.standbys.fallback() {
            ReadFallback::Primary
                if status::has_passed(&state.pool, projection, position)
                    .await
                    .map_err(internal)? =>
            {
                Ok(Placement::Primary)
            }
            _ => Err(ApiError::NotYetConsistent { position }),
        }
    }
}
