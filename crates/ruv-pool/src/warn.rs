//! The queue-wait warning: its configuration ([`WaitWarning`]), what a warning says
//! ([`QueueWaitWarning`]), and the per-class rate limit that decides when one is due.
//!
//! A worker compares each job's queue wait with its class's threshold (one relaxed atomic load
//! and a compare per job). Only a job at or over the threshold ("late") takes the class's statistics
//! lock to book itself, and a warning is delivered when none was for that class within the
//! interval; it carries how many late jobs it stands for, so nothing is lost by the limit.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::WorkClass;

/// At most one warning per class per this interval, unless [`WaitWarning::interval`] says
/// otherwise.
pub const DEFAULT_WARNING_INTERVAL: Duration = Duration::from_secs(1);

type Callback = Arc<dyn Fn(&QueueWaitWarning) + Send + Sync>;

/// When a pool warns that jobs waited too long in its queue, and whom it tells.
///
/// Set on a pool with [`Pool::set_wait_warning`](crate::Pool::set_wait_warning). A job whose
/// queue wait (submit to start) is at least its class's threshold is *late*. The first late
/// job of a class produces a [`QueueWaitWarning`] at once; after that, at most one per class
/// per [`interval`](WaitWarning::interval), each counting the late jobs since the previous one.
/// Every late job is counted ([`ClassObservation::late_jobs`](crate::ClassObservation)),
/// warned about or not.
///
/// The warning goes to the callback of [`on_warning`](WaitWarning::on_warning), and, with the
/// crate's `tracing` feature, also as a `tracing` event at level WARN (target `ruv_pool`). The
/// library never prints it.
///
/// ```
/// use ruv_pool::{Pool, PoolConfig, WaitWarning, WorkClass};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// let pool = Pool::new(PoolConfig::new(1))?;
/// let (tx, warnings) = mpsc::channel();
/// let tx = std::sync::Mutex::new(tx);
/// pool.set_wait_warning(Some(
///     WaitWarning::new(Duration::from_millis(50))
///         .threshold(WorkClass::SlowIo, Some(Duration::from_millis(500)))
///         .on_warning(move |w| tx.lock().unwrap().send(w.to_string()).unwrap()),
/// ));
/// # drop(warnings);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct WaitWarning {
    thresholds: [Option<Duration>; 3],
    interval: Duration,
    callback: Option<Callback>,
}

impl fmt::Debug for WaitWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitWarning")
            .field("thresholds", &self.thresholds)
            .field("interval", &self.interval)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}

impl WaitWarning {
    /// Warns about jobs of every class that waited `threshold` or longer, at most once per
    /// class per [`DEFAULT_WARNING_INTERVAL`], to nobody yet (see
    /// [`on_warning`](Self::on_warning)). A threshold of zero makes every job late.
    pub fn new(threshold: Duration) -> WaitWarning {
        WaitWarning {
            thresholds: [Some(threshold); 3],
            interval: DEFAULT_WARNING_INTERVAL,
            callback: None,
        }
    }

    /// Sets one class's threshold; `None` turns its warnings (and its late count) off.
    pub fn threshold(mut self, class: WorkClass, threshold: Option<Duration>) -> WaitWarning {
        self.thresholds[class.index()] = threshold;
        self
    }

    /// Sets the least time between two warnings of one class. Zero warns about every late job.
    pub fn interval(mut self, interval: Duration) -> WaitWarning {
        self.interval = interval;
        self
    }

    /// Calls `callback` with each warning, on the worker thread that is about to start the
    /// late job, outside every pool lock (so it may use the pool). Keep it short — hand the
    /// warning to a channel or a logger: the job waits for it. A panic in it is caught and
    /// dropped.
    pub fn on_warning(
        mut self,
        callback: impl Fn(&QueueWaitWarning) + Send + Sync + 'static,
    ) -> WaitWarning {
        self.callback = Some(Arc::new(callback));
        self
    }

    /// The threshold of `class`, `None` when it has none.
    pub fn threshold_of(&self, class: WorkClass) -> Option<Duration> {
        self.thresholds[class.index()]
    }

    /// The least time between two warnings of one class.
    pub fn interval_of(&self) -> Duration {
        self.interval
    }

    /// The thresholds in ns as the workers compare them (`u64::MAX`: off).
    pub(crate) fn threshold_ns(&self) -> [u64; 3] {
        self.thresholds
            .map(|t| t.map_or(u64::MAX, |d| nanos(d).min(u64::MAX - 1)))
    }

    /// Hands `warning` to the callback and, with the `tracing` feature, to `tracing`.
    pub(crate) fn deliver(&self, warning: &QueueWaitWarning) {
        #[cfg(feature = "tracing")]
        tracing::warn!(
            target: "ruv_pool",
            class = warning.class.as_str(),
            wait_ns = nanos(warning.wait),
            threshold_ns = nanos(warning.threshold),
            late_jobs = warning.late_jobs,
            "{warning}"
        );
        if let Some(callback) = &self.callback {
            let outcome = catch_unwind(AssertUnwindSafe(|| callback(warning)));
            if let Err(payload) = outcome {
                // Dropping a panic payload can itself panic; the worker must survive it.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            }
        }
    }
}

/// A class's queue wait passed its threshold, from [`WaitWarning`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueWaitWarning {
    /// The class whose job was late.
    pub class: WorkClass,
    /// How long the job that triggered this warning waited (submit to start).
    pub wait: Duration,
    /// The class's threshold.
    pub threshold: Duration,
    /// Late jobs of this class since its previous warning, this one included (so
    /// `late_jobs - 1` were not warned about on their own).
    pub late_jobs: u64,
    /// The longest wait among those `late_jobs`.
    pub max_wait: Duration,
    /// Jobs of each class waiting when the warning was made (index: [`WorkClass::index`]).
    pub queued: [usize; 3],
    /// Jobs of each class running then, the late job included: what held the workers.
    pub running: [usize; 3],
    /// The pool's worker threads.
    pub threads: usize,
}

