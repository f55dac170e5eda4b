//! Appending: events with an expected version, their uniqueness claims, the session epochs
//! they move and side writes, all in one PostgreSQL transaction.

use crate::error::StoreError;
use crate::metadata::EventMetadata;
use domain::{DomainEvent, UniqueClaim};
use serde_json::Value;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// The constraint that makes two writers of the same stream version collide.
const STREAM_VERSION_CONSTRAINT: &str = "events_stream_version_unique";
/// The constraint that makes two claims of the same unique value collide.
const UNIQUE_KEYS_CONSTRAINT: &str = "unique_keys_pkey";

/// A row written in the append's transaction that is not an event.
#[derive(Clone, PartialEq, Eq)]
pub enum SideWrite {
    /// Set a user's bcrypt password hash.
    PasswordHash {
        /// The user.
        user_id: Uuid,
        /// The bcrypt hash.
        hash: String,
    },
}

impl std::fmt::Debug for SideWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SideWrite::PasswordHash { user_id, .. } => {
                write!(f, "PasswordHash {{ user_id: {user_id}, hash: *** }}")
            }
        }
    }
}

/// Where an append left its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The stream's version after the append.
    pub version: i64,
    /// The global position of the last event appended.
    pub position: i64,
}

/// An open append transaction. Nothing is visible to others until [`AppendTx::commit`];
/// dropping it rolls everything back.
pub struct AppendTx {
    tx: Transaction<'static, Postgres>,
}

impl AppendTx {
    pub(super) fn new(tx: Transaction<'static, Postgres>) -> Self {
        Self { tx }
    }

    /// The transaction's connection, for writes that must commit with the events.
    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Appends `events` to a stream that must be at `expected_version` (0: a new stream), and
    /// applies the uniqueness claims they make. It must be the transaction's first write, so
    /// one transaction appends to one stream. A stale version is [`StoreError::Conflict`];
    /// a value held by someone else is [`StoreError::Taken`].
    pub async fn append<E: DomainEvent>(
        &mut self,
        stream_type: &str,
        stream_id: Uuid,
        expected_version: i64,
        events: &[E],
        metadata: &EventMetadata,
    ) -> Result<Appended, StoreError> {
        // Readers order events by (transaction id, position); that follows each stream's
        // versions only if the transaction id is taken by this insert, after the previous
        // version committed. So the events insert must be the transaction's first write.
        let (actual, first_write): (i64, bool) = sqlx::query_as(
            "SELECT COALESCE(MAX(version), 0)::bigint, pg_current_xact_id_if_assigned() IS NULL \
             FROM events WHERE stream_id = $1",
        )
        .bind(stream_id)
        .fetch_one(&mut *self.tx)
        .await?;
        if !first_write {
            return Err(StoreError::NotFirstWrite);
        }
        let conflict = |actual| StoreError::Conflict {
            stream_id,
            expected: expected_version,
            actual,
        };
        if actual != expected_version {
            return Err(conflict(actual));
        }
        if events.is_empty() {
            // Nothing to write; the caller has no new position to report either.
            return Ok(Appended {
                version: actual,
                position: 0,
            });
        }
        let count = events.len() as i64;
        let event_ids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
        let versions: Vec<i32> = (1..=count)
            .map(|offset| i32::try_from(expected_version + offset).unwrap_or(i32::MAX))
            .collect();
        let types: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
        let schema_versions: Vec<i16> = events
            .iter()
            .map(|event| i16::try_from(event.schema_version()).unwrap_or(i16::MAX))
            .collect();
        let payloads: Vec<Value> = events.iter().map(DomainEvent::to_payload).collect();
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, \
                 schema_version, payload, actor_kind, actor_id, correlation_id, causation_id, \
                 idempotency_key) \
             SELECT e.event_id, $1, $2, e.version, e.event_type, e.schema_version, e.payload, \
                 $3, $4, $5, $6, $7 \
             FROM UNNEST($8::uuid[], $9::int[], $10::text[], $11::smallint[], $12::jsonb[]) \
                 WITH ORDINALITY AS e(event_id, version, event_type, schema_version, payload, n) \
             ORDER BY e.n \
             RETURNING position",
        )
        .bind(stream_id)
        .bind(stream_type)
        .bind(metadata.actor.kind())
        .bind(metadata.actor.id())
        .bind(metadata.correlation_id)
        .bind(metadata.causation_id)
        .bind(metadata.idempotency_key.as_deref())
        .bind(&event_ids)
        .bind(&versions)
        .bind(&types)
        .bind(&schema_versions)
        .bind(&payloads)
        .fetch_all(&mut *self.tx)
        .await;
        let positions = match inserted {
            Ok(positions) => positions,
            Err(error) if violates(&error, STREAM_VERSION_CONSTRAINT) => {
                return Err(conflict(expected_version + 1));
            }
            Err(error) => return Err(error.into()),
        };
        for claim in events.iter().flat_map(DomainEvent::unique_claims) {
            self.apply_claim(stream_id, claim).await?;
        }
        let sessions_ended = events.iter().filter(|event| event.ends_sessions()).count();
        if sessions_ended > 0 {
            self.end_sessions(stream_id, sessions_ended).await?;
        }
        Ok(Appended {
            version: expected_version + count,
            position: positions.into_iter().max().unwrap_or(0),
        })
    }

    /// Writes a row that must commit with the events.
    pub async fn side_write(&mut self, write: &SideWrite) -> Result<(), StoreError> {
        match write {
            SideWrite::PasswordHash { user_id, hash } => {
                sqlx::query(
                    "INSERT INTO password_hashes (user_id, hash) VALUES ($1, $2) \
                     ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = now()",
                )
                .bind(user_id)
                .bind(hash)
                .execute(&mut *self.tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Moves the session epoch of the user whose stream this is on by `count`: their tokens
    /// issued before are refused from this commit on.
    async fn end_sessions(&mut self, user_id: Uuid, count: usize) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO session_epochs (user_id, epoch) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE \
             SET epoch = session_epochs.epoch + EXCLUDED.epoch, changed_in = pg_current_xact_id()",
        )
        .bind(user_id)
        .bind(i32::try_from(count).unwrap_or(i32::MAX))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Commits the events and everything written with them.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }

    async fn apply_claim(&mut self, stream_id: Uuid, claim: UniqueClaim) -> Result<(), StoreError> {
        match claim {
            UniqueClaim::Claim { set, key } => {
                let claimed = sqlx::query(
                    "INSERT INTO unique_keys (set_name, key, stream_id) VALUES ($1, $2, $3)",
                )
                .bind(set.as_str())
                .bind(&key)
                .bind(stream_id)
                .execute(&mut *self.tx)
                .await;
                match claimed {
                    Ok(_) => Ok(()),
                    Err(error) if violates(&error, UNIQUE_KEYS_CONSTRAINT) => {
                        Err(StoreError::Taken(set))
                    }
                    Err(error) => Err(error.into()),
                }
            }
            UniqueClaim::Release { set, key } => {
                sqlx::query(
                    "DELETE FROM unique_keys WHERE set_name = $1 AND key = $2 AND stream_id = $3",
                )
                .bind(set.as_str())
                .bind(&key)
                .bind(stream_id)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }
        }
    }
}

/// Whether `error` is a unique violation of the named constraint.
fn violates(error: &sqlx::Error, constraint: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|db| db.is_unique_violation() && db.constraint() == Some(constraint))
}
