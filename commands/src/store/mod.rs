//! The PostgreSQL event store: read a stream, append to a stream in one round trip.

mod append;
mod recorded;
pub mod sessions;
#[cfg(test)]
mod tests;

pub use append::{AppendOutcome, AppendTx, Appended, NewEvents, SideWrite};
pub use recorded::{COLUMNS as EVENT_COLUMNS, RecordedEvent};

use crate::error::StoreError;
use domain::{Aggregate, DomainEvent, UniqueSet};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A stream's state folded from its events, with where it stands in the log.
#[derive(Clone, Debug)]
pub struct Loaded<A> {
    /// The folded state.
    pub state: A,
    /// The stream's version (0 for a stream with no events).
    pub version: i64,
    /// The global position of the stream's last event (0 for none).
    pub position: i64,
}

/// The event store over a PostgreSQL pool.
#[derive(Clone, Debug)]
pub struct EventStore {
    pool: PgPool,
}

impl EventStore {
    /// An event store on the given pool (migrations applied).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The pool underneath.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// All events of a stream, in version order.
    pub async fn read_stream(&self, stream_id: Uuid) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        read_stream_on(&mut connection, stream_id).await
    }

    /// Up to `limit` events after global position `after`, in position order (committed ones:
    /// a page may later gain an event below its last position, so this is for browsing, not
    /// for projecting — see the read side's commit-safe reader).
    pub async fn read_all(&self, after: i64, limit: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!(
            "SELECT {} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            recorded::COLUMNS
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Loads an aggregate by folding its stream. A stream of another type is an error.
    pub async fn load<A: Aggregate>(&self, stream_id: Uuid) -> Result<Loaded<A>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        self.load_on(&mut connection, stream_id).await
    }

    /// [`EventStore::load`] on a connection the caller holds (to append on it next: one
    /// connection, and one check of it by the pool, per command).
    pub async fn load_on<A: Aggregate>(
        &self,
        connection: &mut PgConnection,
        stream_id: Uuid,
    ) -> Result<Loaded<A>, StoreError> {
        let events = read_stream_on(connection, stream_id).await?;
        if events
            .iter()
            .any(|event| event.stream_type != A::STREAM_TYPE)
        {
            return Err(StoreError::WrongStreamType(stream_id));
        }
        let mut state = A::default();
        for recorded in &events {
            state = state.evolve(&recorded.decode::<A::Event>()?);
        }
        let last = events.last();
        Ok(Loaded {
            state,
            version: last.map_or(0, |event| event.version),
            position: last.map_or(0, |event| event.position),
        })
    }

    /// Appends events, with their claims, side write and answer, in one statement and its own
    /// transaction (see [`append::append`]).
    pub async fn append<E: DomainEvent>(
        &self,
        new: &NewEvents<'_, E>,
    ) -> Result<AppendOutcome, StoreError> {
        let mut connection = self.pool.acquire().await?;
        append::append(&mut connection, new).await
    }

    /// [`EventStore::append`] on a connection the caller holds (outside any transaction).
    pub async fn append_on<E: DomainEvent>(
        &self,
        connection: &mut PgConnection,
        new: &NewEvents<'_, E>,
    ) -> Result<AppendOutcome, StoreError> {
        append::append(connection, new).await
    }

    /// Starts a transaction whose first write will be an append, for holding it open.
    pub async fn begin(&self) -> Result<AppendTx, StoreError> {
        Ok(AppendTx::new(self.pool.begin().await?))
    }

    /// The stream holding a unique value (the user with an e-mail, the tag with a name).
    pub async fn unique_owner(
        &self,
        set: UniqueSet,
        key: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let owner = sqlx::query_scalar(
            "SELECT stream_id FROM unique_keys WHERE set_name = $1 AND key = $2",
        )
        .bind(set.as_str())
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(owner)
    }

    /// The stored password hash of a user, if any.
    pub async fn password_hash(&self, user_id: Uuid) -> Result<Option<String>, StoreError> {
        let hash = sqlx::query_scalar("SELECT hash FROM password_hashes WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(hash)
    }
}

/// All events of a stream, in version order, on `connection`.
async fn read_stream_on(
    connection: &mut PgConnection,
    stream_id: Uuid,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql = format!(
        "SELECT {} FROM events WHERE stream_id = $1 ORDER BY version",
        recorded::COLUMNS
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(stream_id)
        .fetch_all(connection)
        .await?)
}
