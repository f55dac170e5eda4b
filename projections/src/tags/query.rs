//! Reading tags: every live tag with its count of unarchived creatures.

use crate::error::QueryError;
use chrono::{DateTime, Utc};
use domain::TagId;
use sqlx::PgPool;
use uuid::Uuid;

pub use api_types::tags::TagView;

/// One row of the tag list, as PostgreSQL returns it.
#[derive(sqlx::FromRow)]
struct TagRow {
    id: Uuid,
    name: String,
    creature_count: i64,
    created_at: DateTime<Utc>,
}

impl From<TagRow> for TagView {
    fn from(row: TagRow) -> Self {
        TagView {
            id: TagId::from_uuid(row.id),
            name: row.name,
            creature_count: row.creature_count,
            created_at: row.created_at,
        }
    }
}

/// Every live tag, alphabetically, with its creature count.
pub async fn list(pool: &PgPool) -> Result<Vec<TagView>, QueryError> {
    let rows = sqlx::query_as::<_, TagRow>(
        "SELECT t.id, t.name, t.created_at, count(c.id) AS creature_count \
         FROM proj_tags.tags t LEFT JOIN proj_tags.memberships m ON m.tag_id = t.id \
         LEFT JOIN proj_tags.creatures c ON c.id = m.creature_id AND NOT c.archived \
         WHERE NOT t.deleted GROUP BY t.id ORDER BY lower(t.name), t.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(TagView::from).collect())
}
