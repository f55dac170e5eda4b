//! How far behind the primary a standby is, in time, without trusting either clock's idea of
//! the last commit: the primary's WAL position is sampled at each check, and a standby is as
//! far behind as the newest sample it has replayed is old. An idle primary writes no WAL, so
//! an idle standby is not behind, however long ago the last commit was.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Samples kept at most (at one check every 250 ms, some 40 minutes of them).
const KEPT: usize = 10_000;

/// The primary's WAL position at the times it was sampled, oldest first.
#[derive(Debug, Default)]
pub struct Samples(VecDeque<(Instant, i64)>);

impl Samples {
    /// Records that the primary had written WAL up to `lsn` at `at`.
    pub fn push(&mut self, at: Instant, lsn: i64) {
        self.0.push_back((at, lsn));
        while self.0.len() > KEPT {
            self.0.pop_front();
        }
    }

    /// How long ago the primary had written no more than a standby that has replayed up to
    /// `replayed` (samples older than that one are no longer needed and are dropped). Behind
    /// every sample, it is at least as far behind as the oldest one.
    pub fn lag(&mut self, replayed: i64, now: Instant) -> Duration {
        match self.0.iter().rposition(|(_, lsn)| *lsn <= replayed) {
            Some(newest) => {
                self.0.drain(..newest);
                now.saturating_duration_since(self.0[0].0)
            }
            None => self
                .0
                .front()
                .map_or(Duration::ZERO, |(at, _)| now.saturating_duration_since(*at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Samples;
    use std::time::{Duration, Instant};

    #[test]
    fn a_standby_is_as_far_behind_as_the_newest_sample_it_has_replayed_is_old() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut samples = Samples::default();
        samples.push(at(0), 100);
        samples.push(at(250), 200);
        samples.push(at(500), 300);
        // Replayed everything written by 250 ms, not what came by 500 ms.
        assert_eq!(samples.lag(250, at(600)), Duration::from_millis(350));
        // Caught up with the newest sample.
        assert_eq!(samples.lag(300, at(600)), Duration::from_millis(100));
    }

    #[test]
    fn a_standby_behind_every_sample_is_as_far_behind_as_the_oldest() {
        let start = Instant::now();
        let mut samples = Samples::default();
        samples.push(start, 100);
        samples.push(start + Duration::from_secs(1), 200);
        assert_eq!(
            samples.lag(50, start + Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn an_idle_primary_leaves_a_replayed_standby_not_behind_its_last_check() {
        let start = Instant::now();
        let mut samples = Samples::default();
        for second in 0..10 {
            samples.push(start + Duration::from_secs(second), 500);
        }
        assert_eq!(
            samples.lag(500, start + Duration::from_secs(9)),
            Duration::ZERO
        );
    }
}
