//! A circuit breaker for calls to a server that may hang: after a number of failed calls in a
//! row it opens, and calls are refused at once for a cool-down; then one call probes the server
//! (half-open), and its outcome closes the circuit or opens it again.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Calls go through; `failures` in a row so far.
    Closed { failures: u32 },
    /// Calls are refused until `until`.
    Open { until: Instant },
    /// One call is probing; the others are refused until it ends.
    Probing,
}

impl Phase {
    /// Whether a call may go at `now`: `Some(true)` if it is the probe.
    fn allow(&mut self, now: Instant) -> Option<bool> {
        match *self {
            Phase::Closed { .. } => Some(false),
            Phase::Open { until } if now >= until => {
                *self = Phase::Probing;
                Some(true)
            }
            Phase::Open { .. } | Phase::Probing => None,
        }
    }

    /// Records a call's outcome: any success closes the circuit; the `failures_to_open`th
    /// failure in a row, or a failed probe, opens it until `reopen_until`.
    fn record(&mut self, probe: bool, success: bool, failures_to_open: u32, reopen_until: Instant) {
        *self = match *self {
            _ if success => Phase::Closed { failures: 0 },
            Phase::Closed { failures } if failures + 1 < failures_to_open => Phase::Closed {
                failures: failures + 1,
            },
            Phase::Closed { .. } => Phase::Open {
                until: reopen_until,
            },
            Phase::Probing if probe => Phase::Open {
                until: reopen_until,
            },
            // A call from before the circuit opened failed late: the probe decides.
            phase => phase,
        };
    }
}

/// The circuit guarding one server.
#[derive(Debug)]
pub(super) struct Circuit {
    failures_to_open: u32,
    cool_down: Duration,
    phase: Mutex<Phase>,
}

/// Leave to make one call; report its outcome with [`Attempt::succeeded`] or
/// [`Attempt::failed`]. A probe dropped without an outcome counts as failed.
pub(super) struct Attempt<'a> {
    circuit: &'a Circuit,
    probe: bool,
    outcome: Option<bool>,
}

impl Circuit {
    /// A closed circuit that opens after `failures_to_open` failures in a row, for `cool_down`.
    pub(super) fn new(failures_to_open: u32, cool_down: Duration) -> Self {
        Self {
            failures_to_open: failures_to_open.max(1),
            cool_down,
            phase: Mutex::new(Phase::Closed { failures: 0 }),
        }
    }

    /// Leave to call now, or `None` while the circuit is open.
    pub(super) fn attempt(&self) -> Option<Attempt<'_>> {
        let probe = self.phase().allow(Instant::now())?;
        Some(Attempt {
            circuit: self,
            probe,
            outcome: None,
        })
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn settle(&self, probe: bool, success: bool) {
        let mut phase = self.phase();
        let was_closed = matches!(*phase, Phase::Closed { .. });
        phase.record(
            probe,
            success,
            self.failures_to_open,
            Instant::now() + self.cool_down,
        );
        match (was_closed, matches!(*phase, Phase::Closed { .. })) {
            (true, false) => tracing::warn!(
                cool_down_ms = self.cool_down.as_millis() as u64,
                "Redis is failing: skipping it for a while"
            ),
            (false, true) => tracing::info!("Redis answers again"),
            _ => {}
        }
    }
}

impl Attempt<'_> {
    /// The call succeeded.
    pub(super) fn succeeded(mut self) {
        self.outcome = Some(true);
    }

    /// The call failed or timed out.
    pub(super) fn failed(mut self) {
        self.outcome = Some(false);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        // A call abandoned by its caller says nothing about the server, unless it was the
        // probe: then the circuit must not stay half-open for ever.
        match self.outcome {
            Some(success) => self.circuit.settle(self.probe, success),
            None if self.probe => self.circuit.settle(true, false),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL_DOWN: Duration = Duration::from_secs(2);

    fn fail(phase: &mut Phase, now: Instant) {
        let probe = phase.allow(now).expect("the call goes");
        phase.record(probe, false, 3, now + COOL_DOWN);
    }

    #[test]
    fn repeated_failures_open_it_for_the_cool_down_then_one_probe_may_close_it() {
        let start = Instant::now();
        let mut phase = Phase::Closed { failures: 0 };
        for _ in 0..3 {
            fail(&mut phase, start);
        }
        assert_eq!(phase.allow(start), None, "open: refused at once");
        assert_eq!(phase.allow(start + COOL_DOWN / 2), None);
        let later = start + COOL_DOWN;
        assert_eq!(phase.allow(later), Some(true), "one probe");
        assert_eq!(phase.allow(later), None, "only one");
        phase.record(true, true, 3, later + COOL_DOWN);
        assert_eq!(phase, Phase::Closed { failures: 0 });
        assert_eq!(phase.allow(later), Some(false));
    }

    #[test]
    fn a_failed_probe_opens_it_again_and_a_success_resets_the_count() {
        let start = Instant::now();
        let mut phase = Phase::Closed { failures: 0 };
        fail(&mut phase, start);
        fail(&mut phase, start);
        phase.record(false, true, 3, start + COOL_DOWN);
        fail(&mut phase, start);
        fail(&mut phase, start);
        assert_eq!(
            phase.allow(start),
            Some(false),
            "two in a row keep it closed"
        );
        fail(&mut phase, start);
        let later = start + COOL_DOWN;
        fail(&mut phase, later);
        assert_eq!(
            phase,
            Phase::Open {
                until: later + COOL_DOWN
            }
        );
    }

    #[test]
    fn a_late_failure_of_a_call_from_before_it_opened_leaves_the_probe_to_decide() {
        let start = Instant::now();
        let mut phase = Phase::Probing;
        phase.record(false, false, 3, start + COOL_DOWN);
        assert_eq!(phase, Phase::Probing);
    }
}
