//! What operators look at: Prometheus metrics.

use crate::http::problem::ApiError;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `GET /metrics`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "getMetrics",
    tag = "health",
    summary = "Prometheus metrics",
    description = "Prometheus text exposition (format 0.0.4), no authentication. Metrics:\n\n- `bestiary_http_requests_total` (counter; labels `method`, `route`, `status`): HTTP requests answered. `route` is the route template (e.g. `/creatures/{id}`), or `unmatched`.\n- `bestiary_http_request_duration_seconds` (histogram; labels `method`, `route`; buckets 0.005 to 10 s): time to answer HTTP requests (`_bucket`, `_sum`, `_count`).\n- `bestiary_projection_position` (gauge; label `projection`): global position of the last event a projection applied.\n- `bestiary_projection_lag_events` (gauge; label `projection`): events a projection has not applied yet.\n- `bestiary_projection_lag_seconds` (gauge; label `projection`): age of the oldest event a projection has not applied.\n- `bestiary_projection_failed` (gauge; label `projection`): 1 when a projection is stopped on an event it cannot apply, else 0.\n- `bestiary_event_store_head` (gauge): highest global position in the event store (only when there is a projection).\n\nRequest metrics are counted per API instance since it started; projection gauges are read from PostgreSQL when scraped.",
    responses(
        (status = 200, description = "The metrics, as `text/plain; version=0.0.4`.", body = String, content_type = "text/plain"),
    )
)]
async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let statuses = projections::status::statuses(&state.pool)
        .await
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    crate::http::metrics::observe_projections(&statuses);
    Ok((
        [(header::CONTENT_TYPE, crate::prometheus::CONTENT_TYPE)],
        crate::prometheus::render(),
    ))
}
