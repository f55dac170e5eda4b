//! The system under test, ChromeDriver, and a browser with waits that poll for conditions.

use bestiary::api::Api;
use bestiary::config::{ApiConfig, HttpTimeoutsConfig, LoginLimits, RedisConfig, Secret};
use bestiary::web::{WebConfig, WebServer};
use commands::testing::TestDatabase;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;

/// The bootstrap admin of every test system.
pub const ADMIN_EMAIL: &str = "admin@example.org";
/// Their password.
pub const ADMIN_PASSWORD: &str = "admin password";
/// How long any one condition may take to hold.
const PATIENCE: Duration = Duration::from_secs(30);

/// One browser test at a time: Chromium and the system share two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Every service of Bestiary, in this process.
pub struct System {
    /// The web server's base URL (what the browser opens).
    pub web: String,
    /// The API's base URL.
    pub api: String,
    /// The database, dropped with the system.
    _db: TestDatabase,
    http: reqwest::Client,
}

impl System {
    /// Starts the API, a worker with avatar jobs, the avatar service and the web server.
    pub async fn start() -> System {
        let dist = built_spa();
        let db = TestDatabase::create().await;
        let redis = RedisConfig {
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: format!("browser-{}", uuid::Uuid::new_v4().simple()),
            redis_timeout_ms: 500,
            redis_circuit_failures: 3,
            redis_circuit_cooldown_ms: 2_000,
        };

        let ai_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ai = format!("http://{}", ai_listener.local_addr().unwrap());
        let avatars = ai_service::router(ai_service::Backend::Procedural, Duration::from_secs(10));
        tokio::spawn(async move { axum::serve(ai_listener, avatars).await });

        let web_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let web_addr = web_listener.local_addr().unwrap();
        let config = ApiConfig {
            api_addr: "127.0.0.1:0".parse().unwrap(),
            secret_key: None,
            web_addr,
            cors_origins: vec![],
            bcrypt_cost: 4,
            access_token_ttl_seconds: 3600,
            read_wait_ms: 10_000,
            idempotency_ttl_hours: 24,
            admin_email: Some(ADMIN_EMAIL.into()),
            admin_password: Some(Secret::new(ADMIN_PASSWORD)),
            http: HttpTimeoutsConfig {
                http_header_timeout_ms: 10_000,
                http_idle_timeout_ms: 60_000,
            },
            // The production defaults: a person in a browser never meets them.
            login_limits: LoginLimits {
                login_attempts_per_minute: 30,
                login_failures_per_account: 10,
                registrations_per_hour: 20,
                bcrypt_concurrency: None,
                bcrypt_queue: 8,
                trusted_proxies: vec![],
            },
        };
        let api = Api::build(
            db.pool.clone(),
            &config,
            &redis,
            Secret::new("browser-test-secret-that-is-long-enough"),
        )
        .await
        .expect("the API builds");
        let api_url = format!("http://{}", api.local_addr().unwrap());
        tokio::spawn(api.run(std::future::pending()));

        let mut settings = worker::WorkerSettings::new(&redis.redis_url, &redis.redis_prefix);
        settings.poll_interval = Duration::from_millis(100);
        settings.batch_size = 50;
        settings.avatars = Some(worker::avatars::AvatarSettings::new(&ai));
        tokio::spawn(worker::Worker::new(db.pool.clone(), settings).run(std::future::pending()));

        let web = WebServer::with_listener(
            &WebConfig {
                backend_url: api_url.clone(),
                web_dist: dist,
            },
            web_listener,
            config.http.timeouts(),
        )
        .expect("the web server starts");
        tokio::spawn(web.run(std::future::pending()));

        System {
            web: format!("http://{web_addr}"),
            api: api_url,
            _db: db,
            http: reqwest::Client::new(),
        }
    }

    /// Sends a command to the API directly (another client than the browser).
    pub async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .expect("the API answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// Registers a user through the API; logs in as them; their token.
    pub async fn user(&self, email: &str, password: &str, display_name: &str) -> String {
        let body = json!({"email": email, "password": password, "display_name": display_name});
        let response = self
            .http
            .post(format!("{}/auth/register", self.api))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "registering {email}");
        self.token(email, password).await
    }

