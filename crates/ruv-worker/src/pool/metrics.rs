//! What a [`WorkerPool`](crate::WorkerPool) counts: queue depth, outcomes, wait and run times.

use std::time::Duration;

/// The number of buckets of [`PoolMetrics::wait_histogram`].
pub const WAIT_BUCKETS: usize = 24;

/// A snapshot of a pool's counters (all since the pool was made).
///
/// The counts add up: `submitted == queued + running + completed + failed + cancelled`.
/// Times are measured with `Instant`: a task's *wait* runs from `run` to its hand-off to a
/// worker, its *run* time is measured on the worker, from the handler's start to the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMetrics {
    /// Workers in the pool (live or starting; a worker being replaced counts once).
    pub threads: usize,
    /// Tasks waiting for a worker now (the queue depth).
    pub queued: usize,
    /// Tasks a worker is running now.
    pub running: usize,
    /// Tasks `run` accepted.
    pub submitted: u64,
    /// Tasks `run` rejected because the queue was full (not in `submitted`).
    pub rejected: u64,
    /// Tasks whose handler answered `Ok`.
    pub completed: u64,
    /// Tasks that ended in an error: the handler panicked or returned an error, or its
    /// worker died.
    pub failed: u64,
    /// Tasks cancelled (`cancel`, `abort`, or `close` while they were queued).
    pub cancelled: u64,
    /// Workers started to replace one that died or was aborted.
    pub workers_replaced: u64,
    /// Mean time a task waited for a worker (over the tasks that started).
    pub wait_mean: Duration,
    /// Longest time a task waited for a worker.
    pub wait_max: Duration,
    /// Mean run time on a worker (over the tasks that answered).
    pub run_mean: Duration,
    /// Longest run time on a worker.
    pub run_max: Duration,
    /// Waits by power of two of microseconds: bucket 0 counts waits under 1 µs, bucket `k`
    /// waits in `[2^(k-1), 2^k)` µs, the last one everything longer.
    pub wait_histogram: [u64; WAIT_BUCKETS],
}

impl PoolMetrics {
    /// An upper bound of the `q`-quantile of the waits (`q` in `0.0..=1.0`), from the
    /// histogram: the top of the bucket it falls in (`None` before any task started).
    ///
    /// ```
    /// # let mut m = ruv_worker::pool::PoolMetrics::empty(1);
    /// m.wait_histogram[3] = 10; // ten waits of 4 to 8 µs
    /// assert_eq!(m.wait_quantile(0.99), Some(std::time::Duration::from_micros(8)));
    /// ```
    pub fn wait_quantile(&self, q: f64) -> Option<Duration> {
        let total: u64 = self.wait_histogram.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (k, &n) in self.wait_histogram.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(bucket_top(k).unwrap_or(self.wait_max));
            }
        }
        Some(self.wait_max)
    }

    /// All zeros, for a pool of `threads` workers.
    pub fn empty(threads: usize) -> PoolMetrics {
        PoolMetrics {
            threads,
            queued: 0,
            running: 0,
            submitted: 0,
            rejected: 0,
            completed: 0,
            failed: 0,
            cancelled: 0,
            workers_replaced: 0,
            wait_mean: Duration::ZERO,
            wait_max: Duration::ZERO,
            run_mean: Duration::ZERO,
            run_max: Duration::ZERO,
            wait_histogram: [0; WAIT_BUCKETS],
        }
    }
}

/// The top of histogram bucket `k` (`None` for the last, open one).
fn bucket_top(k: usize) -> Option<Duration> {
    (k + 1 < WAIT_BUCKETS).then(|| Duration::from_micros(1u64 << k))
}

fn bucket_of(d: Duration) -> usize {
    let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    // 0 µs → 0; [2^(k-1), 2^k) → k
    let k = (u64::BITS - us.leading_zeros()) as usize;
    k.min(WAIT_BUCKETS - 1)
}

/// The running counters behind [`PoolMetrics`].
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) submitted: u64,
    pub(crate) rejected: u64,
    pub(crate) completed: u64,
    pub(crate) failed: u64,
    pub(crate) cancelled: u64,
    pub(crate) replaced: u64,
    started: u64,
    wait_sum: Duration,
    wait_max: Duration,
    answered: u64,
    run_sum: Duration,
    run_max: Duration,
    histogram: [u64; WAIT_BUCKETS],
}

impl Stats {
    /// A task was handed to a worker after waiting `wait`.
    pub(crate) fn started(&mut self, wait: Duration) {
        self.started += 1;
        self.wait_sum += wait;
        self.wait_max = self.wait_max.max(wait);
        self.histogram[bucket_of(wait)] += 1;
    }

    /// A worker answered a task after running it for `run`.
    pub(crate) fn answered(&mut self, run: Duration, ok: bool) {
        self.answered += 1;
        self.run_sum += run;
        self.run_max = self.run_max.max(run);
        if ok {
            self.completed += 1;
        } else {
            self.failed += 1;
        }
    }

    pub(crate) fn snapshot(&self, threads: usize, queued: usize, running: usize) -> PoolMetrics {
        let mean = |sum: Duration, n: u64| {
            if n == 0 {
                Duration::ZERO
            } else {
                Duration::from_nanos(u64::try_from(sum.as_nanos() / u128::from(n)).unwrap_or(0))
            }
        };
        PoolMetrics {
            threads,
            queued,
            running,
            submitted: self.submitted,
            rejected: self.rejected,
            completed: self.completed,
            failed: self.failed,
            cancelled: self.cancelled,
            workers_replaced: self.replaced,
            wait_mean: mean(self.wait_sum, self.started),
            wait_max: self.wait_max,
            run_mean: mean(self.run_sum, self.answered),
            run_max: self.run_max,
            wait_histogram: self.histogram,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_fall_in_power_of_two_buckets() {
        assert_eq!(bucket_of(Duration::ZERO), 0);
        assert_eq!(bucket_of(Duration::from_nanos(999)), 0);
        assert_eq!(bucket_of(Duration::from_micros(1)), 1);
        assert_eq!(bucket_of(Duration::from_micros(3)), 2);
        assert_eq!(bucket_of(Duration::from_micros(4)), 3);
        assert_eq!(bucket_of(Duration::from_secs(3600)), WAIT_BUCKETS - 1);
    }

    #[test]
    fn means_are_over_the_tasks_measured() {
        let mut s = Stats::default();
        s.started(Duration::from_micros(10));
        s.started(Duration::from_micros(30));
        s.answered(Duration::from_millis(2), true);
        let m = s.snapshot(2, 0, 1);
        assert_eq!(m.wait_mean, Duration::from_micros(20));
        assert_eq!(m.wait_max, Duration::from_micros(30));
        assert_eq!(m.run_mean, Duration::from_millis(2));
        assert_eq!(m.completed, 1);
        assert_eq!(m.wait_quantile(0.5), Some(Duration::from_micros(16)));
        assert_eq!(m.wait_quantile(1.0), Some(Duration::from_micros(32)));
    }
}
