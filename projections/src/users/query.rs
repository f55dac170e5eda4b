//! Reading users, as admins see them.

use crate::error::QueryError;
use chrono::{DateTime, Utc};
use domain::UserId;
use sqlx::PgPool;
use uuid::Uuid;

pub use api_types::admin::UserView;

/// One row of `proj_users.users`.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    email: Option<String>,
    display_name: Option<String>,
    role: String,
    forgotten: bool,
    version: i32,
    created_at: DateTime<Utc>,
}

impl From<UserRow> for UserView {
    fn from(row: UserRow) -> Self {
        UserView {
            id: UserId::from_uuid(row.id),
            email: row.email,
            display_name: row.display_name,
            role: row.role,
            forgotten: row.forgotten,
            version: row.version,
            created_at: row.created_at,
        }
    }
}

/// Every user, oldest first.
pub async fn list(pool: &PgPool) -> Result<Vec<UserView>, QueryError> {
    let rows = sqlx::query_as::<_, UserRow>(
        "SELECT id, email, display_name, role, forgotten, version, created_at \
         FROM proj_users.users ORDER BY created_at, id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(UserView::from).collect())
}
