//! Reading and writing the creatures projection's rows a batch at a time: the rows a batch
//! touches are loaded with one statement per table, and written back with one per table
//! (`UNNEST` arrays for live batches, `COPY` for bulk loads).

use super::fold::{CreatureRow, Fold, TagRow};
use crate::copy::CopyRows;
use crate::projection::AnyEvent;
use crate::reader::Decoded;
use sqlx::{PgConnection, Row};
use std::collections::{BTreeSet, HashSet};
use uuid::Uuid;

const CREATURE_COLUMNS: &str = "id, name, species, description, traits, owner_id, avatar_state, \
     avatar_request_id, avatar_sha256, avatar_content_type, avatar_failure, archived, version, \
     last_position, created_at, updated_at";

/// Loads the stored rows of the streams in `events` that already had events before them
/// (a stream whose first event here is its first of all has nothing stored).
pub async fn load(conn: &mut PgConnection, events: &[Decoded]) -> Result<Fold, sqlx::Error> {
    let mut fold = Fold::default();
    let mut seen = HashSet::new();
    let (mut creatures, mut tags) = (Vec::new(), Vec::new());
    for event in events {
        if !seen.insert(event.stream_id) || event.version <= 1 {
            continue;
        }
        match event.event {
            AnyEvent::Creature(_) => creatures.push(event.stream_id),
            AnyEvent::Tag(_) => tags.push(event.stream_id),
            AnyEvent::User(_) | AnyEvent::Other => {}
        }
    }
    if !creatures.is_empty() {
        let sql = format!("SELECT {CREATURE_COLUMNS} FROM creatures WHERE id = ANY($1)");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&creatures)
            .fetch_all(&mut *conn)
            .await?
        {
            let id: Uuid = row.try_get("id")?;
            fold.stored_tags.insert(id, BTreeSet::new());
            fold.creatures.insert(
                id,
                CreatureRow {
                    id,
                    name: row.try_get("name")?,
                    species: row.try_get("species")?,
                    description: row.try_get("description")?,
                    traits: row.try_get("traits")?,
                    owner_id: row.try_get("owner_id")?,
                    avatar_state: row.try_get("avatar_state")?,
                    avatar_request_id: row.try_get("avatar_request_id")?,
                    avatar_sha256: row.try_get("avatar_sha256")?,
                    avatar_content_type: row.try_get("avatar_content_type")?,
                    avatar_failure: row.try_get("avatar_failure")?,
                    archived: row.try_get("archived")?,
                    version: row.try_get("version")?,
                    last_position: row.try_get("last_position")?,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                    tags: BTreeSet::new(),
                },
            );
        }
        let pairs: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT creature_id, tag_id FROM creature_tags WHERE creature_id = ANY($1)",
        )
        .bind(&creatures)
        .fetch_all(&mut *conn)
        .await?;
        for (creature, tag) in pairs {
            if let Some(row) = fold.creatures.get_mut(&creature) {
                row.tags.insert(tag);
            }
            fold.stored_tags.entry(creature).or_default().insert(tag);
        }
    }
    if !tags.is_empty() {
        let rows: Vec<(Uuid, String, bool, i32)> =
            sqlx::query_as("SELECT id, name, deleted, version FROM tags WHERE id = ANY($1)")
                .bind(&tags)
                .fetch_all(&mut *conn)
                .await?;
        for (id, name, deleted, version) in rows {
            fold.tags.insert(
                id,
                TagRow {
                    id,
                    name,
                    deleted,
                    version,
                },
            );
        }
    }
    Ok(fold)
}

