//! Read-your-writes under pressure: a position beyond the log's head is refused at once, and
//! waiting reads are answered by the projections' progress notices, not by polling.

use crate::helpers::{
    TestApp, TestUser, assert_problem, spawn_app, spawn_app_with, test_config, test_redis,
    until_the_api_listens,
};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An app whose reads would wait a minute: a test that gets an answer did not wait it out.
async fn patient_app() -> TestApp {
    let mut config = test_config();
    config.read_wait_ms = 60_000;
    spawn_app_with(config, test_redis()).await
}

/// Creates a creature as `owner`; the position its command answers with.
async fn create_creature(app: &TestApp, owner: &TestUser) -> i64 {
    let created: Value = app
        .send(
            Method::POST,
            "/creatures",
            Some(&owner.token),
            Some(json!({"name": "Smaug", "species": "dragon", "description": ""})),
        )
        .await
        .json()
        .await
        .unwrap();
    created["position"].as_i64().unwrap()
}

async fn head(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(max(position), 0) FROM events")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_position_beyond_the_head_is_refused_at_once_with_the_head() {
    let app = patient_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let head = head(&app).await;
    let beyond = head + 1_000_000;
    for path in [
        format!("/creatures?min_position={beyond}"),
        format!("/creatures/{creature}?min_position={beyond}"),
        format!("/tags?min_position={beyond}"),
    ] {
        let response = app.send(Method::GET, &path, None, None).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["type"], "/problems/position-beyond-head", "{path}");
        assert_eq!(problem["head"], head, "{path}");
    }
    let by_header = app
        .request(Method::GET, "/creatures", None)
        .header("x-min-position", (head + 1).to_string())
        .send()
        .await
        .unwrap();
    let problem = assert_problem(by_header, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["head"], head);
}

#[tokio::test]
async fn a_position_just_written_is_waited_for_not_refused() {
    let mut config = test_config();
    config.read_wait_ms = 200;
    let app = spawn_app_with(config, test_redis()).await;
    let owner = app.user("owner").await;
    let position = create_creature(&app, &owner).await;
    // It is the head: valid, but no worker runs, so the read waits and then says so.
    let response = app
        .send(
            Method::GET,
            &format!("/creatures?min_position={position}"),
            None,
            None,
        )
        .await;
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(problem["type"], "/problems/not-yet-consistent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiting_reads_are_answered_by_one_progress_notice_without_polling() {
    let app = patient_app().await;
    let owner = app.user("owner").await;
    let position = create_creature(&app, &owner).await;
    let xid: String =
        sqlx::query_scalar("SELECT transaction_id::text FROM events WHERE position = $1")
            .bind(position)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    until_the_api_listens(&app).await;
    // No worker runs: the database never says the position is applied. Only the notice a
    // projection sends on commit does, so reads that poll the database would wait a minute.
    let waiting: Vec<_> = (0..100)
        .map(|_| {
            let request = app
                .request(
                    Method::GET,
                    &format!("/creatures?min_position={position}"),
                    None,
                )
                .send();
            tokio::spawn(request)
        })
        .collect();
    let notice = json!({
        "projection": "creatures",
        "position": position,
        "checkpoint": {"transaction_id": xid.parse::<u64>().unwrap(), "position": position},
        "creatures": [],
    });
    app.announce_progress(&notice).await;
    let statuses: Vec<StatusCode> = futures::stream::iter(waiting)
        .then(|request| async move { request.await.unwrap().unwrap().status() })
        .collect()
        .await;
    assert!(
        statuses.iter().all(|status| *status == StatusCode::OK),
        "{statuses:?}"
    );
    assert!(
        !projections::status::has_passed(
            &app.db.pool,
            &projections::creatures::Creatures,
            position
        )
        .await
        .unwrap(),
        "the database never said so"
    );
}

// Found by schemathesis: a malformed `X-Min-Position` was let through when the query also
// gave `min_position` (the query wins, but each one given must be a position).
#[tokio::test]
async fn a_malformed_header_is_refused_even_beside_the_query() {
    let app = spawn_app().await;
    for header in ["", "soon", "-1"] {
        let response = app
            .request(Method::GET, "/tags?min_position=0", None)
            .header("x-min-position", header)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST).await;
    }
}
