//! The PostgreSQL event store: read a stream, append to a stream in one round trip.

mod append;
mod recorded;
pub mod sessions;
#[cfg(test)]
mod tests;

pub use append::{AppendOutcome, AppendTx, Appended, NewEvents, SideWrite};
pub use recorded::{COLUMNS as EVENT_COLUMNS, RecordedEvent};

use crate::error::StoreError;
use crate::vault::Vault;
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

impl<A: Default> Loaded<A> {
    /// A stream with no events.
    pub fn empty() -> Self {
        Self {
            state: A::default(),
            version: 0,
            position: 0,
        }
    }
}

/// The event store over a PostgreSQL pool, sealing and opening personal data with its
/// [`Vault`].
#[derive(Clone, Debug)]
pub struct EventStore {
    pool: PgPool,
    vault: Vault,
}

impl EventStore {
    /// An event store on the given pool (migrations applied), with no key-encryption key.
    pub fn new(pool: PgPool) -> Self {
        Self::with_vault(pool, Vault::default())
    }

    /// An event store on the given pool whose data keys are wrapped as `vault` says.
    pub fn with_vault(pool: PgPool, vault: Vault) -> Self {
        Self { pool, vault }
    }

    /// The same store reading through another pool (a hot standby's), with the same keys.
    pub fn on(&self, pool: PgPool) -> Self {
        Self::with_vault(pool, self.vault.clone())
    }

    /// The pool underneath.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Its vault.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Loads the vault's keys, which proves the key-encryption key fits this database, and
    /// replaces the e-mail addresses of claims made before encryption by their keyed hash.
    pub async fn open_vault(&self) -> Result<(), StoreError> {
        self.vault.open(&self.pool).await?;
        let plain: Vec<String> = sqlx::query_scalar(
            "SELECT key FROM unique_keys WHERE set_name = $1 AND key NOT LIKE 'hmac-sha256:%'",
        )
        .bind(UniqueSet::UserEmail.as_str())
        .fetch_all(&self.pool)
        .await?;
        for key in plain {
            sqlx::query("UPDATE unique_keys SET key = $3 WHERE set_name = $1 AND key = $2")
                .bind(UniqueSet::UserEmail.as_str())
                .bind(&key)
                .bind(self.vault.index_opened(&key)?)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// All events of a stream, in version order.
    pub async fn read_stream(&self, stream_id: Uuid) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        self.read_stream_on(&mut connection, stream_id).await
    }

    /// All events of a stream on `connection`, their personal data opened.
    async fn read_stream_on(
        &self,
        connection: &mut PgConnection,
        stream_id: Uuid,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = read_stream_on(connection, stream_id).await?;
        self.vault
            .open_payloads(
                connection,
                events.iter_mut().map(|event| &mut event.payload),
            )
            .await?;
        Ok(events)
    }

    /// Up to `limit` events after global position `after`, in position order (committed ones:
    /// a page may later gain an event below its last position, so this is for browsing, not
    /// for projecting — see the read side's commit-safe reader).
    pub async fn read_all(&self, after: i64, limit: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!(
            "SELECT {} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            recorded::COLUMNS
        );
        let mut connection = self.pool.acquire().await?;
        let mut events: Vec<RecordedEvent> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *connection)
            .await?;
        self.vault
            .open_payloads(
                &mut connection,
                events.iter_mut().map(|event| &mut event.payload),
            )
            .await?;
        Ok(events)
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
        let events = self.read_stream_on(connection, stream_id).await?;
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
        self.vault.open(&self.pool).await?;
        let mut connection = self.pool.acquire().await?;
        append::append(&mut connection, new, &self.vault).await
    }

    /// [`EventStore::append`] on a connection the caller holds (outside any transaction).
    pub async fn append_on<E: DomainEvent>(
        &self,
        connection: &mut PgConnection,
        new: &NewEvents<'_, E>,
    ) -> Result<AppendOutcome, StoreError> {
        self.vault.open(&self.pool).await?;
        append::append(connection, new, &self.vault).await
    }

    /// Starts a transaction whose first write will be an append, for holding it open.
    pub async fn begin(&self) -> Result<AppendTx, StoreError> {
        self.vault.open(&self.pool).await?;
        Ok(AppendTx::new(self.pool.begin().await?, self.vault.clone()))
    }

    /// The stream holding a unique value (the user with an e-mail, the tag with a name).
    pub async fn unique_owner(
        &self,
        set: UniqueSet,
        key: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let stored = match set {
            UniqueSet::UserEmail => self.vault.index(&self.pool, key).await?,
            UniqueSet::TagName => key.to_owned(),
        };
        let owner = sqlx::query_scalar(
            "SELECT stream_id FROM unique_keys WHERE set_name = $1 AND key = $2",
        )
        .bind(set.as_str())
        .bind(stored)
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
