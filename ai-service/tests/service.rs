//! The avatar service over real HTTP: deterministic images, validation, and the external
//! backend against a small local server that speaks the OpenAI images protocol.

use ai_service::external::ExternalApi;
use ai_service::{Backend, router};
use axum::Json;
use axum::routing::post;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

async fn procedural() -> String {
    serve(router(Backend::Procedural, Duration::from_secs(10))).await
}

fn smaug() -> Value {
    json!({"seed": "creature-1", "name": "Smaug", "species": "Fire Dragon", "traits": {"wings": 2, "colour": "red"}})
}

async fn avatar(base: &str, query: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/avatars{query}"))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (width, height)
}

#[tokio::test]
async fn the_same_input_gives_the_same_bytes_and_another_input_another_image() {
    let base = procedural().await;
    for query in ["", "?format=png&size=128"] {
        let first = avatar(&base, query, &smaug()).await.bytes().await.unwrap();
        let second = avatar(&base, query, &smaug()).await.bytes().await.unwrap();
        assert_eq!(first, second, "{query}");
        let mut other = smaug();
        other["seed"] = json!("creature-2");
        assert_ne!(
            avatar(&base, query, &other).await.bytes().await.unwrap(),
            first,
            "{query}"
        );
    }
}

#[tokio::test]
async fn svg_by_default_png_when_asked_at_the_size_asked() {
    let base = procedural().await;
    let svg = avatar(&base, "", &smaug()).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let text = svg.text().await.unwrap();
    assert!(text.starts_with("<svg") && text.ends_with("</svg>"));
    let png = reqwest::Client::new()
        .post(format!("{base}/avatars?size=64"))
        .header("accept", "image/png")
        .json(&smaug())
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png_size(&png.bytes().await.unwrap()), (64, 64));
    let large = avatar(&base, "?format=png&size=512", &smaug())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&large), (512, 512));
}

#[tokio::test]
async fn bad_requests_get_problem_json() {
    let base = procedural().await;
    let client = reqwest::Client::new();
    let mut long_name = smaug();
    long_name["name"] = json!("x".repeat(81));
    let mut nested = smaug();
    nested["traits"] = json!({"wings": {"count": 2}});
    let cases = vec![
        (
            "name too long",
            avatar(&base, "", &long_name).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "nested trait",
            avatar(&base, "", &nested).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "missing field",
            avatar(&base, "", &json!({"seed": "s", "name": "n"})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "unknown format",
            avatar(&base, "?format=gif", &smaug()).await,
            StatusCode::BAD_REQUEST,
        ),
        (
            "size out of range",
            avatar(&base, "?format=png&size=4096", &smaug()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "malformed JSON",
            client
                .post(format!("{base}/avatars"))
                .header("content-type", "application/json")
                .body("{")
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "body too large",
            client
                .post(format!("{base}/avatars"))
                .header("content-type", "application/json")
                .body(format!("{{\"seed\": \"{}\"}}", "x".repeat(20_000)))
                .send()
                .await
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            "unknown route",
            client.get(format!("{base}/nothing")).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (label, response, status) in cases {
        assert_eq!(response.status(), status, "{label}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{label}"
        );
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["status"], status.as_u16(), "{label}");
    }
    let health: Value = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
}

/// A tiny stand-in for an OpenAI-style images API: checks the key, answers one PNG.
async fn fake_image_api(delay: Duration) -> String {
    let app = axum::Router::new().route(
        "/v1/images/generations",
        post(
            move |headers: axum::http::HeaderMap, Json(body): Json<Value>| async move {
                tokio::time::sleep(delay).await;
                if headers.get("authorization").and_then(|v| v.to_str().ok())
                    != Some("Bearer test-key")
                {
                    return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"})));
                }
                assert!(body["prompt"].as_str().unwrap().contains("Smaug"));
                let png = ai_service::raster::png(
                    &ai_service::generator::portrait("x", "y", "z", &Default::default()),
                    32,
                )
                .unwrap();
                let encoded = base64::engine::general_purpose::STANDARD.encode(png);
                (
                    StatusCode::OK,
                    Json(json!({"data": [{"b64_json": encoded}]})),
                )
            },
        ),
    );
    serve(app).await
}

fn external(url: String, key: &str, timeout: Duration) -> Backend {
    Backend::External(ExternalApi::new(url, key.into(), "test-model".into(), timeout).unwrap())
}

#[tokio::test]
async fn the_external_backend_speaks_the_openai_images_protocol() {
    let api = fake_image_api(Duration::ZERO).await;
    let base = serve(router(
        external(api.clone(), "test-key", Duration::from_secs(5)),
        Duration::from_secs(5),
    ))
    .await;
    let response = avatar(&base, "", &smaug()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(png_size(&response.bytes().await.unwrap()), (32, 32));

    let wrong_key = serve(router(
        external(api, "wrong", Duration::from_secs(5)),
        Duration::from_secs(5),
    ))
    .await;
    assert_eq!(
        avatar(&wrong_key, "", &smaug()).await.status(),
        StatusCode::BAD_GATEWAY
    );

    let closed = format!(
        "http://{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
    );
    let down = serve(router(
        external(closed, "test-key", Duration::from_secs(5)),
        Duration::from_secs(5),
    ))
    .await;
    assert_eq!(
        avatar(&down, "", &smaug()).await.status(),
        StatusCode::BAD_GATEWAY
    );

    let slow_api = fake_image_api(Duration::from_secs(3)).await;
    let slow = serve(router(
        external(slow_api, "test-key", Duration::from_secs(10)),
        Duration::from_millis(200),
    ))
    .await;
    let response = avatar(&slow, "", &smaug()).await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
}
