//! Rebuilding projections over HTTP while writers append and readers read.

use crate::helpers::{assert_problem, spawn_app, wait_for_read_model};
use commands::testing::eventually;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rebuild_under_load_never_shows_a_partial_list_and_ends_equal_to_a_replay() {
    let _heavy = crate::helpers::HEAVY.lock().await;
    let app = Arc::new(spawn_app().await);
    app.start_worker();
    let admin = app.admin().await;
    let owner = app.user("owner").await;
    app.tag(&owner, "fire").await;
    for n in 0..20 {
        app.creature(&owner, &format!("Seed {n}")).await;
    }
    // An older past, so the rebuild takes a while: 10,000 creatures registered a year ago.
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, payload, \
             actor_kind, correlation_id, recorded_at) \
         SELECT gen_random_uuid(), gen_random_uuid(), 'creature', 1, 'CreatureRegistered', 2, \
             jsonb_build_object('name', 'Old ' || i, 'species', 'dragon', 'description', '', \
                 'traits', '{}'::jsonb, 'owner', gen_random_uuid()), 'system', gen_random_uuid(), \
             now() - interval '1 year' \
         FROM generate_series(1, 10000) i",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    wait_for_read_model(&app).await;

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (app, owner, stop, written) =
                (app.clone(), owner.clone(), stop.clone(), written.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) && n < 8 {
                    app.creature(&owner, &format!("W{writer}-{n}")).await;
                    written.fetch_add(1, Ordering::SeqCst);
                    n += 1;
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (app, stop) = (app.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut reads, mut seen) = (0, 0);
                while !stop.load(Ordering::SeqCst) {
                    let response = app
                        .send(Method::GET, "/creatures?limit=100", None, None)
                        .await;
                    assert_eq!(
                        response.status(),
                        StatusCode::OK,
                        "a read failed during the rebuild"
                    );
                    let page: Value = response.json().await.unwrap();
                    let items = page["items"].as_array().unwrap();
                    let count = items.len();
                    assert!(
                        count >= seen.max(20),
                        "a read saw {count} creatures after {seen}"
                    );
                    seen = count;
                    // The newest creature seen is still there a moment later.
                    let newest = items[0]["id"].as_str().unwrap();
                    let one = app
                        .send(Method::GET, &format!("/creatures/{newest}"), None, None)
                        .await;
                    assert_eq!(
                        one.status(),
                        StatusCode::OK,
                        "a creature vanished during the rebuild"
                    );
                    let tags = app.send(Method::GET, "/tags", None, None).await;
                    assert_eq!(tags.status(), StatusCode::OK);
                    let tags: Value = tags.json().await.unwrap();
                    assert_eq!(
                        tags["tags"].as_array().unwrap().len(),
                        1,
                        "the tags list is never empty"
                    );
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    let started = app
        .send(
            Method::POST,
            "/admin/projections/rebuild",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let again = app
        .send(
            Method::POST,
            "/admin/projections/creatures/rebuild",
            Some(&admin.token),
            None,
        )
        .await;
    let conflict = again.status();
    assert!(
        conflict == StatusCode::CONFLICT || conflict == StatusCode::ACCEPTED,
        "{conflict}"
    );

    eventually(
        Duration::from_secs(60),
        "every rebuild to finish",
        || async {
            let state: Value = app
                .send(Method::GET, "/admin/projections", Some(&admin.token), None)
                .await
                .json()
                .await
                .unwrap();
            let done = state["projections"]
                .as_array()
                .unwrap()
                .iter()
                .all(|projection| projection["rebuild"]["state"] == "done");
            if done { Ok(()) } else { Err(state) }
        },
    )
    .await;
    for writer in writers {
        writer.await.unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    let mut reads = 0;
    for reader in readers {
        reads += reader.await.unwrap();
    }
    assert!(reads > 0 && written.load(Ordering::SeqCst) == 64);
    wait_for_read_model(&app).await;
    projections::testing::assert_equals_replay(&app.db.pool).await;
}

#[tokio::test]
async fn rebuilds_are_for_admins_and_a_second_one_is_refused_while_one_runs() {
    let app = spawn_app().await;
    let user = app.user("plain").await;
    let admin = app.admin().await;
    let path = "/admin/projections/creatures/rebuild";
    assert_problem(
        app.send(Method::POST, path, None, None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.send(Method::POST, path, Some(&user.token), None).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let unknown = app
        .send(
            Method::POST,
            "/admin/projections/dragons/rebuild",
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(unknown, StatusCode::NOT_FOUND).await;
    let held = projections::rebuild::claim(&app.db.pool, &projections::creatures::Creatures)
        .await
        .unwrap();
    let refused = app.send(Method::POST, path, Some(&admin.token), None).await;
    let problem = assert_problem(refused, StatusCode::CONFLICT).await;
    assert_eq!(problem["type"], "/problems/rebuild-running");
    let state: Value = app
        .send(Method::GET, "/admin/projections", Some(&admin.token), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["projections"][0]["state"], "rebuilding");
    let cancel = app
        .send(Method::DELETE, path, Some(&admin.token), Some(json!({})))
        .await;
    assert_eq!(cancel.status(), StatusCode::ACCEPTED);
    assert_eq!(
        held.run(&app.db.pool, |_| {}).await.unwrap(),
        projections::rebuild::Finished::Cancelled
    );
}
