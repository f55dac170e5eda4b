//! The queries the API serves: filters, full-text search, keyset pages, tag counts, freshness.

use crate::fixture::Fixture;
use domain::creature::CreatureCommand;
use domain::values::{SearchText, Species, TagName};
use projections::creatures::{CreatureFilter, get, list};
use projections::status;

fn filter() -> CreatureFilter {
    CreatureFilter::default()
}

async fn names(fixture: &Fixture, filter: CreatureFilter) -> Vec<String> {
    let page = list(&fixture.db.pool, &filter).await.unwrap();
    page.items
        .into_iter()
        .map(|creature| creature.name)
        .collect()
}

#[tokio::test]
async fn filters_and_search_find_the_right_creatures_and_never_archived_ones() {
    let fixture = Fixture::new().await;
    let ada = fixture.user("ada").await;
    let grace = fixture.user("grace").await;
    let fire = fixture.tag(ada, "Fire").await;
    fixture
        .creature(
            ada,
            "Smaug",
            "Dragon",
            "Hoards gold under the Lonely Mountain",
            vec![fire.clone()],
        )
        .await;
    fixture
        .creature(grace, "Glaurung", "dragon", "Father of dragons", vec![])
        .await;
    fixture
        .creature(
            grace,
            "Shadowfax",
            "horse",
            "Lord of all horses",
            vec![fire.clone()],
        )
        .await;
    let gone = fixture
        .creature(ada, "Ancalagon", "dragon", "The black", vec![fire])
        .await;
    fixture.command(gone, CreatureCommand::Archive, ada).await;
    fixture.catch_up_all().await;

    assert_eq!(
        names(&fixture, filter()).await,
        vec!["Shadowfax", "Glaurung", "Smaug"],
        "newest first, archived hidden"
    );
    assert_eq!(
        names(
            &fixture,
            CreatureFilter {
                species: Some(Species::parse("DRAGON").unwrap()),
                ..filter()
            }
        )
        .await,
        vec!["Glaurung", "Smaug"]
    );
    assert_eq!(
        names(
            &fixture,
            CreatureFilter {
                tag: Some(TagName::parse("fire").unwrap()),
                ..filter()
            }
        )
        .await,
        vec!["Shadowfax", "Smaug"]
    );
    let grace_id = grace.user_id().unwrap().as_uuid();
    assert_eq!(
        names(
            &fixture,
            CreatureFilter {
                owner: Some(grace_id),
                ..filter()
            }
        )
        .await,
        vec!["Shadowfax", "Glaurung"]
    );
    assert_eq!(
        names(
            &fixture,
            CreatureFilter {
                q: Some(SearchText::parse("gold mountain").unwrap()),
                ..filter()
            }
        )
        .await,
        vec!["Smaug"]
    );
    assert_eq!(
        names(
            &fixture,
            CreatureFilter {
                q: Some(SearchText::parse("dragons").unwrap()),
                ..filter()
            }
        )
        .await,
        vec!["Glaurung", "Smaug"],
        "stemmed: `dragons` finds species `dragon` and the word in a description"
    );
    for (typed, found) in [
        ("sma", vec!["Smaug"]),
        ("gold moun", vec!["Smaug"]),
        ("shadowfax lo", vec!["Shadowfax"]),
        ("\"gold moun", vec![]),
    ] {
        assert_eq!(
            names(
                &fixture,
                CreatureFilter {
                    q: Some(SearchText::parse(typed).unwrap()),
                    ..filter()
                }
            )
            .await,
            found,
            "typing {typed:?}: the last word is a prefix, outside a quoted phrase"
        );
    }
    assert_eq!(
        names(
            &fixture,
            CreatureFilter {
                q: Some(SearchText::parse("horse").unwrap()),
                tag: Some(TagName::parse("Fire").unwrap()),
                ..filter()
            }
        )
        .await,
        vec!["Shadowfax"]
    );

    let archived = get(&fixture.db.pool, gone).await.unwrap().unwrap();
    assert!(archived.archived);
    assert_eq!(archived.owner.display_name.as_deref(), Some("ada"));
    assert_eq!(archived.tags, vec!["Fire"]);
    assert_eq!(archived.avatar.state, "pending");

    let tags = projections::tags::list(&fixture.db.pool).await.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(
        (tags[0].name.as_str(), tags[0].creature_count),
        ("Fire", 2),
        "the archived creature is not counted"
    );

    fixture.command(gone, CreatureCommand::Restore, ada).await;
    fixture.catch_up_all().await;
    let restored = get(&fixture.db.pool, gone).await.unwrap().unwrap();
    assert!(!restored.archived);
    assert_eq!(restored.tags, vec!["Fire"], "restored with the tags it had");
    let tags = projections::tags::list(&fixture.db.pool).await.unwrap();
    assert_eq!(
        (tags[0].name.as_str(), tags[0].creature_count),
        ("Fire", 3),
        "the restored creature is counted again"
    );
    assert_eq!(
        names(&fixture, filter()).await,
        vec!["Ancalagon", "Shadowfax", "Glaurung", "Smaug"],
        "the restored creature is listed again, in its place (the newest)"
    );
}

