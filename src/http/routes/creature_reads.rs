//! Reading creatures from the read model: a filtered page, or one creature.

use crate::http::extract::parse_id;
use crate::http::freshness::MinPosition;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::extract::{Path, Query, State};
use domain::values::{SearchText, Species, TagName, ValidationError};
use projections::creatures::Creatures;
use projections::creatures::{self, CreatureFilter, CreaturePage, CreatureView};
use serde::Deserialize;

/// The query of `GET /creatures` (`min_position` is read by [`MinPosition`]).
#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    tag: Option<String>,
    species: Option<String>,
    owner: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Parses a filter text: blank means no filter; anything else must parse, naming `field`.
fn filter_text<T>(
    field: &'static str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    text.map(str::trim)
        .filter(|text| !text.is_empty())
        .map(|text| parse(text).map_err(|error| ValidationError { field, ..error }))
        .transpose()
}

/// `GET /creatures`: a page of unarchived creatures, newest first.
pub async fn list(
    State(state): State<AppState>,
    min_position: MinPosition,
    Query(query): Query<ListQuery>,
) -> Result<Json<CreaturePage>, ApiError> {
    let owner = query
        .owner
        .as_deref()
        .filter(|owner| !owner.trim().is_empty())
        .map(|owner| {
            uuid::Uuid::parse_str(owner.trim())
                .map_err(|_| ValidationError::new("owner", "must be a user id"))
        })
        .transpose()?;
    let q = filter_text("q", query.q.as_deref(), SearchText::parse);
    let tag = filter_text("tag", query.tag.as_deref(), TagName::parse);
    let species = filter_text("species", query.species.as_deref(), Species::parse);
    let (q, tag, species) = match (q, tag, species) {
        (Ok(q), Ok(tag), Ok(species)) => (q, tag, species),
        (q, tag, species) => {
            let errors = [q.err(), tag.err(), species.err()];
            return Err(ApiError::Validation(errors.into_iter().flatten().collect()));
        }
    };
    min_position.wait(&state, &Creatures).await?;
    let filter = CreatureFilter {
        q,
        tag,
        species,
        owner,
        limit: query.limit,
        cursor: query.cursor,
    };
    Ok(Json(creatures::list(&state.pool, &filter).await?))
}

/// `GET /creatures/{id}`: one creature, archived ones included (they say so).
pub async fn get(
    State(state): State<AppState>,
    min_position: MinPosition,
    Path(id): Path<String>,
) -> Result<Json<CreatureView>, ApiError> {
    let id = parse_id(&id, "creature")?;
    min_position.wait(&state, &Creatures).await?;
    creatures::get(&state.pool, id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("creature"))
}