    /// Logs in through the API; the token.
    pub async fn token(&self, email: &str, password: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/auth/login", self.api))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"].as_str().expect("a token").to_owned()
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

/// A ChromeDriver process on a port it chose; killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts ChromeDriver and waits for it to say which port it took.
    pub fn start() -> Driver {
        let mut child = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver runs (apt-get install chromium chromium-driver; .ci/run does it)",
            );
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.split("started successfully on port ")
                    .nth(1)
                    .map(|rest| rest.trim_end_matches('.').trim().to_owned())
            })
            .expect("chromedriver says its port");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A new headless Chromium session.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        let profile = tempdir();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session starts");
        Browser { client, profile }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bestiary-chromium-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A browser session with waits that poll for a condition until [`PATIENCE`] runs out.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    profile: PathBuf,
}

impl Browser {
    /// Opens `url` and waits for the app to render its navigation (the static shell shown
    /// before the app starts has a top bar too, but no navigation).
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.find(".topbar .nav").await;
    }

    /// The first element matching `css`, once there is one.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no `{css}` appeared: {error}"))
    }

    /// Waits until `condition` holds of the text of everything matching `css`.
    pub async fn until_texts(
        &self,
        css: &str,
        what: &str,
        condition: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut texts = Vec::new();
            for element in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                // An element re-rendered meanwhile has gone stale: read the page again.
                match element.text().await {
                    Ok(text) => texts.push(text),
                    Err(_) => texts.clear(),
                }
            }
            if condition(&texts) {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what} at `{css}`; saw {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element matching `css` contains `text`.
    pub async fn until_text(&self, css: &str, text: &str) {
        self.until_texts(css, &format!("text {text:?}"), |texts| {
            texts.iter().any(|seen| seen.contains(text))
        })
        .await;
    }

    /// Waits until a JavaScript expression is true.
    pub async fn until_js(&self, expression: &str) {
        let deadline = Instant::now() + PATIENCE;
        let script = format!("return Boolean({expression});");
        loop {
            if self.client.execute(&script, vec![]).await.ok() == Some(Value::Bool(true)) {
                return;
            }
            assert!(Instant::now() < deadline, "waited for `{expression}`");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the address's path and query end with `suffix`.
    pub async fn until_at(&self, suffix: &str) {
        self.until_js(&format!(
            "(location.pathname + location.search).endsWith({})",
            Value::String(suffix.into())
        ))
        .await;
    }

    /// Types into the field matching `css`, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks the link or button whose text is `text`.
    pub async fn click_text(&self, text: &str) {
        let xpath =
            format!("//a[normalize-space()='{text}'] | //button[normalize-space()='{text}']");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|error| panic!("no link or button `{text}`: {error}"))
            .click()
            .await
            .unwrap();
    }

    /// Logs in through the login page.
    pub async fn log_in(&self, web: &str, email: &str, password: &str, display_name: &str) {
        self.open(&format!("{web}/login")).await;
        self.fill("#field-email", email).await;
        self.fill("#field-password", password).await;
        self.click("form button[type=submit]").await;
        self.until_text("[data-testid=account-name]", display_name)
            .await;
    }

    /// Saves a PNG of the page.
    pub async fn screenshot(&self, path: &Path) {
        if let Ok(png) = self.client.screenshot().await {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(path, png);
        }
    }

    /// Saves a screenshot for the README when `BESTIARY_SCREENSHOTS` names a directory.
    pub async fn showcase(&self, name: &str) {
        if let Ok(dir) = std::env::var("BESTIARY_SCREENSHOTS") {
            self.screenshot(&Path::new(&dir).join(format!("{name}.png")))
                .await;
        }
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Runs one browser test: its own system and ChromeDriver, one test at a time, screenshots of
/// every browser it opened if it fails.
pub async fn browser_test<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = ()>,
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let opened: Opened = Arc::default();
    let session = Session {
        system: System::start().await,
        driver: Driver::start(),
        opened: opened.clone(),
    };
    let outcome = AssertUnwindSafe(test(session)).catch_unwind().await;
    if let Err(panic) = outcome {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-failures");
        let clients = opened.lock().unwrap().clone();
        for (index, client) in clients.into_iter().enumerate() {
            if let Ok(png) = client.screenshot().await {
                let path = dir.join(format!("{name}-{index}.png"));
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(&path, png);
                eprintln!("screenshot of the failed page: {}", path.display());
            }
        }
        std::panic::resume_unwind(panic);
    }
}

type Opened = Arc<Mutex<Vec<Client>>>;

/// What a browser test gets: the system, and browsers it opens.
pub struct Session {
    /// The system under test.
    pub system: System,
    driver: Driver,
    opened: Opened,
}

impl Session {
    /// Opens a browser window of the given size, remembered for failure screenshots.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        let browser = self.driver.browser(width, height).await;
        self.opened.lock().unwrap().push(browser.client.clone());
        browser
    }
}
