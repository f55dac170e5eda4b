//! A poison event parks its stream: that stream's later events are held, every other stream
//! flows on, and a retry (after a fix) or a skip brings the stream up to date in order.

use crate::fixture::Fixture;
use projections::creatures::Creatures;
use projections::parked::{self, Resume, Resumed};
use projections::projection::Projection;
use projections::tags::Tags;
use projections::users::Users;
use serde_json::{Value, json};
use uuid::Uuid;

/// Appends an event as stored, bypassing the domain (as a newer or broken writer might).
async fn raw(fixture: &Fixture, stream: Uuid, event_type: &str, payload: Value) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, \
             payload, actor_kind, correlation_id) \
         SELECT $1, $2, 'creature', max(version) + 1, $3, 1, $4, 'system', $1 \
         FROM events WHERE stream_id = $2 RETURNING position",
    )
    .bind(Uuid::now_v7())
    .bind(stream)
    .bind(event_type)
    .bind(payload)
    .fetch_one(&fixture.db.pool)
    .await
    .unwrap()
}

/// The position of the stream's last event.
async fn last_of(fixture: &Fixture, stream: Uuid) -> i64 {
    sqlx::query_scalar("SELECT max(position) FROM events WHERE stream_id = $1")
        .bind(stream)
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap()
}

/// (name, description, position of the last event applied).
async fn name_of(fixture: &Fixture, id: Uuid) -> Option<(String, String, i64)> {
    sqlx::query_as(
        "SELECT name, description, last_position FROM proj_creatures.creatures WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&fixture.db.pool)
    .await
    .unwrap()
}

async fn parked_streams(fixture: &Fixture, projection: &dyn Projection) -> Vec<(Uuid, i64)> {
    parked::list(&fixture.db.pool, projection)
        .await
        .unwrap()
        .into_iter()
        .map(|parked| (parked.stream_id, parked.position))
        .collect()
}

#[tokio::test]
async fn an_undecodable_event_parks_its_stream_the_others_flow_and_a_skip_resumes_it_in_order() {
    let fixture = Fixture::new().await;
    let ada = fixture.user("ada").await;
    let a = fixture.creature(ada, "A", "dragon", "", vec![]).await;
    let b = fixture.creature(ada, "B", "dragon", "", vec![]).await;
    // An event this code cannot read, as a newer version of Bestiary might have written, then
    // more events of the same stream, and of another.
    let before = last_of(&fixture, a).await;
    let poison = raw(&fixture, a, "CreatureTeleported", json!({"to": "the moon"})).await;
    raw(&fixture, a, "CreatureRenamed", json!({"name": "A later"})).await;
    raw(&fixture, b, "CreatureRenamed", json!({"name": "B later"})).await;
    let last = raw(
        &fixture,
        a,
        "CreatureDescriptionChanged",
        json!({"description": "last"}),
    )
    .await;
    fixture.user("grace").await;
    fixture.catch_up_all().await;

    assert_eq!(
        name_of(&fixture, a).await,
        Some(("A".into(), String::new(), before)),
        "A stops before the poison"
    );
    assert_eq!(
        name_of(&fixture, b).await.unwrap().0,
        "B later",
        "B flows on"
    );
    assert_eq!(
        parked_streams(&fixture, &Creatures).await,
        vec![(a, poison)]
    );
    let reason = &parked::list(&fixture.db.pool, &Creatures).await.unwrap()[0].reason;
    assert!(reason.contains("CreatureTeleported"), "{reason}");
    // The tags projection reads no CreatureTeleported (it never decodes it) and the users
    // projection no creature event: neither parks anything, and both are caught up.
    assert!(parked_streams(&fixture, &Tags).await.is_empty());
    assert!(parked_streams(&fixture, &Users).await.is_empty());
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM proj_users.users")
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 2);

    // Retrying without a fix parks it again at the same event; skipping applies the rest.
    let retried = parked::resume(&fixture.db.pool, &Creatures, a, Resume::Retry)
        .await
        .unwrap();
    assert!(matches!(retried, Resumed::Parked { position, .. } if position == poison));
    assert_eq!(name_of(&fixture, a).await.unwrap().2, before);
    let skipped = parked::resume(&fixture.db.pool, &Creatures, a, Resume::Skip)
        .await
        .unwrap();
    assert_eq!(skipped, Resumed::Running { applied: 2 });
    assert_eq!(
        name_of(&fixture, a).await,
        Some(("A later".into(), "last".into(), last))
    );
    assert!(parked_streams(&fixture, &Creatures).await.is_empty());

    // The stream flows again: its next event is applied by the runner.
    raw(&fixture, a, "CreatureRenamed", json!({"name": "A again"})).await;
    fixture.catch_up_all().await;
    assert_eq!(name_of(&fixture, a).await.unwrap().0, "A again");
    assert!(matches!(
        parked::resume(&fixture.db.pool, &Creatures, a, Resume::Retry).await,
        Err(parked::RecoveryError::NotParked(id)) if id == a
    ));
}

#[tokio::test]
async fn an_event_the_database_refuses_parks_its_stream_and_a_retry_after_the_fix_applies_it() {
    let fixture = Fixture::new().await;
    let ada = fixture.user("ada").await;
    let a = fixture.creature(ada, "A", "dragon", "", vec![]).await;
    let b = fixture.creature(ada, "B", "dragon", "", vec![]).await;
    fixture.catch_up_all().await;
    // A read table that refuses a name: the database finds the poison, not the decoder.
    sqlx::query(
        "ALTER TABLE proj_creatures.creatures ADD CONSTRAINT no_moon CHECK (name <> 'Moon')",
    )
    .execute(&fixture.db.pool)
    .await
    .unwrap();
    let before = last_of(&fixture, a).await;
    let poison = raw(&fixture, a, "CreatureRenamed", json!({"name": "Moon"})).await;
    raw(&fixture, b, "CreatureRenamed", json!({"name": "B later"})).await;
    let last = raw(
        &fixture,
        a,
        "CreatureDescriptionChanged",
        json!({"description": "after"}),
    )
    .await;
    fixture.catch_up_all().await;
    assert_eq!(
        name_of(&fixture, a).await,
        Some(("A".into(), String::new(), before))
    );
    assert_eq!(name_of(&fixture, b).await.unwrap().0, "B later");
    assert_eq!(
        parked_streams(&fixture, &Creatures).await,
        vec![(a, poison)]
    );

    // The fix: the constraint goes. A retry applies the held events in order.
    sqlx::query("ALTER TABLE proj_creatures.creatures DROP CONSTRAINT no_moon")
        .execute(&fixture.db.pool)
        .await
        .unwrap();
    let retried = parked::resume(&fixture.db.pool, &Creatures, a, Resume::Retry)
        .await
        .unwrap();
    assert_eq!(retried, Resumed::Running { applied: 2 });
    assert_eq!(
        name_of(&fixture, a).await,
        Some(("Moon".into(), "after".into(), last))
    );
    assert!(parked_streams(&fixture, &Creatures).await.is_empty());
}
