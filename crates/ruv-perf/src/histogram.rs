//! [`Histogram`]: Node's `perf_hooks` histogram (an HdrHistogram), with Node's statistics.
//!
//! The buckets are HdrHistogram's (the `hdrhistogram` crate; Node links the C HdrHistogram),
//! laid out as Node lays out the event-loop-delay histogram: lowest discernible value
//! 1000 ns, highest `i64::MAX`, 3 significant figures (values are kept to within 0.1%). The
//! statistics are computed as Node's (hdr_histogram.c) computes them, so the same values
//! give the same `min`, `max`, `mean`, `stddev`, `percentile` and `percentiles` as a Node
//! histogram `createHistogram({ lowest: 1000, highest: 2n ** 63n - 1n, figures: 3 })`:
//!
//! ```
//! use ruv_perf::Histogram;
//! let mut h = Histogram::new();
//! assert_eq!(h.min(), i64::MAX as u64); // empty, as Node: min is 2^63 - 1, mean NaN
//! assert!(h.mean().is_nan());
//! for v in [1, 1000, 999_999, 12_345_678] {
//!     h.record(v);
//! }
//! assert_eq!((h.count(), h.max(), h.percentile(50.0)?), (4, 12_353_535, 1023));
//! assert_eq!(h.mean(), 3_337_664.0);
//! assert_eq!(h.percentiles()[1], (50.0, 512));
//! # Ok::<(), ruv_core::Error>(())
//! ```

use ruv_core::{Error, Result};

/// Node's event-loop-delay histogram bounds: `Histogram::Options { 1000 }` in node_perf.cc.
const LOWEST: u64 = 1000;
const HIGHEST: u64 = i64::MAX as u64;
const FIGURES: u8 = 3;

/// A histogram of `u64` values (ns, for the delay monitor) with Node's statistics.
///
/// `Clone` copies the buckets (about 360 KiB: the range is 1 µs to 2^63 ns, as Node's).
#[derive(Clone)]
pub struct Histogram {
    h: hdrhistogram::Histogram<u64>,
    exceeds: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram with Node's event-loop-delay bounds.
    pub fn new() -> Histogram {
        let h = hdrhistogram::Histogram::new_with_bounds(LOWEST, HIGHEST, FIGURES)
            .expect("constant bounds are valid");
        Histogram { h, exceeds: 0 }
    }

    /// Records one value. Returns `false` (and counts it in [`exceeds`](Histogram::exceeds))
    /// if it is above the highest trackable value.
    pub fn record(&mut self, value: u64) -> bool {
        if self.h.record(value).is_ok() {
            true
        } else {
            self.exceeds += 1;
            false
        }
    }

    /// Forgets every value (Node's `reset()`).
    pub fn reset(&mut self) {
        self.h.reset();
        self.exceeds = 0;
    }

    /// The HdrHistogram underneath, for exporters: ruv-metrics's `Snapshot::histogram_ns`
    /// renders it as a Prometheus histogram.
    pub fn hdr(&self) -> &hdrhistogram::Histogram<u64> {
        &self.h
    }

    /// How many values were recorded (Node's `count`).
    pub fn count(&self) -> u64 {
        self.h.len()
    }

    /// How many values were above the highest trackable value (Node's `exceeds`).
    pub fn exceeds(&self) -> u64 {
        self.exceeds
    }

    /// The smallest value (the low end of its bucket); `i64::MAX` when empty, as Node.
    pub fn min(&self) -> u64 {
        if self.h.is_empty() {
            return HIGHEST;
        }
        self.h.min()
    }

    /// The largest value (the high end of its bucket); 0 when empty.
    pub fn max(&self) -> u64 {
        if self.h.is_empty() {
            return 0;
        }
        self.h.max()
    }

    /// The mean (over each bucket's middle value, as Node); NaN when empty.
    pub fn mean(&self) -> f64 {
        let total: u128 = self
            .h
            .iter_recorded()
            .map(|v| {
                v.count_at_value() as u128 * self.h.median_equivalent(v.value_iterated_to()) as u128
            })
            .sum();
        total as f64 / self.count() as f64
    }

    /// The standard deviation (population, over each bucket's middle value); NaN when empty.
    pub fn stddev(&self) -> f64 {
        let mean = self.mean();
        let dev: f64 = self
            .h
            .iter_recorded()
            .map(|v| {
                let d = self.h.median_equivalent(v.value_iterated_to()) as f64 - mean;
                d * d * v.count_at_value() as f64
            })
            .sum();
        (dev / self.count() as f64).sqrt()
    }

    /// The value at percentile `p` (the high end of its bucket), as Node's `percentile(p)`.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `0 < p <= 100` (Node's message).
    pub fn percentile(&self, p: f64) -> Result<u64> {
        if !(p > 0.0 && p <= 100.0) {
            return Err(Error::new(ruv_core::Code::ERR_OUT_OF_RANGE).with_detail(format!(
                "The value of \"percentile\" is out of range. It must be > 0 && <= 100. Received {p}"
            )));
        }
        // hdr_value_at_percentile: the first bucket whose running count reaches
        // round(p% of the count), at least 1
        let want = ((p / 100.0 * self.count() as f64 + 0.5) as u64).max(1);
        let mut seen = 0;
        for v in self.h.iter_recorded() {
            seen += v.count_at_value();
            if seen >= want {
                return Ok(self.h.highest_equivalent(v.value_iterated_to()));
            }
        }
        Ok(self.h.highest_equivalent(0))
    }

    /// Node's `percentiles` map as `(percentile, value)` pairs in ascending order: HdrHistogram's
    /// percentile iteration with one tick per half distance (0, 50, 75, 87.5, … then 100),
    /// each value the low end of its bucket. `[(100.0, 0)]` when empty.
    pub fn percentiles(&self) -> Vec<(f64, u64)> {
        let total = self.count();
        let mut out = Vec::new();
        if total == 0 {
            out.push((100.0, 0));
            return out;
        }
        let mut to = 0.0_f64;
        let mut seen = 0;
        for v in self.h.iter_recorded() {
            seen += v.count_at_value();
            let low = self.h.lowest_equivalent(v.value_iterated_to());
            while to <= 100.0 * seen as f64 / total as f64 {
                out.push((to, low));
                if seen >= total {
                    out.push((100.0, low));
                    return out;
                }
                // the next tick halves the distance left to 100
                let halvings = ((100.0 / (100.0 - to)).ln() / 2f64.ln()) as i32 + 1;
                to += 100.0 / 2f64.powi(halvings);
            }
        }
        out
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count())
            .field("min", &self.min())
            .field("max", &self.max())
            .field("mean", &self.mean())
            .field("stddev", &self.stddev())
            .field("exceeds", &self.exceeds())
            .finish()
    }
}
