//! Applying events to the creatures projection's tables. Each creature row carries the stream
//! version it reflects; an event at or below it was applied already and changes nothing.

use crate::error::ApplyError;
use crate::projection::AnyEvent;
use commands::RecordedEvent;
use domain::creature::CreatureEvent;
use domain::tag::TagEvent;
use domain::user::UserEvent;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres};

/// An update of the creature row to the event's version, and nothing when the row is at or
/// past it; `$5` onwards name the change. With no argument, the bare version move.
macro_rules! advance {
    () => {
        "UPDATE creatures SET version = $2, last_position = $3, updated_at = $4 \
         WHERE id = $1 AND version < $2"
    };
    ($change:literal) => {
        concat!(
            "UPDATE creatures SET version = $2, last_position = $3, updated_at = $4, ",
            $change,
            " WHERE id = $1 AND version < $2"
        )
    };
}

/// Applies one event.
pub async fn apply(
    conn: &mut PgConnection,
    recorded: &RecordedEvent,
    event: &AnyEvent,
) -> Result<(), ApplyError> {
    match event {
        AnyEvent::Creature(event) => apply_creature(conn, recorded, event).await,
        AnyEvent::User(UserEvent::UserRegistered { display_name, .. }) => {
            sqlx::query(
                "INSERT INTO owners (id, display_name) VALUES ($1, $2) \
                 ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name",
            )
            .bind(recorded.stream_id)
            .bind(display_name.as_str())
            .execute(conn)
            .await?;
            Ok(())
        }
        AnyEvent::User(_) => Ok(()),
        AnyEvent::Tag(event) => apply_tag(conn, recorded, event).await,
    }
}

async fn apply_tag(
    conn: &mut PgConnection,
    recorded: &RecordedEvent,
    event: &TagEvent,
) -> Result<(), ApplyError> {
    let (id, version) = (recorded.stream_id, version(recorded));
    let query = match event {
        TagEvent::TagCreated { name } => sqlx::query(
            "INSERT INTO tags (id, version, name) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(version)
        .bind(name.as_str()),
        TagEvent::TagRenamed { to, .. } => {
            sqlx::query("UPDATE tags SET version = $2, name = $3 WHERE id = $1 AND version < $2")
                .bind(id)
                .bind(version)
                .bind(to.as_str())
        }
        TagEvent::TagDeleted { .. } => sqlx::query(
            "UPDATE tags SET version = $2, deleted = true WHERE id = $1 AND version < $2",
        )
        .bind(id)
        .bind(version),
    };
    query.execute(conn).await?;
    Ok(())
}

async fn apply_creature(
    conn: &mut PgConnection,
    recorded: &RecordedEvent,
    event: &CreatureEvent,
) -> Result<(), ApplyError> {
    let id = recorded.stream_id;
    if let CreatureEvent::CreatureRegistered {
        name,
        species,
        description,
        traits,
        owner,
    } = event
    {
        sqlx::query(
            "INSERT INTO creatures (id, name, species, description, traits, owner_id, \
                 version, last_position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(name.as_str())
        .bind(species.as_str())
        .bind(description.as_str())
        .bind(traits.to_value())
        .bind(owner.as_uuid())
        .bind(version(recorded))
        .bind(recorded.position)
        .bind(recorded.recorded_at)
        .execute(conn)
        .await?;
        return Ok(());
    }
    // One statement per event: it moves the row to this event's version and makes the change,
    // or, when the row is there already, does nothing at all (the event was applied).
    let query = match event {
        CreatureEvent::CreatureRegistered { .. } => return Ok(()),
        CreatureEvent::CreatureRenamed { name } => {
            advancing(advance!("name = $5"), recorded).bind(name.as_str())
        }
        CreatureEvent::CreatureSpeciesChanged { species } => {
            advancing(advance!("species = $5"), recorded).bind(species.as_str())
        }
        CreatureEvent::CreatureDescriptionChanged { description } => {
            advancing(advance!("description = $5"), recorded).bind(description.as_str())
        }
        CreatureEvent::CreatureTraitsChanged { traits } => {
            advancing(advance!("traits = $5"), recorded).bind(traits.to_value())
        }
        CreatureEvent::CreatureTagged { tag_id, .. } => advancing(
            concat!(
                "WITH advanced AS (",
                advance!(),
                " RETURNING id) INSERT INTO creature_tags (creature_id, tag_id) \
             SELECT id, $5 FROM advanced ON CONFLICT DO NOTHING"
            ),
            recorded,
        )
        .bind(tag_id.as_uuid()),
        CreatureEvent::CreatureUntagged { tag_id } => advancing(
            concat!(
                "WITH advanced AS (",
                advance!(),
                " RETURNING id) DELETE FROM creature_tags \
             WHERE creature_id IN (SELECT id FROM advanced) AND tag_id = $5"
            ),
            recorded,
        )
        .bind(tag_id.as_uuid()),
        CreatureEvent::AvatarRequested { request_id } => advancing(
            advance!("avatar_state = 'pending', avatar_request_id = $5, avatar_failure = NULL"),
            recorded,
        )
        .bind(request_id),
        CreatureEvent::AvatarGenerated { request_id, image } => advancing(
            advance!(
                "avatar_state = 'ready', avatar_request_id = $5, avatar_sha256 = $6, \
             avatar_content_type = $7, avatar_failure = NULL"
            ),
            recorded,
        )
        .bind(request_id)
        .bind(&image.sha256)
        .bind(&image.content_type),
        CreatureEvent::AvatarGenerationFailed { request_id, reason } => advancing(
            advance!("avatar_state = 'failed', avatar_request_id = $5, avatar_failure = $6"),
            recorded,
        )
        .bind(request_id)
        .bind(reason),
        CreatureEvent::CreatureArchived {} => advancing(advance!("archived = true"), recorded),
    };
    query.execute(conn).await?;
    Ok(())
}

/// `sql` (written with [`advance!`]) with the event's own place bound as `$1`–`$4`.
fn advancing<'q>(sql: &'static str, recorded: &RecordedEvent) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(recorded.stream_id)
        .bind(version(recorded))
        .bind(recorded.position)
        .bind(recorded.recorded_at)
}

fn version(recorded: &RecordedEvent) -> i32 {
    i32::try_from(recorded.version).unwrap_or(i32::MAX)
}