/// Writes what the fold changed, one statement per table; a row already at or past the
/// folded version is left alone, and so are its tags.
pub async fn save(conn: &mut PgConnection, fold: &Fold) -> Result<(), sqlx::Error> {
    let rows: Vec<&CreatureRow> = fold
        .changed_creatures
        .iter()
        .filter_map(|id| fold.creatures.get(id))
        .collect();
    if !rows.is_empty() {
        let sql = format!(
            "INSERT INTO creatures ({CREATURE_COLUMNS}) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], \
                 $6::uuid[], $7::text[], $8::uuid[], $9::text[], $10::text[], $11::text[], \
                 $12::bool[], $13::int4[], $14::int8[], $15::timestamptz[], $16::timestamptz[]) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, species = EXCLUDED.species, \
                 description = EXCLUDED.description, traits = EXCLUDED.traits, \
                 owner_id = EXCLUDED.owner_id, avatar_state = EXCLUDED.avatar_state, \
                 avatar_request_id = EXCLUDED.avatar_request_id, \
                 avatar_sha256 = EXCLUDED.avatar_sha256, \
                 avatar_content_type = EXCLUDED.avatar_content_type, \
                 avatar_failure = EXCLUDED.avatar_failure, archived = EXCLUDED.archived, \
                 version = EXCLUDED.version, last_position = EXCLUDED.last_position, \
                 updated_at = EXCLUDED.updated_at \
             WHERE creatures.version < EXCLUDED.version \
             RETURNING id"
        );
        let written: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.species.as_str()).collect::<Vec<_>>())
            .bind(
                rows.iter()
                    .map(|r| r.description.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(rows.iter().map(|r| r.traits.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.owner_id).collect::<Vec<_>>())
            .bind(
                rows.iter()
                    .map(|r| r.avatar_state.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(rows.iter().map(|r| r.avatar_request_id).collect::<Vec<_>>())
            .bind(
                rows.iter()
                    .map(|r| r.avatar_sha256.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(
                rows.iter()
                    .map(|r| r.avatar_content_type.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(
                rows.iter()
                    .map(|r| r.avatar_failure.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(rows.iter().map(|r| r.archived).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.version).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.last_position).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.updated_at).collect::<Vec<_>>())
            .fetch_all(&mut *conn)
            .await?;
        save_tags(conn, fold, &written).await?;
    }
    let tags: Vec<&TagRow> = fold
        .changed_tags
        .iter()
        .filter_map(|id| fold.tags.get(id))
        .collect();
    if !tags.is_empty() {
        sqlx::query(
            "INSERT INTO tags (id, name, deleted, version) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::bool[], $4::int4[]) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, deleted = EXCLUDED.deleted, \
                 version = EXCLUDED.version WHERE tags.version < EXCLUDED.version",
        )
        .bind(tags.iter().map(|t| t.id).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.deleted).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.version).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    if !fold.owners.is_empty() {
        sqlx::query(
            "INSERT INTO owners (id, display_name) SELECT * FROM UNNEST($1::uuid[], $2::text[]) \
             ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name",
        )
        .bind(fold.owners.keys().copied().collect::<Vec<_>>())
        .bind(fold.owners.values().map(String::as_str).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The tag sets of the creatures just written: what was added and what was removed.
async fn save_tags(
    conn: &mut PgConnection,
    fold: &Fold,
    written: &[Uuid],
) -> Result<(), sqlx::Error> {
    let none = BTreeSet::new();
    let (mut added, mut removed) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for id in written {
        let Some(row) = fold.creatures.get(id) else {
            continue;
        };
        let stored = fold.stored_tags.get(id).unwrap_or(&none);
        for tag in row.tags.difference(stored) {
            added.0.push(*id);
            added.1.push(*tag);
        }
        for tag in stored.difference(&row.tags) {
            removed.0.push(*id);
            removed.1.push(*tag);
        }
    }
    if !removed.0.is_empty() {
        sqlx::query(
            "DELETE FROM creature_tags t USING UNNEST($1::uuid[], $2::uuid[]) AS r(creature_id, tag_id) \
             WHERE t.creature_id = r.creature_id AND t.tag_id = r.tag_id",
        )
        .bind(&removed.0)
        .bind(&removed.1)
        .execute(&mut *conn)
        .await?;
    }
    if !added.0.is_empty() {
        sqlx::query(
            "INSERT INTO creature_tags (creature_id, tag_id) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING",
        )
        .bind(&added.0)
        .bind(&added.1)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Loads every row the fold holds with `COPY` (the tables are empty: a bulk load).
pub async fn copy(conn: &mut PgConnection, fold: &Fold) -> Result<(), sqlx::Error> {
    let mut creatures = CopyRows::default();
    let mut tags_of = CopyRows::default();
    for row in fold.creatures.values() {
        creatures
            .plain(row.id)
            .text(&row.name)
            .text(&row.species)
            .text(&row.description)
            .json(&row.traits)
            .plain(row.owner_id)
            .text(&row.avatar_state)
            .plain_or_null(row.avatar_request_id)
            .text_or_null(row.avatar_sha256.as_deref())
            .text_or_null(row.avatar_content_type.as_deref())
            .text_or_null(row.avatar_failure.as_deref())
            .plain(row.archived)
            .plain(row.version)
            .plain(row.last_position)
            .time(&row.created_at)
            .time(&row.updated_at)
            .end_row();
        for tag in &row.tags {
            tags_of.plain(row.id).plain(tag).end_row();
        }
    }
    creatures
        .copy_into(conn, &format!("creatures ({CREATURE_COLUMNS})"))
        .await?;
    tags_of
        .copy_into(conn, "creature_tags (creature_id, tag_id)")
        .await?;
    let mut tags = CopyRows::default();
    for tag in fold.tags.values() {
        tags.plain(tag.id)
            .text(&tag.name)
            .plain(tag.deleted)
            .plain(tag.version)
            .end_row();
    }
    tags.copy_into(conn, "tags (id, name, deleted, version)")
        .await?;
    let mut owners = CopyRows::default();
    for (id, name) in &fold.owners {
        owners.plain(id).text(name).end_row();
    }
    owners.copy_into(conn, "owners (id, display_name)").await
}
