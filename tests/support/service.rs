//! A service a test started (an API, a worker, a whole system): it runs until the test lets
//! it go, then drains as it would on a shutdown signal, instead of running on forever.

use std::fmt::Debug;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running service; dropping it asks it to stop, [`Service::stop`] also waits until it has.
pub struct Service {
    name: &'static str,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<String>>,
}

impl Service {
    /// Spawns `run`, handing it the future that completes when the service is to stop.
    pub fn spawn<Run, Ran, Error>(name: &'static str, run: Run) -> Service
    where
        Run: FnOnce(Stopped) -> Ran,
        Ran: Future<Output = Result<(), Error>> + Send + 'static,
        Error: Debug,
    {
        let (stop, stopped) = oneshot::channel();
        let ran = run(Stopped(stopped));
        let task = tokio::spawn(async move {
            match ran.await {
                Ok(()) => String::new(),
                Err(error) => format!("{error:?}"),
            }
        });
        Service {
            name,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Asks the service to stop and waits until it has drained; it must stop cleanly.
    pub async fn stop(mut self) {
        drop(self.stop.take());
        let task = self.task.take().expect("a running service");
        let failure = task.await.expect("the service does not panic");
        assert!(failure.is_empty(), "{} stopped with {failure}", self.name);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Its shutdown future completes: it stops taking work and drains.
        drop(self.stop.take());
    }
}

/// Completes when the service's [`Service`] is stopped or dropped.
pub struct Stopped(oneshot::Receiver<()>);

impl Stopped {
    /// The shutdown future a service's `run` takes.
    pub async fn wait(self) {
        let _ = self.0.await;
    }
}
