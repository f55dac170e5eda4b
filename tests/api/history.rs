//! A creature's history, straight from the event store.

use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn the_history_lists_every_event_in_order_with_actor_and_time() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let admin = app.admin().await;
    app.tag(&owner, "fire").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}");
    app.send(
        Method::PATCH,
        &path,
        Some(&owner.token),
        Some(json!({"name": "Smaug the Golden"})),
    )
    .await;
    app.send(
        Method::PUT,
        &format!("{path}/tags/fire"),
        Some(&owner.token),
        None,
    )
    .await;
    app.send(Method::DELETE, &path, Some(&admin.token), None)
        .await;

    let response = app
        .send(Method::GET, &format!("{path}/history"), None, None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: Value = response.json().await.unwrap();
    let events = history["events"].as_array().unwrap();
    let types: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec![
            "CreatureRegistered",
            "AvatarRequested",
            "CreatureRenamed",
            "CreatureTagged",
            "CreatureArchived"
        ]
    );
    let versions: Vec<i64> = events
        .iter()
        .map(|event| event["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![1, 2, 3, 4, 5]);
    let positions: Vec<i64> = events
        .iter()
        .map(|event| event["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(events[0]["actor"], json!({"kind": "user", "id": owner.id}));
    assert_eq!(events[4]["actor"], json!({"kind": "user", "id": admin.id}));
    assert_eq!(events[0]["data"]["name"], "Smaug");
    assert_eq!(events[0]["data"]["traits"], json!({"wings": 2}));
    assert_eq!(events[2]["data"]["name"], "Smaug the Golden");
    let times: Vec<chrono::DateTime<chrono::Utc>> = events
        .iter()
        .map(|event| event["recorded_at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[tokio::test]
async fn events_of_one_request_share_its_correlation_id() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let request_id = uuid::Uuid::now_v7();
    let response = app
        .request(Method::POST, "/creatures", Some(&owner.token))
        .header("x-request-id", request_id.to_string())
        .json(&json!({"name": "Smaug", "species": "dragon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["x-request-id"],
        request_id.to_string().as_str()
    );
    let correlated: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE correlation_id = $1")
            .bind(request_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(correlated, 2, "CreatureRegistered and AvatarRequested");
}
