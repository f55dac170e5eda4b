//! Registration, login and passwords over HTTP.

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, test_config, test_redis};
use bestiary::api::Api;
use commands::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_registered_user_logs_in_and_sees_themself() {
    let app = spawn_app().await;
    let response = app.register("Ada@Example.org", "correct horse").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let registered: Value = response.json().await.unwrap();
    let token = app.login("ada@example.org", "correct horse").await;
    let me = app.me(&token).await;
    assert_eq!(me.id.to_string(), registered["user_id"].as_str().unwrap());
    assert_eq!(me.email.as_str(), "ada@example.org");
    assert_eq!(me.role, domain::Role::User);
}

#[tokio::test]
async fn a_taken_email_is_409_and_bad_input_is_422_with_every_field_named() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("ada@example.org", "correct horse")
            .await
            .status(),
        StatusCode::CREATED
    );
    let taken = app.register("ADA@example.org", "another one").await;
    let problem = assert_problem(taken, StatusCode::CONFLICT).await;
    assert_eq!(problem["type"], "/problems/email-taken");

    let body = json!({"email": "not-an-email", "password": "short", "display_name": " "});
    let invalid = app
        .send(Method::POST, "/auth/register", None, Some(body))
        .await;
    let problem = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["email", "password", "display_name"]);
}

#[tokio::test]
async fn a_password_over_72_bytes_is_refused_not_cut() {
    let app = spawn_app().await;
    let long = "x".repeat(73);
    let response = app.register("ada@example.org", &long).await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "password");
    assert_eq!(
        app.event_count().await,
        1,
        "only the bootstrap admin's registration"
    );
}

#[tokio::test]
async fn two_concurrent_registrations_with_one_email_leave_exactly_one_user() {
    let app = spawn_app().await;
    let (first, second) = tokio::join!(
        app.register("twin@example.org", "password one"),
        app.register("TWIN@example.org", "password two")
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    // E-mails are sealed in the log: the store opens them.
    let events = commands::EventStore::new(app.db.pool.clone())
        .read_all(0, 100)
        .await
        .unwrap();
    let users = events
        .iter()
        .filter(|event| {
            event.event_type == "UserRegistered" && event.payload["email"] == "twin@example.org"
        })
        .count();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn wrong_credentials_are_401_without_saying_which_part_is_wrong() {
    let app = spawn_app().await;
    app.register("ada@example.org", "correct horse").await;
    let mut details = Vec::new();
    for (email, password) in [
        ("ada@example.org", "wrong horse"),
        ("nobody@example.org", "correct horse"),
        ("nonsense", "x"),
    ] {
        let body = json!({"email": email, "password": password});
        let response = app
            .send(Method::POST, "/auth/login", None, Some(body))
            .await;
        details.push(assert_problem(response, StatusCode::UNAUTHORIZED).await["detail"].clone());
    }
    assert!(
        details.windows(2).all(|pair| pair[0] == pair[1]),
        "{details:?}"
    );
}

#[tokio::test]
async fn a_password_change_needs_the_current_password_and_keeps_the_hash_out_of_events() {
    let app = spawn_app().await;
    app.register("ada@example.org", "correct horse").await;
    let token = app.login("ada@example.org", "correct horse").await;
    let wrong = json!({"current_password": "nope nope", "new_password": "battery staple"});
    let response = app
        .send(Method::PUT, "/auth/password", Some(&token), Some(wrong))
        .await;
    assert_problem(response, StatusCode::FORBIDDEN).await;
    let right = json!({"current_password": "correct horse", "new_password": "battery staple"});
    let response = app
        .send(Method::PUT, "/auth/password", Some(&token), Some(right))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    app.login("ada@example.org", "battery staple").await;
    let leaked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE payload::text LIKE '%$2b$%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(leaked, 0, "no bcrypt hash in any event");
}

#[tokio::test]
async fn the_bootstrap_admin_is_an_admin() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let me = app.me(&admin.token).await;
    assert_eq!(me.role, domain::Role::Admin);
}

#[tokio::test]
async fn instances_starting_together_agree_on_one_bootstrap_admin() {
    let db = TestDatabase::create().await;
    let (config, redis) = (test_config(), test_redis());
    let secret = || bestiary::config::Secret::new(crate::helpers::SECRET);
    let starts = (0..4).map(|_| Api::build(db.pool.clone(), &config, &redis, secret()));
    for started in futures::future::join_all(starts).await {
        started.expect("every instance starts");
    }
    let admins: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'UserRegistered' \
         AND payload->>'role' = 'admin'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn empty_bootstrap_admin_settings_count_as_unset() {
    let mut config = test_config();
    config.admin_email = Some(String::new());
    config.admin_password = Some(bestiary::config::Secret::new(""));
    let app = spawn_app_with(config, test_redis()).await;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE stream_type = 'user'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(users, 0, "no admin was created from empty settings");
}
