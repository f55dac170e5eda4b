//! `bestiary web`: the SPA's files, its runtime config, client-side routes and a missing build.

use crate::helpers::test_config;
use crate::support::service::Service;
use bestiary::web::{WebConfig, WebServer};
use std::path::PathBuf;

/// Serves `dist` on a free port until the returned service is dropped.
async fn serve(dist: PathBuf, backend: &str) -> (String, Service) {
    let config = WebConfig {
        backend_url: backend.into(),
        web_dist: dist,
    };
    let server = WebServer::build(
        &config,
        "127.0.0.1:0".parse().unwrap(),
        test_config().http.timeouts(),
    )
    .await
    .expect("the web server starts");
    let address = format!("http://{}", server.local_addr().unwrap());
    let service = Service::spawn("the web server", |stopped| server.run(stopped.wait()));
    (address, service)
}

fn fake_build() -> PathBuf {
    let dist =
        std::env::temp_dir().join(format!("bestiary-dist-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Bestiary</title>",
    )
    .unwrap();
    std::fs::write(dist.join("bestiary_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dist.join("bestiary_bg.wasm.gz"), b"gzipped").unwrap();
    std::fs::write(dist.join("bestiary_bg.wasm.br"), b"brotli").unwrap();
    dist
}

#[tokio::test]
async fn it_serves_files_its_config_and_index_html_for_client_routes() {
    let dist = fake_build();
    let (web, _server) = serve(dist.clone(), "http://api.example:8000/").await;
    let client = reqwest::Client::new();

    let config = client
        .get(format!("{web}/config.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(config.headers()["cache-control"], "no-store");
    let config: serde_json::Value = config.json().await.unwrap();
    assert_eq!(config["backend_url"], "http://api.example:8000");

    let wasm = client
        .get(format!("{web}/bestiary_bg.wasm"))
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert!(wasm.headers().get("content-encoding").is_none());
    let policy = wasm.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("connect-src 'self' http://api.example:8000"),
        "{policy}"
    );

    let gzipped = client
        .get(format!("{web}/bestiary_bg.wasm"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["content-type"], "application/wasm");
    // Brotli (a fifth smaller for the wasm) to browsers that take it.
    let brotli = client
        .get(format!("{web}/bestiary_bg.wasm"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert_eq!(brotli.headers()["content-type"], "application/wasm");
    assert_eq!(brotli.bytes().await.unwrap().as_ref(), b"brotli");

    for route in [
        "/",
        "/creatures/0190a3f0-0000-7000-8000-000000000001",
        "/admin",
    ] {
        let page = client.get(format!("{web}{route}")).send().await.unwrap();
        assert_eq!(page.status(), 200, "{route}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("<title>Bestiary</title>"),
            "{route}"
        );
    }
    // A missing asset is a 404, not the app's page.
    let missing = client
        .get(format!("{web}/missing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let escape = client
        .get(format!("{web}/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_ne!(escape.status(), 200);
    std::fs::remove_dir_all(dist).unwrap();
}

#[tokio::test]
async fn without_a_build_every_page_says_how_to_make_one() {
    let nowhere = std::env::temp_dir().join(format!(
        "bestiary-unbuilt-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let (web, _server) = serve(nowhere, "http://127.0.0.1:8000").await;
    for path in ["/", "/healthz", "/gallery"] {
        let page = reqwest::get(format!("{web}{path}")).await.unwrap();
        assert_eq!(page.status(), 503, "{path}");
        assert!(page.text().await.unwrap().contains("web/build"), "{path}");
    }
}

#[tokio::test]
async fn a_backend_url_that_is_not_http_is_refused() {
    let config = WebConfig {
        backend_url: "api:8000".into(),
        web_dist: fake_build(),
    };
    let error = WebServer::build(
        &config,
        "127.0.0.1:0".parse().unwrap(),
        test_config().http.timeouts(),
    )
    .await
    .err()
    .expect("refused");
    assert!(error.to_string().contains("BACKEND_URL"), "{error}");
}
