//! Which database answers a query: a standby in turn when `DATABASE_READ_URL` names some and
//! one serves, else the primary. A read with `min_position` waits on its standby's own
//! replicated checkpoints ([`MinPosition::wait_on`]); a query a standby fails to answer
//! (it went away since its last check) is taken out of service and asked of the primary.
//! Every routed read says who answered in `X-Served-By` (`primary`, `standby-0`, …).

use super::freshness::{MinPosition, Placement};
use super::problem::ApiError;
use super::state::AppState;
use crate::standbys::Standby;
use axum::http::HeaderValue;
use axum::response::{IntoResponseParts, ResponseParts};
use projections::Projection;
use sqlx::PgPool;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

/// The response header naming the database that answered.
pub const SERVED_BY: &str = "x-served-by";

/// A read being answered: the database it goes to, the primary once a standby failed.
pub struct Read<'a> {
    state: &'a AppState,
    standby: Option<Arc<Standby>>,
}

impl AppState {
    /// A query that may lag a little (no `min_position`): the next standby that serves, else
    /// the primary.
    pub fn read(&self) -> Read<'_> {
        Read {
            state: self,
            standby: self.standbys.pick(),
        }
    }

    /// A read of `projection` that must reflect `min_position`: waits, up to the bound, on
    /// the standby picked, or on the primary (without a standby that serves, or as
    /// `READ_FALLBACK=primary` has it when the standby is late).
    pub async fn read_at(
        &self,
        min_position: MinPosition,
        projection: &dyn Projection,
    ) -> Result<Read<'_>, ApiError> {
        if let Some(standby) = self.standbys.pick() {
            let placement = min_position.wait_on(self, &standby, projection).await?;
            return Ok(Read {
                state: self,
                standby: (placement == Placement::Standby).then_some(standby),
            });
        }
        min_position.wait(self, projection).await?;
        Ok(Read {
            state: self,
            standby: None,
        })
    }
}

impl Read<'_> {
    /// Runs `query` on this read's database. A standby that cannot be reached is taken out of
    /// service and the primary runs it (it has all a standby has, and more).
    pub async fn run<T, E, Query, Answer>(&mut self, query: Query) -> Result<T, ApiError>
    where
        Query: Fn(PgPool) -> Answer,
        Answer: Future<Output = Result<T, E>>,
        E: Unreachable + Into<ApiError>,
    {
        if let Some(standby) = self.standby.clone() {
            match query(standby.pool().clone()).await {
                Ok(answer) => return Ok(answer),
                Err(error) if error.is_unreachable() => {
                    tracing::warn!(
                        standby = standby.name(),
                        "a standby failed a query: the primary answers, and it is skipped until its next check"
                    );
                    standby.mark_down();
                    self.standby = None;
                }
                Err(error) => return Err(error.into()),
            }
        }
        query(self.state.pool.clone()).await.map_err(Into::into)
    }

    /// Who answered (so far): for `X-Served-By`.
    pub fn served_by(&self) -> ServedBy {
        ServedBy(
            self.standby
                .as_ref()
                .map_or_else(|| "primary".to_owned(), |standby| standby.name().to_owned()),
        )
    }
}

/// The database that answered a read, sent as `X-Served-By`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedBy(pub String);

impl IntoResponseParts for ServedBy {
    type Error = Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Infallible> {
        if let Ok(value) = HeaderValue::from_str(&self.0) {
            parts.headers_mut().insert(SERVED_BY, value);
        }
        Ok(parts)
    }
}

/// An error that says the database could not be reached or cannot answer now (rather than
/// refused the query), so another copy of it may.
pub trait Unreachable {
    /// Whether the database could not be reached or cannot answer now.
    fn is_unreachable(&self) -> bool;
}

impl Unreachable for sqlx::Error {
    fn is_unreachable(&self) -> bool {
        match self {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            // Class 08: connection exception; 57: operator intervention (shutting down, not
            // accepting connections yet); 3D000: the database is not replayed there yet;
            // 40001: a query cancelled by a conflict with recovery.
            sqlx::Error::Database(error) => error.code().is_some_and(|code| {
                code.starts_with("08")
                    || code.starts_with("57")
                    || code == "3D000"
                    || code == "40001"
            }),
            _ => false,
        }
    }
}

impl Unreachable for projections::QueryError {
    fn is_unreachable(&self) -> bool {
        matches!(self, projections::QueryError::Database(error) if error.is_unreachable())
    }
}

impl Unreachable for commands::StoreError {
    fn is_unreachable(&self) -> bool {
        matches!(self, commands::StoreError::Database(error) if error.is_unreachable())
    }
}
