//! The API's Prometheus metrics, recorded into the process's registry
//! ([`crate::prometheus`]): requests by route, method and status, and their latency.
//! Projection positions and lag are read from PostgreSQL when scraped.
//!
//! Every label comes from a closed set, so no client can grow the exposition: the known
//! methods (else `other`), route templates (else `unmatched`), and the statuses the API
//! answers with (else their class, such as `4xx`).

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use projections::status::ProjectionStatus;
use std::time::Instant;

/// Requests answered, by method, route and status.
const REQUESTS: &str = "bestiary_http_requests_total";
/// Time to answer, by method and route.
const DURATION: &str = "bestiary_http_request_duration_seconds";
/// A projection gauge: its name, its help text, and how to read it from a status.
type Gauge = (&'static str, &'static str, fn(&ProjectionStatus) -> f64);
/// The projection gauges, read from PostgreSQL at each scrape.
const PROJECTION_GAUGES: [Gauge; 4] = [
    (
        "bestiary_projection_position",
        "Global position of the last event a projection applied.",
        |s| s.position as f64,
    ),
    (
        "bestiary_projection_lag_events",
        "Events a projection has not applied yet.",
        |s| s.lag as f64,
    ),
    (
        "bestiary_projection_lag_seconds",
        "Age of the oldest event a projection has not applied.",
        |s| s.lag_seconds,
    ),
    (
        "bestiary_projection_parked_streams",
        "Streams a projection holds on an event it cannot apply.",
        |s| s.parked.len() as f64,
    ),
];
/// The log's head, read with the projection gauges.
const HEAD: &str = "bestiary_event_store_head";

/// Describes the API's metrics to the registry.
pub fn describe() {
    describe_counter!(REQUESTS, "HTTP requests answered.");
    describe_histogram!(
        DURATION,
        metrics::Unit::Seconds,
        "Time to answer HTTP requests."
    );
    for (name, help, _) in PROJECTION_GAUGES {
        describe_gauge!(name, help);
    }
    describe_gauge!(HEAD, "Highest global position in the event store.");
}

/// Sets the projection gauges and the log's head from the projections' states (read from
/// PostgreSQL at each scrape, so every replica reports the same).
pub fn observe_projections(projections: &[ProjectionStatus]) {
    for status in projections {
        for (name, _, value) in PROJECTION_GAUGES {
            gauge!(name, "projection" => status.name.clone()).set(value(status));
        }
    }
    if let Some(head) = projections.first().map(|status| status.head) {
        gauge!(HEAD).set(head as f64);
    }
}

/// Records each request under its method, route template and status labels.
pub async fn record(request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = status_label(response.status());
    counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    histogram!(DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The method's label: a standard method's name, else `other`.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("other", Method::as_str)
}

/// The status's label: a status the API answers with, else its class (`1xx` … `5xx`).
fn status_label(status: StatusCode) -> &'static str {
    const KNOWN: [&str; 22] = [
        "200", "201", "202", "204", "304", "400", "401", "403", "404", "405", "406", "408", "409",
        "412", "413", "415", "422", "428", "429", "500", "502", "503",
    ];
    KNOWN
        .iter()
        .copied()
        .find(|known| *known == status.as_str())
        .unwrap_or(match status.as_u16() / 100 {
            1 => "1xx",
            2 => "2xx",
            3 => "3xx",
            4 => "4xx",
            _ => "5xx",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_and_statuses_fall_into_closed_labels() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let made_up = Method::from_bytes(b"FROBNICATE").unwrap();
        assert_eq!(method_label(&made_up), "other");
        assert_eq!(status_label(StatusCode::UNPROCESSABLE_ENTITY), "422");
        assert_eq!(status_label(StatusCode::IM_A_TEAPOT), "4xx");
        assert_eq!(status_label(StatusCode::from_u16(599).unwrap()), "5xx");
    }
}
