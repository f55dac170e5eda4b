//! Admin reads of the log and the users, and role changes as events.

use crate::helpers::{assert_problem, spawn_app, wait_for_read_model};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn admins_page_through_the_global_log() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.user("ada").await;
    for n in 0..3 {
        app.creature(&user, &format!("C{n}")).await;
    }
    assert_problem(
        app.send(Method::GET, "/events", None, None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.send(Method::GET, "/events", Some(&user.token), None)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.send(Method::GET, "/events?limit=0", Some(&admin.token), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut positions = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = app
            .send(
                Method::GET,
                &format!("/events?after={after}&limit=3"),
                Some(&admin.token),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        positions.extend(
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|event| event["position"].as_i64().unwrap()),
        );
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    let total = app.event_count().await as usize;
    assert_eq!(positions.len(), total, "every event once");
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "in order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admins_list_users_and_change_roles_as_events() {
    let app = spawn_app().await;
    app.start_worker();
    let admin = app.admin().await;
    let user = app.user("ada").await;
    let path = format!("/admin/users/{}", user.id);
    let forbidden = app
        .send(
            Method::PATCH,
            &path,
            Some(&user.token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;
    let bad = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"role": "emperor"})),
        )
        .await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    let promoted = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    let changes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'UserRoleChanged' AND stream_id = $1::uuid",
    )
    .bind(&user.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(changes, 1);
    wait_for_read_model(&app).await;
    let users: Value = app
        .send(Method::GET, "/admin/users", Some(&admin.token), None)
        .await
        .json()
        .await
        .unwrap();
    let ada = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ada@example.org")
        .unwrap()
        .clone();
    assert_eq!(ada["role"], "admin");
    assert!(
        ada.get("password").is_none() && !users.to_string().contains("$2b$"),
        "no secrets"
    );
    // The role is in the token: a new login carries it.
    let token = app.login("ada@example.org", "password123").await;
    let me = app.me(&token).await;
    assert_eq!(me.role, domain::Role::Admin);
}
