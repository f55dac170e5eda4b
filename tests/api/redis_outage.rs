//! A hung Redis (frozen with SIGSTOP) and one restarted empty: commands keep close to their
//! normal pace, since each Redis call gives up quickly and a failing Redis is skipped for a
//! while; once Redis answers again the API uses it again.

use crate::helpers::{TestApp, TestUser, spawn_app_with, test_config, test_redis};
use commands::testing::eventually;
use redis_link::LinkSettings;
use redis_link::testing::OwnRedis;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Keyed commands, and as many unkeyed ones, sent in each phase.
const COMMANDS: usize = 20;
/// What they may take together: about a second when a failing Redis is skipped (a few times
/// that on a loaded machine); 30 s and more when each keyed command waits on Redis.
const BOUND: Duration = Duration::from_secs(12);

/// The API against `redis`, with the production timeout and circuit.
async fn app_on(redis: &OwnRedis) -> TestApp {
    let defaults = LinkSettings::default();
    let mut config = test_redis();
    config.redis_url = redis.url();
    config.redis_timeout_ms = defaults.timeout.as_millis() as u64;
    config.redis_circuit_failures = defaults.failures_to_open;
    config.redis_circuit_cooldown_ms = defaults.cool_down.as_millis() as u64;
    spawn_app_with(test_config(), config).await
}

async fn create(app: &TestApp, user: &TestUser, key: Option<&str>) -> Response {
    let request = app
        .request(Method::POST, "/creatures", Some(&user.token))
        .json(&json!({"name": "Smaug", "species": "dragon"}));
    let request = match key {
        Some(key) => request.header("idempotency-key", key),
        None => request,
    };
    request.send().await.expect("the API answers")
}

/// Sends the phase's commands one after another: every one succeeds, all within [`BOUND`].
async fn assert_paced(app: &TestApp, user: &TestUser, phase: &str) {
    let started = Instant::now();
    for n in 0..COMMANDS {
        let keyed = create(app, user, Some(&format!("{phase}-{n}"))).await;
        assert_eq!(keyed.status(), StatusCode::CREATED, "{phase}: keyed {n}");
        let unkeyed = create(app, user, None).await;
        assert_eq!(
            unkeyed.status(),
            StatusCode::CREATED,
            "{phase}: unkeyed {n}"
        );
    }
    let took = started.elapsed();
    assert!(
        took < BOUND,
        "{phase}: {} commands took {took:?}",
        2 * COMMANDS
    );
}

/// Waits until the API uses Redis again: `/readyz` sees it, and a keyed answer is replayed and
/// cached there.
async fn assert_redis_used_again(app: &TestApp, user: &TestUser, redis: &OwnRedis, phase: &str) {
    eventually(
        Duration::from_secs(20),
        &format!("{phase}: Redis seen again"),
        || async {
            let ready: Value = app
                .send(Method::GET, "/readyz", None, None)
                .await
                .json()
                .await
                .unwrap();
            if ready["checks"]["redis"] == "up" {
                Ok(())
            } else {
                Err(ready)
            }
        },
    )
    .await;
    let key = format!("{phase}-again");
    let first = create(app, user, Some(&key)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.text().await.unwrap();
    let (answer, _) = bestiary::http::idempotency::redis_keys(
        &app.redis.redis_prefix,
        &format!("user:{}", user.id),
        &key,
    );
    let connection = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // Every retry replays the first answer, from PostgreSQL until Redis caches it again.
    eventually(
        Duration::from_secs(20),
        &format!("{phase}: the answer cached"),
        || async {
            let retry = create(app, user, Some(&key)).await;
            assert_eq!(retry.headers()["idempotent-replayed"], "true", "{phase}");
            assert_eq!(retry.text().await.unwrap(), first);
            let cached: bool = redis::cmd("EXISTS")
                .arg(&answer)
                .query_async(&mut connection.clone())
                .await
                .unwrap();
            if cached { Ok(()) } else { Err("not cached") }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commands_keep_their_pace_while_redis_hangs_and_after_it_restarts_empty() {
    let redis = OwnRedis::start(None);
    let app = app_on(&redis).await;
    let user = app.user("ada").await;
    let warm = create(&app, &user, Some("warm")).await;
    assert_eq!(
        warm.status(),
        StatusCode::CREATED,
        "connected before the hang"
    );

    redis.pause();
    assert_paced(&app, &user, "hung").await;
    redis.resume();
    assert_redis_used_again(&app, &user, &redis, "resumed").await;

    let port = redis.port;
    redis.stop();
    let redis = OwnRedis::start(Some(port));
    assert_paced(&app, &user, "restarted").await;
    assert_redis_used_again(&app, &user, &redis, "restarted").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_api_started_against_a_hung_redis_keeps_its_pace_and_connects_once_it_answers() {
    let redis = OwnRedis::start(None);
    redis.pause();
    let app = app_on(&redis).await;
    let user = app.user("ada").await;
    assert_paced(&app, &user, "hung").await;
    redis.resume();
    assert_redis_used_again(&app, &user, &redis, "resumed").await;
}
