//! Forgetting a person (crypto-shredding): after `DELETE /auth/me` or
//! `DELETE /admin/users/{id}`, their e-mail address and display name are nowhere in the
//! database or in Redis, in plain text or in an encoding a payload might hold, before and after
//! every projection is rebuilt; they cannot log in, their tokens are refused, their e-mail
//! registers again, and everybody else's data still reads.

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, wait_for_read_model};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "password123";

/// Registers and logs in someone with an e-mail and display name of their own.
async fn person(app: &TestApp, email: &str, name: &str) -> TestUser {
    let registered = app.registered(email, PASSWORD, name).await;
    TestUser {
        id: registered.user_id.to_string(),
        token: app.login(email, PASSWORD).await,
    }
}

/// What a payload or a cache could hold of `text`: itself, its JSON escape, its base64 and
/// hex, upper- and lower-cased.
fn encodings(text: &str) -> Vec<String> {
    let mut forms = vec![
        text.to_owned(),
        text.to_lowercase(),
        text.to_uppercase(),
        serde_json::to_string(text).unwrap(),
        STANDARD.encode(text),
        URL_SAFE_NO_PAD.encode(text),
        text.bytes().map(|byte| format!("{byte:02x}")).collect(),
    ];
    forms.sort();
    forms.dedup();
    forms
}

/// Every place in the database (every column of every table, as text) and in the test's Redis
/// keys (names and values) where one of `texts` appears, in any of its encodings.
async fn hits(app: &TestApp, texts: &[&str]) -> Vec<String> {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_schema::text, table_name::text FROM information_schema.tables \
         WHERE table_type = 'BASE TABLE' \
           AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|(_, table)| table == "events"));
    let needles: Vec<String> = texts.iter().flat_map(|text| encodings(text)).collect();
    let mut found = Vec::new();
    for (schema, table) in tables {
        let sql = format!("SELECT t::text FROM \"{schema}\".\"{table}\" t");
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        for row in rows {
            for needle in &needles {
                if row.contains(needle.as_str()) {
                    found.push(format!("{schema}.{table}: {needle} in {row}"));
                }
            }
        }
    }
    found.extend(redis_hits(app, &needles).await);
    found
}

