//! The avatar service of Bestiary: an independent HTTP service that turns
//! `{seed, name, species, traits}` into a portrait. It knows nothing of Bestiary's domain.
//!
//! The default backend, [`generator`], draws offline and deterministically (the same input
//! gives the same bytes): the body plan, palette, eyes, horns, wings, tail and markings follow
//! from species, traits and seed. It answers SVG, or PNG ([`raster`]) when asked with
//! `Accept: image/png` or `?format=png`. The [`external`] backend calls an OpenAI-style
//! image API instead. Errors are `application/problem+json`.

pub mod external;
pub mod generator;
pub mod raster;
pub mod request;

use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Args;
use external::ExternalApi;
use request::{AvatarRequest, Format};
use serde::Deserialize;
use serde_json::json;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The largest request body accepted.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// The service's settings.
#[derive(Args, Clone, Debug)]
pub struct AiServiceConfig {
    /// Address the service listens on.
    #[arg(long, env = "AI_SERVICE_ADDR", default_value = "0.0.0.0:8001")]
    pub ai_service_addr: SocketAddr,
    /// `procedural` (offline, default) or `openai` (an OpenAI-style image API).
    #[arg(long, env = "AVATAR_BACKEND", default_value = "procedural")]
    pub avatar_backend: String,
    /// Base URL of the image API (openai backend).
    #[arg(long, env = "AVATAR_API_URL")]
    pub avatar_api_url: Option<String>,
    /// Key of the image API (openai backend).
    #[arg(long, env = "AVATAR_API_KEY", hide_env_values = true)]
    pub avatar_api_key: Option<String>,
    /// Model of the image API (openai backend).
    #[arg(long, env = "AVATAR_API_MODEL", default_value = "gpt-image-1")]
    pub avatar_api_model: String,
    /// How long (milliseconds) one generation may take.
    #[arg(long, env = "AVATAR_TIMEOUT_MS", default_value_t = 10_000)]
    pub avatar_timeout_ms: u64,
}

/// Where portraits come from.
#[derive(Clone, Debug)]
pub enum Backend {
    /// Drawn here, offline.
    Procedural,
    /// An external image API.
    External(ExternalApi),
}

#[derive(Clone)]
struct AppState {
    backend: Arc<Backend>,
    timeout: Duration,
}

/// A bound service, ready to run.
pub struct AiService {
    listener: TcpListener,
    router: Router,
}

impl AiService {
    /// Checks the configuration and binds.
    pub async fn build(config: &AiServiceConfig) -> Result<Self, String> {
        let timeout = Duration::from_millis(config.avatar_timeout_ms);
        let backend = match config.avatar_backend.as_str() {
            "procedural" => Backend::Procedural,
            "openai" => {
                let (Some(url), Some(key)) = (&config.avatar_api_url, &config.avatar_api_key)
                else {
                    return Err(
                        "AVATAR_BACKEND=openai needs AVATAR_API_URL and AVATAR_API_KEY".into(),
                    );
                };
                let api = ExternalApi::new(
                    url.clone(),
                    key.clone(),
                    config.avatar_api_model.clone(),
                    timeout,
                )
                .map_err(|error| error.to_string())?;
                Backend::External(api)
            }
            other => {
                return Err(format!(
                    "AVATAR_BACKEND must be `procedural` or `openai`, not `{other}`"
                ));
            }
        };
        let listener = TcpListener::bind(config.ai_service_addr)
            .await
            .map_err(|error| format!("cannot listen on {} ({error})", config.ai_service_addr))?;
        Ok(Self {
            listener,
            router: router(backend, timeout),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(address = %self.listener.local_addr()?, "avatar service listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// The service's routes.
pub fn router(backend: Backend, timeout: Duration) -> Router {
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/avatars", post(avatar))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "no such resource") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(AppState {
            backend: Arc::new(backend),
            timeout,
        })
}

/// A problem+json answer.
fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

#[derive(Deserialize)]
struct AvatarQuery {
    format: Option<String>,
    size: Option<u32>,
}

async fn avatar(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<AvatarQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Json<AvatarRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return problem(
            StatusCode::BAD_REQUEST,
            "format must be svg or png, size a whole number",
        );
    };
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => return problem(rejection.status(), &rejection.body_text()),
    };
    if let Err(detail) = request.validate() {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, &detail);
    }
    let wants_png = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("image/png") && !accept.contains("image/svg+xml"));
    let format = match query.format.as_deref() {
        Some("png") => Format::Png,
        Some("svg") => Format::Svg,
        Some(_) => return problem(StatusCode::BAD_REQUEST, "format must be svg or png"),
        None if wants_png => Format::Png,
        None => Format::Svg,
    };
    let size = query.size.unwrap_or(512);
    if !(16..=1024).contains(&size) {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "size must be between 16 and 1024",
        );
    }
    let generated = tokio::time::timeout(
        state.timeout,
        generate(&state.backend, &request, format, size),
    )
    .await;
    match generated {
        Ok(Ok((content_type, bytes))) => {
            ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        Ok(Err(detail)) => problem(StatusCode::BAD_GATEWAY, &detail),
        Err(_) => problem(
            StatusCode::GATEWAY_TIMEOUT,
            "generating the avatar took too long",
        ),
    }
}

async fn generate(
    backend: &Backend,
    request: &AvatarRequest,
    format: Format,
    size: u32,
) -> Result<(&'static str, Vec<u8>), String> {
    match backend {
        Backend::Procedural => {
            let svg = generator::portrait(
                &request.seed,
                request.name.trim(),
                request.species.trim(),
                &request.traits,
            );
            match format {
                Format::Svg => Ok((Format::Svg.content_type(), svg.into_bytes())),
                Format::Png => {
                    let png = tokio::task::spawn_blocking(move || raster::png(&svg, size))
                        .await
                        .map_err(|error| error.to_string())?
                        .map_err(|error| error.to_string())?;
                    Ok((Format::Png.content_type(), png))
                }
            }
        }
        // An external API draws bitmaps: it answers PNG whatever was asked.
        Backend::External(api) => api
            .generate(request.name.trim(), request.species.trim(), &request.traits)
            .await
            .map(|png| (Format::Png.content_type(), png))
            .map_err(|error| error.to_string()),
    }
}
