//! Prometheus metrics of the API: requests by route, method and status, and their latency.
//! Projection positions and lag are read from PostgreSQL when scraped.
//!
//! Every label comes from a closed set, so no client can grow the exposition: the known
//! methods (else `other`), route templates (else `unmatched`), and the statuses the API
//! answers with (else their class, such as `4xx`).

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use projections::status::ProjectionStatus;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A projection gauge: its name, its help text, and how to read it from a status.
type Gauge = (&'static str, &'static str, fn(&ProjectionStatus) -> f64);

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Registry {
    /// (method, route, status) → requests.
    requests: BTreeMap<(&'static str, String, &'static str), u64>,
    /// (method, route) → latency.
    latency: BTreeMap<(&'static str, String), Histogram>,
}

/// The API's request metrics.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<Registry>>);

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    fn record(&self, method: &'static str, route: String, status: &'static str, seconds: f64) {
        let Ok(mut registry) = self.0.lock() else {
            return;
        };
        *registry
            .requests
            .entry((method, route.clone(), status))
            .or_default() += 1;
        let histogram = registry.latency.entry((method, route)).or_default();
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The Prometheus text exposition of the requests and the given projection states.
    pub fn render(&self, projections: &[ProjectionStatus]) -> String {
        let mut out = String::new();
        if let Ok(registry) = self.0.lock() {
            out.push_str("# HELP bestiary_http_requests_total HTTP requests answered.\n");
            out.push_str("# TYPE bestiary_http_requests_total counter\n");
            for ((method, route, status), count) in &registry.requests {
                let _ = writeln!(
                    out,
                    "bestiary_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
            out.push_str(
                "# HELP bestiary_http_request_duration_seconds Time to answer HTTP requests.\n",
            );
            out.push_str("# TYPE bestiary_http_request_duration_seconds histogram\n");
            for ((method, route), histogram) in &registry.latency {
                let labels = format!("method=\"{method}\",route=\"{route}\"");
                for (bound, count) in BUCKETS.iter().zip(histogram.counts) {
                    let _ = writeln!(
                        out,
                        "bestiary_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                    );
                }
                let _ = writeln!(
                    out,
                    "bestiary_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                    histogram.count
                );
                let _ = writeln!(
                    out,
                    "bestiary_http_request_duration_seconds_sum{{{labels}}} {}",
                    histogram.sum
                );
                let _ = writeln!(
                    out,
                    "bestiary_http_request_duration_seconds_count{{{labels}}} {}",
                    histogram.count
                );
            }
        }
        let gauges: [Gauge; 4] = [
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
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for status in projections {
                let _ = writeln!(
                    out,
                    "{name}{{projection=\"{}\"}} {}",
                    status.name,
                    value(status)
                );
            }
        }
        if let Some(head) = projections.first().map(|status| status.head) {
            let _ = writeln!(
                out,
                "# HELP bestiary_event_store_head Highest global position in the event store."
            );
            let _ = writeln!(
                out,
                "# TYPE bestiary_event_store_head gauge\nbestiary_event_store_head {head}"
            );
        }
        out
    }
}

/// Records each request under its method, route template and status labels.
pub async fn record(metrics: Metrics, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.record(
        method,
        route,
        status_label(response.status()),
        started.elapsed().as_secs_f64(),
    );
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
