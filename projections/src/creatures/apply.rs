//! Applying events to the creatures projection's tables. Each creature row carries the stream
//! version it reflects; an event at or below it was applied already and changes nothing.

use crate::error::ApplyError;
use crate::projection::AnyEvent;
use commands::RecordedEvent;
use domain::creature::CreatureEvent;
use domain::tag::TagEvent;
use domain::user::UserEvent;
use sqlx::PgConnection;

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
    // Move the row to this event's version; if it is there already, the event was applied.
    let advanced = sqlx::query(
        "UPDATE creatures SET version = $2, last_position = $3, updated_at = $4 \
         WHERE id = $1 AND version < $2",
    )
    .bind(id)
    .bind(version(recorded))
    .bind(recorded.position)
    .bind(recorded.recorded_at)
    .execute(&mut *conn)
    .await?;
    if advanced.rows_affected() == 0 {
        return Ok(());
    }
    let change = match event {
        CreatureEvent::CreatureRegistered { .. } => return Ok(()),
        CreatureEvent::CreatureRenamed { name } => {
            sqlx::query("UPDATE creatures SET name = $2 WHERE id = $1").bind(id).bind(name.as_str())
        }
        CreatureEvent::CreatureSpeciesChanged { species } => {
            sqlx::query("UPDATE creatures SET species = $2 WHERE id = $1")
                .bind(id)
                .bind(species.as_str())
        }
        CreatureEvent::CreatureDescriptionChanged { description } => {
            sqlx::query("UPDATE creatures SET description = $2 WHERE id = $1")
                .bind(id)
                .bind(description.as_str())
        }
        CreatureEvent::CreatureTraitsChanged { traits } => {
            sqlx::query("UPDATE creatures SET traits = $2 WHERE id = $1")
                .bind(id)
                .bind(traits.to_value())
        }
        CreatureEvent::CreatureTagged { tag_id, .. } => sqlx::query(
            "INSERT INTO creature_tags (creature_id, tag_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(tag_id.as_uuid()),
        CreatureEvent::CreatureUntagged { tag_id } => {
            sqlx::query("DELETE FROM creature_tags WHERE creature_id = $1 AND tag_id = $2")
                .bind(id)
                .bind(tag_id.as_uuid())
        }
        CreatureEvent::AvatarRequested { request_id } => sqlx::query(
            "UPDATE creatures \
             SET avatar_state = 'pending', avatar_request_id = $2, avatar_failure = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(request_id),
        CreatureEvent::AvatarGenerated { request_id, image } => sqlx::query(
            "UPDATE creatures SET avatar_state = 'ready', avatar_request_id = $2, \
                 avatar_sha256 = $3, avatar_content_type = $4, avatar_failure = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(request_id)
        .bind(&image.sha256)
        .bind(&image.content_type),
        CreatureEvent::AvatarGenerationFailed { request_id, reason } => sqlx::query(
            "UPDATE creatures \
             SET avatar_state = 'failed', avatar_request_id = $2, avatar_failure = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(request_id)
        .bind(reason),
        CreatureEvent::CreatureArchived {} => {
            sqlx::query("UPDATE creatures SET archived = true WHERE id = $1").bind(id)
        }
    };
    change.execute(conn).await?;
    Ok(())
}

fn version(recorded: &RecordedEvent) -> i32 {
    i32::try_from(recorded.version).unwrap_or(i32::MAX)
}
