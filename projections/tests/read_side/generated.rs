//! Generated histories: hundreds of random command sequences over many creatures and tags,
//! applied in small batches that split streams. Every creature row must equal the domain's own
//! fold of its stream, every tag count a count over the creatures, and a bulk rebuild must
//! give the same tables as the batches did.

use crate::fixture::{Fixture, dump};
use domain::creature::{AvatarState, Creature, CreatureChanges, CreatureCommand, TagRef};
use domain::tag::{Tag, TagCommand};
use domain::values::{CreatureName, Description, Species, TagName};
use domain::{Actor, Aggregate, Role, TagId, UserId};
use projections::creatures::Creatures;
use projections::projection::ALL;
use projections::rebuild::{self, Finished};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

const CREATURES: usize = 120;
const COMMANDS_PER_CREATURE: usize = 8;
/// A batch size that splits most streams across batches.
const BATCH: i64 = 37;

fn random_command(rng: &mut StdRng, tags: &[TagRef]) -> CreatureCommand {
    let word = |rng: &mut StdRng| format!("w{}", rng.random_range(0..1000));
    match rng.random_range(0..10) {
        0 | 1 => CreatureCommand::Tag(tags[rng.random_range(0..tags.len())].clone()),
        2 => CreatureCommand::Untag(tags[rng.random_range(0..tags.len())].id),
        3 => CreatureCommand::RequestAvatar {
            request_id: Uuid::now_v7(),
        },
        4 => CreatureCommand::RecordAvatarFailed {
            request_id: Uuid::now_v7(),
            reason: word(rng),
        },
        5 if rng.random_bool(0.3) => CreatureCommand::Archive,
        6 if rng.random_bool(0.5) => CreatureCommand::Restore,
        _ => CreatureCommand::Update(CreatureChanges {
            name: rng
                .random_bool(0.5)
                .then(|| CreatureName::parse(&word(rng)).unwrap()),
            species: rng
                .random_bool(0.3)
                .then(|| Species::parse(&word(rng)).unwrap()),
            description: rng
                .random_bool(0.3)
                .then(|| Description::parse(&word(rng)).unwrap()),
            traits: None,
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_histories_project_to_the_domains_own_fold_in_batches_and_in_bulk() {
    let fixture = Fixture::new().await;
    let mut rng = StdRng::seed_from_u64(16);
    let owner = fixture.user("owner").await;
    let admin = Actor::User {
        id: UserId::from_uuid(Uuid::now_v7()),
        role: Role::Admin,
    };
    let mut tags = Vec::new();
    for n in 0..6 {
        tags.push(fixture.tag(owner, &format!("tag{n}")).await);
    }
    let mut creatures = Vec::new();
    for n in 0..CREATURES {
        let start: Vec<TagRef> = tags
            .iter()
            .filter(|_| rng.random_bool(0.2))
            .cloned()
            .collect();
        let id = fixture
            .creature(owner, &format!("Creature {n}"), "dragon", "", start)
            .await;
        creatures.push(id);
    }
    // Commands interleave across creatures; batches are applied now and then meanwhile.
    for round in 0..COMMANDS_PER_CREATURE {
        for id in &creatures {
            let command = random_command(&mut rng, &tags);
            fixture.try_command(*id, command, owner).await;
        }
        if round == 3 {
            let renamed = TagName::parse("renamed").unwrap();
            let (first, last) = (tags[0].id.as_uuid(), tags[5].id.as_uuid());
            run_tag(&fixture, first, TagCommand::Rename(renamed), admin).await;
            run_tag(&fixture, last, TagCommand::Delete, admin).await;
        }
        for projection in ALL {
            projections::runner::run_batch(&fixture.db.pool, projection, BATCH)
                .await
                .unwrap();
        }
    }
    for projection in ALL {
        while !projections::runner::run_batch(&fixture.db.pool, projection, BATCH)
            .await
            .unwrap()
            .caught_up
        {}
    }
    fixture.catch_up_all().await;

    // Each creature row is the domain's fold of its stream.
    let store = fixture.handler.store();
    let mut carriers: BTreeMap<Uuid, usize> = BTreeMap::new();
    for id in &creatures {
        let events = store.read_stream(*id).await.unwrap();
        let decoded: Vec<_> = events.iter().map(|e| e.decode().unwrap()).collect();
        let Creature(Some(state)) = Creature::fold(&decoded) else {
            panic!("{id} was registered");
        };
        let row: (String, String, String, bool, String, i32) = sqlx::query_as(
            "SELECT name, species, description, archived, avatar_state, version \
             FROM proj_creatures.creatures WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&fixture.db.pool)
        .await
        .unwrap();
        let avatar = match &state.avatar {
            None => "none",
            Some(AvatarState::Pending { .. }) => "pending",
            Some(AvatarState::Ready { .. }) => "ready",
            Some(AvatarState::Failed { .. }) => "failed",
        };
        assert_eq!(
            row,
            (
                state.name.as_str().to_owned(),
                state.species.as_str().to_owned(),
                state.description.as_str().to_owned(),
                state.archived,
                avatar.to_owned(),
                i32::try_from(events.len()).unwrap()
            ),
            "creature {id}"
        );
        let projected: BTreeSet<Uuid> = sqlx::query_scalar(
            "SELECT tag_id FROM proj_creatures.creature_tags WHERE creature_id = $1",
        )
        .bind(id)
        .fetch_all(&fixture.db.pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        let folded: BTreeSet<Uuid> = state.tags.keys().map(domain::TagId::as_uuid).collect();
        assert_eq!(projected, folded, "tags of {id}");
        if !state.archived {
            for tag in folded {
                *carriers.entry(tag).or_default() += 1;
            }
        }
    }
    // Each live tag's count is the number of unarchived creatures carrying it.
    let listed = projections::tags::list(&fixture.db.pool).await.unwrap();
    assert_eq!(listed.len(), 5, "the deleted tag is not listed");
    assert!(listed.iter().any(|tag| tag.name == "renamed"));
    for tag in &listed {
        assert_eq!(
            tag.creature_count as usize,
            carriers.get(&tag.id.as_uuid()).copied().unwrap_or(0),
            "count of {}",
            tag.name
        );
    }
    assert!(
        carriers.values().any(|count| *count > 0),
        "some tag is carried"
    );

    // A bulk rebuild of every projection gives the same tables.
    for projection in ALL {
        let before = dump(&fixture.db.pool, projection).await;
        let claimed = rebuild::claim(&fixture.db.pool, projection).await.unwrap();
        assert_eq!(
            claimed.run(&fixture.db.pool, |_| {}).await.unwrap(),
            Finished::Swapped
        );
        assert_eq!(
            dump(&fixture.db.pool, projection).await,
            before,
            "{} rebuilt in bulk",
            projection.name()
        );
    }
    projections::testing::assert_equals_replay(&fixture.db.pool).await;
    assert!(!dump(&fixture.db.pool, &Creatures).await.is_empty());
}

async fn run_tag(fixture: &Fixture, id: Uuid, command: TagCommand, actor: Actor) {
    let tag = TagId::from_uuid(id);
    fixture
        .handler
        .execute(commands::handler::Command::<Tag>::new(
            tag.as_uuid(),
            command,
            actor,
            Uuid::now_v7(),
        ))
        .await
        .unwrap();
}
