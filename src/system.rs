//! Every service of Bestiary in one process (`bestiary all`, and the browser tests): built
//! apart, each on its own listener, then run together until one shutdown signal, which each
//! drains before [`System::run`] returns.

use crate::api::Api;
use crate::web::WebServer;
use ai_service::AiService;
use worker::Worker;

/// The four services, built and listening.
pub struct System {
    /// The API.
    pub api: Api,
    /// The worker (projections, avatar jobs, rebuilds).
    pub worker: Worker,
    /// The avatar service.
    pub ai: AiService,
    /// The web server with the SPA.
    pub web: WebServer,
}

impl System {
    /// Runs every service until `shutdown` completes, then waits for each to drain; the first
    /// error of any of them.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let when_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let api = tokio::spawn(self.api.run(when_stopped(stopped.clone())));
        let ai = tokio::spawn(self.ai.run(when_stopped(stopped.clone())));
        let web = tokio::spawn(self.web.run(when_stopped(stopped.clone())));
        let worker = tokio::spawn(self.worker.run(when_stopped(stopped)));
        shutdown.await;
        let _ = stop.send(true);
        api.await??;
        worker.await??;
        ai.await??;
        web.await??;
        Ok(())
    }
}
