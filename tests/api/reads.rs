//! The read side over HTTP: queries, read-your-writes, live updates, metrics and readiness.

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, test_config, test_redis};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_then_a_read_at_its_position_sees_the_write_every_time() {
    let _heavy = crate::helpers::HEAVY.lock().await;
    let app = spawn_app().await;
    app.start_worker();
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    let path = format!("/creatures/{creature}");
    for n in 0..200 {
        let description = format!("description number {n}");
        let written: Value = app
            .send(
                Method::PATCH,
                &path,
                Some(&owner.token),
                Some(json!({"description": description})),
            )
            .await
            .json()
            .await
            .unwrap();
        let position = written["position"].as_i64().unwrap();
        // Alternate between the query parameter and the header.
        let read = if n % 2 == 0 {
            app.send(
                Method::GET,
                &format!("{path}?min_position={position}"),
                None,
                None,
            )
            .await
        } else {
            app.request(Method::GET, &path, None)
                .header("x-min-position", position.to_string())
                .send()
                .await
                .unwrap()
        };
        assert_eq!(read.status(), StatusCode::OK, "iteration {n}");
        let creature: Value = read.json().await.unwrap();
        assert_eq!(
            creature["description"],
            description.as_str(),
            "iteration {n}"
        );
        assert!(creature["position"].as_i64().unwrap() >= position);
    }
}

