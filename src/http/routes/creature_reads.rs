//! Reading creatures from the read model: a filtered page, or one creature.

use crate::http::extract::parse_id;
use crate::http::freshness::MinPosition;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::reads::ServedBy;
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
    archived: Option<bool>,
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

/// `GET /creatures`: a page of unarchived (or only archived) creatures, newest first.
#[utoipa::path(
    get,
    path = "/creatures",
    operation_id = "listCreatures",
    tag = "creatures",
    summary = "A page of creatures, newest first",
    description = "Unarchived creatures (or, with `archived=true`, only archived ones) from the creatures projection, newest first (by registration time, then id). Filters combine with AND; an empty filter value is ignored. Pages are keyset-paginated: pass `next_cursor` as `cursor` for the next page (creatures registered meanwhile never shift a page). With `min_position` (or `X-Min-Position`), waits until the projection has applied that position (on the hot standby that answers, when `DATABASE_READ_URL` names some).",
    params(
        ("q" = Option<String>, Query, max_length = 200, description = "Full-text search over name, species and description (English stemming, web-search syntax: `\"quoted phrase\"`, `or`, `-word`; the last word also matches as a prefix while it is typed, outside quotes and negation: `smau` finds Smaug). At most 200 characters; a NUL character gives 422."),
        ("tag" = Option<String>, Query, max_length = 40, description = "Only creatures carrying the tag of this name (its current name, case-insensitively, in Unicode NFKC like tag names). A name no tag could have (a NUL, a forbidden character, mixed scripts) gives 422."),
        ("species" = Option<String>, Query, max_length = 80, description = "Only creatures of this species (whole value, case-insensitively). At most 80 characters; a NUL character gives 422."),
        ("owner" = Option<String>, Query, pattern = "^\\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?\\s*$", description = "Only creatures of this owner (a user id, as a hyphenated UUID); empty means no filter. Anything else gives 422."),
        ("archived" = Option<bool>, Query, description = "`true`: the archived creatures instead of the listed ones (an owner's archive, with `owner`). Anything but `true` or `false` gives 400."),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Items per page. Out of range gives 422; not a whole number gives 400."),
        ("cursor" = Option<String>, Query, description = "Where the page starts: a `next_cursor` from an earlier page (opaque)."),
        ("min_position" = Option<i64>, Query, minimum = 0, description = "Read-your-writes: the global position (a command's `position`) the answer must reflect. The read waits, up to a bound, until its projection has applied it, then answers 503 (`/problems/not-yet-consistent`) with `Retry-After`. When both are given, this wins over `X-Min-Position`. A position beyond the log's head (one no command answered with) is 422 at once (`/problems/position-beyond-head`, with the head). Not a whole number >= 0 gives 400."),
        ("X-Min-Position" = Option<i64>, Header, minimum = 0, description = "The same as the `min_position` query parameter, as a header; ignored when `min_position` is given."),
    ),
    responses(
        (status = 200, description = "A page of creatures.", body = CreaturePage, headers(("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 400, description = "`min_position` (or `X-Min-Position`) is not a whole number >= 0 (`/problems/bad-request`), or the query string is malformed, e.g. `limit` is not a whole number (a bare problem with `type` `about:blank`)."),
        (status = 422, description = "`limit` is not between 1 and 100, `cursor` is not one this API gave out, or `owner` is not a user id (`/problems/validation-failed`, with `errors` naming the parameter); or `min_position` (or `X-Min-Position`) is beyond the log's head (`/problems/position-beyond-head`, with `head`; answered at once)."),
        (status = 503, description = "The projection has not applied `min_position` within the wait bound (`/problems/not-yet-consistent`); retry after `Retry-After` seconds. (A database that does not answer gives `/problems/service-unavailable` instead, without `Retry-After`.)", headers(("Retry-After" = i64, description = "Seconds to wait before retrying (always `1`; only with `/problems/not-yet-consistent`)."))),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    min_position: MinPosition,
    Query(query): Query<ListQuery>,
) -> Result<(ServedBy, Json<CreaturePage>), ApiError> {
    let owner = query
        .owner
        .as_deref()
        .filter(|owner| !owner.trim().is_empty())
        .map(|owner| {
            // The hyphenated form only, as the document says (the parser takes others too).
            let owner = owner.trim();
            uuid::Uuid::parse_str(owner)
                .ok()
                .filter(|_| owner.len() == 36)
                .ok_or_else(|| ValidationError::new("owner", "must be a user id"))
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
    let mut read = state.read_at(min_position, &Creatures).await?;
    let filter = CreatureFilter {
        q,
        tag,
        species,
        owner,
        archived: query.archived.unwrap_or(false),
        limit: query.limit,
        cursor: query.cursor,
    };
    let filter = &filter;
    let page = read
        .run(|pool| async move { creatures::list(&pool, filter).await })
        .await?;
    Ok((read.served_by(), Json(page)))
}

/// `GET /creatures/{id}`: one creature, archived ones included (they say so).
#[utoipa::path(
    get,
    path = "/creatures/{id}",
    operation_id = "getCreature",
    tag = "creatures",
    summary = "One creature",
    description = "The creature as the creatures projection has it; archived creatures are shown too (`archived` is true). `version` is what `If-Match` expects. With `min_position` (or `X-Min-Position`), waits until the projection has applied that position (on the hot standby that answers, when `DATABASE_READ_URL` names some), e.g. the `position` a command answered.",
    params(
        ("id" = uuid::Uuid, Path, description = "The creature's id. A value that is not a UUID names nothing and gives 404."),
        ("min_position" = Option<i64>, Query, minimum = 0, description = "Read-your-writes: the global position (a command's `position`) the answer must reflect. The read waits, up to a bound, until its projection has applied it, then answers 503 (`/problems/not-yet-consistent`) with `Retry-After`. When both are given, this wins over `X-Min-Position`. A position beyond the log's head (one no command answered with) is 422 at once (`/problems/position-beyond-head`, with the head). Not a whole number >= 0 gives 400."),
        ("X-Min-Position" = Option<i64>, Header, minimum = 0, description = "The same as the `min_position` query parameter, as a header; ignored when `min_position` is given."),
    ),
    responses(
        (status = 200, description = "The creature.", body = CreatureView, headers(("X-Served-By" = String, description = "Which database answered: `primary`, or the hot standby `standby-N` (the N-th of `DATABASE_READ_URL`, from 0)."))),
        (status = 400, description = "`min_position` (or `X-Min-Position`) is not a whole number >= 0 (`/problems/bad-request`)."),
        (status = 404, description = "No such creature in the projection (also when its registration is not projected yet)."),
        (status = 422, description = "`min_position` (or `X-Min-Position`) is beyond the log's head: no command answered with it (`/problems/position-beyond-head`, with `head`, the highest committed position). Answered at once, without waiting."),
        (status = 503, description = "The projection has not applied `min_position` within the wait bound (`/problems/not-yet-consistent`); retry after `Retry-After` seconds. (A database that does not answer gives `/problems/service-unavailable` instead, without `Retry-After`.)", headers(("Retry-After" = i64, description = "Seconds to wait before retrying (always `1`; only with `/problems/not-yet-consistent`)."))),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    min_position: MinPosition,
    Path(id): Path<String>,
) -> Result<(ServedBy, Json<CreatureView>), ApiError> {
    let id = parse_id(&id, "creature")?;
    let mut read = state.read_at(min_position, &Creatures).await?;
    let creature = read
        .run(|pool| async move { creatures::get(&pool, id).await })
        .await?;
    let creature = creature.ok_or(ApiError::NotFound("creature"))?;
    Ok((read.served_by(), Json(creature)))
}
