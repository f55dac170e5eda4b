//! Idempotency keys: a retried command never acts twice, across concurrency, Redis loss and
//! a crash between the append and the answer.

use crate::helpers::{
    TestApp, TestUser, assert_problem, spawn_app, spawn_app_with, test_config, test_redis,
};
use redis_link::testing::OwnRedis;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn post_keyed(app: &TestApp, user: &TestUser, key: &str, body: &Value) -> Response {
    app.request(Method::POST, "/creatures", Some(&user.token))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, event_type: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn replayed(response: &Response) -> bool {
    response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|value| value == "true")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_identical_creations_with_one_key_create_one_creature() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let body = json!({"name": "Smaug", "species": "dragon"});
    let requests = (0..50).map(|_| post_keyed(&app, &user, "create-smaug", &body));
    let responses = futures::future::join_all(requests).await;
    let mut originals = Vec::new();
    let mut bodies = Vec::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => {
                if !replayed(&response) {
                    originals.push(());
                }
                bodies.push(response.text().await.unwrap());
            }
            StatusCode::CONFLICT => {
                let problem = assert_problem(response, StatusCode::CONFLICT).await;
                assert_eq!(problem["type"], "/problems/request-in-flight");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(
        originals.len(),
        1,
        "exactly one execution answered 201 without replaying"
    );
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "every 201 has the same body"
    );
    assert_eq!(count(&app, "CreatureRegistered").await, 1);

    let retry = post_keyed(&app, &user, "create-smaug", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(replayed(&retry));
    assert_eq!(retry.text().await.unwrap(), bodies[0]);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422_and_appends_nothing() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let first = post_keyed(
        &app,
        &user,
        "k1",
        &json!({"name": "Smaug", "species": "dragon"}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let before = app.event_count().await;
    let other = post_keyed(
        &app,
        &user,
        "k1",
        &json!({"name": "Glaurung", "species": "dragon"}),
    )
    .await;
    let problem = assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["type"], "/problems/idempotency-key-reused");
    // The same key on another path is another request too.
    let path = app
        .request(Method::POST, "/tags", Some(&user.token))
        .header("idempotency-key", "k1")
        .json(&json!({"name": "Smaug", "species": "dragon"}))
        .send()
        .await
        .unwrap();
    assert_problem(path, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_retry_after_redis_lost_everything_still_replays() {
    let redis = OwnRedis::start(None);
    let mut config = test_redis();
    config.redis_url = redis.url();
    let app = spawn_app_with(test_config(), config).await;
    let user = app.user("ada").await;
    let body = json!({"name": "Smaug", "species": "dragon"});
    let first = post_keyed(&app, &user, "k", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.text().await.unwrap();

    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut connection)
        .await
        .unwrap();
    let before = app.event_count().await;
    let retry = post_keyed(&app, &user, "k", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(replayed(&retry));
    assert_eq!(retry.text().await.unwrap(), first);

    redis.stop();
    let without_redis = post_keyed(&app, &user, "k", &body).await;
    assert!(replayed(&without_redis), "PostgreSQL alone deduplicates");
    assert_eq!(app.event_count().await, before);
    assert_eq!(count(&app, "CreatureRegistered").await, 1);
}

#[tokio::test]
async fn a_retry_after_a_crash_between_append_and_answer_replays() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let body = json!({"name": "Smaug", "species": "dragon"});
    let first = post_keyed(&app, &user, "k", &body)
        .await
        .text()
        .await
        .unwrap();
    // What a crash after the commit leaves: the events and the durable answer, no cached answer,
    // and the in-flight marker still set.
    let (answer, marker) = bestiary::http::idempotency::redis_keys(
        &app.redis.redis_prefix,
        &format!("user:{}", user.id),
        "k",
    );
    let client = redis::Client::open(app.redis.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg(&answer)
        .query_async(&mut connection)
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(&marker)
        .arg("crashed")
        .arg("PX")
        .arg(30_000)
        .query_async(&mut connection)
        .await
        .unwrap();
    let before = app.event_count().await;
    let retry = post_keyed(&app, &user, "k", &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(replayed(&retry));
    assert_eq!(retry.text().await.unwrap(), first);
    assert_eq!(app.event_count().await, before, "no second event");
}

#[tokio::test]
async fn one_key_used_by_two_users_runs_twice_and_lands_in_the_metadata() {
    let app = spawn_app().await;
    let ada = app.user("ada").await;
    let grace = app.user("grace").await;
    let body = json!({"name": "Smaug", "species": "dragon"});
    let first: Value = post_keyed(&app, &ada, "shared", &body)
        .await
        .json()
        .await
        .unwrap();
    let second = post_keyed(&app, &grace, "shared", &body).await;
    assert_eq!(second.status(), StatusCode::CREATED);
    assert!(!replayed(&second));
    let second: Value = second.json().await.unwrap();
    assert_ne!(first["id"], second["id"]);
    let keys: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT idempotency_key FROM events WHERE event_type = 'CreatureRegistered' ORDER BY position",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        keys,
        vec![Some("shared".to_owned()), Some("shared".to_owned())]
    );
}

#[tokio::test]
async fn a_refusal_is_replayed_too_and_invalid_keys_are_400() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let creature = app.creature(&user, "Smaug").await;
    let path = format!("/creatures/{creature}");
    app.send(Method::DELETE, &path, Some(&user.token), None)
        .await;
    let patch = |key: &str| {
        app.request(Method::PATCH, &path, Some(&user.token))
            .header("idempotency-key", key)
            .json(&json!({"name": "Again"}))
            .send()
    };
    let refused = patch("late").await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(!replayed(&refused));
    let again = patch("late").await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(replayed(&again));
    assert_eq!(again.headers()["content-type"], "application/problem+json");

    for bad in ["x".repeat(256), "with space".into(), "tab\tkey".into()] {
        let response = patch(&bad).await.unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST).await;
    }
    assert_eq!(
        patch(&"x".repeat(255)).await.unwrap().status(),
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn registration_and_login_replay_their_first_answer() {
    let app = spawn_app().await;
    let register = || {
        app.request(Method::POST, "/auth/register", None)
            .header("idempotency-key", "signup")
            .json(&json!({"email": "ada@example.org", "password": "correct horse", "display_name": "Ada"}))
            .send()
    };
    let first = register().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = register().await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "replayed, not 409 email taken"
    );
    assert!(replayed(&again));
    assert_eq!(again.json::<Value>().await.unwrap(), first);

    let login = || {
        app.request(Method::POST, "/auth/login", None)
            .header("idempotency-key", "signin")
            .json(&json!({"email": "ada@example.org", "password": "correct horse"}))
            .send()
    };
    let first_login = login().await.unwrap();
    assert_eq!(first_login.status(), StatusCode::OK);
    let token: Value = first_login.json().await.unwrap();
    let replay = login().await.unwrap();
    assert!(replayed(&replay));
    assert_eq!(replay.json::<Value>().await.unwrap(), token);
}

#[tokio::test]
async fn a_stored_login_answer_holds_no_token_that_authenticates_yet_replays_the_same_token() {
    let app = spawn_app().await;
    app.user("ada").await;
    let login = || {
        app.request(Method::POST, "/auth/login", None)
            .header("idempotency-key", "signin")
            .json(&json!({"email": "ada@example.org", "password": "password123"}))
            .send()
    };
    let first: Value = login().await.unwrap().json().await.unwrap();
    let token = first["access_token"].as_str().unwrap().to_owned();

    let stored: String =
        sqlx::query_scalar("SELECT body FROM idempotency_keys WHERE key = 'signin'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        !stored.contains(&token),
        "the durable answer holds the token"
    );
    let stored: Value = serde_json::from_str(&stored).unwrap();
    let stored_token = stored["access_token"].as_str().unwrap();
    let me = app
        .send(Method::GET, "/auth/me", Some(stored_token), None)
        .await;
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
    let cached = cached_answers(&app, "signin").await;
    assert_eq!(cached.len(), 1);
    let (cached_key, cached_answer) = &cached[0];
    assert!(
        !cached_answer.contains(&token),
        "the cached answer holds the token"
    );

    // Replayed from Redis, then from PostgreSQL: the very token first issued.
    let replay = login().await.unwrap();
    assert!(replayed(&replay));
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    let client = redis::Client::open(app.redis.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg(cached_key)
        .query_async(&mut redis)
        .await
        .unwrap();
    let replay = login().await.unwrap();
    assert!(replayed(&replay));
    assert_eq!(replay.json::<Value>().await.unwrap(), first);

    // Once its key is revoked, the token cannot be handed out again.
    app.revoke_signing_keys(&app.admin().await).await;
    let problem = assert_problem(login().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert!(!problem.to_string().contains(stored_token));
}

#[tokio::test]
async fn expired_keys_are_cleaned_up_and_then_run_afresh() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let body = json!({"name": "Smaug", "species": "dragon"});
    post_keyed(&app, &user, "old", &body).await;
    sqlx::query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (answer, _) = bestiary::http::idempotency::redis_keys(
        &app.redis.redis_prefix,
        &format!("user:{}", user.id),
        "old",
    );
    let client = redis::Client::open(app.redis.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg(&answer)
        .query_async(&mut connection)
        .await
        .unwrap();

    let again = post_keyed(&app, &user, "old", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(!replayed(&again), "an expired key runs again");
    assert_eq!(count(&app, "CreatureRegistered").await, 2);

    sqlx::query("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let deleted = commands::idempotency::delete_expired(&app.db.pool, 1000)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_keyed_request_its_caller_may_not_make_is_refused_before_the_store_is_touched() {
    let app = spawn_app().await;
    let ada = app.user("ada").await;
    // An anonymous registration stores its answer under the client's anonymous scope…
    let registered = app
        .request(Method::POST, "/auth/register", None)
        .header("idempotency-key", "k1")
        .json(
            &json!({"email": "bob@example.org", "password": "password123", "display_name": "Bob"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    // …and Ada's creature under hers.
    post_keyed(
        &app,
        &ada,
        "k2",
        &json!({"name": "Smaug", "species": "dragon"}),
    )
    .await;
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM idempotency_keys")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let before = stored().await;

    // The same keys on routes these callers may not use: 401 and 403, not a replay's 422.
    let anonymous_tag = app
        .request(Method::POST, "/tags", None)
        .header("idempotency-key", "k1")
        .json(&json!({"name": "fire"}))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous_tag, StatusCode::UNAUTHORIZED).await;
    let forged = app
        .request(Method::POST, "/tags", Some("not-a-token"))
        .header("idempotency-key", "k3")
        .json(&json!({"name": "fire"}))
        .send()
        .await
        .unwrap();
    assert_problem(forged, StatusCode::UNAUTHORIZED).await;
    let not_admin = app
        .request(
            Method::PATCH,
            &format!("/admin/users/{}", ada.id),
            Some(&ada.token),
        )
        .header("idempotency-key", "k2")
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_problem(not_admin, StatusCode::FORBIDDEN).await;

    assert_eq!(
        stored().await,
        before,
        "nothing stored for refused requests"
    );
    let mut redis = redis::Client::open(app.redis.redis_url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let markers: Vec<String> = redis::cmd("KEYS")
        .arg(format!(
            "{}:idempotency:in-flight:*",
            app.redis.redis_prefix
        ))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(markers, Vec::<String>::new(), "no marker left behind");
}

/// The Redis entries holding the cached answer of `key`: each one's Redis key and answer.
/// An answer is cached just after its response, as its marker is released, so this waits
/// for the marker to go first.
async fn cached_answers(app: &TestApp, key: &str) -> Vec<(String, String)> {
    let client = redis::Client::open(app.redis.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let markers = format!("{}:idempotency:in-flight:*:{key}", app.redis.redis_prefix);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let held: Vec<String> = redis::cmd("KEYS")
            .arg(&markers)
            .query_async(&mut redis)
            .await
            .unwrap();
        if held.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{key}: its marker was never released"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let pattern = format!("{}:idempotency:answer:*:{key}", app.redis.redis_prefix);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut redis)
        .await
        .unwrap();
    let mut answers = Vec::new();
    for cached in keys {
        let answer: String = redis::cmd("GET")
            .arg(&cached)
            .query_async(&mut redis)
            .await
            .unwrap();
        answers.push((cached, answer));
    }
    answers
}

#[tokio::test]
async fn a_token_in_an_answer_is_stored_without_its_signature_whichever_path_stores_it() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    // A password change appends: its answer is stored by the append. It carries a token of
    // the next session, since the change ends this one.
    let change = |token: &str| {
        app.request(Method::PUT, "/auth/password", Some(token))
            .header("idempotency-key", "new-password")
            .json(&json!({"current_password": "password123", "new_password": "a new secret"}))
            .send()
    };
    let first = change(&user.token).await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let token = first["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.me(&token).await.id.to_string(), user.id);
    let me = app
        .send(Method::GET, "/auth/me", Some(&user.token), None)
        .await;
    assert_problem(me, StatusCode::UNAUTHORIZED).await;

    // A login appends nothing: its answer is stored after it.
    let login = app
        .request(Method::POST, "/auth/login", None)
        .header("idempotency-key", "signin")
        .json(&json!({"email": "ada@example.org", "password": "a new secret"}))
        .send()
        .await
        .unwrap();
    let login: Value = login.json().await.unwrap();
    let login_token = login["access_token"].as_str().unwrap().to_owned();

    for (key, token) in [("new-password", &token), ("signin", &login_token)] {
        let signature = token.rsplit('.').next().unwrap();
        let stored: String = sqlx::query_scalar("SELECT body FROM idempotency_keys WHERE key = $1")
            .bind(key)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert!(
            !stored.contains(signature),
            "{key}: stored with its signature"
        );
        let cached = cached_answers(&app, key).await;
        assert_eq!(cached.len(), 1, "{key}: cached once");
        assert!(
            !cached[0].1.contains(signature),
            "{key}: cached with its signature"
        );
    }

    // Replayed (to the same user, whose old token is refused now) with the very token first
    // issued, and nothing changes twice.
    let before = app.event_count().await;
    let replay = change(&token).await.unwrap();
    assert!(replayed(&replay));
    assert_eq!(replay.json::<Value>().await.unwrap(), first);
    assert_eq!(app.event_count().await, before);
}

// Found by schemathesis: a method the route does not have, sent with a key used before,
// answered 422 (`idempotency-key-reused`) instead of 405.
#[tokio::test]
async fn a_method_the_route_lacks_is_405_whatever_its_key() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let body = json!({"name": "Smaug", "species": "dragon"});
    let created = post_keyed(&app, &user, "used-once", &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    for method in [Method::PUT, Method::TRACE] {
        let response = app
            .request(method.clone(), "/creatures", Some(&user.token))
            .header("idempotency-key", "used-once")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} /creatures"
        );
    }
}
