//! Prometheus metrics of the API: requests by route, method and status, and their latency.
//! Projection positions and lag are read from PostgreSQL when scraped.

use axum::extract::{MatchedPath, Request};
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
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → latency.
    latency: BTreeMap<(String, String), Histogram>,
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
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut registry) = self.0.lock() else {
            return;
        };
        *registry
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = registry
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
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
                "bestiary_projection_failed",
                "1 when a projection is stopped on an event it cannot apply.",
                |s| f64::from(u8::from(s.state == "failed")),
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

/// Records each request with its route template (not the raw path, to bound cardinality).
pub async fn record(metrics: Metrics, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
