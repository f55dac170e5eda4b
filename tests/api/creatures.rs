//! Creature and tag commands over HTTP: what they append and answer.

use crate::helpers::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn creating_a_creature_answers_201_with_location_version_and_position() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    app.tag(&owner, "Fire").await;
    let body = json!({"name": " Smaug ", "species": "dragon", "description": "Hoards gold.",
                      "traits": {"wings": 2, "fiery": true}, "tags": ["fire"]});
    let response = app
        .send(Method::POST, "/creatures", Some(&owner.token), Some(body))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/creatures/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(
        created["version"], 3,
        "registered, tagged, avatar requested"
    );
    let head: i64 = sqlx::query_scalar("SELECT max(position) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(created["position"], head);
}

#[tokio::test]
async fn a_stale_if_match_is_409_and_appends_nothing() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}");
    let current = app
        .request(Method::PATCH, &path, Some(&owner.token))
        .header("if-match", "2")
        .json(&json!({"name": "Smaug the Golden"}))
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), StatusCode::OK);
    let updated: Value = current.json().await.unwrap();
    assert_eq!(updated["version"], 3);
    let before = app.event_count().await;
    let stale = app
        .request(Method::PATCH, &path, Some(&owner.token))
        .header("if-match", "\"2\"")
        .json(&json!({"name": "Smaug the Terrible"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(stale, StatusCode::CONFLICT).await;
    assert_eq!(problem["current_version"], 3);
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn concurrent_updates_without_if_match_are_all_applied() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}");
    let updates = (0..8).map(|n| {
        let body = json!({"description": format!("version {n}")});
        app.send(Method::PATCH, &path, Some(&owner.token), Some(body))
    });
    for response in futures::future::join_all(updates).await {
        assert_eq!(response.status(), StatusCode::OK);
    }
    let versions: Vec<i32> = sqlx::query_scalar(
        "SELECT version FROM events WHERE stream_id = $1::uuid ORDER BY version",
    )
    .bind(&creature)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        versions,
        (1..=10).collect::<Vec<_>>(),
        "two at registration, eight updates"
    );
}

#[tokio::test]
async fn an_archived_creature_accepts_no_change() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    app.tag(&owner, "fire").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}");
    assert_eq!(
        app.send(Method::DELETE, &path, Some(&owner.token), None)
            .await
            .status(),
        StatusCode::OK
    );
    let before = app.event_count().await;
    for (method, path, body) in [
        (Method::PATCH, path.clone(), Some(json!({"name": "Again"}))),
        (Method::DELETE, path.clone(), None),
        (Method::PUT, format!("{path}/tags/fire"), None),
        (Method::POST, format!("{path}/avatar"), None),
    ] {
        let response = app.send(method, &path, Some(&owner.token), body).await;
        let problem = assert_problem(response, StatusCode::CONFLICT).await;
        assert_eq!(problem["type"], "/problems/archived");
    }
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn an_archived_creature_is_restored_by_its_owner_with_its_tags_and_listed_again() {
    let app = spawn_app().await;
    app.start_worker();
    let owner = app.user("owner").await;
    let stranger = app.user("stranger").await;
    app.tag(&owner, "fire").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}");
    app.send(
        Method::PUT,
        &format!("{path}/tags/fire"),
        Some(&owner.token),
        None,
    )
    .await;
    let archived: Value = app
        .expect(
            Method::DELETE,
            &path,
            Some(&owner.token),
            None,
            StatusCode::OK,
        )
        .await;
    let at = archived["position"].as_i64().unwrap();
    let restore = format!("{path}/restore");
    let refused = app
        .send(Method::POST, &restore, Some(&stranger.token), None)
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN).await;

    let archived: api_types::creatures::CreaturePage = app
        .expect(
            Method::GET,
            &format!(
                "/creatures?owner={}&archived=true&min_position={at}",
                owner.id
            ),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(archived.items.len(), 1, "in its owner's archive");

    let restored: Value = app
        .expect(
            Method::POST,
            &restore,
            Some(&owner.token),
            None,
            StatusCode::OK,
        )
        .await;
    let position = restored["position"].as_i64().unwrap();
    let before = app.event_count().await;
    let again = app
        .send(Method::POST, &restore, Some(&owner.token), None)
        .await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "restoring a listed creature"
    );
    assert_eq!(app.event_count().await, before, "records nothing");

    let view: api_types::creatures::CreatureView = app
        .expect(
            Method::GET,
            &format!("{path}?min_position={position}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(!view.archived);
    let listed: api_types::creatures::CreaturePage = app
        .expect(
            Method::GET,
            &format!("/creatures?owner={}&min_position={position}", owner.id),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].tags, vec!["fire"], "with the tags it had");
    let history = app.history(&creature).await;
    assert_eq!(
        history.events.last().map(|entry| entry.event_type.as_str()),
        Some("CreatureRestored")
    );
}

