//! Metrics: `/metrics` stays bounded whatever clients send (labels come from closed sets),
//! counts requests, and the worker exports its own on `WORKER_METRICS_ADDR`, every metric the
//! Grafana dashboard shows among them. The registry is one per process, shared by every app
//! these tests start: assertions are on growth or on series of the test's own process.

use crate::helpers::spawn_app;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn made_up_methods_and_paths_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let made_up = 2_000;
    futures::stream::iter(0..made_up)
        .for_each_concurrent(16, |n| {
            let app = &app;
            async move {
                let method = Method::from_bytes(format!("MADEUP{n}").as_bytes()).unwrap();
                // Half on a real route (answered 405), half on a made-up path (404).
                let path = if n % 2 == 0 {
                    "/creatures".to_owned()
                } else {
                    format!("/made-up-path-{n}")
                };
                let response = app.request(method, &path, None).send().await.unwrap();
                assert!(response.status().is_client_error(), "{path}");
                let plain = app
                    .request(Method::GET, &format!("/made-up-path-{n}"), None)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(plain.status(), StatusCode::NOT_FOUND);
            }
        })
        .await;
    let text = app
        .send(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("MADEUP") && !text.contains("made-up-path"),
        "a client-chosen value became a label: {text}"
    );
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
    // The made-up requests fall into a handful of series (a counter and a histogram's 14
    // lines each), not one per method or path. Other tests of this process share the
    // registry, so the whole exposition is bounded by the routes the code has, not by this
    // test alone.
    let catch_all = text
        .lines()
        .filter(|line| line.contains("method=\"other\"") || line.contains("route=\"unmatched\""))
        .count();
    assert!(
        catch_all <= 4 * 15,
        "{catch_all} catch-all lines after {made_up} made-up requests: {text}"
    );
    assert!(
        text.len() < 256 * 1024,
        "{} bytes after {made_up} made-up requests",
        text.len()
    );
}

/// The value of the sample `series` (name and labels, as exposed) in a scrape, if it is there.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

async fn scrape(client: &reqwest::Client, url: &str) -> String {
    client
        .get(url)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn request_counters_grow_with_requests() {
    // The registry is the process's: other tests' apps count too, so only growth is asserted.
    let app = spawn_app().await;
    let series =
        "bestiary_http_requests_total{method=\"GET\",route=\"/creatures/{id}\",status=\"404\"}";
    let metrics = format!("{}/metrics", app.address);
    let before = sample(&scrape(&app.client, &metrics).await, series).unwrap_or(0.0);
    for _ in 0..3 {
        let path = format!("/creatures/{}", uuid::Uuid::now_v7());
        let response = app.send(Method::GET, &path, None, None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let text = scrape(&app.client, &metrics).await;
    let after = sample(&text, series).unwrap_or(0.0);
    assert!(after >= before + 3.0, "{before} → {after}: {text}");
    assert!(
        text.contains("bestiary_http_request_duration_seconds_bucket{method=\"GET\",route=\"/creatures/{id}\",le=\"0.005\"}"),
        "{text}"
    );
}

/// The real `bestiary worker` process, stopped (killed) with the test.
struct WorkerProcess(std::process::Child);

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn ai_service() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = ai_service::router(ai_service::Backend::Procedural, Duration::from_secs(10));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_exports_projections_and_avatar_jobs_on_its_own_address() {
    let app = spawn_app().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _worker = WorkerProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_bestiary"))
            .arg("worker")
            .env("DATABASE_URL", app.db.url())
            .env("REDIS_URL", &app.redis.redis_url)
            .env("REDIS_PREFIX", &app.redis.redis_prefix)
            .env("AI_SERVICE_URL", ai_service().await)
            .env("WORKER_METRICS_ADDR", format!("127.0.0.1:{port}"))
            .env("WORKER_POLL_MS", "100")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the worker starts"),
    );
    let owner = app.user("owner").await;
    app.tag(&owner, "fiery").await;
    app.creature(&owner, "Smaug").await;

    let worker_metrics = format!("http://127.0.0.1:{port}/metrics");
    let deadline = Instant::now() + Duration::from_secs(30);
    let worker_text = loop {
        let text = match app.client.get(&worker_metrics).send().await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(), // not listening yet
        };
        let head: i64 = sqlx::query_scalar("SELECT COALESCE(max(position), 0) FROM events")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let at_head = projections::projection::ALL.iter().all(|projection| {
            let series = format!(
                "bestiary_worker_projection_position{{projection=\"{}\"}}",
                projection.name()
            );
            sample(&text, &series) == Some(head as f64)
        });
        let generated = sample(
            &text,
            "bestiary_worker_avatar_jobs_done_total{outcome=\"generated\"}",
        );
        if at_head && generated >= Some(1.0) {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "the worker's metrics never showed head {head} and a generated avatar: {text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for projection in projections::projection::ALL {
        let name = projection.name();
        let batches = sample(
            &worker_text,
            &format!("bestiary_worker_projection_batch_events_count{{projection=\"{name}\"}}"),
        );
        assert!(batches >= Some(1.0), "{name}: {worker_text}");
        assert_eq!(
            sample(
                &worker_text,
                &format!("bestiary_worker_projection_lease_held{{projection=\"{name}\"}}")
            ),
            Some(1.0),
            "{name}: {worker_text}"
        );
        assert!(
            worker_text.contains(&format!(
                "bestiary_worker_projection_batch_duration_seconds_bucket{{projection=\"{name}\",le=\"+Inf\"}}"
            )),
            "{name}: {worker_text}"
        );
    }
    assert!(
        sample(&worker_text, "bestiary_worker_avatar_jobs_enqueued_total") >= Some(1.0),
        "{worker_text}"
    );
    assert!(
        !worker_text.contains("bestiary_http_requests_total"),
        "a worker process answers no HTTP requests of the API: {worker_text}"
    );

    // Every metric the dashboard shows is one a running API or worker exports.
    let api_text = scrape(&app.client, &format!("{}/metrics", app.address)).await;
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/grafana/bestiary.json"),
    )
    .unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    let mut queried = std::collections::BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            for (start, _) in expr.match_indices("bestiary_") {
                let name: String = expr[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                queried.insert(name);
            }
        }
    }
    assert!(queried.len() > 10, "{queried:?}");
    let exported = |name: &str| {
        [&api_text, &worker_text].iter().any(|text| {
            text.lines()
                .any(|line| line.starts_with(name) && line[name.len()..].starts_with(['{', ' ']))
        })
    };
    let missing: Vec<&String> = queried.iter().filter(|name| !exported(name)).collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries metrics nothing exports: {missing:?}"
    );
}
