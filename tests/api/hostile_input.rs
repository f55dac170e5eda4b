//! Input PostgreSQL would refuse (a NUL, a lone surrogate, a time out of its range, a number
//! out of any range) is refused by the API first: a 4xx problem+json, never a 500, never an
//! event.

use crate::helpers::{TestApp, assert_problem, spawn_app};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// Asserts a 4xx problem+json naming `field` among its errors (when it lists any).
async fn assert_refused(label: &str, response: Response, status: StatusCode, field: &str) {
    assert_eq!(response.status(), status, "{label}");
    let problem = assert_problem(response, status).await;
    if let Some(errors) = problem["errors"].as_array() {
        assert!(
            errors.iter().any(|error| error["field"] == field),
            "{label}: the problem names `{field}`: {problem}"
        );
    }
}

/// Sends a raw JSON text (for what `serde_json::json!` cannot build, like a lone surrogate).
async fn send_raw(app: &TestApp, method: Method, path: &str, token: &str, body: &str) -> Response {
    app.request(method, path, Some(token))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the API answers")
}

#[tokio::test]
async fn a_nul_in_a_trait_value_is_refused_on_create_and_update() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let before = app.event_count().await;
    let traits = json!({"lore": "fire\u{0}ice"});

    let created = app
        .send(
            Method::POST,
            "/creatures",
            Some(&owner.token),
            Some(json!({"name": "Glaurung", "species": "dragon", "traits": traits})),
        )
        .await;
    let updated = app
        .send(
            Method::PATCH,
            &format!("/creatures/{creature}"),
            Some(&owner.token),
            Some(json!({"traits": traits})),
        )
        .await;
    assert_eq!(
        [created.status().as_u16(), updated.status().as_u16()],
        [422, 422],
        "create and update"
    );
    for (label, response) in [("create", created), ("update", updated)] {
        assert_refused(label, response, StatusCode::UNPROCESSABLE_ENTITY, "traits").await;
    }
    assert_eq!(app.event_count().await, before, "nothing was appended");
}

