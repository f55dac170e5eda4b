//! The system under test: every service of Bestiary in this process ([`bestiary::system`], as
//! `bestiary all` runs them), each on a free port, on a fresh database and Redis prefix, with
//! the production login limits a person meets. It stops with its test.

use crate::support::client::{Accepted, ApiClient};
use crate::support::config::{self, SECRET};
use crate::support::service::Service;
use ai_service::{AiService, AiServiceConfig};
use bestiary::api::Api;
use bestiary::config::{ApiConfig, Secret};
use bestiary::web::{WebConfig, WebServer};
use commands::testing::TestDatabase;
use reqwest::Method;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tokio::net::TcpListener;

/// Every service of Bestiary, in this process.
pub struct System {
    /// The web server's base URL (what the browser opens).
    pub web: String,
    /// A client of the API (another client than the browser).
    pub api: ApiClient,
    /// Every service, stopped when the system is dropped.
    _running: Service,
    /// The database, dropped with the system.
    _db: TestDatabase,
}

impl System {
    /// Starts the API, a worker with avatar jobs, the avatar service and the web server.
    pub async fn start() -> System {
        let dist = built_spa();
        let db = TestDatabase::create().await;
        let redis = config::redis("browser");

        let ai = AiService::build(&AiServiceConfig {
            ai_service_addr: "127.0.0.1:0".parse().unwrap(),
            avatar_backend: "procedural".into(),
            avatar_api_url: None,
            avatar_api_key: None,
            avatar_api_model: String::new(),
            avatar_timeout_ms: 10_000,
        })
        .await
        .expect("the avatar service starts");
        let ai_url = format!("http://{}", ai.local_addr().unwrap());

        // The web server's address is the API's allowed origin, so it is bound first.
        let web_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let web_addr = web_listener.local_addr().unwrap();
        let api_config = ApiConfig {
            web_addr,
            read_wait_ms: 10_000,
            login_limits: config::production_login_limits(),
            ..config::api_config()
        };
        let api = Api::build(db.pool.clone(), &api_config, &redis, Secret::new(SECRET))
            .await
            .expect("the API builds");
        let api_url = format!("http://{}", api.local_addr().unwrap());
        let worker = worker::Worker::new(
            db.pool.clone(),
            config::worker_settings(&redis, Some(&ai_url)),
        );
        let web = WebServer::with_listener(
            &WebConfig {
                backend_url: api_url.clone(),
                web_dist: dist,
            },
            web_listener,
            api_config.http.timeouts(),
        )
        .expect("the web server starts");
        let system = bestiary::system::System {
            api,
            worker,
            ai,
            web,
        };
        System {
            web: format!("http://{web_addr}"),
            api: ApiClient::new(api_url),
            _running: Service::spawn("the system", |stopped| system.run(stopped.wait())),
            _db: db,
        }
    }

    /// Sends a command to the API directly, with an idempotency key; what it answered.
    pub async fn command(&self, method: Method, path: &str, token: &str, body: Value) -> Accepted {
        self.api.command(method, path, token, body).await
    }

    /// Registers a user through the API; logs in as them; their token.
    pub async fn user(&self, email: &str, password: &str, display_name: &str) -> String {
        self.api.registered(email, password, display_name).await;
        self.api.login(email, password).await
    }
}

/// `web/dist`, checked to be built from the current sources.
fn built_spa() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dist = root.join("web/dist");
    let wasm = dist.join("bestiary_bg.wasm");
    let built = std::fs::metadata(&wasm)
        .and_then(|meta| meta.modified())
        .unwrap_or_else(|_| {
            panic!(
                "the SPA is not built: run `web/build` (no {})",
                wasm.display()
            )
        });
    let sources = [
        root.join("web/src"),
        root.join("web/static"),
        root.join("domain/src"),
    ];
    let newest = sources.iter().filter_map(|dir| newest_file(dir)).max();
    if let Some(newest) = newest {
        assert!(
            newest <= built,
            "the SPA build is older than its sources: run `web/build` again"
        );
    }
    dist
}

fn newest_file(dir: &Path) -> Option<SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                newest_file(&path)
            } else {
                entry.metadata().and_then(|meta| meta.modified()).ok()
            }
        })
        .max()
}