impl fmt::Display for QueueWaitWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ruv-pool: a {} job waited {:?} in the queue (threshold {:?})",
            self.class, self.wait, self.threshold
        )?;
        if self.late_jobs > 1 {
            write!(
                f,
                "; {} late {} jobs since the last warning, the longest wait {:?}",
                self.late_jobs, self.class, self.max_wait
            )?;
        }
        let per_class = |counts: &[usize; 3]| {
            WorkClass::ALL
                .iter()
                .map(|c| format!("{c} {}", counts[c.index()]))
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(
            f,
            "; running: {} on {} threads; queued: {}",
            per_class(&self.running),
            self.threads,
            per_class(&self.queued)
        )
    }
}

/// One class's late-job bookkeeping (kept under the class's statistics lock).
#[derive(Clone, Debug, Default)]
pub(crate) struct LateState {
    /// Every late job so far.
    pub(crate) late_total: u64,
    /// Warnings made so far.
    pub(crate) warnings: u64,
    last_warning: Option<Instant>,
    /// Late jobs since the last warning, and the longest of their waits.
    pending: u64,
    pending_max: Duration,
}

impl LateState {
    /// Books one late job that waited `wait` and starts at `now`. When a warning is due (none
    /// yet, or the last one at least `interval` before `now`) returns what it reports: the late
    /// jobs since the previous warning, this one included, and their longest wait.
    pub(crate) fn note(
        &mut self,
        wait: Duration,
        now: Instant,
        interval: Duration,
    ) -> Option<(u64, Duration)> {
        self.late_total += 1;
        self.pending += 1;
        self.pending_max = self.pending_max.max(wait);
        let due = self
            .last_warning
            .is_none_or(|last| now.saturating_duration_since(last) >= interval);
        if !due {
            return None;
        }
        self.last_warning = Some(now);
        self.warnings += 1;
        let report = (self.pending, self.pending_max);
        self.pending = 0;
        self.pending_max = Duration::ZERO;
        Some(report)
    }
}

/// A duration in ns, saturating at `u64::MAX` (584 years).
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_first_late_job_warns_and_later_ones_wait_for_the_interval() {
        let mut s = LateState::default();
        let t0 = Instant::now();
        assert_eq!(s.note(5 * MS, t0, 100 * MS), Some((1, 5 * MS)));
        // sustained overload: one late job per ms for 250 ms
        let mut warnings = Vec::new();
        for i in 1..=250u32 {
            if let Some(w) = s.note(MS * (i % 7 + 2), t0 + MS * i, 100 * MS) {
                warnings.push((i, w));
            }
        }
        // one warning per 100 ms, each counting the late jobs it stands for
        assert_eq!(warnings, [(100, (100, 8 * MS)), (200, (100, 8 * MS))]);
        assert_eq!(s.late_total, 251);
        assert_eq!(s.warnings, 3);
    }

    #[test]
    fn a_zero_interval_warns_about_every_late_job() {
        let mut s = LateState::default();
        let t0 = Instant::now();
        for i in 0..10u32 {
            assert_eq!(s.note(MS, t0 + MS * i, Duration::ZERO), Some((1, MS)));
        }
        assert_eq!(s.warnings, 10);
    }

    #[test]
    fn a_clock_read_out_of_order_does_not_warn_early_or_panic() {
        let mut s = LateState::default();
        let t0 = Instant::now() + Duration::from_secs(1);
        assert!(s.note(MS, t0, MS).is_some());
        // another worker's earlier timestamp arrives after
        assert_eq!(s.note(MS, t0 - MS, MS), None);
        assert_eq!(s.note(MS, t0 + MS, MS), Some((2, MS)));
    }

    #[test]
    fn thresholds_map_to_ns_with_max_meaning_off() {
        let w = WaitWarning::new(Duration::from_millis(2))
            .threshold(WorkClass::FastIo, None)
            .threshold(WorkClass::SlowIo, Some(Duration::MAX));
        assert_eq!(w.threshold_ns(), [2_000_000, u64::MAX, u64::MAX - 1]);
        assert_eq!(w.threshold_of(WorkClass::FastIo), None);
        assert_eq!(w.interval_of(), DEFAULT_WARNING_INTERVAL);
    }

    #[test]
    fn a_warning_reads_as_one_line_naming_the_class_and_what_held_the_workers() {
        let w = QueueWaitWarning {
            class: WorkClass::SlowIo,
            wait: 120 * MS,
            threshold: 10 * MS,
            late_jobs: 3,
            max_wait: 130 * MS,
            queued: [0, 2, 1],
            running: [0, 3, 1],
            threads: 4,
        };
        assert_eq!(
            w.to_string(),
            "ruv-pool: a slow_io job waited 120ms in the queue (threshold 10ms); \
             3 late slow_io jobs since the last warning, the longest wait 130ms; \
             running: cpu 0, fast_io 3, slow_io 1 on 4 threads; \
             queued: cpu 0, fast_io 2, slow_io 1"
        );
    }

    #[test]
    fn a_panicking_callback_is_contained() {
        let w = WaitWarning::new(MS).on_warning(|_| panic!("callback bug"));
        let warning = QueueWaitWarning {
            class: WorkClass::Cpu,
            wait: 2 * MS,
            threshold: MS,
            late_jobs: 1,
            max_wait: 2 * MS,
            queued: [0; 3],
            running: [1, 0, 0],
            threads: 1,
        };
        w.deliver(&warning); // returns normally
    }
}
