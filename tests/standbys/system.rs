//! The system the standby tests drive: a database of the test's own on the cluster's primary
//! (it replicates to the standbys), a worker, and APIs reading from a standby.

use crate::cluster::{Server, cluster};
use crate::support::client::ApiClient;
use crate::support::config::{self, ADMIN_EMAIL, ADMIN_PASSWORD, SECRET};
use crate::support::service::Service;
use bestiary::api::Api;
use bestiary::config::{ApiConfig, ReadFallback, RedisConfig, Secret};
use commands::testing::{TestDatabase, eventually};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// A system whose API reads from a standby.
pub struct System {
    /// A client of its first API.
    pub api: ApiClient,
    /// Its database on the primary.
    pub db: TestDatabase,
    redis: RedisConfig,
    standby_url: String,
    services: Vec<Service>,
}

/// How a test's API reads.
#[derive(Clone, Copy, Debug)]
pub struct Reads {
    /// `READ_FALLBACK`.
    pub fallback: ReadFallback,
    /// `READ_MAX_LAG_MS`.
    pub max_lag_ms: u64,
    /// `READ_WAIT_MS`.
    pub wait_ms: u64,
}

impl System {
    /// A system on the shared standby.
    pub async fn start(reads: Reads) -> Self {
        Self::start_on(&cluster().standby, reads).await
    }

    /// A system on `standby`, once its API sees the standby up.
    pub async fn start_on(standby: &Server, reads: Reads) -> Self {
        let db = TestDatabase::create_on(&cluster().primary.url("postgres")).await;
        let redis = config::redis("standbys");
        let worker = worker::Worker::new(db.pool.clone(), config::worker_settings(&redis, None));
        let mut system = System {
            api: ApiClient::new(String::new()),
            standby_url: standby.url(db.name()),
            db,
            redis,
            services: vec![Service::spawn("the worker", |stopped| {
                worker.run(stopped.wait())
            })],
        };
        system.api = system.start_api(reads).await;
        system
    }

    /// Starts another API on the system's database and standby; a client of it, once it sees
    /// the standby up.
    pub async fn start_api(&mut self, reads: Reads) -> ApiClient {
        let mut config: ApiConfig = config::api_config();
        config.read_wait_ms = reads.wait_ms;
        config.reads.database_read_url = vec![Secret::new(self.standby_url.clone())];
        config.reads.read_fallback = reads.fallback;
        config.reads.read_max_lag_ms = reads.max_lag_ms;
        config.reads.read_health_interval_ms = 50;
        let api = Api::build(
            self.db.pool.clone(),
            &config,
            &self.redis,
            Secret::new(SECRET),
        )
        .await
        .expect("the API builds");
        let client = ApiClient::new(format!("http://{}", api.local_addr().unwrap()));
        self.services
            .push(Service::spawn("the API", |stopped| api.run(stopped.wait())));
        until_standby_is(&client, "up").await;
        client
    }

    /// Registers and logs in a new user; their token.
    pub async fn user(&self, name: &str) -> String {
        let email = format!("{name}@example.org");
        self.api.registered(&email, "password123", "Tester").await;
        self.api.login(&email, "password123").await
    }

    /// The bootstrap admin's token.
    pub async fn admin(&self) -> String {
        self.api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// A connection pool on the system's database on the shared standby.
    pub async fn standby_pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.standby_url)
            .await
            .expect("the standby accepts connections")
    }
}

/// `GET path` on `api`: the response, who served it, and how long it took.
pub async fn get(api: &ApiClient, path: &str, token: Option<&str>) -> (Response, String, Duration) {
    let started = std::time::Instant::now();
    let response = api
        .request(reqwest::Method::GET, path, token)
        .send()
        .await
        .expect("the API answers");
    let served_by = response
        .headers()
        .get("x-served-by")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("nobody")
        .to_owned();
    (response, served_by, started.elapsed())
}

/// `GET path`, expected 200 and served by `by`; the body.
pub async fn read_from(api: &ApiClient, path: &str, by: &str) -> Value {
    let (response, served_by, _) = get(api, path, None).await;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    assert_eq!(served_by, by, "who served GET {path}");
    serde_json::from_str(&body).expect("a JSON body")
}

/// What `GET /readyz` says.
pub async fn readiness(api: &ApiClient) -> Value {
    let (response, _, _) = get(api, "/readyz", None).await;
    assert_eq!(response.status(), StatusCode::OK, "/readyz");
    response.json().await.expect("a JSON body")
}

/// Waits until `/readyz` reports `standby-0` with `status`; the whole answer.
pub async fn until_standby_is(api: &ApiClient, status: &str) -> Value {
    eventually(
        Duration::from_secs(60),
        &format!("/readyz to report standby-0 {status}"),
        || async {
            let ready = readiness(api).await;
            if ready["checks"]["standbys"]["standby-0"]["status"] == status {
                Ok(ready)
            } else {
                Err(ready)
            }
        },
    )
    .await
}
