//! The HTTP API: one router per resource, merged here, behind the middleware every request
//! passes (correlation id and request log, problem+json for every error, body limit, CORS).

pub mod command;
pub mod extract;
pub mod freshness;
pub mod idempotency;
pub mod json;
pub mod live;
pub mod metrics;
mod middleware;
pub mod openapi;
pub mod problem;
pub mod progress;
pub mod reads;
mod routes;
pub mod state;
pub mod throttle;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use state::AppState;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route with its documentation: the router is built from it, and so is the OpenAPI
/// document (each handler is routed at the path and method of its `#[utoipa::path]`).
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::openapi::router())
        .merge(routes::auth::router())
        .merge(routes::creatures::router())
        .merge(routes::tags::router())
        .merge(routes::admin::router())
        .merge(routes::admin_projections::router())
        .merge(routes::admin_log::router())
        .merge(routes::observability::router())
        .merge(routes::updates::router())
}

/// The whole API.
pub fn router(state: AppState, allowed_origins: &[String]) -> Router {
    let (routes, _) = api().split_for_parts();
    routes
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn_with_state(
            idempotency::IdempotencyState::of(&state),
            idempotency::middleware,
        ))
        .with_state(state)
        .layer(axum::middleware::from_fn(metrics::record))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(
            middleware::problem_for_bare_errors,
        ))
        .layer(cors(allowed_origins))
        .layer(axum::middleware::from_fn(middleware::correlate_and_log))
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-min-position"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::LOCATION,
            header::ETAG,
            header::RETRY_AFTER,
            HeaderName::from_static("idempotent-replayed"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static(reads::SERVED_BY),
        ])
}