#[tokio::test]
async fn a_nul_in_a_list_filter_is_refused() {
    let app = spawn_app().await;
    let mut responses = Vec::new();
    for field in ["q", "species", "tag"] {
        let path = format!("/creatures?{field}=fi%00re");
        responses.push((field, app.send(Method::GET, &path, None, None).await));
    }
    let statuses: Vec<_> = responses
        .iter()
        .map(|(field, response)| (*field, response.status().as_u16()))
        .collect();
    assert_eq!(statuses, [("q", 422), ("species", 422), ("tag", 422)]);
    for (field, response) in responses {
        assert_refused(field, response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
    }
}

#[tokio::test]
async fn a_cursor_holding_a_time_postgresql_cannot_store_is_refused() {
    let app = spawn_app().await;
    // chrono reaches back to 262144 BC; PostgreSQL's timestamptz only to 4713 BC.
    let cursor = json!({"t": chrono::DateTime::<chrono::Utc>::MIN_UTC, "i": uuid::Uuid::now_v7()});
    let cursor = URL_SAFE_NO_PAD.encode(cursor.to_string());
    let response = app
        .send(
            Method::GET,
            &format!("/creatures?cursor={cursor}"),
            None,
            None,
        )
        .await;
    assert_refused(
        "cursor",
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cursor",
    )
    .await;
}

#[tokio::test]
async fn a_nul_anywhere_in_a_registration_is_refused() {
    let app = spawn_app().await;
    let before = app.event_count().await;
    let valid =
        json!({"email": "ada@example.org", "password": "password123", "display_name": "Ada"});
    for (field, value) in [
        ("email", "ada\u{0}@example.org"),
        ("password", "password\u{0}123"),
        ("display_name", "A\u{0}da"),
    ] {
        let mut body = valid.clone();
        body[field] = Value::from(value);
        let response = app
            .send(Method::POST, "/auth/register", None, Some(body))
            .await;
        assert_refused(field, response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
    }
    assert_eq!(app.event_count().await, before, "nothing was appended");
}

#[tokio::test]
async fn a_nul_in_any_creature_or_tag_text_is_refused() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let token = Some(owner.token.as_str());
    let before = app.event_count().await;
    let cases = [
        ("name", json!({"name": "Sm\u{0}aug", "species": "dragon"})),
        (
            "species",
            json!({"name": "Smaug", "species": "dra\u{0}gon"}),
        ),
        (
            "description",
            json!({"name": "Smaug", "species": "dragon", "description": "hoard\u{0}"}),
        ),
        (
            "traits",
            json!({"name": "Smaug", "species": "dragon", "traits": {"lo\u{0}re": 1}}),
        ),
        (
            "tags",
            json!({"name": "Smaug", "species": "dragon", "tags": ["fi\u{0}re"]}),
        ),
    ];
    for (field, body) in cases {
        let response = app
            .send(Method::POST, "/creatures", token, Some(body))
            .await;
        assert_refused(field, response, StatusCode::UNPROCESSABLE_ENTITY, field).await;
    }
    let tag = app
        .send(
            Method::POST,
            "/tags",
            token,
            Some(json!({"name": "fi\u{0}re"})),
        )
        .await;
    assert_refused("tag", tag, StatusCode::UNPROCESSABLE_ENTITY, "name").await;
    let path_tag = app
        .send(
            Method::PUT,
            &format!("/creatures/{creature}/tags/fi%00re"),
            token,
            None,
        )
        .await;
    assert_refused("path tag", path_tag, StatusCode::NOT_FOUND, "tag").await;
    assert_eq!(app.event_count().await, before, "nothing was appended");
}

#[tokio::test]
async fn lone_surrogates_and_numbers_beyond_any_range_are_refused_as_bad_json() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let before = app.event_count().await;
    for (label, body) in [
        (
            "lone surrogate",
            r#"{"name": "Smaug", "species": "dragon", "traits": {"lore": "\ud800"}}"#,
        ),
        (
            "lone trailing surrogate",
            r#"{"name": "Sm\udc00aug", "species": "dragon"}"#,
        ),
        (
            "huge exponent",
            r#"{"name": "Smaug", "species": "dragon", "traits": {"weight": 1e400}}"#,
        ),
    ] {
        let response = send_raw(&app, Method::POST, "/creatures", &owner.token, body).await;
        assert_refused(label, response, StatusCode::BAD_REQUEST, "body").await;
    }
    assert_eq!(app.event_count().await, before, "nothing was appended");
}

#[tokio::test]
async fn versions_and_limits_beyond_their_integers_are_refused() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let too_big = app
        .request(
            Method::PATCH,
            &format!("/creatures/{creature}"),
            Some(&owner.token),
        )
        .header("if-match", "99999999999999999999")
        .json(&json!({"name": "Glaurung"}))
        .send()
        .await
        .unwrap();
    assert_refused("If-Match", too_big, StatusCode::BAD_REQUEST, "if-match").await;
    let limit = app
        .send(
            Method::GET,
            "/creatures?limit=99999999999999999999",
            None,
            None,
        )
        .await;
    assert_refused("limit", limit, StatusCode::BAD_REQUEST, "limit").await;
}

#[tokio::test]
async fn an_idempotency_key_outside_visible_ascii_is_refused() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let before = app.event_count().await;
    for key in [&b"cl\xc3\xa9"[..], b"key\tkey", b"\x80\xff"] {
        let response = app
            .request(Method::POST, "/tags", Some(&owner.token))
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(key).unwrap(),
            )
            .json(&json!({"name": "fire"}))
            .send()
            .await
            .unwrap();
        assert_refused("key", response, StatusCode::BAD_REQUEST, "idempotency-key").await;
    }
    assert_eq!(app.event_count().await, before, "nothing was appended");
}
