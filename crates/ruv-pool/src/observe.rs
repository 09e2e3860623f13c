//! Per-class observation: queue-wait and run-time histograms, depth gauges, late jobs.
//!
//! Each class has its own statistics behind its own small lock ([`ClassStats`]). A worker
//! takes it once per job, after the job and before the pool's lock, to record two values; a
//! reader takes it to copy the histograms out. Readers therefore never hold the pool's lock
//! while copying, and submitters never wait for a reader.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use parking_lot::Mutex;

use crate::pool::Shared;
use crate::sync::Arc;
use crate::warn::{nanos, LateState, QueueWaitWarning, WaitWarning};
use crate::{PoolMetrics, WorkClass};

/// Significant decimal digits the pool's histograms keep: 2, so a recorded value is reported
/// within 1% of itself (each histogram is about 37 KiB, most of it never touched).
pub const HISTOGRAM_SIGFIG: u8 = 2;

/// The largest value (ns) the pool's histograms hold apart: one hour. A longer wait or run is
/// recorded as one hour.
pub const HISTOGRAM_HIGHEST_NS: u64 = 3_600_000_000_000;

/// An empty histogram with the pool's bounds.
pub(crate) fn new_histogram() -> Histogram<u64> {
    // Constant, valid bounds (1 ≤ low, high ≥ 2 × low, sigfig ≤ 5): this cannot fail; a unit
    // test pins it.
    Histogram::new_with_bounds(1, HISTOGRAM_HIGHEST_NS, HISTOGRAM_SIGFIG)
        .expect("the pool's histogram bounds are valid")
}

/// One class's histograms, sums and late-job bookkeeping.
pub(crate) struct ClassStats {
    queue_wait: Histogram<u64>,
    run_time: Histogram<u64>,
    wait_sum_ns: u64,
    run_sum_ns: u64,
    pub(crate) late: LateState,
}

impl ClassStats {
    fn new() -> ClassStats {
        ClassStats {
            queue_wait: new_histogram(),
            run_time: new_histogram(),
            wait_sum_ns: 0,
            run_sum_ns: 0,
            late: LateState::default(),
        }
    }

    fn record(&mut self, wait_ns: u64, run_ns: Option<u64>) {
        self.queue_wait.saturating_record(wait_ns);
        self.wait_sum_ns = self.wait_sum_ns.saturating_add(wait_ns);
        if let Some(run_ns) = run_ns {
            self.run_time.saturating_record(run_ns);
            self.run_sum_ns = self.run_sum_ns.saturating_add(run_ns);
        }
    }

    fn reset(&mut self) {
        self.queue_wait.reset();
        self.run_time.reset();
        self.wait_sum_ns = 0;
        self.run_sum_ns = 0;
    }
}

/// A value on cache lines of its own. A worker writes a class's statistics after every job
/// and reads the thresholds before every job; sharing a line with the pool's scheduling state
/// (which submitters write on every submit) would bounce it between cores.
#[repr(align(128))]
struct Padded<T>(T);

/// Everything the pool observes beside its scheduling state.
pub(crate) struct Recorder {
    classes: [Padded<Mutex<ClassStats>>; 3],
    /// Each class's warning threshold in ns, `u64::MAX` for none: the one value a worker reads
    /// for every job.
    thresholds: Padded<[AtomicU64; 3]>,
    warning: Mutex<Option<WaitWarning>>,
}

impl Recorder {
    pub(crate) fn new() -> Recorder {
        Recorder {
            classes: std::array::from_fn(|_| Padded(Mutex::new(ClassStats::new()))),
            thresholds: Padded(std::array::from_fn(|_| AtomicU64::new(u64::MAX))),
            warning: Mutex::new(None),
        }
    }

    /// Books a finished job (on its worker, before the pool's lock, so that a job counted in
    /// `completed` is always in the histograms); `run_ns` is `None` when the pool does not time
    /// runs.
    #[inline]
    pub(crate) fn record(&self, class: WorkClass, wait_ns: u64, run_ns: Option<u64>) {
        self.classes[class.index()].0.lock().record(wait_ns, run_ns);
    }

