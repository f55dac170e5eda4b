//! Reading creatures: one by id, or a filtered page in keyset order (newest first).

use crate::cursor::Cursor;
use crate::error::QueryError;
use chrono::{DateTime, Utc};
use domain::values::{SearchText, Species, TagName};
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// The most items one page may hold.
pub const MAX_PAGE: i64 = 100;
/// Items per page when the client does not say.
pub const DEFAULT_PAGE: i64 = 20;

/// A creature as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CreatureView {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its species.
    pub species: String,
    /// Its description.
    pub description: String,
    /// Its traits (a flat JSON object).
    pub traits: Value,
    /// Who registered it.
    pub owner: OwnerView,
    /// Names of its tags, alphabetically.
    pub tags: Vec<String>,
    /// Its avatar.
    pub avatar: AvatarView,
    /// Whether it is archived.
    pub archived: bool,
    /// Its stream version (for `If-Match`).
    pub version: i32,
    /// The global position of its last event.
    pub position: i64,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A creature's owner.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OwnerView {
    /// The user's id.
    pub id: Uuid,
    /// Their display name (unknown until their registration is projected).
    pub display_name: Option<String>,
}

/// A creature's avatar.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AvatarView {
    /// `none`, `pending`, `ready` or `failed`.
    pub state: String,
    /// Where the latest generated image is (also while a newer one is pending).
    pub url: Option<String>,
    /// Why the latest request failed.
    pub failure: Option<String>,
}

/// What to list. The texts are parsed values, so nothing PostgreSQL refuses reaches the query.
#[derive(Clone, Debug, Default)]
pub struct CreatureFilter {
    /// Full-text search over name, species and description.
    pub q: Option<SearchText>,
    /// Only creatures with this tag (by name, case-insensitively).
    pub tag: Option<TagName>,
    /// Only creatures of this species (case-insensitively).
    pub species: Option<Species>,
    /// Only creatures of this owner.
    pub owner: Option<Uuid>,
    /// Items per page (1–100).
    pub limit: Option<i64>,
    /// Where the page starts.
    pub cursor: Option<String>,
}

/// A page of creatures.
#[derive(Clone, Debug, Serialize)]
pub struct CreaturePage {
    /// The creatures, newest first.
    pub items: Vec<CreatureView>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.name, c.species, c.description, c.traits, c.owner_id, \
        o.display_name AS owner_name, \
        COALESCE((SELECT array_agg(t.name ORDER BY lower(t.name)) \
                  FROM proj_creatures.creature_tags ct \
                  JOIN proj_creatures.tags t ON t.id = ct.tag_id AND NOT t.deleted \
                  WHERE ct.creature_id = c.id), '{}') AS tags, \
        c.avatar_state, c.avatar_sha256, c.avatar_failure, c.archived, c.version, \
        c.last_position, c.created_at, c.updated_at \
    FROM proj_creatures.creatures c \
    LEFT JOIN proj_creatures.owners o ON o.id = c.owner_id";

fn view(row: &PgRow) -> Result<CreatureView, sqlx::Error> {
    let id: Uuid = row.try_get("id")?;
    let sha: Option<String> = row.try_get("avatar_sha256")?;
    Ok(CreatureView {
        id,
        name: row.try_get("name")?,
        species: row.try_get("species")?,
        description: row.try_get("description")?,
        traits: row.try_get("traits")?,
        owner: OwnerView {
            id: row.try_get("owner_id")?,
            display_name: row.try_get("owner_name")?,
        },
        tags: row.try_get("tags")?,
        avatar: AvatarView {
            state: row.try_get("avatar_state")?,
            url: sha.map(|sha| format!("/creatures/{id}/avatar?v={}", &sha[..sha.len().min(16)])),
            failure: row.try_get("avatar_failure")?,
        },
        archived: row.try_get("archived")?,
        version: row.try_get("version")?,
        position: row.try_get("last_position")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// One creature, archived or not.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<CreatureView>, QueryError> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(view).transpose()?)
}

/// A page of unarchived creatures matching the filter, newest first.
pub async fn list(pool: &PgPool, filter: &CreatureFilter) -> Result<CreaturePage, QueryError> {
    let limit = filter.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(QueryError::Invalid {
            field: "limit",
            message: format!("must be between 1 and {MAX_PAGE}"),
        });
    }
    let after = filter
        .cursor
        .as_deref()
        .map(Cursor::decode)
        .transpose()?
        .map(|cursor| cursor.key());
    let sql = format!(
        "{SELECT} WHERE NOT c.archived \
           AND ($1::text IS NULL OR c.search @@ websearch_to_tsquery('english', $1)) \
           AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM proj_creatures.creature_tags ct \
                JOIN proj_creatures.tags t ON t.id = ct.tag_id AND NOT t.deleted \
                WHERE ct.creature_id = c.id AND lower(t.name) = lower($2))) \
           AND ($3::text IS NULL OR lower(c.species) = lower($3)) \
           AND ($4::uuid IS NULL OR c.owner_id = $4) \
           AND ($5::timestamptz IS NULL OR (c.created_at, c.id) < ($5, $6)) \
         ORDER BY c.created_at DESC, c.id DESC LIMIT $7"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(filter.q.as_ref().map(SearchText::as_str))
        .bind(filter.tag.as_ref().map(TagName::as_str))
        .bind(filter.species.as_ref().map(Species::as_str))
        .bind(filter.owner)
        .bind(after.map(|(created_at, _)| created_at))
        .bind(after.map(|(_, id)| id))
        .bind(limit + 1)
        .fetch_all(pool)
        .await?;
    let mut items = rows.iter().map(view).collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items
            .last()
            .map(|last| Cursor::after(last.created_at, last.id).encode())
    } else {
        None
    };
    Ok(CreaturePage { items, next_cursor })
}
