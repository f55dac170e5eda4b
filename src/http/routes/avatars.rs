//! `GET /creatures/{id}/avatar`: the creature's current avatar image, by content, cacheable
//! for good (its URL carries the content's hash), with `ETag` for revalidation.

use crate::http::extract::parse_id;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlx::Row;

/// Serves the image, or 304 when the client has it already.
pub async fn avatar(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "creature")?;
    let internal = |error: sqlx::Error| ApiError::Internal(error.to_string());
    let sha: Option<String> =
        sqlx::query_scalar("SELECT avatar_sha256 FROM proj_creatures.creatures WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await
            .map_err(internal)?
            .flatten();
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
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let row = sqlx::query("SELECT content_type, bytes FROM avatar_images WHERE sha256 = $1")
        .bind(&sha)
        .fetch_optional(&state.pool)
        .await
        .map_err(internal)?
        .ok_or(ApiError::NotFound("avatar"))?;
    let content_type: String = row.get("content_type");
    let bytes: Vec<u8> = row.get("bytes");
    let mut response = (cache, bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    Ok(response)
}
