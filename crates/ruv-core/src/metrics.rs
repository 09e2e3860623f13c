//! Loop metrics: iterations, events, time spent waiting in poll, event loop utilization.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! let mut lp: Loop<()> = Loop::new()?;
//! let m = lp.metrics(); // Send + Sync: can be read from another thread
//! Timer::new(&mut lp)?.start(&mut lp, 0, 0, |_, _, _| {})?;
//! lp.run(RunMode::Default, &mut ())?;
//! assert_eq!(m.loop_count(), 1);
//! let elu = m.utilization(None);
//! assert!(elu.utilization >= 0.0 && elu.utilization <= 1.0);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! * `loop_count`: iterations that reached the poll phase (libuv's `loop_count`).
//! * `events`: callbacks-worthy events the poll phase handled (one per I/O event, signal
//!   batch, async delivery and pool completion); `events_waiting`: those that were already
//!   waiting when the poll phase began, so it did not need to block for them.
//! * `idle_time`: time blocked in the poller, including a wait in progress when read from
//!   another thread. Only blocking polls count; a zero-timeout poll is not idle time.
//! * [`Metrics::utilization`]: Node's `performance.eventLoopUtilization()` formula,
//!   `active / (idle + active)` with `active = elapsed - idle`, over the loop's lifetime or
//!   since an earlier sample.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) struct MetricsShared {
    epoch: Instant,
    loop_count: AtomicU64,
    events: AtomicU64,
    events_waiting: AtomicU64,
    idle_ns: AtomicU64,
    /// ns since `epoch` (+1, so 0 means "not waiting") at which the current wait began.
    wait_start: AtomicU64,
}

impl MetricsShared {
    pub(crate) fn new(epoch: Instant) -> MetricsShared {
        MetricsShared {
            epoch,
            loop_count: AtomicU64::new(0),
            events: AtomicU64::new(0),
            events_waiting: AtomicU64::new(0),
            idle_ns: AtomicU64::new(0),
            wait_start: AtomicU64::new(0),
        }
    }

    fn since_epoch(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    #[inline]
    pub(crate) fn inc_loop_count(&self) {
        // single writer (the loop thread): a load and a store, no locked instruction
        self.loop_count
            .store(self.loop_count.load(Relaxed) + 1, Relaxed);
    }

    #[inline]
    pub(crate) fn add_events(&self, n: u64, waiting: bool) {
        if n == 0 {
            return;
        }
        self.events.store(self.events.load(Relaxed) + n, Relaxed);
        if waiting {
            self.events_waiting
                .store(self.events_waiting.load(Relaxed) + n, Relaxed);
        }
    }

    pub(crate) fn enter_wait(&self) -> u64 {
        let t = self.since_epoch();
        self.wait_start.store(t + 1, Relaxed);
        t
    }

    pub(crate) fn leave_wait(&self, start: u64) {
        let waited = self.since_epoch().saturating_sub(start);
        self.idle_ns.fetch_add(waited, Relaxed);
        self.wait_start.store(0, Relaxed);
    }
}

/// A read-only view of a loop's metrics; `Send + Sync + Clone`.
#[derive(Clone)]
pub struct Metrics {
    shared: Arc<MetricsShared>,
}

/// One event-loop-utilization sample (Node's `{ idle, active, utilization }`, in ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu {
    /// Ms blocked in poll.
    pub idle: f64,
    /// Ms not blocked in poll.
    pub active: f64,
    /// `active / (idle + active)`, 0 when no time passed.
    pub utilization: f64,
}

impl Metrics {
    pub(crate) fn new(shared: Arc<MetricsShared>) -> Metrics {
        Metrics { shared }
    }

    /// Loop iterations so far.
    pub fn loop_count(&self) -> u64 {
        self.shared.loop_count.load(Relaxed)
    }

    /// Events handled by the poll phase so far.
    pub fn events(&self) -> u64 {
        self.shared.events.load(Relaxed)
    }

    /// Events that were already waiting when the poll phase began.
    pub fn events_waiting(&self) -> u64 {
        self.shared.events_waiting.load(Relaxed)
    }

    /// Total time blocked in poll, including a wait in progress.
    pub fn idle_time(&self) -> Duration {
        let sh = &self.shared;
        let mut ns = sh.idle_ns.load(Relaxed);
        let start = sh.wait_start.load(Relaxed);
        if start != 0 {
            ns += sh.since_epoch().saturating_sub(start - 1);
        }
        Duration::from_nanos(ns)
    }

    /// Event loop utilization since the loop was created (`prev = None`) or since an earlier
    /// sample, as Node's `performance.eventLoopUtilization(prev)` computes it.
    pub fn utilization(&self, prev: Option<&EluSample>) -> Elu {
        let now = self.sample();
        let (idle, elapsed) = match prev {
            Some(p) => (
                now.idle_ns - p.idle_ns.min(now.idle_ns),
                now.at_ns - p.at_ns.min(now.at_ns),
            ),
            None => (now.idle_ns, now.at_ns),
        };
        let active = elapsed.saturating_sub(idle);
        let total = (idle + active) as f64;
        Elu {
            idle: idle as f64 / 1e6,
            active: active as f64 / 1e6,
            utilization: if total > 0.0 {
                active as f64 / total
            } else {
                0.0
            },
        }
    }

    /// A raw sample to pass to a later [`Metrics::utilization`].
    pub fn sample(&self) -> EluSample {
        EluSample {
            idle_ns: self.idle_time().as_nanos() as u64,
            at_ns: self.shared.since_epoch(),
        }
    }
}

/// A point-in-time reading for [`Metrics::utilization`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EluSample {
    idle_ns: u64,
    at_ns: u64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("loop_count", &self.loop_count())
            .field("events", &self.events())
            .field("events_waiting", &self.events_waiting())
            .field("idle_time", &self.idle_time())
            .finish()
    }
}
