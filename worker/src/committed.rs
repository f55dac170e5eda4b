//! The worker's own commits, told to its projectors. A projection reads only events below
//! the oldest transaction still open, so a batch of another projection (or a job) in flight
//! holds it back; those commits publish nothing on Redis, so a held-back projector waits for
//! this signal instead of a fixed delay.

use std::sync::Arc;
use tokio::sync::watch;

/// A signal raised each time one of this worker's tasks commits a transaction that wrote.
#[derive(Clone, Debug)]
pub struct Committed {
    count: Arc<watch::Sender<u64>>,
}

impl Default for Committed {
    fn default() -> Self {
        Self {
            count: Arc::new(watch::channel(0).0),
        }
    }
}

impl Committed {
    /// Tells every subscriber that a transaction committed.
    pub fn raise(&self) {
        self.count
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// A receiver that changes at each commit raised after this call.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.count.subscribe()
    }
}
