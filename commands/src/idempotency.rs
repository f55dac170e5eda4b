//! The durable side of idempotency: each keyed command's answer, stored in PostgreSQL exactly
//! once. A command that appends stores it in the append's own statement (`append_to_stream`),
//! which also tells it when the key was answered before, so a crash between the append and the
//! answer cannot lead to a second execution and a Redis that lost its data still deduplicates;
//! a command that appends nothing stores it right after ([`store_answer`]).

use crate::error::StoreError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;
use std::time::Duration;

/// Whose key, which key, for which request, kept how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// `user:<id>`, `anonymous:<client fingerprint>` or `system`.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// The request's fingerprint (method, path, body).
    pub fingerprint: String,
    /// How long the outcome is kept.
    pub keep_for: Duration,
}

/// A response as it is stored and replayed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StoredResponse {
    /// The fingerprint of the request that produced it.
    pub fingerprint: String,
    /// The HTTP status.
    #[sqlx(try_from = "i16")]
    pub status: u16,
    /// The body's media type.
    pub content_type: String,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body.
    pub body: String,
}

/// The answer a command gives, before it ran: its status, `Location` and a JSON object whose
/// top-level `version` and `position` are filled in from the outcome (where present).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerTemplate {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body, with `version` and `position` still to fill in.
    pub body: Value,
}

impl AnswerTemplate {
    /// The media type of every command answer made from a template.
    pub const CONTENT_TYPE: &str = "application/json";

    /// The answer to a request with `fingerprint`, for a stream now at `version` whose last
    /// event is at `position`.
    pub fn render(&self, fingerprint: &str, version: i64, position: i64) -> StoredResponse {
        let mut body = self.body.clone();
        if let Some(object) = body.as_object_mut() {
            for (field, value) in [("version", version), ("position", position)] {
                if let Some(slot) = object.get_mut(field) {
                    *slot = value.into();
                }
            }
        }
        StoredResponse {
            fingerprint: fingerprint.to_owned(),
            status: self.status,
            content_type: Self::CONTENT_TYPE.into(),
            location: self.location.clone(),
            body: body.to_string(),
        }
    }
}

/// Stores the answer of a command that appended nothing, unless a live one is stored for the
/// key: `None` when this one was stored, else the live answer found, to replay instead. (The
/// answer of a command that appends is stored by the append itself.) One round trip.
pub async fn store_answer(
    pool: &PgPool,
    record: &IdempotencyRecord,
    response: &StoredResponse,
) -> Result<Option<StoredResponse>, StoreError> {
    let row: Option<StoredResponse> = sqlx::query_as(
        "SELECT fingerprint, status, content_type, location, body \
         FROM store_answer($1, $2, $3, $4, $5, $6, $7, $8) WHERE key IS NOT NULL",
    )
    .bind(&record.scope)
    .bind(&record.key)
    .bind(&response.fingerprint)
    .bind(i16::try_from(response.status).unwrap_or(500))
    .bind(&response.content_type)
    .bind(response.location.as_deref())
    .bind(&response.body)
    .bind(record.keep_for.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// A stored answer with the time it has left.
#[derive(sqlx::FromRow)]
struct LiveAnswer {
    #[sqlx(flatten)]
    stored: StoredResponse,
    seconds_left: f64,
}

/// The live outcome stored for a key, if any, with the time it has left.
pub async fn find(
    pool: &PgPool,
    scope: &str,
    key: &str,
) -> Result<Option<(StoredResponse, Duration)>, StoreError> {
    let row: Option<LiveAnswer> = sqlx::query_as(
        "SELECT fingerprint, status, content_type, location, body, \
             EXTRACT(EPOCH FROM expires_at - now())::float8 AS seconds_left \
         FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > now()",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|live| {
        (
            live.stored,
            Duration::from_secs_f64(live.seconds_left.max(0.001)),
        )
    }))
}

/// Deletes up to `batch` expired outcomes; how many went. Small batches keep locks short, so
/// commands never wait on the clean-up.
pub async fn delete_expired(pool: &PgPool, batch: i64) -> Result<u64, StoreError> {
    let deleted = sqlx::query(
        "DELETE FROM idempotency_keys WHERE (scope, key) IN \
         (SELECT scope, key FROM idempotency_keys WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)",
    )
    .bind(batch)
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}
