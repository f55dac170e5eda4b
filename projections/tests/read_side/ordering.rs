//! Commit-safe reading: a late commit of an earlier position is never skipped.

use crate::fixture::{Fixture, dump};
use commands::EventMetadata;
use domain::creature::CreatureEvent;
use domain::values::{CreatureName, Description, Species, Traits};
use domain::{Actor, UserId};
use uuid::Uuid;

fn registered(name: &str) -> CreatureEvent {
    CreatureEvent::CreatureRegistered {
        name: CreatureName::parse(name).unwrap(),
        species: Species::parse("dragon").unwrap(),
        description: Description::parse("").unwrap(),
        traits: Traits::default(),
        owner: UserId::from_uuid(Uuid::now_v7()),
    }
}

async fn names(fixture: &Fixture) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM proj_creatures.creatures ORDER BY name")
        .fetch_all(&fixture.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_earlier_position_committed_after_a_later_one_is_still_projected() {
    let fixture = Fixture::new().await;
    let store = fixture.handler.store();
    let metadata = EventMetadata::new(&Actor::System, Uuid::now_v7());

    let mut first = store.begin().await.unwrap();
    let early = first
        .append(
            "creature",
            Uuid::now_v7(),
            0,
            &[registered("Early")],
            &metadata,
        )
        .await
        .unwrap();
    let mut second = store.begin().await.unwrap();
    let late = second
        .append(
            "creature",
            Uuid::now_v7(),
            0,
            &[registered("Late")],
            &metadata,
        )
        .await
        .unwrap();
    assert!(early.position < late.position);
    second.commit().await.unwrap();

    // The later position is committed, the earlier one in flight: the projection must not
    // move past the earlier one.
    fixture.run_once(&projections::creatures::Creatures).await;
    assert_eq!(
        names(&fixture).await,
        Vec::<String>::new(),
        "nothing is applied past an in-flight event"
    );

    first.commit().await.unwrap();
    fixture.catch_up(&projections::creatures::Creatures).await;
    assert_eq!(names(&fixture).await, vec!["Early", "Late"]);
}

#[tokio::test]
async fn a_rolled_back_position_does_not_hold_the_projection_back() {
    let fixture = Fixture::new().await;
    let store = fixture.handler.store();
    let metadata = EventMetadata::new(&Actor::System, Uuid::now_v7());
    let mut doomed = store.begin().await.unwrap();
    doomed
        .append(
            "creature",
            Uuid::now_v7(),
            0,
            &[registered("Doomed")],
            &metadata,
        )
        .await
        .unwrap();
    drop(doomed);
    let mut kept = store.begin().await.unwrap();
    kept.append(
        "creature",
        Uuid::now_v7(),
        0,
        &[registered("Kept")],
        &metadata,
    )
    .await
    .unwrap();
    kept.commit().await.unwrap();
    fixture.catch_up(&projections::creatures::Creatures).await;
    assert_eq!(names(&fixture).await, vec!["Kept"]);
}

#[tokio::test]
async fn applying_every_event_a_second_time_changes_nothing() {
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    let fire = fixture.tag(owner, "fire").await;
    let creature = fixture
        .creature(owner, "Smaug", "dragon", "", vec![fire.clone()])
        .await;
    fixture
        .command(
            creature,
            domain::creature::CreatureCommand::Untag(fire.id),
            owner,
        )
        .await;
    fixture
        .command(creature, domain::creature::CreatureCommand::Archive, owner)
        .await;
    fixture.catch_up_all().await;
    for projection in projections::projection::ALL {
        let before = dump(&fixture.db.pool, projection).await;
        let mut tx = fixture.db.pool.begin().await.unwrap();
        projections::projection::use_schema(&mut tx, projection.schema())
            .await
            .unwrap();
        let read = projections::reader::read_after(
            &mut tx,
            projections::Checkpoint::default(),
            10_000,
            &projection.reads(),
        )
        .await
        .unwrap();
        let events: Vec<_> = read
            .events
            .into_iter()
            .map(|event| event.decode().unwrap())
            .collect();
        assert!(!events.is_empty(), "{} reads events", projection.name());
        // The whole log again as one batch, then each event again on its own.
        projection.apply(&mut tx, &events).await.unwrap();
        for event in &events {
            projection
                .apply(&mut tx, std::slice::from_ref(event))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(
            dump(&fixture.db.pool, projection).await,
            before,
            "{}",
            projection.name()
        );
    }
}

#[tokio::test]
async fn a_projection_with_nothing_new_to_read_writes_nothing() {
    // A step that finds nothing must take no transaction id: one would hold back every other
    // reader of the log (the projections, the avatar dispatcher) until it commits.
    let fixture = Fixture::new().await;
    let owner = fixture.user("ada").await;
    fixture.creature(owner, "Smaug", "dragon", "", vec![]).await;
    fixture.catch_up(&projections::creatures::Creatures).await;
    let written_by = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT xmin::text FROM projection_checkpoints WHERE name = 'creatures'",
        )
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap()
    };
    let before = written_by().await;
    fixture.run_once(&projections::creatures::Creatures).await;
    fixture.run_once(&projections::creatures::Creatures).await;
    assert_eq!(
        written_by().await,
        before,
        "the checkpoint row was written again"
    );
}