    /// Whether a job of `class` that waited `wait_ns` is late (waited at least the threshold).
    #[inline]
    pub(crate) fn is_late(&self, class: WorkClass, wait_ns: u64) -> bool {
        wait_ns >= self.thresholds.0[class.index()].load(Relaxed)
    }

    pub(crate) fn set_warning(&self, warning: Option<WaitWarning>) {
        let mut slot = self.warning.lock();
        let ns = warning
            .as_ref()
            .map_or([u64::MAX; 3], WaitWarning::threshold_ns);
        for (t, ns) in self.thresholds.0.iter().zip(ns) {
            t.store(ns, Relaxed);
        }
        *slot = warning;
    }

    fn reset(&self) {
        for c in &self.classes {
            c.0.lock().reset();
        }
    }
}

/// Books a late job of `class` and delivers a warning when one is due. Runs on the worker,
/// before the job, outside the pool's lock.
#[cold]
pub(crate) fn late_job(shared: &Shared, class: WorkClass, wait: Duration, now: Instant) {
    let recorder = &shared.recorder;
    let Some(warning) = recorder.warning.lock().clone() else {
        return; // cleared since the threshold was read
    };
    let Some(threshold) = warning.threshold_of(class) else {
        return;
    };
    let report =
        recorder.classes[class.index()]
            .0
            .lock()
            .late
            .note(wait, now, warning.interval_of());
    let Some((late_jobs, max_wait)) = report else {
        return;
    };
    let (queued, running) = shared.depth_and_running();
    warning.deliver(&QueueWaitWarning {
        class,
        wait,
        threshold,
        late_jobs,
        max_wait,
        queued,
        running,
        threads: shared.threads,
    });
}

/// One class's share of a [`PoolObservation`].
#[derive(Clone, Debug)]
pub struct ClassObservation {
    /// The class.
    pub class: WorkClass,
    /// Jobs of this class waiting now.
    pub queued: usize,
    /// The most jobs of this class that waited at once, since the pool started or since
    /// [`Pool::reset_histograms`](crate::Pool::reset_histograms).
    pub max_queued: usize,
    /// Jobs of this class running now.
    pub running: usize,
    /// Jobs of this class that finished (panicked ones included).
    pub completed: u64,
    /// Jobs of this class that panicked.
    pub panicked: u64,
    /// Jobs of this class cancelled while queued.
    pub cancelled: u64,
    /// Queue waits (submit to start) of the finished jobs, in ns.
    pub queue_wait: Histogram<u64>,
    /// Run times (start to end) of the finished jobs, in ns (empty if the pool was built with
    /// [`PoolConfig::run_times(false)`](crate::PoolConfig::run_times)).
    pub run_time: Histogram<u64>,
    /// The exact sum of the waits in `queue_wait`.
    pub queue_wait_sum: Duration,
    /// The exact sum of the run times in `run_time`.
    pub run_time_sum: Duration,
    /// Jobs whose queue wait reached the class's [`WaitWarning`] threshold (counted only while
    /// one is set).
    pub late_jobs: u64,
    /// Warnings delivered for this class.
    pub warnings: u64,
}

/// A pool's counters, depths and histograms, from [`Pool::observe`](crate::Pool::observe).
///
/// `metrics` and each class's depths and counters are one consistent snapshot (taken under
/// the pool's lock); each class's histograms are copied just after, under that class's own
/// lock. A job is booked in the histograms before it counts as completed, so each class's
/// `queue_wait.len()` is at least its `completed` (more when jobs finished in between), unless
/// [`Pool::reset_histograms`](crate::Pool::reset_histograms) emptied the histograms since.
#[derive(Clone, Debug)]
pub struct PoolObservation {
    /// The pool-wide counters, as [`Pool::metrics`](crate::Pool::metrics) gives them.
    pub metrics: PoolMetrics,
    /// Per class, indexed by [`WorkClass::index`] (the order of [`WorkClass::ALL`]).
    pub classes: [ClassObservation; 3],
    /// Whether the pool has shut down (its last [`Pool`](crate::Pool) clone was dropped): the
    /// figures are final.
    pub shut_down: bool,
}

