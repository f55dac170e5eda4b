//! `spawn_app`: the real API on a free port with its own database, and a typed client.

use bestiary::api::Api;
use bestiary::config::{ApiConfig, HttpTimeoutsConfig, LoginLimits, RedisConfig, Secret};
use commands::testing::TestDatabase;
use commands::testing::eventually;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// The signing secret of test apps.
pub const SECRET: &str = "test-secret-that-is-long-enough-for-the-api";
/// The bootstrap admin every test app has.
pub const ADMIN_EMAIL: &str = "admin@example.org";
/// The bootstrap admin's password.
pub const ADMIN_PASSWORD: &str = "admin password";

/// A running API with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    /// Its database.
    pub db: TestDatabase,
    /// Its Redis (URL and key prefix of its own).
    pub redis: RedisConfig,
}

/// A logged-in user.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// Their id.
    pub id: String,
    /// Their access token.
    pub token: String,
}

/// The configuration tests run the API with.
pub fn test_config() -> ApiConfig {
    ApiConfig {
        api_addr: "127.0.0.1:0".parse().unwrap(),
        secret_key: None,
        web_addr: "127.0.0.1:8501".parse().unwrap(),
        cors_origins: vec![],
        bcrypt_cost: 4,
        access_token_ttl_seconds: 3600,
        read_wait_ms: 5000,
        idempotency_ttl_hours: 24,
        admin_email: Some(ADMIN_EMAIL.into()),
        admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        http: HttpTimeoutsConfig {
            http_header_timeout_ms: 10_000,
            http_idle_timeout_ms: 60_000,
        },
        login_limits: generous_login_limits(),
    }
}

/// Limits no ordinary test reaches (tests of the limits set their own).
pub fn generous_login_limits() -> LoginLimits {
    LoginLimits {
        login_attempts_per_minute: 100_000,
        login_failures_per_account: 100_000,
        registrations_per_hour: 100_000,
        bcrypt_concurrency: None,
        bcrypt_queue: 1_000,
        trusted_proxies: vec![],
    }
}

/// The local Redis, with a key prefix of the test's own.
pub fn test_redis() -> RedisConfig {
    RedisConfig {
        redis_url: "redis://127.0.0.1:6379".into(),
        redis_prefix: format!("test-{}", uuid::Uuid::new_v4().simple()),
        // Generous: on a loaded test machine a slow answer must not pass for an outage (the
        // outage tests use the default).
        redis_timeout_ms: 500,
        redis_circuit_failures: 3,
        redis_circuit_cooldown_ms: 2_000,
    }
}

/// Starts the API against a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config(), test_redis()).await
}

/// Starts the API with the given configuration against a fresh database.
pub async fn spawn_app_with(config: ApiConfig, redis: RedisConfig) -> TestApp {
    let db = TestDatabase::create().await;
    let address = start_api_with(&db, &config, &redis, SECRET).await;
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        redis,
    }
}

/// Starts another API instance sharing `app`'s database and Redis; its base URL.
pub async fn start_sibling(app: &TestApp) -> String {
    start_api_with(&app.db, &test_config(), &app.redis, SECRET).await
}

/// Starts another API instance sharing `app`'s database and Redis, with its own
/// configuration; its base URL.
pub async fn start_api_with_config(app: &TestApp, config: &ApiConfig) -> String {
    start_api_with(&app.db, config, &app.redis, SECRET).await
}

/// Starts (another) API instance on `db` with the given secret; returns its base URL.
pub async fn start_api(db: &TestDatabase, secret: &str) -> String {
    start_api_with(db, &test_config(), &test_redis(), secret).await
}

async fn start_api_with(
    db: &TestDatabase,
    config: &ApiConfig,
    redis: &RedisConfig,
    secret: &str,
) -> String {
    let api = Api::build(db.pool.clone(), config, redis, Secret::new(secret))
        .await
        .expect("the API builds");
    let address = format!("http://{}", api.local_addr().unwrap());
    tokio::spawn(api.run(std::future::pending()));
    address
}

impl TestApp {
    /// Starts a worker on the app's database and Redis; it stops with the test.
    pub fn start_worker(&self) {
        self.start_worker_with(None);
    }

