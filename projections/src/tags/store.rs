//! Reading and writing the tags projection's rows a batch at a time, one statement per table.

use super::fold::{CreatureRow, Fold, TagRow};
use crate::copy::CopyRows;
use crate::projection::AnyEvent;
use crate::reader::Decoded;
use sqlx::PgConnection;
use std::collections::HashSet;
use uuid::Uuid;

/// Loads the stored rows of the streams in `events`: every creature's (its tag-related
/// events never come first in its stream), and the tags that had events before these.
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
            _ => {}
        }
    }
    if !creatures.is_empty() {
        let versions: Vec<(Uuid, i32, bool)> =
            sqlx::query_as("SELECT id, version, archived FROM creatures WHERE id = ANY($1)")
                .bind(&creatures)
                .fetch_all(&mut *conn)
                .await?;
        for (id, version, archived) in versions {
            let row = fold.creatures.entry(id).or_default();
            row.version = version;
            row.archived = archived;
        }
        let pairs: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT creature_id, tag_id FROM memberships WHERE creature_id = ANY($1)",
        )
        .bind(&creatures)
        .fetch_all(&mut *conn)
        .await?;
        for (creature, tag) in pairs {
            fold.creatures.entry(creature).or_default().tags.insert(tag);
        }
        fold.stored = fold.creatures.clone();
    }
    if !tags.is_empty() {
        let rows: Vec<(Uuid, String, chrono::DateTime<chrono::Utc>, bool, i32)> = sqlx::query_as(
            "SELECT id, name, created_at, deleted, version FROM tags WHERE id = ANY($1)",
        )
        .bind(&tags)
        .fetch_all(&mut *conn)
        .await?;
        for (id, name, created_at, deleted, version) in rows {
            fold.tags.insert(
                id,
                TagRow {
                    id,
                    name,
                    created_at,
                    deleted,
                    version,
                },
            );
        }
    }
    Ok(fold)
}

/// Writes what the fold changed; rows already at or past the folded version are left alone.
pub async fn save(conn: &mut PgConnection, fold: &Fold) -> Result<(), sqlx::Error> {
    let tags: Vec<&TagRow> = fold
        .changed_tags
        .iter()
        .filter_map(|id| fold.tags.get(id))
        .collect();
    if !tags.is_empty() {
        sqlx::query(
            "INSERT INTO tags (id, name, created_at, deleted, version) \
             SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::timestamptz[], $4::bool[], $5::int4[]) \
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, deleted = EXCLUDED.deleted, \
                 version = EXCLUDED.version WHERE tags.version < EXCLUDED.version",
        )
        .bind(tags.iter().map(|t| t.id).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.created_at).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.deleted).collect::<Vec<_>>())
        .bind(tags.iter().map(|t| t.version).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    let changed: Vec<(Uuid, &CreatureRow)> = fold
        .changed_creatures
        .iter()
        .filter_map(|id| fold.creatures.get(id).map(|row| (*id, row)))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let written: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO creatures (id, version, archived) \
         SELECT * FROM UNNEST($1::uuid[], $2::int4[], $3::bool[]) \
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, archived = EXCLUDED.archived \
             WHERE creatures.version < EXCLUDED.version \
         RETURNING id",
    )
    .bind(changed.iter().map(|(id, _)| *id).collect::<Vec<_>>())
    .bind(
        changed
            .iter()
            .map(|(_, row)| row.version)
            .collect::<Vec<_>>(),
    )
    .bind(
        changed
            .iter()
            .map(|(_, row)| row.archived)
            .collect::<Vec<_>>(),
    )
    .fetch_all(&mut *conn)
    .await?;
    let none = CreatureRow::default();
    let (mut added, mut removed) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    for id in &written {
        let Some(row) = fold.creatures.get(id) else {
            continue;
        };
        let stored = fold.stored.get(id).unwrap_or(&none);
        for tag in row.tags.difference(&stored.tags) {
            added.0.push(*tag);
            added.1.push(*id);
        }
        for tag in stored.tags.difference(&row.tags) {
            removed.0.push(*tag);
            removed.1.push(*id);
        }
    }
    if !removed.0.is_empty() {
        sqlx::query(
            "DELETE FROM memberships m USING UNNEST($1::uuid[], $2::uuid[]) AS r(tag_id, creature_id) \
             WHERE m.tag_id = r.tag_id AND m.creature_id = r.creature_id",
        )
        .bind(&removed.0)
        .bind(&removed.1)
        .execute(&mut *conn)
        .await?;
    }
    if !added.0.is_empty() {
        sqlx::query(
            "INSERT INTO memberships (tag_id, creature_id) \
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
    let mut tags = CopyRows::default();
    for tag in fold.tags.values() {
        tags.plain(tag.id)
            .text(&tag.name)
            .time(&tag.created_at)
            .plain(tag.deleted)
            .plain(tag.version)
            .end_row();
    }
    tags.copy_into(conn, "tags (id, name, created_at, deleted, version)")
        .await?;
    let (mut creatures, mut memberships) = (CopyRows::default(), CopyRows::default());
    for (id, row) in &fold.creatures {
        creatures
            .plain(id)
            .plain(row.version)
            .plain(row.archived)
            .end_row();
        for tag in &row.tags {
            memberships.plain(tag).plain(id).end_row();
        }
    }
    creatures
        .copy_into(conn, "creatures (id, version, archived)")
        .await?;
    memberships
        .copy_into(conn, "memberships (tag_id, creature_id)")
        .await
}