#[tokio::test]
async fn a_position_the_read_model_does_not_reach_in_time_is_503_with_retry_after() {
    let mut config = test_config();
    config.read_wait_ms = 200;
    let app = spawn_app_with(config, test_redis()).await;
    let owner = app.user("owner").await;
    let creature = app.creature(&owner, "Smaug").await;
    // No worker runs: the read model never reaches the write.
    let started = Instant::now();
    let response = app
        .send(
            Method::GET,
            &format!("/creatures/{creature}?min_position=3"),
            None,
            None,
        )
        .await;
    assert_eq!(response.headers()["retry-after"], "1");
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(problem["type"], "/problems/not-yet-consistent");
    assert!(started.elapsed() >= Duration::from_millis(200));
    let bad = app
        .send(Method::GET, "/creatures?min_position=soon", None, None)
        .await;
    assert_problem(bad, StatusCode::BAD_REQUEST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_gallery_lists_filters_and_pages_what_was_written() {
    let app = spawn_app().await;
    app.start_worker();
    let owner = app.user("owner").await;
    app.tag(&owner, "Fire").await;
    let mut last = 0;
    for (name, species) in [
        ("Smaug", "dragon"),
        ("Glaurung", "dragon"),
        ("Shadowfax", "horse"),
    ] {
        let body = json!({"name": name, "species": species, "description": format!("{name} the {species}")});
        let created: Value = app
            .send(Method::POST, "/creatures", Some(&owner.token), Some(body))
            .await
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        if species == "dragon" {
            let tagged: Value = app
                .send(
                    Method::PUT,
                    &format!("/creatures/{id}/tags/fire"),
                    Some(&owner.token),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            last = tagged["position"].as_i64().unwrap();
        } else {
            last = created["position"].as_i64().unwrap();
        }
    }
    let page = |query: String| {
        let app = &app;
        async move {
            let response = app
                .send(
                    Method::GET,
                    &format!("/creatures?min_position={last}&{query}"),
                    None,
                    None,
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            response.json::<Value>().await.unwrap()
        }
    };
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&page(String::new()).await),
        vec!["Shadowfax", "Glaurung", "Smaug"]
    );
    assert_eq!(
        names(&page("tag=fire".into()).await),
        vec!["Glaurung", "Smaug"]
    );
    assert_eq!(
        names(&page("species=horse".into()).await),
        vec!["Shadowfax"]
    );
    assert_eq!(names(&page("q=smaug".into()).await), vec!["Smaug"]);
    assert_eq!(names(&page(format!("owner={}", owner.id)).await).len(), 3);
    let first = page("limit=2".into()).await;
    assert_eq!(names(&first), vec!["Shadowfax", "Glaurung"]);
    let second = page(format!(
        "limit=2&cursor={}",
        first["next_cursor"].as_str().unwrap()
    ))
    .await;
    assert_eq!(names(&second), vec!["Smaug"]);
    assert!(second["next_cursor"].is_null());
    let smaug = &second["items"][0];
    assert_eq!(smaug["tags"], json!(["Fire"]));
    assert_eq!(smaug["owner"]["display_name"], "Tester");
    assert_eq!(smaug["avatar"]["state"], "pending");

    let tags: Value = app
        .send(
            Method::GET,
            &format!("/tags?min_position={last}"),
            None,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tags["tags"][0]["name"], "Fire");
    assert_eq!(tags["tags"][0]["creature_count"], 2);

    for (query, status) in [
        ("limit=0", 422),
        ("limit=1000", 422),
        ("cursor=nonsense", 422),
        ("owner=nobody", 422),
    ] {
        let response = app
            .send(Method::GET, &format!("/creatures?{query}"), None, None)
            .await;
        assert_problem(response, StatusCode::from_u16(status).unwrap()).await;
    }
    let unknown = app
        .send(
            Method::GET,
            &format!("/creatures/{}", uuid::Uuid::now_v7()),
            None,
            None,
        )
        .await;
    assert_problem(unknown, StatusCode::NOT_FOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn live_updates_announce_a_new_creature_with_its_position() {
    let app = spawn_app().await;
    app.start_worker();
    let owner = app.user("owner").await;
    let mut stream = app.send(Method::GET, "/updates", None, None).await;
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let created: Value = app
        .send(
            Method::POST,
            "/creatures",
            Some(&owner.token),
            Some(json!({"name": "Smaug", "species": "dragon"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let position = created["position"].as_i64().unwrap();
    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("an update in time")
            .unwrap()
            .unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk));
        let announced = received.split("\n\n").any(|message| {
            message.contains("event: projection")
                && message.contains("\"projection\":\"creatures\"")
                && message.contains(id)
                && message
                    .lines()
                    .find_map(|line| line.strip_prefix("id: "))
                    .and_then(|id| id.parse::<i64>().ok())
                    .is_some_and(|stamped| stamped >= position)
        });
        if announced {
            break;
        }
    }
}

#[tokio::test]
async fn metrics_count_requests_and_show_projection_lag() {
    let app = spawn_app().await;
    app.user("owner").await;
    app.send(Method::GET, "/creatures", None, None).await;
    let admin = app.admin().await;
    let projections: Value = app
        .send(Method::GET, "/admin/projections", Some(&admin.token), None)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = projections["projections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["creatures", "tags", "users"]);
    assert!(
        projections["projections"][0]["lag"].as_i64().unwrap() > 0,
        "no worker runs, so they lag"
    );
    let user = app.user("plain").await;
    let forbidden = app
        .send(Method::GET, "/admin/projections", Some(&user.token), None)
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;

    let text = app
        .send(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            "bestiary_http_requests_total{method=\"GET\",route=\"/creatures\",status=\"200\"} "
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "bestiary_http_request_duration_seconds_bucket{method=\"POST\",route=\"/auth/register\""
        ),
        "{text}"
    );
    assert!(
        text.contains("bestiary_projection_lag_events{projection=\"creatures\"}"),
        "{text}"
    );
    assert!(text.contains("bestiary_event_store_head"), "{text}");
}

#[tokio::test]
async fn without_redis_the_api_is_degraded_not_dead_and_commands_succeed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = test_redis();
    redis.redis_url = format!("redis://127.0.0.1:{port}");
    let app = spawn_app_with(test_config(), redis).await;
    let ready = app.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "degraded");
    assert_eq!(
        ready["checks"],
        json!({"database": "up", "redis": "down", "standbys": {}})
    );
    let owner = app.user("owner").await;
    app.creature(&owner, "Smaug").await;

    let healthy = spawn_app().await;
    let ready: Value = healthy
        .send(Method::GET, "/readyz", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
}