    /// Starts a worker that also runs avatar jobs against the ai-service at `url`.
    pub fn start_worker_with(&self, ai_service_url: Option<String>) {
        let mut settings =
            worker::WorkerSettings::new(&self.redis.redis_url, &self.redis.redis_prefix);
        settings.poll_interval = std::time::Duration::from_millis(100);
        // Short batches: an open projection transaction holds back every reader on the server.
        settings.batch_size = 50;
        settings.avatars = ai_service_url.map(worker::avatars::AvatarSettings::new);
        let worker = worker::Worker::new(self.db.pool.clone(), settings);
        tokio::spawn(worker.run(std::future::pending()));
    }

    /// A request to `path`, with a bearer token if given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let builder = self.request(method, path, token);
        let builder = match body {
            Some(body) => builder.json(&body),
            None => builder,
        };
        builder.send().await.expect("the API answers")
    }

    /// Registers a user.
    pub async fn register(&self, email: &str, password: &str) -> Response {
        let body = json!({"email": email, "password": password, "display_name": "Tester"});
        self.send(Method::POST, "/auth/register", None, Some(body))
            .await
    }

    /// Logs in; the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let response = self
            .send(Method::POST, "/auth/login", None, Some(body))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Registers and logs in a new user.
    pub async fn user(&self, name: &str) -> TestUser {
        let email = format!("{name}@example.org");
        let response = self.register(&email, "password123").await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        TestUser {
            id: body["user_id"].as_str().unwrap().to_owned(),
            token: self.login(&email, "password123").await,
        }
    }

    /// What `GET /auth/me` says of the token's user (it must answer 200).
    pub async fn me(&self, token: &str) -> Value {
        let response = self.send(Method::GET, "/auth/me", Some(token), None).await;
        assert_eq!(response.status(), StatusCode::OK, "GET /auth/me");
        response.json().await.unwrap()
    }

    /// Sends a projection progress notice as a worker does on commit (`NOTIFY`).
    pub async fn announce_progress(&self, notice: &Value) {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(projections::PROJECTION_CHANNEL)
            .bind(notice.to_string())
            .execute(&self.db.pool)
            .await
            .unwrap();
    }

    /// The bootstrap admin, logged in.
    pub async fn admin(&self) -> TestUser {
        let token = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let me = self.me(&token).await;
        TestUser {
            id: me["id"].as_str().unwrap().to_owned(),
            token,
        }
    }

    /// Rotates the signing keys as `admin`, ending every earlier token at once.
    pub async fn revoke_signing_keys(&self, admin: &TestUser) {
        let response = self
            .send(
                Method::POST,
                "/admin/rotate-keys?revoke_previous=true",
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "rotation with revocation"
        );
    }

    /// Creates a creature owned by `owner`; its id.
    pub async fn creature(&self, owner: &TestUser, name: &str) -> String {
        let body = json!({"name": name, "species": "dragon", "description": "", "traits": {"wings": 2}, "tags": []});
        let response = self
            .send(Method::POST, "/creatures", Some(&owner.token), Some(body))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// Creates a tag; its id.
    pub async fn tag(&self, by: &TestUser, name: &str) -> String {
        let response = self
            .send(
                Method::POST,
                "/tags",
                Some(&by.token),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        body["id"].as_str().unwrap().to_owned()
    }

    /// How many events the store holds.
    pub async fn event_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }
}

/// Asserts that a response is problem+json with the status; returns the problem.
pub async fn assert_problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], status.as_u16());
    for field in ["type", "title", "detail"] {
        assert!(
            problem[field].is_string(),
            "problem has `{field}`: {problem}"
        );
    }
    problem
}

/// Waits until every projection has applied every committed event.
pub async fn wait_for_read_model(app: &TestApp) {
    let pool = &app.db.pool;
    // Generous: other tests' transactions on the same server can hold projections back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(max(position), 0) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    for projection in projections::projection::ALL {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        eventually(
            left,
            &format!("{} to pass {head}", projection.name()),
            || async {
                match projections::status::has_passed(pool, projection, head).await {
                    Ok(true) => Ok(()),
                    other => Err(other),
                }
            },
        )
        .await;
    }
}

/// Held by the tests that run many sequential round trips through the worker or hold long
/// transactions, so they do not slow each other down past their deadlines.
pub static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Waits until the API listens for projection notices on its database.
pub async fn until_the_api_listens(app: &TestApp) {
    eventually(
        std::time::Duration::from_secs(30),
        "the API to LISTEN",
        || async {
            let listening: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            )
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
            if listening > 0 {
                Ok(())
            } else {
                Err(listening)
            }
        },
    )
    .await;
}