#[tokio::test]
async fn keyset_pages_are_stable_while_creatures_are_added() {
    let fixture = Fixture::new().await;
    let ada = fixture.user("ada").await;
    for n in 0..5 {
        fixture
            .creature(ada, &format!("C{n}"), "dragon", "", vec![])
            .await;
    }
    fixture.catch_up_all().await;
    let first = list(
        &fixture.db.pool,
        &CreatureFilter {
            limit: Some(2),
            ..filter()
        },
    )
    .await
    .unwrap();
    let first_names: Vec<_> = first.items.iter().map(|c| c.name.clone()).collect();
    assert_eq!(first_names, vec!["C4", "C3"]);

    fixture
        .creature(ada, "Newcomer", "dragon", "", vec![])
        .await;
    fixture.catch_up_all().await;

    let mut seen = first_names;
    let mut cursor = first.next_cursor;
    while let Some(next) = cursor {
        let page = list(
            &fixture.db.pool,
            &CreatureFilter {
                limit: Some(2),
                cursor: Some(next),
                ..filter()
            },
        )
        .await
        .unwrap();
        seen.extend(page.items.iter().map(|c| c.name.clone()));
        cursor = page.next_cursor;
    }
    assert_eq!(
        seen,
        vec!["C4", "C3", "C2", "C1", "C0"],
        "no item skipped or repeated"
    );
}

#[tokio::test]
async fn bad_limits_and_cursors_are_refused() {
    let fixture = Fixture::new().await;
    for bad in [
        CreatureFilter {
            limit: Some(0),
            ..filter()
        },
        CreatureFilter {
            limit: Some(101),
            ..filter()
        },
        CreatureFilter {
            cursor: Some("garbage".into()),
            ..filter()
        },
    ] {
        assert!(matches!(
            list(&fixture.db.pool, &bad).await,
            Err(projections::QueryError::Invalid { .. })
        ));
    }
}

#[tokio::test]
async fn a_position_is_passed_only_once_its_event_is_applied() {
    let fixture = Fixture::new().await;
    let ada = fixture.user("ada").await;
    let id = fixture.creature(ada, "Smaug", "dragon", "", vec![]).await;
    let position = fixture.command(id, CreatureCommand::Archive, ada).await;
    let pool = &fixture.db.pool;
    assert!(
        !status::has_passed(pool, &projections::creatures::Creatures, position)
            .await
            .unwrap()
    );
    assert!(
        !status::has_passed(pool, &projections::creatures::Creatures, position + 100)
            .await
            .unwrap(),
        "a future position"
    );
    fixture.catch_up(&projections::creatures::Creatures).await;
    assert!(
        status::has_passed(pool, &projections::creatures::Creatures, position)
            .await
            .unwrap()
    );
    assert!(
        !status::has_passed(pool, &projections::tags::Tags, position)
            .await
            .unwrap(),
        "per projection"
    );
}
