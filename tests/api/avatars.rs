//! Serving avatars: the image a creature's avatar URL points at, cacheable for good.

use crate::helpers::{assert_problem, spawn_app};
use commands::testing::eventually;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn ai_service() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = ai_service::router(ai_service::Backend::Procedural, Duration::from_secs(10));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_creatures_avatar_is_served_with_an_etag_and_long_lived_caching() {
    let app = spawn_app().await;
    app.start_worker_with(Some(ai_service().await));
    let owner = app.user("owner").await;
    let id = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{id}");
    let missing = app
        .send(
            Method::GET,
            &format!("/creatures/{}/avatar", uuid::Uuid::now_v7()),
            None,
            None,
        )
        .await;
    assert_problem(missing, StatusCode::NOT_FOUND).await;

    let url = eventually(
        Duration::from_secs(20),
        "the avatar to be ready",
        || async {
            let creature: Value = app
                .send(Method::GET, &path, None, None)
                .await
                .json()
                .await
                .unwrap();
            match creature["avatar"]["url"].as_str() {
                Some(url) if creature["avatar"]["state"] == "ready" => Ok(url.to_owned()),
                _ => Err(creature),
            }
        },
    )
    .await;
    let image = app.send(Method::GET, &url, None, None).await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        image.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = image.headers()["etag"].to_str().unwrap().to_owned();
    assert!(image.text().await.unwrap().starts_with("<svg"));
    let revalidated = app
        .request(Method::GET, &url, None)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);

    // A new avatar request keeps the old image visible while the new one is pending.
    let requested = app
        .send(
            Method::POST,
            &format!("{path}/avatar"),
            Some(&owner.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(requested.status(), StatusCode::ACCEPTED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_image_the_creature_had_is_served_by_its_hash_and_no_other() {
    let app = spawn_app().await;
    app.start_worker_with(Some(ai_service().await));
    let owner = app.user("owner").await;
    let smaug = app.creature(&owner, "Smaug").await;
    let hoot = app.creature(&owner, "Hoot").await;
    // The hash of a creature's image, once drawn: its `ETag`.
    let ready = |id: String| {
        let app = &app;
        async move {
            let url = eventually(
                Duration::from_secs(20),
                "the avatar to be ready",
                || async {
                    let path = format!("/creatures/{id}");
                    let response = app.send(Method::GET, &path, None, None).await;
                    let view: Value = response.json().await.unwrap();
                    match view["avatar"]["url"].as_str() {
                        Some(url) if view["avatar"]["state"] == "ready" => Ok(url.to_owned()),
                        _ => Err(view),
                    }
                },
            )
            .await;
            let image = app.send(Method::GET, &url, None, None).await;
            image.headers()["etag"]
                .to_str()
                .unwrap()
                .trim_matches('"')
                .to_owned()
        }
    };
    let (smaug_sha, hoot_sha) = (ready(smaug.clone()).await, ready(hoot.clone()).await);
    assert_ne!(smaug_sha, hoot_sha);
    let by_hash = |id: &str, sha: &str| format!("/creatures/{id}/avatar?sha256={sha}");

    let image = app
        .send(Method::GET, &by_hash(&smaug, &smaug_sha), None, None)
        .await;
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["etag"], format!("\"{smaug_sha}\"").as_str());
    for (id, sha) in [
        (&smaug, hoot_sha.as_str()),
        (&smaug, &"0".repeat(64)),
        (&smaug, "not-a-hash"),
        (&smaug, &smaug_sha.to_uppercase()),
    ] {
        let refused = app.send(Method::GET, &by_hash(id, sha), None, None).await;
        assert_problem(refused, StatusCode::NOT_FOUND).await;
    }
}
