//! The worker's own commits, told to its projectors. A projection reads only events below
//! the oldest transaction still open, so a batch of another projection (or a job) in flight
//! holds it back; those commits publish nothing on Redis, so a held-back projector waits for
//! this signal instead of a fixed delay.

use tokio::sync::watch;

/// A signal raised each time one of this worker's tasks commits a transaction that wrote.
#[derive(Clone, Debug, Default)]
pub struct Committed {
    signal: watch::Sender<()>,
}

impl Committed {
    /// Tells every subscriber that a transaction committed.
    pub fn raise(&self) {
        // `send_modify` marks the value changed for every receiver, whatever it holds.
        self.signal.send_modify(|()| {});
    }

    /// A receiver that changes at each commit raised after this call.
    pub fn subscribe(&self) -> watch::Receiver<()> {
        self.signal.subscribe()
    }
}
