//! `GET /creatures/{id}/avatar`: the creature's current avatar image (or, by its hash, one it
//! had before), by content, cacheable for good (its URL carries the content's hash), with
//! `ETag` for revalidation.

use crate::http::extract::parse_id;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use projections::QueryError;
use serde::Deserialize;

/// The query of the avatar route.
#[derive(Deserialize)]
pub struct AvatarQuery {
    /// An earlier image of the creature, by its SHA-256.
    sha256: Option<String>,
}

/// Serves the image, or 304 when the client has it already.
#[utoipa::path(
    get,
    path = "/creatures/{id}/avatar",
    operation_id = "getAvatar",
    tag = "creatures",
    summary = "The creature's avatar image",
    description = "Anonymous. Serves the creature's latest generated avatar image (SVG or PNG) as the creatures projection has it, so right after `AvatarGenerated` it may briefly still serve the previous image. Use the URL in the creature's `avatar.url` (`/creatures/{id}/avatar?v=<hash prefix>`): its `v` changes with the image, so the response is cacheable for good (`Cache-Control: public, max-age=31536000, immutable`). Revalidate with `If-None-Match` and the `ETag` (the quoted SHA-256 of the bytes): a match answers 304 without a body.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("v" = Option<String>, Query, description = "Cache-busting prefix of the image's hash, as in `avatar.url`. Ignored by the server: the current image is served."),
        ("sha256" = Option<String>, Query, pattern = "^[0-9a-f]{64}$", description = "An image the creature had before, by the SHA-256 (hex) its `AvatarGenerated` event recorded, as the history's as-of view shows it. One the creature never had gives 404."),
        ("If-None-Match" = Option<String>, Header, description = "One or more entity tags (comma-separated) or `*`; if one equals the current `ETag` (or is `*`), the answer is 304."),
    ),
    responses(
        (status = 200, description = "The image.", content((String = "image/svg+xml"), (String = "image/png")), headers(("ETag" = String, description = "The quoted SHA-256 (hex) of the image's bytes, e.g. `\"9f86d0...\"`."), ("Cache-Control" = String, description = "Always `public, max-age=31536000, immutable`: the URL in the creature's `avatar.url` carries `?v=<hash prefix>`, so a new avatar has a new URL."), ("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 304, description = "Not Modified: `If-None-Match` matches the current `ETag`; no body.", headers(("ETag" = String, description = "The quoted SHA-256 (hex) of the image's bytes, e.g. `\"9f86d0...\"`."), ("Cache-Control" = String, description = "Always `public, max-age=31536000, immutable`: the URL in the creature's `avatar.url` carries `?v=<hash prefix>`, so a new avatar has a new URL."))),
        (status = 404, description = "The creature has no generated avatar yet (or never had the image `sha256` names), or there is no such creature (`/problems/not-found`)."),
    )
)]
pub async fn avatar(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<AvatarQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let mut read = state.read();
    let sha: Option<String> = match query.sha256 {
        // An image of the creature's past: its stream recorded it.
        Some(wanted) => {
            let is_hash = wanted.len() == 64
                && wanted
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !is_hash {
                return Err(ApiError::NotFound("avatar"));
            }
            let wanted = &wanted;
            read.run(|pool| async move {
                sqlx::query_scalar(
                    "SELECT payload->'image'->>'sha256' FROM events \
                     WHERE stream_id = $1 AND event_type = 'AvatarGenerated' \
                       AND payload->'image'->>'sha256' = $2 LIMIT 1",
                )
                .bind(id)
                .bind(wanted)
                .fetch_optional(&pool)
                .await
                .map_err(QueryError::Database)
            })
            .await?
        }
        None => {
            read.run(|pool| async move {
                sqlx::query_scalar::<_, Option<String>>(
                    "SELECT avatar_sha256 FROM proj_creatures.creatures WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&pool)
                .await
                .map(Option::flatten)
                .map_err(QueryError::Database)
            })
            .await?
        }
    };
    let sha = sha.ok_or(ApiError::NotFound("avatar"))?;
    let etag = format!("\"{sha}\"");
    let cache = [
        (header::ETAG, etag.clone()),
        (
            header::CACHE_CONTROL,
            "public, max-age=31536000, immutable".to_owned(),
        ),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, read.served_by(), cache).into_response());
    }
    let sha = &sha;
    let image: Option<(String, Vec<u8>)> = read
        .run(|pool| async move {
            sqlx::query_as("SELECT content_type, bytes FROM avatar_images WHERE sha256 = $1")
                .bind(sha)
                .fetch_optional(&pool)
                .await
                .map_err(QueryError::Database)
        })
        .await?;
    let (content_type, bytes) = image.ok_or(ApiError::NotFound("avatar"))?;
    let mut response = (read.served_by(), cache, bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    Ok(response)
}
