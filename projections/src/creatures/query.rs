//! Reading creatures: one by id, or a filtered page in keyset order (newest first).

use crate::cursor::Cursor;
use crate::error::QueryError;
use chrono::{DateTime, Utc};
use domain::values::{SearchText, Species, TagName};
use domain::{CreatureId, UserId};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

pub use api_types::creatures::{AvatarView, CreaturePage, CreatureView, OwnerView};

/// The most items one page may hold.
pub const MAX_PAGE: i64 = 100;
/// Items per page when the client does not say.
pub const DEFAULT_PAGE: i64 = 20;

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
    /// The archived creatures instead of the listed ones.
    pub archived: bool,
    /// Items per page (1–100).
    pub limit: Option<i64>,
    /// Where the page starts.
    pub cursor: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.name, c.species, c.description, c.traits, c.owner_id, \
        o.display_name AS owner_name, \
        (o.id IS NOT NULL AND o.display_name IS NULL) AS owner_forgotten, \
        COALESCE((SELECT array_agg(t.name ORDER BY lower(t.name)) \
                  FROM proj_creatures.creature_tags ct \
                  JOIN proj_creatures.tags t ON t.id = ct.tag_id AND NOT t.deleted \
                  WHERE ct.creature_id = c.id), '{}') AS tags, \
        c.avatar_state, c.avatar_sha256, c.avatar_failure, c.archived, c.version, \
        c.last_position, c.created_at, c.updated_at \
    FROM proj_creatures.creatures c \
    LEFT JOIN proj_creatures.owners o ON o.id = c.owner_id";

/// One row of `SELECT`, as PostgreSQL returns it.
#[derive(sqlx::FromRow)]
struct CreatureRow {
    id: Uuid,
    name: String,
    species: String,
    description: String,
    traits: Value,
    owner_id: Uuid,
    owner_name: Option<String>,
    owner_forgotten: bool,
    tags: Vec<String>,
    avatar_state: String,
    avatar_sha256: Option<String>,
    avatar_failure: Option<String>,
    archived: bool,
    version: i32,
    last_position: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<CreatureRow> for CreatureView {
    fn from(row: CreatureRow) -> Self {
        let id = row.id;
        CreatureView {
            id: CreatureId::from_uuid(id),
            name: row.name,
            species: row.species,
            description: row.description,
            traits: row.traits,
            owner: OwnerView {
                id: UserId::from_uuid(row.owner_id),
                display_name: row.owner_name,
                forgotten: row.owner_forgotten,
            },
            tags: row.tags,
            avatar: AvatarView {
                state: row.avatar_state,
                url: row
                    .avatar_sha256
                    .map(|sha| format!("/creatures/{id}/avatar?v={}", &sha[..sha.len().min(16)])),
                failure: row.avatar_failure,
            },
            archived: row.archived,
            version: row.version,
            position: row.last_position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// One creature, archived or not.
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<CreatureView>, QueryError> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row = sqlx::query_as::<_, CreatureRow>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(CreatureView::from))
}

/// Splits a search into what `websearch_to_tsquery` reads (whole words, `"phrases"`, `or`,
/// `-word`) and a last word still being typed, which matches as a prefix: `smau` finds Smaug.
/// A last word inside an open quote, negated, or followed by a space is a whole word.
fn search_terms(q: &str) -> (Option<&str>, Option<&str>) {
    let open_quote = q.matches('"').count() % 2 == 1;
    let start = q.rfind(char::is_whitespace).map_or(0, |at| at + 1);
    let last = &q[start..];
    let typing = !open_quote
        && !last.is_empty()
        && !last.eq_ignore_ascii_case("or")
        && last.chars().all(char::is_alphanumeric);
    if !typing {
        return (Some(q), None);
    }
    let rest = q[..start].trim_end();
    ((!rest.is_empty()).then_some(rest), Some(last))
}

/// A page of creatures matching the filter, newest first: the unarchived ones, or only the
/// archived ones.
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
        "{SELECT} WHERE c.archived = $9 \
           AND (($1::text IS NULL AND $8::text IS NULL) OR c.search @@ CASE \
                WHEN $8 IS NULL THEN websearch_to_tsquery('english', $1) \
                WHEN $1 IS NULL THEN to_tsquery('english', quote_literal($8) || ':*') \
                ELSE websearch_to_tsquery('english', $1) \
                     && to_tsquery('english', quote_literal($8) || ':*') END) \
           AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM proj_creatures.creature_tags ct \
                JOIN proj_creatures.tags t ON t.id = ct.tag_id AND NOT t.deleted \
                WHERE ct.creature_id = c.id AND lower(t.name) = lower($2))) \
           AND ($3::text IS NULL OR lower(c.species) = lower($3)) \
           AND ($4::uuid IS NULL OR c.owner_id = $4) \
           AND ($5::timestamptz IS NULL OR (c.created_at, c.id) < ($5, $6)) \
         ORDER BY c.created_at DESC, c.id DESC LIMIT $7"
    );
    let (words, prefix) = filter
        .q
        .as_ref()
        .map_or((None, None), |q| search_terms(q.as_str()));
    let rows = sqlx::query_as::<_, CreatureRow>(sqlx::AssertSqlSafe(sql))
        .bind(words)
        .bind(filter.tag.as_ref().map(TagName::as_str))
        .bind(filter.species.as_ref().map(Species::as_str))
        .bind(filter.owner)
        .bind(after.map(|(created_at, _)| created_at))
        .bind(after.map(|(_, id)| id))
        .bind(limit + 1)
        .bind(prefix)
        .bind(filter.archived)
        .fetch_all(pool)
        .await?;
    let mut items: Vec<CreatureView> = rows.into_iter().map(CreatureView::from).collect();
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items
            .last()
            .map(|last| Cursor::after(last.created_at, last.id.as_uuid()).encode())
    } else {
        None
    };
    Ok(CreaturePage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::search_terms;

    #[test]
    fn the_last_word_being_typed_is_a_prefix_and_the_rest_whole_words() {
        assert_eq!(search_terms("smau"), (None, Some("smau")));
        assert_eq!(search_terms("red drag"), (Some("red"), Some("drag")));
        assert_eq!(search_terms("red dragon "), (Some("red dragon "), None));
        assert_eq!(search_terms("\"red dra"), (Some("\"red dra"), None));
        assert_eq!(search_terms("dragon -wyrm"), (Some("dragon -wyrm"), None));
        assert_eq!(search_terms("owl or"), (Some("owl or"), None));
    }
}
