//! A libuv-style worker pool: a fixed set of threads that run blocking jobs (file system calls,
//! DNS lookups, hashing) in FIFO start order, independent of any event loop.
//!
//! ```
//! use ruv_pool::{CancelError, Pool, PoolConfig, WorkClass};
//! use std::sync::mpsc;
//!
//! // A dedicated pool; `Pool::global()` is the shared one, sized by UV_THREADPOOL_SIZE.
//! let pool = Pool::new(PoolConfig::new(1).name_prefix("compute"))?;
//! let (tx, rx) = mpsc::channel();
//! pool.submit(WorkClass::Cpu, move || tx.send(6 * 7).unwrap());
//! assert_eq!(rx.recv().unwrap(), 42);
//!
//! // Keep the only worker busy, so the next job waits in the queue...
//! let (started_tx, started) = mpsc::channel();
//! let (release, gate) = mpsc::channel::<()>();
//! let running = pool.submit(WorkClass::FastIo, move || {
//!     started_tx.send(()).unwrap();
//!     gate.recv().unwrap();
//! });
//! started.recv().unwrap();
//! let queued = pool.submit(WorkClass::FastIo, || unreachable!("cancelled jobs never run"));
//! // ...where it can be cancelled: it is dropped without running.
//! assert_eq!(pool.cancel(queued), Ok(()));
//! // A job that has started (or finished) cannot be cancelled.
//! assert_eq!(pool.cancel(running), Err(CancelError::Busy));
//! release.send(()).unwrap();
//! assert_eq!(pool.metrics().cancelled, 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Scheduling rules
//!
//! - **FIFO start order.** Jobs start in the order they were submitted (on one thread they also
//!   finish in that order).
//! - **Slow I/O cap.** At most `(threads + 1) / 2` [`WorkClass::SlowIo`] jobs run at once. When
//!   that many are running, a free worker skips queued `SlowIo` jobs and takes the oldest other
//!   job, so slow DNS lookups cannot starve file system work. [`WorkClass::Cpu`] and
//!   [`WorkClass::FastIo`] are otherwise treated alike.
//! - **No thundering herd.** Idle workers park, each on its own condition variable. A submit
//!   wakes one parked worker (the most recently parked) only when no other woken worker is still
//!   on its way; a woken worker that finds more work than it can take wakes the next one.
//! - **Cancel** succeeds only while a job is queued ([`Pool::cancel`]); running or finished work
//!   answers [`CancelError::Busy`].
//! - **Panics** in a job are caught and counted ([`PoolMetrics::panicked`]); the worker survives.
//! - **Drop** of the last clone of a dedicated pool lets the workers finish the queued jobs, then
//!   joins them. The global pool is never dropped.
//!
//! `docs/pool.md` in the repository explains the design and the measurements behind it.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod config;
mod global;
mod observe;
mod pool;
mod queue;
mod sync;
mod warn;

use std::fmt;
use std::time::{Duration, Instant};

pub use config::{
    parse_threadpool_size, PoolConfig, DEFAULT_NAME_PREFIX, DEFAULT_THREADS, MAX_THREADS,
    THREADPOOL_SIZE_VAR,
};
pub use global::AlreadyStarted;
/// The histogram crate of [`ClassObservation`]'s histograms, re-exported so that callers use
/// the same version.
pub use hdrhistogram;
pub use observe::{
    ClassObservation, PoolObservation, PoolObserver, HISTOGRAM_HIGHEST_NS, HISTOGRAM_SIGFIG,
};
pub use pool::{current_job, Pool};
pub use warn::{QueueWaitWarning, WaitWarning, DEFAULT_WARNING_INTERVAL};

/// A job as the pool stores it: a boxed closure run once on a worker.
pub type Job = Box<dyn FnOnce() + Send>;

/// What kind of work a job is, which decides how the pool schedules it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkClass {
    /// CPU-bound work (hashing, compression). Scheduled like [`WorkClass::FastIo`].
    Cpu,
    /// I/O that normally completes quickly (file system calls).
    FastIo,
    /// I/O that may block for long (DNS lookups): at most `(threads + 1) / 2` such jobs run at
    /// once, so they cannot occupy every worker.
    SlowIo,
}

impl WorkClass {
    /// Every class, in the order of [`WorkClass::index`].
    pub const ALL: [WorkClass; 3] = [WorkClass::Cpu, WorkClass::FastIo, WorkClass::SlowIo];

    /// The class's position in [`WorkClass::ALL`] (0, 1, 2): the index of its entry in
    /// [`PoolObservation::classes`].
    pub const fn index(self) -> usize {
        match self {
            WorkClass::Cpu => 0,
            WorkClass::FastIo => 1,
            WorkClass::SlowIo => 2,
        }
    }

    /// A short lower-case name, usable as a metric label: `cpu`, `fast_io`, `slow_io`.
    pub const fn as_str(self) -> &'static str {
        match self {
            WorkClass::Cpu => "cpu",
            WorkClass::FastIo => "fast_io",
            WorkClass::SlowIo => "slow_io",
        }
    }
}

impl fmt::Display for WorkClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names one submitted job, for [`Pool::cancel`].
///
/// Tickets are unique across all pools of the process (a 64-bit counter, never reused in
/// practice), so a ticket can also serve as a key for bookkeeping beside the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

/// Why [`Pool::cancel`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CancelError {
    /// The job is not waiting in the queue: it is running or finished, was already cancelled, or
    /// belongs to another pool. (libuv's `EBUSY`.)
    Busy,
}

impl fmt::Display for CancelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelError::Busy => f.write_str("the job is no longer queued and cannot be cancelled"),
        }
    }
}

impl std::error::Error for CancelError {}

/// A snapshot of a pool's counters, from [`Pool::metrics`].
///
/// Every submitted job is in exactly one of: queued, running, completed, cancelled. So
/// `submitted == queued + running + completed + cancelled` at any snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolMetrics {
    /// Worker threads in the pool.
    pub threads: usize,
    /// Jobs waiting to start (cancelled ones excluded).
    pub queued: usize,
    /// Jobs running now.
    pub running: usize,
    /// Workers parked with nothing to do (not counting one that has just been woken).
    pub idle: usize,
    /// Jobs that have finished running, including those that panicked.
    pub completed: u64,
    /// Jobs that panicked (a subset of `completed`).
    pub panicked: u64,
    /// Jobs removed by a successful [`Pool::cancel`].
    pub cancelled: u64,
    /// Sum of queue waits (submit to start) over the completed jobs.
    pub total_queue_wait: Duration,
    /// Longest queue wait among the completed jobs.
    pub max_queue_wait: Duration,
}

/// The pool job running on the current thread, from [`current_job`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobInfo {
    /// Index of the worker running the job, `0..threads` (its thread is `{prefix}-{worker}`).
    pub worker: usize,
    /// When the job was submitted.
    pub queued_at: Instant,
    /// When the worker started it. `started_at - queued_at` is the job's queue wait. A worker
    /// that goes straight from one job to the next reuses the end of the previous job as this
    /// time (one clock read saved per job), so it can be earlier than the real start by the
    /// time taken to lock the queue and pop the job; it is never before `queued_at`.
    pub started_at: Instant,
}
