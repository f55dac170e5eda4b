//! In-flight markers are leases: a running request keeps its marker past the lease by renewing
//! it, so a concurrent duplicate still gets 409; the marker of a process that died lapses
//! within seconds, so a retry then runs instead of getting 409.

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};
use bestiary::http::idempotency::redis_keys;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};

fn keyed(app: &TestApp, user: &TestUser, key: &str) -> RequestBuilder {
    app.request(Method::POST, "/creatures", Some(&user.token))
        .header("idempotency-key", key)
        .json(&json!({"name": "Smaug", "species": "dragon"}))
}

/// The milliseconds `key` has left (negative when it is gone).
async fn pttl(redis: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(redis)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_running_requests_marker_is_renewed_and_a_dead_ones_lapses_within_seconds() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let scope = format!("user:{}", user.id);
    let mut redis = redis::Client::open(app.redis.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();

    // A request held up in its append, which waits on a lock this test holds.
    let mut lock = app.db.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE events IN EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let held = tokio::spawn(keyed(&app, &user, "held").send());
    let (_, marker) = redis_keys(&app.redis.redis_prefix, &scope, "held");
    let deadline = Instant::now() + Duration::from_secs(20);
    let lease = loop {
        let left = pttl(&mut redis, &marker).await;
        if left > 0 {
            break Duration::from_millis(left as u64);
        }
        assert!(
            Instant::now() < deadline,
            "the request never set its marker"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let seen = Instant::now();
    while seen.elapsed() < lease + Duration::from_secs(1) {
        assert!(
            pttl(&mut redis, &marker).await > 0,
            "the marker of a running request lapsed after {:?}",
            seen.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let duplicate = keyed(&app, &user, "held").send().await.unwrap();
    assert_problem(duplicate, StatusCode::CONFLICT).await;
    lock.rollback().await.unwrap();
    let held = held.await.unwrap().unwrap();
    assert_eq!(held.status(), StatusCode::CREATED);

    // A process that died running "orphan" left its marker as it had set it, and renews it no
    // more.
    let (_, orphan) = redis_keys(&app.redis.redis_prefix, &scope, "orphan");
    let _: () = redis::cmd("SET")
        .arg(&orphan)
        .arg("a-request-of-a-dead-instance")
        .arg("PX")
        .arg(lease.as_millis() as u64)
        .query_async(&mut redis)
        .await
        .unwrap();
    let orphaned = Instant::now();
    loop {
        let retry = keyed(&app, &user, "orphan").send().await.unwrap();
        if retry.status() != StatusCode::CONFLICT {
            assert_eq!(retry.status(), StatusCode::CREATED);
            break;
        }
        assert!(
            orphaned.elapsed() < Duration::from_secs(10),
            "a dead request's marker still refuses retries"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
