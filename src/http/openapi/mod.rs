//! The OpenAPI document of `GET /openapi.json`, generated from the code: each handler's
//! `#[utoipa::path]` (its path, method, parameters, body and answers) and the request and
//! response types' `ToSchema`. [`conventions`] adds what every operation shares (the
//! `X-Request-Id` and `Idempotency-Key` headers, problem+json error bodies) in one place.

mod bodies;
mod conventions;

pub use bodies::*;

use std::collections::HashSet;
use std::sync::LazyLock;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The document's frame: title, overview, tags, security scheme. The paths come from the
/// router (`crate::http::api`).
#[derive(OpenApi)]
#[openapi(
    info(title = "Bestiary API", description = include_str!("overview.md")),
    tags(
        (name = "health", description = "Liveness, readiness and metrics."),
        (name = "meta", description = "This document."),
        (name = "auth", description = "Accounts and access tokens."),
        (name = "creatures", description = "Creature commands, queries and history."),
        (name = "tags", description = "Tag commands and the tag list."),
        (name = "updates", description = "Live notices of what the projections applied (Server-Sent Events)."),
        (name = "admin", description = "Admin operations: the global event log, users and their roles, signing keys, and the projections' state, rebuilds and recovery."),
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&Bearer),
)]
pub struct ApiDoc;

/// `Authorization: Bearer <JWT>`, the scheme operations name as `bearer`.
struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "`Authorization: Bearer <access_token>` from `POST /auth/login`.",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// Whether a route answers `method` at `path` (a route's template, as `MatchedPath` has it).
pub fn is_operation(method: &axum::http::Method, path: &str) -> bool {
    static OPERATIONS: LazyLock<HashSet<(String, String)>> = LazyLock::new(|| {
        let (_, openapi) = crate::http::api().split_for_parts();
        let paths = serde_json::to_value(&openapi.paths).unwrap_or_default();
        let mut operations = HashSet::new();
        for (path, item) in paths.as_object().into_iter().flatten() {
            for method in item.as_object().into_iter().flat_map(|item| item.keys()) {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    });
    OPERATIONS.contains(&(method.as_str().to_owned(), path.to_owned()))
}

/// The whole document, as served.
pub fn document() -> serde_json::Value {
    let (_, openapi) = crate::http::api().split_for_parts();
    let mut document = serde_json::to_value(&openapi).unwrap_or_default();
    conventions::apply(&mut document);
    document
}
