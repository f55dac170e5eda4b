//! Access tokens: forged, expired, unsigned or from another secret are refused; rotation keeps
//! earlier tokens valid for a grace window unless they are revoked.

use crate::helpers::{SECRET, TestApp, assert_problem, spawn_app, start_api_with_secret};
use base64::Engine;
use commands::testing::eventually;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `claims` the way the API does, with the material for `kid` under `secret`.
fn forge(secret: &str, kid: &str, alg: &str, claims: &Value) -> String {
    let header = json!({"alg": alg, "typ": "JWT", "kid": kid});
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut key = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    key.update(b"bestiary access token signing key:");
    key.update(kid.as_bytes());
    let material = key.finalize().into_bytes();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&material).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

async fn active_kid(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT kid FROM signing_keys WHERE expires_at IS NULL ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

fn claims(sub: &str, role: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"sub": sub, "role": role, "iat": now, "exp": now + exp_offset, "iss": "bestiary"})
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.send(Method::GET, "/auth/me", Some(token), None)
        .await
        .status()
}

#[tokio::test]
async fn a_correctly_forged_token_is_accepted_so_the_refusals_below_mean_something() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let token = forge(
        SECRET,
        &active_kid(&app).await,
        "HS256",
        &claims(&user.id, "user", 600),
    );
    assert_eq!(me(&app, &token).await, StatusCode::OK);
}

#[tokio::test]
async fn tokens_signed_with_another_secret_expired_or_unsigned_are_refused() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let kid = active_kid(&app).await;
    let other_secret = forge(
        "another-secret-that-is-long-enough-too",
        &kid,
        "HS256",
        &claims(&user.id, "user", 600),
    );
    let expired = forge(SECRET, &kid, "HS256", &claims(&user.id, "user", -120));
    let header = b64(json!({"alg": "none", "typ": "JWT", "kid": kid})
        .to_string()
        .as_bytes());
    let payload = b64(claims(&user.id, "admin", 600).to_string().as_bytes());
    let unsigned = format!("{header}.{payload}.");
    let wrong_issuer = forge(SECRET, &kid, "HS256", &{
        let mut claims = claims(&user.id, "user", 600);
        claims["iss"] = json!("someone-else");
        claims
    });
    let unknown_kid = forge(
        SECRET,
        "no-such-key",
        "HS256",
        &claims(&user.id, "user", 600),
    );
    for (label, token) in [
        ("another secret", other_secret),
        ("expired", expired),
        ("alg none", unsigned),
        ("wrong issuer", wrong_issuer),
        ("unknown kid", unknown_kid),
        ("garbage", "not.a.token".to_owned()),
    ] {
        let response = app.send(Method::GET, "/auth/me", Some(&token), None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{label}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{label}");
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn a_rotation_keeps_earlier_tokens_valid_and_signs_new_ones_with_the_new_key() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let user = app.user("ada").await;
    let old_kid = active_kid(&app).await;
    let response = app
        .send(Method::POST, "/admin/rotate-keys", Some(&admin.token), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: Value = response.json().await.unwrap();
    assert_ne!(rotated["kid"], json!(old_kid));
    assert_eq!(
        me(&app, &user.token).await,
        StatusCode::OK,
        "the earlier token still works"
    );
    let fresh = app.login("ada@example.org", "password123").await;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(fresh.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], rotated["kid"]);
    assert_eq!(me(&app, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn revoking_the_previous_keys_ends_earlier_tokens_at_once_on_every_instance() {
    let app = spawn_app().await;
    let second_instance = crate::helpers::start_sibling(&app).await;
    let admin = app.admin().await;
    let user = app.user("ada").await;
    let on_second = |token: String| {
        let url = format!("{second_instance}/auth/me");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(on_second(user.token.clone()).await, StatusCode::OK);
    app.revoke_signing_keys(&admin).await;
    assert_eq!(me(&app, &user.token).await, StatusCode::UNAUTHORIZED);
    // The other instance is told over Redis: it refuses the token within a second.
    eventually(
        std::time::Duration::from_secs(1),
        "the second instance to refuse a revoked token",
        || async {
            match on_second(user.token.clone()).await {
                StatusCode::UNAUTHORIZED => Ok(()),
                status => Err(status),
            }
        },
    )
    .await;
}

#[tokio::test]
async fn a_new_secret_key_invalidates_every_token() {
    let app = spawn_app().await;
    let user = app.user("ada").await;
    let restarted = start_api_with_secret(&app, "a-completely-different-secret-key-value").await;
    let status = app
        .client
        .get(format!("{restarted}/auth/me"))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_earlier_key_works_during_the_grace_window_and_fails_after_it() {
    let mut config = crate::helpers::test_config();
    config.access_token_ttl_seconds = 2;
    let app = crate::helpers::spawn_app_with(config, crate::helpers::test_redis()).await;
    let admin = app.admin().await;
    let user = app.user("ada").await;
    let old_kid = active_kid(&app).await;
    // A token of the earlier key that would itself stay valid for ten minutes.
    let long_lived = forge(SECRET, &old_kid, "HS256", &claims(&user.id, "user", 600));
    let rotated = app
        .send(Method::POST, "/admin/rotate-keys", Some(&admin.token), None)
        .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let started = std::time::Instant::now();
    assert_eq!(
        me(&app, &long_lived).await,
        StatusCode::OK,
        "valid during the grace window"
    );
    let left = (started + std::time::Duration::from_secs(10))
        .saturating_duration_since(std::time::Instant::now());
    eventually(left, "the earlier key to expire", || async {
        match me(&app, &long_lived).await {
            StatusCode::OK => Err(StatusCode::OK),
            _ => Ok(()),
        }
    })
    .await;
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1500),
        "not before the grace window ended"
    );
}
