//! `bestiary web`: serves the built SPA (`web/dist`, made by `web/build`), a `/config.json`
//! telling it where the API is (`BACKEND_URL`), and `index.html` for every client-side route
//! so deep links work. It knows nothing else of Bestiary.

use crate::serve::{Timeouts, serve};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use clap::Args;
use serde_json::json;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::services::ServeDir;

/// What the web server serves.
#[derive(Args, Clone, Debug)]
pub struct WebConfig {
    /// The API's URL as the browser reaches it.
    #[arg(long, env = "BACKEND_URL", default_value = "http://127.0.0.1:8000")]
    pub backend_url: String,
    /// The built SPA (`web/build` writes it).
    #[arg(long, env = "WEB_DIST", default_value = "web/dist")]
    pub web_dist: PathBuf,
}

/// The web server, bound and ready to run.
pub struct WebServer {
    listener: TcpListener,
    router: Router,
    timeouts: Timeouts,
}

#[derive(Clone)]
struct Site {
    dist: Arc<Path>,
    config: Arc<str>,
    security: HeaderValue,
}

impl WebServer {
    /// Checks the configuration and binds `address`.
    pub async fn build(
        config: &WebConfig,
        address: SocketAddr,
        timeouts: Timeouts,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(address)
            .await
            .map_err(|error| anyhow::anyhow!("cannot listen on {address} ({error})"))?;
        Self::with_listener(config, listener, timeouts)
    }

    /// Checks the configuration and serves on a bound listener. A missing build is not
    /// fatal: every page then says how to build the SPA, and `/healthz` answers 503.
    pub fn with_listener(
        config: &WebConfig,
        listener: TcpListener,
        timeouts: Timeouts,
    ) -> anyhow::Result<Self> {
        let backend = config.backend_url.trim().trim_end_matches('/');
        if !(backend.starts_with("http://") || backend.starts_with("https://")) {
            anyhow::bail!("BACKEND_URL must be an http:// or https:// URL, not `{backend}`");
        }
        let router = if config.web_dist.join("index.html").is_file() {
            site_router(&config.web_dist, backend)
        } else {
            tracing::warn!(
                dist = %config.web_dist.display(),
                "the SPA is not built: run `web/build`; every page says so until then"
            );
            unbuilt_router(&config.web_dist)
        };
        Ok(WebServer {
            listener,
            router,
            timeouts,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then drains open requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "web server listening");
        serve(self.listener, self.router, self.timeouts, shutdown).await
    }
}

fn site_router(dist: &Path, backend: &str) -> Router {
    let site = Site {
        dist: dist.into(),
        config: json!({ "backend_url": backend }).to_string().into(),
        security: content_security_policy(backend),
    };
    let files = ServeDir::new(dist)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(get(client_route).with_state(site.clone()));
    Router::new()
        .route("/config.json", get(runtime_config))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(files)
        .with_state(site.clone())
        .layer(axum::middleware::map_response_with_state(site, headers))
}

fn unbuilt_router(dist: &Path) -> Router {
    let page = format!(
        "<!doctype html><meta charset=utf-8><title>Bestiary: SPA not built</title>\
         <h1>The Bestiary web app is not built</h1>\
         <p>Nothing was found at <code>{}</code>. Run <code>web/build</code> from the repository, \
         then restart (or point <code>WEB_DIST</code> at a build).</p>",
        html_escape(&dist.display().to_string())
    );
    Router::new().fallback(get(move || {
        let page = page.clone();
        async move { (StatusCode::SERVICE_UNAVAILABLE, Html(page)) }
    }))
}

/// `/config.json`: where the SPA finds the API.
async fn runtime_config(State(site): State<Site>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        site.config.to_string(),
    )
        .into_response()
}

/// A path with no file: a client-side route gets `index.html`; a missing asset (a name with
/// an extension) gets 404, so a broken build is not disguised as a page.
async fn client_route(State(site): State<Site>, uri: Uri) -> Response {
    let last = uri.path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match tokio::fs::read_to_string(site.dist.join("index.html")).await {
        Ok(index) => Html(index).into_response(),
        Err(error) => {
            tracing::error!(%error, "index.html unreadable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the web app is unavailable",
            )
                .into_response()
        }
    }
}

/// Every answer is revalidated unless it says otherwise (file names carry no hash), and
/// carries the security headers.
async fn headers(State(site): State<Site>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, site.security.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Scripts and styles from this origin only; fetches and images from it and the API.
fn content_security_policy(backend: &str) -> HeaderValue {
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
         connect-src 'self' {backend}; img-src 'self' data: {backend}; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
