//! The process's one Prometheus registry: the `metrics` recorder, installed once per process
//! (the API, the worker and, in `bestiary all`, both record into it), and the exposition of
//! it. The API serves it at `GET /metrics`; a worker with `WORKER_METRICS_ADDR` serves it
//! there too ([`serve`]), since a scaled worker has no API beside it.

use axum::Router;
use axum::http::header;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;

/// The content type of the text exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

/// Upper bounds of the buckets of every `…_seconds` histogram.
const SECONDS_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds of the buckets of the worker's batch sizes (events per batch).
const BATCH_BUCKETS: [f64; 9] = [
    1.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0, 50000.0,
];

/// How often histograms are drained into their buckets between scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// The registry, installed as the global recorder at the first call.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(worker::metrics::BATCH_EVENTS.into()),
                    &BATCH_BUCKETS,
                )
            })
            .expect("the bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder)
            .expect("no other metrics recorder is installed in this process");
        crate::http::metrics::describe();
        crate::standbys::describe();
        worker::metrics::describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                }
            })
            .expect("the upkeep thread starts");
        handle
    })
}

/// The registry's text exposition.
pub fn render() -> String {
    handle().render()
}

/// With an address (`WORKER_METRICS_ADDR`), listens there and serves the exposition in a task
/// of its own for the rest of the process.
pub async fn spawn(address: Option<SocketAddr>) -> anyhow::Result<()> {
    let Some(address) = address else {
        return Ok(());
    };
    // Installed now, before the worker records anything, not when the task first runs.
    handle();
    let listener = TcpListener::bind(address)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {address} ({error})"))?;
    tokio::spawn(async move {
        if let Err(error) = serve(listener, std::future::pending()).await {
            tracing::error!(%error, "the worker's metrics endpoint stopped");
        }
    });
    Ok(())
}

/// Serves the exposition at `GET /metrics` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    handle();
    let router = Router::new().route(
        "/metrics",
        get(|| async { ([(header::CONTENT_TYPE, CONTENT_TYPE)], render()) }),
    );
    tracing::info!(address = %listener.local_addr()?, "worker metrics listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
