//! A parked stream, seen by admins, retried or skipped (a skip recorded as an admin action).

use crate::helpers::{assert_problem, spawn_app, wait_for_read_model};
use commands::testing::eventually;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

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
async fn a_parked_stream_is_shown_retried_or_skipped_by_an_admin_and_the_skip_is_audited() {
    let app = spawn_app().await;
    app.start_worker();
    let admin = app.admin().await;
    let user = app.user("plain").await;
    let stream = uuid::Uuid::new_v4();
    let path = format!("/admin/projections/creatures/parked/{stream}");
    let not_parked = app
        .send(
            Method::POST,
            &format!("{path}/skip"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(not_parked, StatusCode::NOT_FOUND).await;
    let not_an_id = app
        .send(
            Method::POST,
            "/admin/projections/creatures/parked/not-an-id/retry",
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(not_an_id, StatusCode::NOT_FOUND).await;
    let poison: i64 = sqlx::query_scalar(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, payload, actor_kind, correlation_id) \
         VALUES (gen_random_uuid(), $1, 'creature', 1, 'CreatureTeleported', 1, '{}', 'system', gen_random_uuid()) \
         RETURNING position",
    )
    .bind(stream)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let creatures = eventually(
        Duration::from_secs(20),
        "the stream to be parked",
        || async {
            let creatures = state_of(&app, &admin.token, "creatures").await;
            let parked = creatures["parked"]
                .as_array()
                .is_some_and(|p| !p.is_empty());
            if parked {
                Ok(creatures)
            } else {
                Err(creatures)
            }
        },
    )
    .await;
    let parked = &creatures["parked"][0];
    assert_eq!(parked["stream_id"], json!(stream));
    assert_eq!(parked["position"], poison);
    assert_eq!(parked["event_type"], "CreatureTeleported");
    assert!(
        parked["reason"]
            .as_str()
            .unwrap()
            .contains("CreatureTeleported")
    );
    assert_eq!(creatures["state"], "running", "the projection runs on");
    // Other streams flow on.
    app.creature(&user, "After").await;
    wait_for_read_model(&app).await;
    assert_eq!(state_of(&app, &admin.token, "creatures").await["lag"], 0);

    let forbidden = app
        .send(
            Method::POST,
            &format!("{path}/skip"),
            Some(&user.token),
            None,
        )
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;

    // Retrying parks it again on the same event: the code still cannot read it.
    let retried = app
        .send(
            Method::POST,
            &format!("{path}/retry"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried: Value = retried.json().await.unwrap();
    assert_eq!(
        (retried["state"].as_str(), &retried["position"]),
        (Some("parked"), &json!(poison))
    );

    let skipped = app
        .send(
            Method::POST,
            &format!("{path}/skip"),
            Some(&admin.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(skipped.status(), StatusCode::OK);
    let skipped: Value = skipped.json().await.unwrap();
    assert_eq!(skipped["skipped_position"], poison);
    assert_eq!(skipped["state"], "running");
    let creatures = state_of(&app, &admin.token, "creatures").await;
    assert_eq!(creatures["parked"], json!([]));
    let audited: (String, Option<uuid::Uuid>, Value) = sqlx::query_as(
        "SELECT event_type, actor_id, payload FROM events WHERE stream_type = 'audit' \
         AND event_type = 'ProjectionEventSkipped' ORDER BY position LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited.1.map(|id| id.to_string()), Some(admin.id.clone()));
    assert_eq!(audited.2["position"], poison);
    assert_eq!(audited.2["projection"], "creatures");
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