#[tokio::test]
async fn archived_true_lists_only_the_archived_creatures() {
    let app = spawn_app().await;
    app.start_worker();
    let owner = app.user("owner").await;
    let kept = app.creature(&owner, "Kept").await;
    let gone = app.creature(&owner, "Gone").await;
    let archived: Value = app
        .expect(
            Method::DELETE,
            &format!("/creatures/{gone}"),
            Some(&owner.token),
            None,
            StatusCode::OK,
        )
        .await;
    let position = archived["position"].as_i64().unwrap();
    let page = |archived: &str| {
        format!(
            "/creatures?owner={}&archived={archived}&min_position={position}",
            owner.id
        )
    };
    for (archived, expected) in [("true", &gone), ("false", &kept)] {
        let found: api_types::creatures::CreaturePage = app
            .expect(Method::GET, &page(archived), None, None, StatusCode::OK)
            .await;
        let ids: Vec<String> = found.items.iter().map(|item| item.id.to_string()).collect();
        assert_eq!(ids, vec![expected.clone()], "archived={archived}");
    }
    let bad = app.send(Method::GET, &page("maybe"), None, None).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // The owner as the document says it: a hyphenated UUID (or empty, no filter).
    let simple = uuid::Uuid::parse_str(&owner.id)
        .unwrap()
        .simple()
        .to_string();
    let undocumented = app
        .send(
            Method::GET,
            &format!("/creatures?owner={simple}"),
            None,
            None,
        )
        .await;
    assert_problem(undocumented, StatusCode::UNPROCESSABLE_ENTITY).await;
    let unfiltered = app.send(Method::GET, "/creatures?owner=", None, None).await;
    assert_eq!(unfiltered.status(), StatusCode::OK);
}

#[tokio::test]
async fn tags_are_unique_case_insensitively_and_renaming_frees_the_old_name() {
    let app = spawn_app().await;
    let user = app.user("user").await;
    let admin = app.admin().await;
    let fire = app.tag(&user, "Fire").await;
    let taken = app
        .send(
            Method::POST,
            "/tags",
            Some(&user.token),
            Some(json!({"name": "FIRE"})),
        )
        .await;
    let problem = assert_problem(taken, StatusCode::CONFLICT).await;
    assert_eq!(problem["type"], "/problems/tag-name-taken");
    let renamed = app
        .send(
            Method::PATCH,
            &format!("/tags/{fire}"),
            Some(&admin.token),
            Some(json!({"name": "Flame"})),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    app.tag(&user, "fire").await;
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/tags/{fire}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    app.tag(&user, "flame").await;
    let again = app
        .send(
            Method::DELETE,
            &format!("/tags/{fire}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(again, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn tagging_by_name_is_idempotent_and_unknown_tags_are_404() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    app.tag(&owner, "Fire").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}/tags/fire");
    let first: Value = app
        .send(Method::PUT, &path, Some(&owner.token), None)
        .await
        .json()
        .await
        .unwrap();
    let second: Value = app
        .send(Method::PUT, &path, Some(&owner.token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        first["version"], second["version"],
        "attaching twice appends once"
    );
    assert_eq!(first["position"], second["position"]);
    let unknown = app
        .send(
            Method::PUT,
            &format!("/creatures/{creature}/tags/ice"),
            Some(&owner.token),
            None,
        )
        .await;
    let problem = assert_problem(unknown, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["detail"], "tag not found");
}
