//! Appending: events with an expected version, their uniqueness claims, the session epochs
//! they move, a side write and a keyed command's answer, in one call of the database's
//! `append_to_stream` (migrations/20261202000001_append_function.sql): one round trip, one
//! statement, one transaction.

use crate::error::StoreError;
use crate::idempotency::{AnswerTemplate, IdempotencyRecord, StoredResponse};
use crate::metadata::EventMetadata;
use crate::vault::{self, Vault, VaultError};
use domain::{DomainEvent, UniqueClaim, UniqueSet};
use serde_json::Value;
use sqlx::postgres::PgDatabaseError;
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// The constraint that makes two writers of the same stream version collide.
const STREAM_VERSION_CONSTRAINT: &str = "events_stream_version_unique";

/// The SQLSTATEs `append_to_stream` raises (see its migration).
mod refusal {
    /// The stream is not at the expected version; the detail is the actual one.
    pub const STALE_VERSION: &str = "BS409";
    /// A unique value is held by another stream; the detail is the set's name.
    pub const TAKEN: &str = "BS423";
    /// Another request answered the idempotency key meanwhile.
    pub const ANSWERED_MEANWHILE: &str = "BS412";
    /// The append was not its transaction's first write.
    pub const NOT_FIRST_WRITE: &str = "BS428";
}

/// A row written (or removed) with the events that is not an event.
#[derive(Clone, PartialEq, Eq)]
pub enum SideWrite {
    /// Set a user's bcrypt password hash.
    PasswordHash {
        /// The user.
        user_id: Uuid,
        /// The bcrypt hash.
        hash: String,
    },
    /// Forget a subject: delete their data key (crypto-shredding), their password hash and
    /// every remembered answer that names them.
    Forget {
        /// The subject (the user).
        subject: Uuid,
    },
}

impl std::fmt::Debug for SideWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SideWrite::PasswordHash { user_id, .. } => {
                write!(f, "PasswordHash {{ user_id: {user_id}, hash: *** }}")
            }
            SideWrite::Forget { subject } => write!(f, "Forget {{ subject: {subject} }}"),
        }
    }
}

/// Events to append to one stream, with everything that commits with them.
#[derive(Debug)]
pub struct NewEvents<'a, E> {
    /// The stream's type (`creature`, `user`, `tag`).
    pub stream_type: &'a str,
    /// The stream.
    pub stream_id: Uuid,
    /// The version the stream must be at (0: a new stream).
    pub expected_version: i64,
    /// The events, in order.
    pub events: &'a [E],
    /// Who, in which request, caused them.
    pub metadata: &'a EventMetadata,
    /// A row to write with them.
    pub side_write: Option<&'a SideWrite>,
    /// The idempotency key's record and the answer to store under it.
    pub answer: Option<(&'a IdempotencyRecord, &'a AnswerTemplate)>,
}

