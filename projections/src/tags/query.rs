//! Reading tags: every live tag with its count of unarchived creatures.

use crate::error::QueryError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// A tag as the API lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TagView {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// How many unarchived creatures carry it.
    pub creature_count: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// Every live tag, alphabetically, with its creature count.
pub async fn list(pool: &PgPool) -> Result<Vec<TagView>, QueryError> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.created_at, count(m.creature_id) AS creature_count \
         FROM proj_tags.tags t LEFT JOIN proj_tags.memberships m ON m.tag_id = t.id \
         WHERE NOT t.deleted GROUP BY t.id ORDER BY lower(t.name), t.id",
    )
    .fetch_all(pool)
    .await?;
    let tags = rows
        .iter()
        .map(|row| {
            Ok(TagView {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                creature_count: row.try_get("creature_count")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(tags)
}
