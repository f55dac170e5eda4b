//! The machine-readable API description, `GET /openapi.json`.

use crate::http::state::AppState;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

/// The OpenAPI 3.1 document, kept beside the routes it describes.
pub const DOCUMENT: &str = include_str!("openapi.json");

/// `GET /openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}