impl<'a, E> NewEvents<'a, E> {
    /// `events` for `stream_id` of `stream_type`, which must be at `expected_version`.
    pub fn new(
        stream_type: &'a str,
        stream_id: Uuid,
        expected_version: i64,
        events: &'a [E],
        metadata: &'a EventMetadata,
    ) -> Self {
        Self {
            stream_type,
            stream_id,
            expected_version,
            events,
            metadata,
            side_write: None,
            answer: None,
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

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The events were appended, and the answer (if a key came with them) stored with them.
    Appended {
        /// Where the stream stands now.
        appended: Appended,
        /// The answer as stored, `version` and `position` filled in.
        answer: Option<StoredResponse>,
    },
    /// The idempotency key had a live answer: nothing was written; this is that answer.
    AnsweredBefore(StoredResponse),
}

/// An open transaction whose first write is an append, for callers that must hold it open
/// (the tests of the commit-order reader). Dropping it rolls everything back.
pub struct AppendTx {
    tx: Transaction<'static, Postgres>,
    vault: Vault,
}

impl AppendTx {
    pub(super) fn new(tx: Transaction<'static, Postgres>, vault: Vault) -> Self {
        Self { tx, vault }
    }

    /// Appends `events` to a stream at `expected_version` within this transaction, as
    /// [`append`] does on its own. It must be the transaction's first write, so one
    /// transaction appends to one stream.
    pub async fn append<E: DomainEvent>(
        &mut self,
        stream_type: &str,
        stream_id: Uuid,
        expected_version: i64,
        events: &[E],
        metadata: &EventMetadata,
    ) -> Result<Appended, StoreError> {
        let new = NewEvents::new(stream_type, stream_id, expected_version, events, metadata);
        match append(&mut self.tx, &new, &self.vault).await? {
            AppendOutcome::Appended { appended, .. } => Ok(appended),
            AppendOutcome::AnsweredBefore(_) => Err(StoreError::DuplicateRequest),
        }
    }

    /// Commits the events and everything written with them.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}

/// Appends on `connection`: outside a transaction, in the call's own. A stale version is
/// [`StoreError::Conflict`], a value held by someone else [`StoreError::Taken`], a key another
/// request answered meanwhile [`StoreError::DuplicateRequest`]. No events: nothing is written
/// and the stream's version is reported as expected, with no position. Personal fields are
/// sealed with the stream's data key (made with a new stream's first such event), and e-mail
/// claims store their keyed hash; `vault` must be open.
pub async fn append<E: DomainEvent>(
    connection: &mut PgConnection,
    new: &NewEvents<'_, E>,
    vault: &Vault,
) -> Result<AppendOutcome, StoreError> {
    if new.events.is_empty() {
        return Ok(AppendOutcome::Appended {
            appended: Appended {
                version: new.expected_version,
                position: 0,
            },
            answer: None,
        });
    }
    let events = new.events;
    let event_ids: Vec<Uuid> = events.iter().map(|_| Uuid::now_v7()).collect();
    let types: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    let schema_versions: Vec<i16> = events
        .iter()
        .map(|event| i16::try_from(event.schema_version()).unwrap_or(i16::MAX))
        .collect();
    let mut payloads: Vec<Value> = events.iter().map(DomainEvent::to_payload).collect();
    let new_key = seal_personal(connection, new, &mut payloads, vault).await?;
    let claims = Claims::of(events, vault)?;
    let sessions_ended = events.iter().filter(|event| event.ends_sessions()).count();
    let (password_user, password_hash) = match new.side_write {
        Some(SideWrite::PasswordHash { user_id, hash }) => (Some(*user_id), Some(hash.as_str())),
        _ => (None, None),
    };
    let forget = match new.side_write {
        Some(SideWrite::Forget { subject }) => Some(*subject),
        _ => None,
    };
    let (key_subject, key_stored, key_wrapped) = match new_key {
        Some((stored, wrapped)) => (Some(new.stream_id), Some(stored), Some(wrapped)),
        None => (None, None, None),
    };
    let (record, template) = new.answer.unzip();
    // Called in the select list, the function's row comes back as one record value (in the
    // `FROM` list it would go through a tuple store first).
    let returned: Returned = sqlx::query_scalar(
        "SELECT append_to_stream($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
    )
    .bind(new.stream_id)
    .bind(new.stream_type)
    .bind(i32::try_from(new.expected_version).unwrap_or(i32::MAX))
    .bind(&event_ids)
    .bind(&types)
    .bind(&schema_versions)
    .bind(&payloads)
    .bind(new.metadata.actor.kind())
    .bind(new.metadata.actor.id())
    .bind(new.metadata.correlation_id)
    .bind(new.metadata.causation_id)
    .bind(new.metadata.idempotency_key.as_deref())
    .bind(&claims.ops)
    .bind(&claims.sets)
    .bind(&claims.keys)
    .bind(i32::try_from(sessions_ended).unwrap_or(i32::MAX))
    .bind(password_user)
    .bind(password_hash)
    .bind(key_subject)
    .bind(key_stored)
    .bind(key_wrapped)
    .bind(forget)
    .bind(record.map(|record| record.scope.as_str()))
    .bind(record.map(|record| record.key.as_str()))
    .bind(record.map(|record| record.fingerprint.as_str()))
    .bind(template.map(|template| i16::try_from(template.status).unwrap_or(500)))
    .bind(template.map(|_| AnswerTemplate::CONTENT_TYPE))
    .bind(template.and_then(|template| template.location.as_deref()))
    .bind(template.map(|template| &template.body))
    .bind(record.map(|record| record.keep_for.as_secs_f64()))
    .fetch_one(connection)
    .await
    .map_err(|error| refused(error, new))?;
    Ok(outcome(returned))
}

/// The function's OUT parameters, in order.
type Returned = (
    Option<i32>,
    Option<i64>,
    bool,
    Option<String>,
    Option<i16>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn outcome(returned: Returned) -> AppendOutcome {
    let (
        version,
        last_position,
        already_answered,
        fingerprint,
        status,
        content_type,
        location,
        body,
    ) = returned;
    let answer = match (fingerprint, status, content_type, body) {
        (Some(fingerprint), Some(status), Some(content_type), Some(body)) => Some(StoredResponse {
            fingerprint,
            status: u16::try_from(status).unwrap_or(500),
            content_type,
            location,
            body,
        }),
        _ => None,
    };
    match (already_answered, answer) {
        (true, Some(answer)) => AppendOutcome::AnsweredBefore(answer),
        (_, answer) => AppendOutcome::Appended {
            appended: Appended {
                version: i64::from(version.unwrap_or_default()),
                position: last_position.unwrap_or_default(),
            },
            answer,
        },
    }
}

/// The events' uniqueness claims and releases, in order, as the function's three arrays.
struct Claims {
    ops: Vec<&'static str>,
    sets: Vec<&'static str>,
    keys: Vec<String>,
}

impl Claims {
    /// The claims of `events`; an e-mail is claimed as its keyed hash, never in plain text.
    fn of<E: DomainEvent>(events: &[E], vault: &Vault) -> Result<Self, VaultError> {
        let mut claims = Claims {
            ops: Vec::new(),
            sets: Vec::new(),
            keys: Vec::new(),
        };
        for claim in events.iter().flat_map(DomainEvent::unique_claims) {
            let (op, set, key) = match claim {
                UniqueClaim::Claim { set, key } => ("claim", set, key),
                UniqueClaim::Release { set, key } => ("release", set, key),
                UniqueClaim::ReleaseAll { set } => ("release_all", set, String::new()),
            };
            let key = match set {
                UniqueSet::UserEmail if !key.is_empty() => vault.index_opened(&key)?,
                _ => key,
            };
            claims.ops.push(op);
            claims.sets.push(set.as_str());
            claims.keys.push(key);
        }
        Ok(claims)
    }
}

/// Seals the personal fields of `payloads` with the stream's data key: its stored one, or a
/// new one (returned as stored, and whether wrapped, for the append to write) when it has none.
async fn seal_personal<E: DomainEvent>(
    connection: &mut PgConnection,
    new: &NewEvents<'_, E>,
    payloads: &mut [Value],
    vault: &Vault,
) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
    let personal: Vec<(&mut Value, &[&str])> = payloads
        .iter_mut()
        .zip(new.events)
        .map(|(payload, event)| (payload, E::personal_fields(event.event_type())))
        .filter(|(_, fields)| !fields.is_empty())
        .collect();
    if personal.is_empty() {
        return Ok(None);
    }
    let subject = new.stream_id;
    // A new stream has no key yet; an existing one may (from its registration).
    let existing = if new.expected_version > 0 {
        vault
            .keys_of(connection, &[subject])
            .await?
            .remove(&subject)
    } else {
        None
    };
    let (key, stored) = if let Some(key) = existing {
        (key, None)
    } else {
        let (key, stored, wrapped) = vault.new_key(subject);
        (key, Some((stored, wrapped)))
    };
    for (payload, fields) in personal {
        vault::seal(payload, fields, subject, &key);
    }
    Ok(stored)
}

/// The store's error for what the function refused.
fn refused<E>(error: sqlx::Error, new: &NewEvents<'_, E>) -> StoreError {
    let conflict = |actual| StoreError::Conflict {
        stream_id: new.stream_id,
        expected: new.expected_version,
        actual,
    };
    let Some(database) = error
        .as_database_error()
        .and_then(|database| database.try_downcast_ref::<PgDatabaseError>())
    else {
        return error.into();
    };
    let detail = database.detail().unwrap_or_default();
    match database.code() {
        refusal::STALE_VERSION => conflict(detail.parse().unwrap_or(new.expected_version + 1)),
        refusal::TAKEN => match UniqueSet::named(detail) {
            Some(set) => StoreError::Taken(set),
            None => error.into(),
        },
        refusal::ANSWERED_MEANWHILE => StoreError::DuplicateRequest,
        refusal::NOT_FIRST_WRITE => StoreError::NotFirstWrite,
        // Another writer appended the next version between the check and the insert (or,
        // for a new stream, at any time before): at least one more version is there.
        _ if database.constraint() == Some(STREAM_VERSION_CONSTRAINT) => {
            conflict(new.expected_version + 1)
        }
        _ => error.into(),
    }
}
