//! Logins and registrations cannot be forced without limit: rate limits per client address
//! and per account (shared through Redis, per process without it), a bound on bcrypt work in
//! flight, and no hashing for a registration whose e-mail is taken.

use crate::helpers::{
    TestApp, assert_problem, generous_login_limits, spawn_app_with, test_config, test_redis,
};
use bestiary::config::{ApiConfig, LoginLimits, RedisConfig};
use reqwest::{Response, StatusCode};
use serde_json::json;

fn config_with(limits: LoginLimits) -> ApiConfig {
    ApiConfig {
        login_limits: limits,
        ..test_config()
    }
}

async fn login(app: &TestApp, base: &str, email: &str, password: &str) -> Response {
    app.client
        .post(format!("{base}/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("the API answers")
}

async fn assert_limited(response: Response) {
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let problem = assert_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem["type"], "/problems/too-many-requests");
}

#[tokio::test]
async fn logins_from_one_address_are_limited_and_so_are_an_accounts_failures() {
    let app = spawn_app_with(
        config_with(LoginLimits {
            login_attempts_per_minute: 6,
            login_failures_per_account: 3,
            ..generous_login_limits()
        }),
        test_redis(),
    )
    .await;
    app.register("ada@example.org", "password123").await;
    for _ in 0..3 {
        let wrong = login(&app, &app.address, "ada@example.org", "wrong password").await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    // Ada's account is now refused even with the right password (the guess is not checked)…
    assert_limited(login(&app, &app.address, "ADA@example.org", "password123").await).await;
    // …while another account from the same address is not.
    app.register("bob@example.org", "password123").await;
    let bob = login(&app, &app.address, "bob@example.org", "password123").await;
    assert_eq!(bob.status(), StatusCode::OK);
    // Six attempts from this address so far: the seventh is refused whatever it names.
    assert_eq!(
        login(&app, &app.address, "bob@example.org", "password123")
            .await
            .status(),
        StatusCode::OK
    );
    assert_limited(login(&app, &app.address, "bob@example.org", "password123").await).await;
}

#[tokio::test]
async fn every_instance_shares_the_limits_through_redis_and_each_keeps_them_without_it() {
    let limits = LoginLimits {
        login_attempts_per_minute: 4,
        ..generous_login_limits()
    };
    let app = spawn_app_with(config_with(limits.clone()), test_redis()).await;
    let sibling = crate::helpers::start_api_with_config(&app, &config_with(limits.clone())).await;
    for base in [&app.address, &sibling, &app.address, &sibling] {
        let response = login(&app, base, "nobody@example.org", "password123").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(login(&app, &sibling, "nobody@example.org", "password123").await).await;

    // No Redis at all: each process still limits on its own.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let unreachable = RedisConfig {
        redis_url: format!("redis://127.0.0.1:{}", closed.local_addr().unwrap().port()),
        ..test_redis()
    };
    drop(closed);
    let alone = spawn_app_with(config_with(limits), unreachable).await;
    for _ in 0..4 {
        let response = login(&alone, &alone.address, "nobody@example.org", "x").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(login(&alone, &alone.address, "nobody@example.org", "x").await).await;
}

#[tokio::test]
async fn registrations_from_one_address_are_limited() {
    let app = spawn_app_with(
        config_with(LoginLimits {
            registrations_per_hour: 2,
            ..generous_login_limits()
        }),
        test_redis(),
    )
    .await;
    for name in ["a", "b"] {
        let response = app
            .register(&format!("{name}@example.org"), "password123")
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_limited(app.register("c@example.org", "password123").await).await;
}

/// An app hashing slowly, one hash at a time, with none waiting.
async fn one_slow_hash_at_a_time() -> TestApp {
    spawn_app_with(
        ApiConfig {
            bcrypt_cost: 14,
            ..config_with(LoginLimits {
                bcrypt_concurrency: Some(1),
                bcrypt_queue: 0,
                ..generous_login_limits()
            })
        },
        test_redis(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_the_bcrypt_bound_a_login_is_503_with_retry_after_instead_of_queueing() {
    let app = one_slow_hash_at_a_time().await;
    // The first unknown e-mail makes the decoy hash; later ones only verify against it.
    let first = login(&app, &app.address, "nobody@example.org", "password123").await;
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);

    let logins = (0..6).map(|_| login(&app, &app.address, "nobody@example.org", "password123"));
    let answers = futures::future::join_all(logins).await;
    let mut refused = 0;
    for answer in answers {
        if answer.status() == StatusCode::SERVICE_UNAVAILABLE {
            refused += 1;
            assert_eq!(answer.headers()["retry-after"], "1");
            let problem = assert_problem(answer, StatusCode::SERVICE_UNAVAILABLE).await;
            assert_eq!(problem["type"], "/problems/busy");
        } else {
            assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        }
    }
    assert!((1..6).contains(&refused), "{refused} of 6 refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_registration_whose_email_is_taken_spends_no_bcrypt_time() {
    let app = one_slow_hash_at_a_time().await;
    // Were they hashed, one of six at once would hold the only slot and the others get 503.
    let registrations = (0..6).map(|_| app.register(crate::helpers::ADMIN_EMAIL, "password123"));
    for answer in futures::future::join_all(registrations).await {
        let problem = assert_problem(answer, StatusCode::CONFLICT).await;
        assert_eq!(problem["type"], "/problems/email-taken");
    }
}