impl PoolObservation {
    /// The observation of one class.
    pub fn class(&self, class: WorkClass) -> &ClassObservation {
        &self.classes[class.index()]
    }
}

/// Reads a pool's figures without keeping its workers alive: from
/// [`Pool::observer`](crate::Pool::observer).
///
/// A metrics exporter holds one of these, so that registering a pool for export does not
/// extend its life. After the pool shuts down it keeps answering with the final figures
/// (and [`PoolObservation::shut_down`] set); it holds the pool's bookkeeping (a few hundred
/// KiB at most) until it is dropped.
#[derive(Clone)]
pub struct PoolObserver {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for PoolObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolObserver")
            .field("threads", &self.shared.threads)
            .finish_non_exhaustive()
    }
}

impl PoolObserver {
    /// The pool's counters (see [`Pool::metrics`](crate::Pool::metrics)).
    pub fn metrics(&self) -> PoolMetrics {
        self.shared.metrics()
    }

    /// The pool's counters, depths and histograms (see
    /// [`Pool::observe`](crate::Pool::observe)).
    pub fn observe(&self) -> PoolObservation {
        observe(&self.shared)
    }
}

pub(crate) fn observe(shared: &Shared) -> PoolObservation {
    let (metrics, per_class, shut_down) = shared.class_snapshot();
    let classes = std::array::from_fn(|i| {
        let counts = &per_class[i];
        // Allocate the copies before locking; copying into them is a plain memcpy.
        let mut queue_wait = new_histogram();
        let mut run_time = new_histogram();
        let stats = shared.recorder.classes[i].0.lock();
        // Same bounds on both sides: `set_to` cannot fail.
        let copied = queue_wait.set_to(&stats.queue_wait).is_ok()
            && run_time.set_to(&stats.run_time).is_ok();
        debug_assert!(copied);
        let (wait_sum, run_sum) = (stats.wait_sum_ns, stats.run_sum_ns);
        let late = stats.late.clone();
        drop(stats);
        ClassObservation {
            class: WorkClass::ALL[i],
            queued: counts.queued,
            max_queued: counts.max_queued,
            running: counts.running,
            completed: counts.completed,
            panicked: counts.panicked,
            cancelled: counts.cancelled,
            queue_wait,
            run_time,
            queue_wait_sum: Duration::from_nanos(wait_sum),
            run_time_sum: Duration::from_nanos(run_sum),
            late_jobs: late.late_total,
            warnings: late.warnings,
        }
    });
    PoolObservation {
        metrics,
        classes,
        shut_down,
    }
}

/// Empties every class's histograms and sums and restarts the depth high-water marks.
pub(crate) fn reset(shared: &Shared) {
    shared.recorder.reset();
    shared.reset_max_depth();
}

/// Queue wait of a job that started at `started_at`, in ns.
#[inline]
pub(crate) fn elapsed_ns(from: Instant, to: Instant) -> u64 {
    nanos(to.saturating_duration_since(from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bounds_are_valid_and_clamp_long_values() {
        let mut h = new_histogram();
        h.saturating_record(0);
        h.saturating_record(u64::MAX);
        assert_eq!(h.len(), 2);
        assert!(h.max() >= HISTOGRAM_HIGHEST_NS);
        // the size the docs quote
        assert!(
            h.distinct_values() * 8 < 40 << 10,
            "{}",
            h.distinct_values()
        );
    }

    #[test]
    fn reset_empties_histograms_and_sums() {
        let mut s = ClassStats::new();
        s.record(10, Some(20));
        s.record(30, Some(40));
        s.record(5, None);
        assert_eq!(
            (s.queue_wait.len(), s.wait_sum_ns, s.run_sum_ns),
            (3, 45, 60)
        );
        assert_eq!(s.run_time.len(), 2);
        s.reset();
        assert_eq!((s.queue_wait.len(), s.run_time.len()), (0, 0));
        assert_eq!((s.wait_sum_ns, s.run_sum_ns), (0, 0));
    }
}