/// The test's Redis keys whose name or value holds one of `needles`.
async fn redis_hits(app: &TestApp, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let client = redis::Client::open(app.redis.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", app.redis.redis_prefix))
        .query_async(&mut redis)
        .await
        .unwrap();
    for key in keys {
        let value: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap_or(None);
        for needle in needles {
            if key.contains(needle.as_str())
                || value.as_deref().unwrap_or("").contains(needle.as_str())
            {
                found.push(format!("redis {key}: {needle}"));
            }
        }
    }
    found
}

/// Rebuilds every projection from the log, as `bestiary replay` does.
async fn rebuild_everything(app: &TestApp) {
    for projection in projections::projection::ALL {
        projections::rebuild::claim(&app.db.pool, projection)
            .await
            .unwrap()
            .run(&app.db.pool, |_| {})
            .await
            .unwrap();
    }
}

/// A person with a creature, a tag, history and keyed commands behind them.
async fn a_life(app: &TestApp, who: &TestUser, creature: &str) -> String {
    let keyed = |key: &str| {
        app.request(Method::POST, "/creatures", Some(&who.token))
            .header("Idempotency-Key", key)
    };
    let created: Value = keyed(&format!("{creature}-key"))
        .json(&json!({"name": creature, "species": "dragon", "description": "Lives by the sea.", "traits": {"wings": 2}, "tags": []}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    app.command(
        Method::PATCH,
        &format!("/creatures/{id}"),
        &who.token,
        json!({"description": "Lives by the sea, and sings."}),
    )
    .await;
    app.tag(who, &format!("{creature}-tag").to_lowercase())
        .await;
    let tagged = app
        .request(
            Method::PUT,
            &format!(
                "/creatures/{id}/tags/{}",
                format!("{creature}-tag").to_lowercase()
            ),
            Some(&who.token),
        )
        .header("Idempotency-Key", format!("{creature}-tagging"))
        .send()
        .await
        .unwrap();
    assert!(tagged.status().is_success(), "{}", tagged.status());
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_user_is_nowhere_in_the_database_or_redis_even_after_a_rebuild() {
    let app = spawn_app().await;
    app.start_worker();
    let email = "Ada.Lovelace-7f3a@Example.org";
    let name = "Ada Lovelace 7f3a";
    // Registered with a key, so an answer naming her is kept in PostgreSQL and Redis.
    let registered = app
        .request(Method::POST, "/auth/register", None)
        .header("Idempotency-Key", "ada-registers")
        .json(&json!({"email": email, "password": PASSWORD, "display_name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    let ada = TestUser {
        id: registered.json::<Value>().await.unwrap()["user_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        token: app.login(email, PASSWORD).await,
    };
    let grace = person(&app, "grace-91bc@example.org", "Grace Hopper 91bc").await;
    let ada_creature = a_life(&app, &ada, "Nessie").await;
    let grace_creature = a_life(&app, &grace, "Kraken").await;
    let admin = app.admin().await;
    let role = app
        .request(
            Method::PATCH,
            &format!("/admin/users/{}", ada.id),
            Some(&admin.token),
        )
        .header("Idempotency-Key", "ada-role")
        .json(&json!({"role": "user"}))
        .send()
        .await
        .unwrap();
    assert_eq!(role.status(), StatusCode::OK);
    wait_for_read_model(&app).await;
    // Before: her data is there, decrypted where it is read, sealed in the log.
    let before = hits(&app, &[email, name]).await;
    assert!(
        before.iter().any(|hit| hit.starts_with("proj_users.users")),
        "{before:?}"
    );
    assert!(
        !before.iter().any(|hit| hit.starts_with("public.events")),
        "the log holds her data sealed: {before:?}"
    );
    assert!(
        !before
            .iter()
            .any(|hit| hit.starts_with("public.unique_keys")),
        "{before:?}"
    );
    assert_eq!(
        app.creature_view(&ada_creature)
            .await
            .owner
            .display_name
            .as_deref(),
        Some(name)
    );

    let wrong = app
        .request(Method::DELETE, "/auth/me", Some(&ada.token))
        .json(&json!({"password": "not her password"}))
        .send()
        .await
        .unwrap();
    assert_problem(wrong, StatusCode::FORBIDDEN).await;
    let forgotten = app
        .request(Method::DELETE, "/auth/me", Some(&ada.token))
        .header("Idempotency-Key", "ada-forgets")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(forgotten.status(), StatusCode::OK);
    wait_for_read_model(&app).await;

    assert_eq!(hits(&app, &[email, name]).await, Vec::<String>::new());
    // No answer naming her is left in Redis either (her registration's, her commands', an
    // admin's about her), but for the answer to the forgetting itself: `{id, version,
    // position}`, her id alone, kept so its key is not run twice.
    let left: Vec<String> = redis_hits(&app, std::slice::from_ref(&ada.id))
        .await
        .into_iter()
        .filter(|hit| !hit.contains(":ada-forgets:"))
        .collect();
    assert_eq!(left, Vec::<String>::new());
    rebuild_everything(&app).await;
    assert_eq!(
        hits(&app, &[email, name]).await,
        Vec::<String>::new(),
        "after a rebuild"
    );

    let events: Value = app
        .request(
            Method::GET,
            "/events?limit=1000",
            Some(&app.admin().await.token),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = events.to_string();
    assert!(
        text.contains("Grace Hopper 91bc"),
        "the admin log opens the others' data"
    );
    assert!(text.contains("UserForgotten"));
    // Her key is gone: the log's copy of her data cannot be opened, by the admin log or by
    // anything else that reads it.
    assert!(
        !text.contains(&email.to_lowercase()) && !text.contains(name),
        "{text}"
    );
    let stream = commands::EventStore::new(app.db.pool.clone())
        .read_stream(ada.id.parse().unwrap())
        .await
        .unwrap();
    let registration: domain::user::UserEvent = stream[0].decode().unwrap();
    assert_eq!(
        registration,
        domain::user::UserEvent::UserRegistered {
            email: domain::values::Personal::Forgotten,
            display_name: domain::values::Personal::Forgotten,
            role: domain::Role::User,
        }
    );
    // She cannot log in, her token is refused, her e-mail registers again as someone new.
    let login = app
        .request(Method::POST, "/auth/login", None)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(login, StatusCode::UNAUTHORIZED).await;
    let me = app
        .request(Method::GET, "/auth/me", Some(&ada.token))
        .send()
        .await
        .unwrap();
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
    let again = app.registered(email, PASSWORD, "Ada again").await;
    assert_ne!(again.user_id.to_string(), ada.id);

    // Her creatures stay, as by a forgotten user; Grace's data is untouched and still reads.
    let view = app.creature_view(&ada_creature).await;
    assert!(view.owner.forgotten);
    assert_eq!(view.owner.display_name, None);
    assert_eq!(view.name, "Nessie");
    let kraken = app.creature_view(&grace_creature).await;
    assert_eq!(
        kraken.owner.display_name.as_deref(),
        Some("Grace Hopper 91bc")
    );
    assert!(!kraken.owner.forgotten);
    let grace_hits = hits(&app, &["grace-91bc@example.org", "Grace Hopper 91bc"]).await;
    assert!(
        grace_hits
            .iter()
            .any(|hit| hit.starts_with("proj_users.users")),
        "{grace_hits:?}"
    );
    let users: Value = app
        .request(Method::GET, "/admin/users", Some(&app.admin().await.token))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["id"] == ada.id.as_str())
        .unwrap();
    assert_eq!(row["forgotten"], true);
    assert_eq!(row["email"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_forgets_a_user_and_a_user_cannot_forget_someone_else() {
    let app = spawn_app().await;
    let bob = person(&app, "bob-5d2e@example.org", "Bob 5d2e").await;
    let eve = person(&app, "eve-5d2e@example.org", "Eve 5d2e").await;
    let not_admin = app
        .request(
            Method::DELETE,
            &format!("/admin/users/{}", bob.id),
            Some(&eve.token),
        )
        .send()
        .await
        .unwrap();
    assert_problem(not_admin, StatusCode::FORBIDDEN).await;
    let admin = app.admin().await;
    let forgotten = app
        .request(
            Method::DELETE,
            &format!("/admin/users/{}", bob.id),
            Some(&admin.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(forgotten.status(), StatusCode::OK);
    let again = app
        .request(
            Method::DELETE,
            &format!("/admin/users/{}", bob.id),
            Some(&admin.token),
        )
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::NOT_FOUND).await;
    let me = app
        .request(Method::GET, "/auth/me", Some(&bob.token))
        .send()
        .await
        .unwrap();
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
    let login = app
        .request(Method::POST, "/auth/login", None)
        .json(&json!({"email": "bob-5d2e@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(login, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.me(&eve.token).await.display_name.as_str(), "Eve 5d2e");
}
