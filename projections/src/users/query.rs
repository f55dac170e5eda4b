//! Reading users, as admins see them.

use crate::error::QueryError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// A user as admins see them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UserView {
    /// Their id.
    pub id: Uuid,
    /// Their e-mail address.
    pub email: String,
    /// The name shown to others.
    pub display_name: String,
    /// `user` or `admin`.
    pub role: String,
    /// Their stream version.
    pub version: i32,
    /// When they registered.
    pub created_at: DateTime<Utc>,
}

/// Every user, oldest first.
pub async fn list(pool: &PgPool) -> Result<Vec<UserView>, QueryError> {
    let rows = sqlx::query(
        "SELECT id, email, display_name, role, version, created_at FROM proj_users.users ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await?;
    let users = rows
        .iter()
        .map(|row| {
            Ok(UserView {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                display_name: row.try_get("display_name")?,
                role: row.try_get("role")?,
                version: row.try_get("version")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(users)
}
