//! Logging: one `tracing` subscriber for every service, filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber (default level `info`). Safe to call more than once.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
