//! Bad input gets a clear 4xx problem+json, never a 500, and never appends an event.

use crate::helpers::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_wrong_typed_oversized_and_unknown_input_is_refused_without_appending() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let creature_path = format!("/creatures/{creature}");
    let before = app.event_count().await;
    let token = Some(owner.token.as_str());

    let raw = |method: Method, path: &str, content_type: Option<&str>, body: String| {
        let mut request = app.request(method, path, token).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    let json_type = Some("application/json");

    let cases = vec![
        ("malformed JSON", raw(Method::POST, "/creatures", json_type, "{\"name\": ".into()).await.unwrap(), StatusCode::BAD_REQUEST),
        ("no content type", raw(Method::POST, "/creatures", None, "{}".into()).await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("wrong type", app.send(Method::POST, "/creatures", token, Some(json!({"name": 5, "species": "x"}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("missing field", app.send(Method::POST, "/creatures", token, Some(json!({"name": "x"}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("unknown field", app.send(Method::POST, "/creatures", token, Some(json!({"name": "x", "species": "y", "colour": "red"}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("name too long", app.send(Method::POST, "/creatures", token, Some(json!({"name": "x".repeat(81), "species": "y"}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("description too long", app.send(Method::PATCH, &creature_path, token, Some(json!({"description": "x".repeat(2001)}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("too many traits", app.send(Method::POST, "/creatures", token, Some(json!({"name": "x", "species": "y", "traits": (0..33).map(|n| (format!("t{n}"), json!(n))).collect::<serde_json::Map<_, _>>()}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("nested traits", app.send(Method::POST, "/creatures", token, Some(json!({"name": "x", "species": "y", "traits": {"a": {"b": 1}}}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("empty update", app.send(Method::PATCH, &creature_path, token, Some(json!({}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("body over the limit", raw(Method::POST, "/creatures", json_type, format!("{{\"name\": \"{}\"}}", "x".repeat(70_000))).await.unwrap(), StatusCode::PAYLOAD_TOO_LARGE),
        ("bad If-Match", app.request(Method::PATCH, &creature_path, token).header("if-match", "soon").json(&json!({"name": "y"})).send().await.unwrap(), StatusCode::BAD_REQUEST),
        ("unknown creature", app.send(Method::PATCH, &format!("/creatures/{}", uuid::Uuid::now_v7()), token, Some(json!({"name": "y"}))).await, StatusCode::NOT_FOUND),
        ("If-Match on an unknown creature", app.request(Method::PATCH, &format!("/creatures/{}", uuid::Uuid::now_v7()), token).header("if-match", "3").json(&json!({"name": "y"})).send().await.unwrap(), StatusCode::NOT_FOUND),
        ("not an id", app.send(Method::DELETE, "/creatures/not-a-uuid", token, None).await, StatusCode::NOT_FOUND),
        ("a user's id as a creature's", app.send(Method::DELETE, &format!("/creatures/{}", owner.id), token, None).await, StatusCode::NOT_FOUND),
        ("unknown history", app.send(Method::GET, &format!("/creatures/{}/history", uuid::Uuid::now_v7()), None, None).await, StatusCode::NOT_FOUND),
        ("unknown tag", app.send(Method::DELETE, &format!("/tags/{}", uuid::Uuid::now_v7()), token, None).await, StatusCode::FORBIDDEN),
        ("unknown route", app.send(Method::GET, "/dragons", None, None).await, StatusCode::NOT_FOUND),
        ("wrong method", app.send(Method::PUT, "/creatures", token, None).await, StatusCode::METHOD_NOT_ALLOWED),
        ("bad tag name", app.send(Method::POST, "/tags", token, Some(json!({"name": "fire/ice"}))).await, StatusCode::UNPROCESSABLE_ENTITY),
        ("bad query", app.send(Method::POST, "/admin/rotate-keys?revoke_previous=maybe", Some(app.admin().await.token.as_str()), None).await, StatusCode::BAD_REQUEST),
    ];
    for (label, response, status) in cases {
        assert_eq!(response.status(), status, "{label}");
        let problem = assert_problem(response, status).await;
        let text = problem.to_string().to_lowercase();
        for leak in ["sqlx", "postgres", "select ", "panicked", "backtrace"] {
            assert!(!text.contains(leak), "{label} leaks `{leak}`: {problem}");
        }
    }
    assert_eq!(
        app.event_count().await,
        before,
        "no refused request appended an event"
    );
}

#[tokio::test]
async fn field_errors_name_the_fields() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let body =
        json!({"name": "", "species": "y".repeat(81), "traits": [1], "tags": ["no such tag"]});
    let response = app
        .send(Method::POST, "/creatures", Some(&owner.token), Some(body))
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "species", "traits", "tags"]);
}

#[tokio::test]
async fn cors_allows_the_web_origin_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/creatures", None)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,idempotency-key",
            )
            .send()
    };
    let allowed = preflight("http://localhost:8501").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:8501"
    );
    let refused = preflight("http://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
