//! Medians and latency percentiles.

use std::time::Duration;

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    } else {
        sorted[middle]
    }
}

/// Latency percentiles of a sample, in milliseconds.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Percentiles {
    /// How many latencies.
    pub count: usize,
    /// 50th percentile.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `latencies`.
    pub fn of(latencies: &mut [Duration]) -> Self {
        if latencies.is_empty() {
            return Percentiles::default();
        }
        latencies.sort_unstable();
        let at = |quantile: f64| {
            let rank =
                ((quantile * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
            latencies[rank - 1].as_secs_f64() * 1000.0
        };
        Percentiles {
            count: latencies.len(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            p999_ms: at(0.999),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_nearest_rank_percentiles() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let mut latencies: Vec<Duration> = (1..=1000).map(Duration::from_millis).collect();
        let percentiles = Percentiles::of(&mut latencies);
        assert_eq!(percentiles.p50_ms, 500.0);
        assert_eq!(percentiles.p99_ms, 990.0);
        assert_eq!(percentiles.p999_ms, 999.0);
    }
}
