//! Reading and writing the creatures projection's rows a batch at a time: the rows a batch
//! touches are loaded with one statement per table, and written back with one per table
//! (`UNNEST` arrays for live batches, `COPY` for bulk loads).

use super::fold::{CreatureRow, Fold, TagRow};
use crate::copy::CopyRows;
use crate::projection::AnyEvent;
use crate::reader::Decoded;
use sqlx::{FromRow, PgConnection, Row};
use std::collections::{BTreeSet, HashSet};
use uuid::Uuid;

const CREATURE_COLUMNS: &str = "id, name, species, description, traits, owner_id, avatar_state, \
     avatar_request_id, avatar_sha256, avatar_content_type, avatar_failure, archived, version, \
     last_position, created_at, updated_at";

/// Creature rows as one set, its arrays bound by [`bind_rows`] in [`CREATURE_COLUMNS`] order.
const ROWS: &str = "UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], \
     $6::uuid[], $7::text[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::bool[], \
     $13::int4[], $14::int8[], $15::timestamptz[], $16::timestamptz[])";

/// How an insert of [`ROWS`] updates the stored rows among them: unless already at or past the
/// folded version.
const UPDATE_STORED: &str = "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, \
     species = EXCLUDED.species, description = EXCLUDED.description, traits = EXCLUDED.traits, \
     owner_id = EXCLUDED.owner_id, avatar_state = EXCLUDED.avatar_state, \
     avatar_request_id = EXCLUDED.avatar_request_id, avatar_sha256 = EXCLUDED.avatar_sha256, \
     avatar_content_type = EXCLUDED.avatar_content_type, \
     avatar_failure = EXCLUDED.avatar_failure, archived = EXCLUDED.archived, \
     version = EXCLUDED.version, last_position = EXCLUDED.last_position, \
     updated_at = EXCLUDED.updated_at \
     WHERE creatures.version < EXCLUDED.version";

/// Binds `rows` as the arrays of [`ROWS`].
fn bind_rows<'q>(
    query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    rows: &[&'q CreatureRow],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    fn column<'q, T>(rows: &[&'q CreatureRow], field: impl Fn(&'q CreatureRow) -> T) -> Vec<T> {
        rows.iter().map(|row| field(row)).collect()
    }
    query
        .bind(column(rows, |r| r.id))
        .bind(column(rows, |r| r.name.as_str()))
        .bind(column(rows, |r| r.species.as_str()))
        .bind(column(rows, |r| r.description.as_str()))
        .bind(column(rows, |r| &r.traits))
        .bind(column(rows, |r| r.owner_id))
        .bind(column(rows, |r| r.avatar_state.as_str()))
        .bind(column(rows, |r| r.avatar_request_id))
        .bind(column(rows, |r| r.avatar_sha256.as_deref()))
        .bind(column(rows, |r| r.avatar_content_type.as_deref()))
        .bind(column(rows, |r| r.avatar_failure.as_deref()))
        .bind(column(rows, |r| r.archived))
        .bind(column(rows, |r| r.version))
        .bind(column(rows, |r| r.last_position))
        .bind(column(rows, |r| r.created_at))
        .bind(column(rows, |r| r.updated_at))
}

/// Loads the stored rows of the streams in `events`, each creature with its tags, in one
/// statement (and one for the tags the batch renames or deletes). A creature whose first event
/// here is its first of all has no row unless the batch is applied again; the rows the fold
/// starts from are then the ones [`save`] updates, and every other row it inserts. Only one
/// runner of a projection writes at a time (the checkpoint lock), so a row found missing stays
/// missing until the batch writes it.
pub async fn load(conn: &mut PgConnection, events: &[Decoded]) -> Result<Fold, sqlx::Error> {
    let mut fold = Fold::default();
    let mut seen = HashSet::new();
    let (mut creatures, mut tags) = (Vec::new(), Vec::new());
    for event in events {
        if !seen.insert(event.stream_id) {
            continue;
        }
        match event.event {
            AnyEvent::Creature(_) => creatures.push(event.stream_id),
            AnyEvent::Tag(_) if event.version > 1 => tags.push(event.stream_id),
            AnyEvent::Tag(_) | AnyEvent::User(_) | AnyEvent::Other => {}
        }
    }
    if !creatures.is_empty() {
        let sql = format!(
            "SELECT {CREATURE_COLUMNS}, \
                 ARRAY(SELECT t.tag_id FROM creature_tags t WHERE t.creature_id = c.id) AS tag_ids \
             FROM creatures c WHERE c.id = ANY($1)"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&creatures)
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let mut creature = CreatureRow::from_row(row)?;
            let tag_ids: Vec<Uuid> = row.try_get("tag_ids")?;
            creature.tags = tag_ids.into_iter().collect();
            fold.stored_tags.insert(creature.id, creature.tags.clone());
            fold.creatures.insert(creature.id, creature);
        }
    }
    if !tags.is_empty() {
        let rows: Vec<TagRow> =
            sqlx::query_as("SELECT id, name, deleted, version FROM tags WHERE id = ANY($1)")
                .bind(&tags)
                .fetch_all(&mut *conn)
                .await?;
        fold.tags.extend(rows.into_iter().map(|row| (row.id, row)));
    }
    Ok(fold)
}

/// Writes what the fold changed, one statement per table: the creatures with one `INSERT`,
/// an upsert when some of them are stored rows, which are updated unless already at or past
/// the folded version (then they are left alone, and so are their tags).
pub async fn save(conn: &mut PgConnection, fold: &Fold) -> Result<(), sqlx::Error> {
    let changed: Vec<&CreatureRow> = fold
        .changed_creatures
        .iter()
        .filter_map(|id| fold.creatures.get(id))
        .collect();
    let mut written: Vec<Uuid> = Vec::with_capacity(changed.len());
    if !changed.is_empty() {
        // Only new rows (as in a catch-up from zero): a plain insert, cheaper than an upsert.
        let stored = changed
            .iter()
            .any(|row| fold.stored_tags.contains_key(&row.id));
        let sql = format!(
            "INSERT INTO creatures ({CREATURE_COLUMNS}) SELECT * FROM {ROWS} {} RETURNING id",
            if stored { UPDATE_STORED } else { "" }
        );
        for row in bind_rows(sqlx::query(sqlx::AssertSqlSafe(sql)), &changed)
            .fetch_all(&mut *conn)
            .await?
        {
            written.push(row.try_get("id")?);
        }
    }
    if !written.is_empty() {
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
        .bind(
            fold.owners
                .values()
                .map(Option::as_deref)
                .collect::<Vec<_>>(),
        )
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
        owners.plain(id).text_or_null(name.as_deref()).end_row();
    }
    owners.copy_into(conn, "owners (id, display_name)").await
}
