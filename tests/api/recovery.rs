//! A failed projection: retried, or moved past its poison event as a recorded admin action.

use crate::helpers::{assert_problem, spawn_app, wait_for_read_model};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn state_of(app: &crate::helpers::TestApp, token: &str, name: &str) -> Value {
    let all: Value = app
        .send(Method::GET, "/admin/projections", Some(token), None)
        .await
        .json()
        .await
        .unwrap();
    all["projections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poison_event_is_retried_or_skipped_by_an_admin_and_the_skip_is_audited() {
    let app = spawn_app().await;
    app.start_worker();
    let admin = app.admin().await;
    let path = "/admin/projections/creatures";
    let not_failed = app
        .send(
            Method::POST,
            &format!("{path}/skip"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(not_failed, StatusCode::CONFLICT).await;
    let poison: i64 = sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, payload, actor_kind, correlation_id) \
         VALUES (gen_random_uuid(), gen_random_uuid(), 'creature', 1, 'CreatureTeleported', 1, '{}', 'system', gen_random_uuid()) \
         RETURNING position",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while state_of(&app, &admin.token, "creatures").await["state"] != "failed" {
        assert!(
            Instant::now() < deadline,
            "the projection never stopped on the poison event"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let user = app.user("plain").await;
    let forbidden = app
        .send(
            Method::POST,
            &format!("{path}/skip"),
            Some(&user.token),
            None,
        )
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;

    // Retrying fails again on the same event: the code still cannot read it.
    let retried = app
        .send(
            Method::POST,
            &format!("{path}/retry"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(retried.status(), StatusCode::ACCEPTED);
    let deadline = Instant::now() + Duration::from_secs(20);
    while state_of(&app, &admin.token, "creatures").await["state"] != "failed" {
        assert!(
            Instant::now() < deadline,
            "the retried projection did not stop again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let skipped = app
        .send(
            Method::POST,
            &format!("{path}/skip"),
            Some(&admin.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(skipped.status(), StatusCode::ACCEPTED);
    let skipped: Value = skipped.json().await.unwrap();
    assert_eq!(skipped["skipped_position"], poison);
    // The tags projection reads creature events too, so it stopped on the same event.
    let tags = app
        .send(
            Method::POST,
            "/admin/projections/tags/skip",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(tags.status(), StatusCode::ACCEPTED);
    app.creature(&user, "After").await;
    wait_for_read_model(&app).await;
    let creatures = state_of(&app, &admin.token, "creatures").await;
    assert_eq!(
        (creatures["state"].as_str(), creatures["lag"].as_i64()),
        (Some("running"), Some(0))
    );
    let audited: (String, Option<uuid::Uuid>, Value) = sqlx::query_as(
        "SELECT event_type, actor_id, payload FROM events WHERE stream_type = 'audit' \
         AND event_type = 'ProjectionEventSkipped' ORDER BY position LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited.1.map(|id| id.to_string()), Some(admin.id.clone()));
    assert_eq!(audited.2["position"], poison);
}

#[tokio::test]
async fn a_key_rotation_is_recorded_with_the_admins_id_and_no_key_material() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let rotated: Value = app
        .send(Method::POST, "/admin/rotate-keys", Some(&admin.token), None)
        .await
        .json()
        .await
        .unwrap();
    let (actor, payload): (Option<uuid::Uuid>, Value) = sqlx::query_as(
        "SELECT actor_id, payload FROM events WHERE event_type = 'SigningKeysRotated'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(actor.map(|id| id.to_string()), Some(admin.id));
    assert_eq!(
        payload,
        json!({"kid": rotated["kid"], "revoke_previous": false})
    );
}
