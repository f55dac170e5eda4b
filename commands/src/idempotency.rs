//! The durable side of idempotency: each keyed command's outcome, stored in PostgreSQL. A
//! command's record is written in the transaction that appends its events, so a crash between
//! the append and the answer cannot lead to a second execution; a Redis that lost its data
//! still deduplicates.

use crate::error::StoreError;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool, Row};
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// The fingerprint of the request that produced it.
    pub fingerprint: String,
    /// The HTTP status.
    pub status: u16,
    /// The body's media type.
    pub content_type: String,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The body.
    pub body: String,
}

/// Stores an outcome unless a live one is stored for the key; false if one was.
pub async fn save(
    conn: &mut PgConnection,
    record: &IdempotencyRecord,
    response: &StoredResponse,
) -> Result<bool, StoreError> {
    let saved = sqlx::query(
        "INSERT INTO idempotency_keys (scope, key, fingerprint, status, content_type, location, body, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + $8 * interval '1 second') \
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, \
             content_type = EXCLUDED.content_type, location = EXCLUDED.location, body = EXCLUDED.body, \
             created_at = now(), expires_at = EXCLUDED.expires_at \
         WHERE idempotency_keys.expires_at <= now()",
    )
    .bind(&record.scope)
    .bind(&record.key)
    .bind(&response.fingerprint)
    .bind(i16::try_from(response.status).unwrap_or(500))
    .bind(&response.content_type)
    .bind(response.location.as_deref())
    .bind(&response.body)
    .bind(record.keep_for.as_secs_f64())
    .execute(conn)
    .await?;
    Ok(saved.rows_affected() == 1)
}

/// The live outcome stored for a key, if any, with the time it has left.
pub async fn find(
    pool: &PgPool,
    scope: &str,
    key: &str,
) -> Result<Option<(StoredResponse, Duration)>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, status, content_type, location, body, \
             EXTRACT(EPOCH FROM expires_at - now())::float8 AS seconds_left \
         FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > now()",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status: i16 = row.try_get("status")?;
    let seconds_left: f64 = row.try_get("seconds_left")?;
    let stored = StoredResponse {
        fingerprint: row.try_get("fingerprint")?,
        status: u16::try_from(status).unwrap_or(500),
        content_type: row.try_get("content_type")?,
        location: row.try_get("location")?,
        body: row.try_get("body")?,
    };
    Ok(Some((
        stored,
        Duration::from_secs_f64(seconds_left.max(0.001)),
    )))
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
