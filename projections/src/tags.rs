//! The tags projection: every live tag with the number of unarchived creatures carrying it.

use crate::error::{ApplyError, QueryError};
use crate::projection::AnyEvent;
use chrono::{DateTime, Utc};
use commands::RecordedEvent;
use domain::creature::CreatureEvent;
use domain::tag::TagEvent;
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

/// Applies one event. Tag rows and creatures carry the stream version of the last event
/// applied to them; an event at or below it was applied already and changes nothing.
pub async fn apply(
    conn: &mut PgConnection,
    recorded: &RecordedEvent,
    event: &AnyEvent,
) -> Result<(), ApplyError> {
    let id = recorded.stream_id;
    let version = i32::try_from(recorded.version).unwrap_or(i32::MAX);
    let query = match event {
        AnyEvent::Tag(TagEvent::TagCreated { name }) => sqlx::query(
            "INSERT INTO tags (id, name, created_at, version) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name.as_str())
        .bind(recorded.recorded_at)
        .bind(version),
        AnyEvent::Tag(TagEvent::TagRenamed { to, .. }) => {
            sqlx::query("UPDATE tags SET name = $2, version = $3 WHERE id = $1 AND version < $3")
                .bind(id)
                .bind(to.as_str())
                .bind(version)
        }
        AnyEvent::Tag(TagEvent::TagDeleted { .. }) => {
            sqlx::query("DELETE FROM memberships WHERE tag_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE tags SET deleted = true, version = $2 WHERE id = $1 AND version < $2",
            )
            .bind(id)
            .bind(version)
        }
        AnyEvent::Creature(event) => {
            let change = match event {
                CreatureEvent::CreatureTagged { tag_id, .. } => sqlx::query(
                    "INSERT INTO memberships (tag_id, creature_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(tag_id.as_uuid())
                .bind(id),
                CreatureEvent::CreatureUntagged { tag_id } => {
                    sqlx::query("DELETE FROM memberships WHERE tag_id = $1 AND creature_id = $2")
                        .bind(tag_id.as_uuid())
                        .bind(id)
                }
                CreatureEvent::CreatureArchived {} => {
                    sqlx::query("DELETE FROM memberships WHERE creature_id = $1").bind(id)
                }
                _ => return Ok(()),
            };
            if !advance_creature(conn, id, version).await? {
                return Ok(());
            }
            change
        }
        AnyEvent::User(_) => return Ok(()),
    };
    query.execute(conn).await?;
    Ok(())
}

/// Records that the creature's event at `version` is applied; false if it was already.
async fn advance_creature(
    conn: &mut PgConnection,
    id: Uuid,
    version: i32,
) -> Result<bool, sqlx::Error> {
    let advanced = sqlx::query(
        "INSERT INTO creatures (id, version) VALUES ($1, $2) \
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version WHERE creatures.version < EXCLUDED.version",
    )
    .bind(id)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(advanced.rows_affected() == 1)
}

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
