//! `spawn_app`: the real API on a free port with its own database, and a typed client
//! ([`ApiClient`], which a [`TestApp`] derefs to). Every service a test starts stops with it.

pub use crate::support::client::ApiClient;
use crate::support::config;
pub use crate::support::config::SECRET;
pub use crate::support::config::{ADMIN_EMAIL, ADMIN_PASSWORD, generous_login_limits};
use crate::support::service::Service;
use bestiary::api::Api;
use bestiary::config::{ApiConfig, RedisConfig, Secret};
use commands::testing::TestDatabase;
use commands::testing::eventually;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Mutex;

/// A running API with its own database; what it started stops when it is dropped.
pub struct TestApp {
    /// A client of it.
    pub api: ApiClient,
    /// Its database.
    pub db: TestDatabase,
    /// Its Redis (URL and key prefix of its own).
    pub redis: RedisConfig,
    /// The API, and the workers and sibling instances started beside it.
    services: Mutex<Vec<Service>>,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
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
    config::api_config()
}

/// The local Redis, with a key prefix of the test's own.
pub fn test_redis() -> RedisConfig {
    config::redis("test")
}

/// Starts the API against a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config(), test_redis()).await
}

/// Starts the API with the given configuration against a fresh database.
pub async fn spawn_app_with(config: ApiConfig, redis: RedisConfig) -> TestApp {
    let db = TestDatabase::create().await;
    let (address, api) = start_api_on(&db, &config, &redis, SECRET).await;
    TestApp {
        api: ApiClient::new(address),
        db,
        redis,
        services: Mutex::new(vec![api]),
    }
}

/// Starts another API instance sharing `app`'s database and Redis; its base URL.
pub async fn start_sibling(app: &TestApp) -> String {
    start_api_with_config(app, &test_config()).await
}

/// Starts another API instance sharing `app`'s database and Redis, with its own
/// configuration; its base URL.
pub async fn start_api_with_config(app: &TestApp, config: &ApiConfig) -> String {
    let (address, api) = start_api_on(&app.db, config, &app.redis, SECRET).await;
    app.keep(api);
    address
}

/// Starts (another) API instance on `app`'s database with another signing secret and a Redis
/// prefix of its own; its base URL.
pub async fn start_api_with_secret(app: &TestApp, secret: &str) -> String {
    let (address, api) = start_api_on(&app.db, &test_config(), &test_redis(), secret).await;
    app.keep(api);
    address
}

async fn start_api_on(
    db: &TestDatabase,
    config: &ApiConfig,
    redis: &RedisConfig,
    secret: &str,
) -> (String, Service) {
    let api = Api::build(db.pool.clone(), config, redis, Secret::new(secret))
        .await
        .expect("the API builds");
    let address = format!("http://{}", api.local_addr().unwrap());
    let service = Service::spawn("the API", |stopped| api.run(stopped.wait()));
    (address, service)
}

impl TestApp {
    /// Keeps a service running until the app is dropped.
    pub fn keep(&self, service: Service) {
        self.services.lock().unwrap().push(service);
    }

    /// Starts a worker on the app's database and Redis; it stops with the test.
    pub fn start_worker(&self) {
        self.start_worker_with(None);
    }

    /// Starts a worker that also runs avatar jobs against the ai-service at `url`.
    pub fn start_worker_with(&self, ai_service_url: Option<String>) {
        let settings = config::worker_settings(&self.redis, ai_service_url.as_deref());
        self.start_worker_with_settings(settings);
    }

    /// Starts a worker with the given settings; it stops with the test.
    pub fn start_worker_with_settings(&self, settings: worker::WorkerSettings) {
        let worker = worker::Worker::new(self.db.pool.clone(), settings);
        self.keep(Service::spawn("the worker", |stopped| {
            worker.run(stopped.wait())
        }));
    }

    /// Registers a user (shown as "Tester").
    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.register_as(email, password, "Tester").await
    }

    /// Registers and logs in a new user.
    pub async fn user(&self, name: &str) -> TestUser {
        let email = format!("{name}@example.org");
        let registered = self.registered(&email, "password123", "Tester").await;
        TestUser {
            id: registered.user_id.to_string(),
            token: self.login(&email, "password123").await,
        }
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
            id: me.id.to_string(),
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
        let created: crate::support::client::Accepted = self
            .expect(
                Method::POST,
                "/creatures",
                Some(&owner.token),
                Some(body),
                StatusCode::CREATED,
            )
            .await;
        created.id.expect("the new creature's id").to_string()
    }

    /// Creates a tag; its id.
    pub async fn tag(&self, by: &TestUser, name: &str) -> String {
        let created: crate::support::client::Accepted = self
            .expect(
                Method::POST,
                "/tags",
                Some(&by.token),
                Some(json!({"name": name})),
                StatusCode::CREATED,
            )
            .await;
        created.id.expect("the new tag's id").to_string()
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
    crate::support::listening::until_an_api_listens(&app.db.pool).await;
}
