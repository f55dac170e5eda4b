//! The users projection: users with their roles, never their secrets.

use crate::error::{ApplyError, QueryError};
use crate::projection::AnyEvent;
use chrono::{DateTime, Utc};
use commands::RecordedEvent;
use domain::user::UserEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

/// Applies one event. Rows carry their stream version; an older event changes nothing.
pub async fn apply(
    conn: &mut PgConnection,
    recorded: &RecordedEvent,
    event: &AnyEvent,
) -> Result<(), ApplyError> {
    let AnyEvent::User(event) = event else {
        return Ok(());
    };
    let id = recorded.stream_id;
    let version = i32::try_from(recorded.version).unwrap_or(i32::MAX);
    let query = match event {
        UserEvent::UserRegistered {
            email,
            display_name,
            role,
        } => sqlx::query(
            "INSERT INTO users (id, email, display_name, role, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(email.as_str())
        .bind(display_name.as_str())
        .bind(role.as_str())
        .bind(version)
        .bind(recorded.recorded_at),
        UserEvent::UserRoleChanged { role } => sqlx::query(
            "UPDATE users SET role = $2, version = $3, updated_at = $4 WHERE id = $1 AND version < $3",
        )
        .bind(id)
        .bind(role.as_str())
        .bind(version)
        .bind(recorded.recorded_at),
        UserEvent::UserPasswordChanged {} | UserEvent::UserSessionsEnded {} => sqlx::query(
            "UPDATE users SET version = $2, updated_at = $3 WHERE id = $1 AND version < $2",
        )
        .bind(id)
        .bind(version)
        .bind(recorded.recorded_at),
    };
    query.execute(conn).await?;
    Ok(())
}

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
