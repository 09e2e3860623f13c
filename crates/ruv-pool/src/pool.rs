//! The pool itself: shared state, workers, submit, cancel, metrics and shutdown.

use std::cell::Cell;
use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::config::PoolConfig;
use crate::observe::{self, elapsed_ns, PoolObservation, PoolObserver, Recorder};
use crate::queue::{Queues, Taken};
use crate::sync::{thread, Arc, Condvar, Mutex, MutexGuard};
use crate::warn::WaitWarning;
use crate::{CancelError, Job, JobInfo, PoolMetrics, Ticket, WorkClass};

/// Ticket numbers, process-wide so that a ticket from one pool can never name a job of another.
/// Taken while holding the submitting pool's lock, which keeps each pool's deques sorted.
static NEXT_TICKET: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static CURRENT_JOB: Cell<Option<JobInfo>> = const { Cell::new(None) };
}

/// Describes the pool job running on the calling thread, or `None` outside pool jobs.
///
/// # Examples
///
/// ```
/// use ruv_pool::{current_job, Pool, PoolConfig, WorkClass};
/// use std::sync::mpsc;
///
/// assert!(current_job().is_none());
/// let pool = Pool::new(PoolConfig::new(1))?;
/// let (tx, rx) = mpsc::channel();
/// pool.submit(WorkClass::Cpu, move || {
///     let info = current_job().expect("inside a pool job");
///     tx.send((info.worker, info.started_at - info.queued_at)).unwrap();
/// });
/// let (worker, _queue_wait) = rx.recv().unwrap();
/// assert_eq!(worker, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn current_job() -> Option<JobInfo> {
    CURRENT_JOB.with(Cell::get)
}

/// Everything the workers and submitters share, behind one mutex.
struct State {
    queues: Queues,
    /// Jobs running now, and how many of them are `SlowIo`.
    running: usize,
    slow_running: usize,
    /// Parked workers nobody has woken yet, most recently parked last (a LIFO stack).
    idle: Vec<usize>,
    /// `asleep[w]`: worker `w` is on the `idle` stack. Only a waker clears it (after popping
    /// `w`), and a parked worker leaves its wait only once it is cleared, so the stack never
    /// holds a stale entry and a spurious wake-up changes nothing.
    asleep: Vec<bool>,
    /// Workers woken (popped off `idle`) that have not yet taken a job or parked again. While
    /// one is searching, nobody else is woken: it takes a job and then wakes the next worker if
    /// work is left (a chain), which keeps a fast-draining pool from cycling every parked
    /// worker through a futex wake-up per job.
    searching: usize,
    /// Per class (`WorkClass::index`): jobs running now, finished, panicked, cancelled.
    running_by_class: [usize; 3],
    completed: [u64; 3],
    panicked: [u64; 3],
    cancelled: [u64; 3],
    total_wait: Duration,
    max_wait: Duration,
    shutdown: bool,
}

impl State {
    fn slow_allowed(&self, slow_cap: usize) -> bool {
        self.slow_running < slow_cap
    }

    /// Picks the worker to wake, if there is runnable work, a parked worker, and no woken worker
    /// still on its way: the one that parked last, whose cache is warmest. The caller notifies
    /// that worker's condition variable after unlocking.
    fn claim_wake(&mut self, slow_cap: usize) -> Option<usize> {
        if self.searching > 0
            || self.idle.is_empty()
            || !self.queues.has_runnable(self.slow_allowed(slow_cap))
        {
            return None;
        }
        let worker = self.idle.pop()?;
        self.asleep[worker] = false;
        self.searching += 1;
        Some(worker)
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
    /// One condition variable per worker (all used with `state`), so that a wake-up goes to
    /// exactly the worker chosen by `claim_wake`.
    wake: Vec<Condvar>,
    pub(crate) threads: usize,
    /// Whether workers read the clock at the end of each job (`PoolConfig::run_times`).
    run_times: bool,
    /// At most this many `SlowIo` jobs run at once: `(threads + 1) / 2`.
    slow_cap: usize,
    /// Histograms and the queue-wait warning (their own locks; see `observe.rs`).
    pub(crate) recorder: Recorder,
}

impl Shared {
    pub(crate) fn metrics(&self) -> PoolMetrics {
        let state = self.state.lock();
        self.metrics_locked(&state)
    }

    fn metrics_locked(&self, state: &State) -> PoolMetrics {
        PoolMetrics {
            threads: self.threads,
            queued: state.queues.len(),
            running: state.running,
            idle: state.idle.len(),
            completed: state.completed.iter().sum(),
            panicked: state.panicked.iter().sum(),
            cancelled: state.cancelled.iter().sum(),
            total_queue_wait: state.total_wait,
            max_queue_wait: state.max_wait,
        }
    }

    /// The pool-wide counters and each class's, in one lock; and whether the pool has shut
    /// down.
    pub(crate) fn class_snapshot(&self) -> (PoolMetrics, [ClassCounts; 3], bool) {
        let state = self.state.lock();
        let (depth, max_depth) = (state.queues.depth(), state.queues.max_depth());
        let per_class = std::array::from_fn(|i| ClassCounts {
            queued: depth[i],
            max_queued: max_depth[i],
            running: state.running_by_class[i],
            completed: state.completed[i],
            panicked: state.panicked[i],
            cancelled: state.cancelled[i],
        });
        (self.metrics_locked(&state), per_class, state.shutdown)
    }

    /// Jobs queued and running per class, for a warning.
    pub(crate) fn depth_and_running(&self) -> ([usize; 3], [usize; 3]) {
        let state = self.state.lock();
        (state.queues.depth(), state.running_by_class)
    }

    pub(crate) fn reset_max_depth(&self) {
        self.state.lock().queues.reset_max_depth();
    }
}

/// One class's counters, read under the pool's lock.
pub(crate) struct ClassCounts {
    pub(crate) queued: usize,
    pub(crate) max_queued: usize,
    pub(crate) running: usize,
    pub(crate) completed: u64,
    pub(crate) panicked: u64,
    pub(crate) cancelled: u64,
}

/// What the last [`Pool`] clone owns: dropping it stops and joins the workers.
struct Owner {
    shared: Arc<Shared>,
    handles: Vec<thread::JoinHandle<()>>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        shutdown(&self.shared, std::mem::take(&mut self.handles));
    }
}

/// Tells the workers to exit once the queue is empty, then joins them. A worker cannot join
/// itself (the last clone may be dropped inside a job): that one is left to exit on its own.
fn shutdown(shared: &Shared, handles: Vec<thread::JoinHandle<()>>) {
    {
        let mut state = shared.state.lock();
        state.shutdown = true;
        for worker in std::mem::take(&mut state.idle) {
            state.asleep[worker] = false;
            state.searching += 1;
        }
    }
    for cond in &shared.wake {
        cond.notify_all();
    }
    let me = thread::current().id();
    for handle in handles {
        if handle.thread().id() != me {
            // A worker never panics outside `catch_unwind`; if it somehow did, there is nothing
            // more to clean up, and a destructor must not panic.
            let _ = handle.join();
        }
    }
}

/// A fixed set of worker threads running submitted jobs in FIFO start order.
///
/// Cloning is cheap (an `Arc`); all clones submit to the same workers. When the last clone of a
/// pool built with [`Pool::new`] is dropped, the workers finish every job still queued, then
/// exit, and the drop joins them (from inside a job of the same pool, that job's own worker is
/// left to exit on its own). The global pool ([`Pool::global`]) lives until the process exits.
///
/// See the crate documentation for the scheduling rules.
#[derive(Clone)]
pub struct Pool {
    owner: Arc<Owner>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.threads())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// Starts a pool: every worker thread is spawned before this returns.
    ///
    /// # Errors
    ///
    /// The error of the first thread spawn that fails (for instance when the system is out of
    /// threads or memory for their stacks). Workers already started are shut down and joined
    /// first, so a failure leaves nothing behind.
    pub fn new(config: PoolConfig) -> io::Result<Pool> {
        let threads = config.threads();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queues: Queues::default(),
                running: 0,
                slow_running: 0,
                idle: Vec::with_capacity(threads),
                asleep: vec![false; threads],
                searching: 0,
                running_by_class: [0; 3],
                completed: [0; 3],
                panicked: [0; 3],
                cancelled: [0; 3],
                total_wait: Duration::ZERO,
                max_wait: Duration::ZERO,
                shutdown: false,
            }),
            wake: (0..threads).map(|_| Condvar::new()).collect(),
            threads,
            slow_cap: threads.div_ceil(2),
            run_times: config.times_runs(),
            recorder: Recorder::new(),
        });
        let mut handles = Vec::with_capacity(threads);
        for index in 0..threads {
            match spawn_worker(&config, &shared, index) {
                Ok(handle) => handles.push(handle),
                Err(err) => {
                    shutdown(&shared, handles);
                    // Joined workers have dropped their handle on the shared state.
                    #[cfg(all(test, not(loom)))]
                    assert_eq!(
                        Arc::strong_count(&shared),
                        1,
                        "a started worker outlived new()"
                    );
                    return Err(err);
                }
            }
        }
        Ok(Pool {
            owner: Arc::new(Owner { shared, handles }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.owner.shared
    }

    /// The number of worker threads.
    pub fn threads(&self) -> usize {
        self.shared().threads
    }

    /// Queues `job` and returns its ticket. Jobs start in submission order, except that a
    /// `SlowIo` job waits while `(threads + 1) / 2` `SlowIo` jobs are already running (other
    /// jobs behind it go first).
    ///
    /// If the job panics, the panic is caught and counted in [`PoolMetrics::panicked`]; the
    /// worker carries on. Wrap the job yourself if the caller needs the panic as a value.
    pub fn submit(&self, class: WorkClass, job: impl FnOnce() + Send + 'static) -> Ticket {
        self.submit_boxed(class, Box::new(job))
    }

    /// [`submit`](Self::submit) for a job that is already boxed.
    pub fn submit_boxed(&self, class: WorkClass, job: Box<dyn FnOnce() + Send>) -> Ticket {
        let queued_at = Instant::now();
        let mut state = self.shared().state.lock();
        let ticket = enqueue(&mut state, class, job, queued_at);
        self.wake_one(state);
        ticket
    }

    /// Queues every job of `jobs` (draining it) under one lock, in order, and appends their
    /// tickets to `tickets`. One wake-up starts the chain of workers (see
    /// [`submit`](Self::submit)), so a burst of submissions from an event loop costs one lock
    /// and at most one notification instead of one of each per job.
    pub fn submit_batch(&self, jobs: &mut Vec<(WorkClass, Job)>, tickets: &mut Vec<Ticket>) {
        if jobs.is_empty() {
            return;
        }
        let queued_at = Instant::now();
        let mut state = self.shared().state.lock();
        for (class, job) in jobs.drain(..) {
            tickets.push(enqueue(&mut state, class, job, queued_at));
        }
        self.wake_one(state);
    }

    /// After queueing: unlocks, then wakes one parked worker if one should start.
    fn wake_one(&self, mut state: MutexGuard<'_, State>) {
        let shared = self.shared();
        let wake = state.claim_wake(shared.slow_cap);
        drop(state);
        if let Some(worker) = wake {
            shared.wake[worker].notify_one();
        }
    }

    /// Cancels a job that has not started: it is removed from the queue and dropped, unrun, on
    /// the calling thread, and counted in [`PoolMetrics::cancelled`].
    ///
    /// # Errors
    ///
    /// [`CancelError::Busy`] when the job is running or finished, was already cancelled, or the
    /// ticket belongs to another pool.
    pub fn cancel(&self, ticket: Ticket) -> Result<(), CancelError> {
        let mut state = self.shared().state.lock();
        let (job, class) = state.queues.cancel(ticket.0).ok_or(CancelError::Busy)?;
        state.cancelled[class.index()] += 1;
        drop(state);
        drop(job);
        Ok(())
    }

    /// A snapshot of the pool's counters (one short lock; callable from any thread).
    pub fn metrics(&self) -> PoolMetrics {
        self.shared().metrics()
    }

    /// The pool's counters with, per [`WorkClass`], the queue depth now and its high-water
    /// mark, the jobs running, and copies of the queue-wait and run-time histograms (ns).
    ///
    /// Callable from any thread. The copies are made under each class's own lock, never
    /// under the pool's, so a reader does not hold up submitters; a call allocates the six
    /// histograms it returns (about 220 KiB).
    ///
    /// # Examples
    ///
    /// ```
    /// use ruv_pool::{Pool, PoolConfig, WorkClass};
    /// use std::sync::mpsc;
    ///
    /// let pool = Pool::new(PoolConfig::new(2))?;
    /// let (tx, rx) = mpsc::channel();
    /// for _ in 0..10 {
    ///     let tx = tx.clone();
    ///     pool.submit(WorkClass::Cpu, move || tx.send(()).unwrap());
    /// }
    /// rx.iter().take(10).for_each(drop);
    /// // A job is booked just after it returns: wait until the pool counts all ten.
    /// while pool.metrics().completed < 10 {
    ///     std::thread::yield_now();
    /// }
    /// let seen = pool.observe();
    /// let cpu = seen.class(WorkClass::Cpu);
    /// assert_eq!(cpu.run_time.len(), 10);
    /// assert!(cpu.run_time.value_at_quantile(0.5) <= cpu.run_time.value_at_quantile(0.99));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn observe(&self) -> PoolObservation {
        observe::observe(self.shared())
    }

    /// A handle that reads this pool's figures ([`PoolObserver::observe`]) without keeping
    /// its workers alive, and still answers after the pool has shut down.
    pub fn observer(&self) -> PoolObserver {
        PoolObserver {
            shared: Arc::clone(&self.owner.shared),
        }
    }

    /// Empties the queue-wait and run-time histograms and their sums, and restarts each
    /// class's queue-depth high-water mark from its current depth. The counters (`completed`,
    /// `late_jobs`, …) are not reset. Safe while jobs run: a job finishing meanwhile is booked
    /// before or after the reset, never half.
    pub fn reset_histograms(&self) {
        observe::reset(self.shared());
    }

    /// Sets (or, with `None`, removes) the queue-wait warning: see [`WaitWarning`]. Takes
    /// effect for jobs that start after the call.
    pub fn set_wait_warning(&self, warning: Option<WaitWarning>) {
        self.shared().recorder.set_warning(warning);
    }
}

fn spawn_worker(
    config: &PoolConfig,
    shared: &Arc<Shared>,
    index: usize,
) -> io::Result<thread::JoinHandle<()>> {
    #[cfg(test)]
    if config.fail_spawn_at == Some(index) {
        return Err(io::Error::other("injected spawn failure"));
    }
    let mut builder = thread::Builder::new().name(format!("{}-{index}", config.prefix()));
    if let Some(bytes) = config.stack_size_bytes() {
        builder = builder.stack_size(bytes);
    }
    let shared = Arc::clone(shared);
    builder.spawn(move || worker_main(&shared, index))
}

/// Queues one job under the pool's lock; tickets are taken under the lock so each queue stays
/// sorted by ticket.
fn enqueue(
    state: &mut State,
    class: WorkClass,
    job: Box<dyn FnOnce() + Send>,
    queued_at: Instant,
) -> Ticket {
    let ticket = NEXT_TICKET.fetch_add(1, Ordering::Relaxed);
    state.queues.push(class, ticket, job, queued_at);
    Ticket(ticket)
}

/// What a worker reports back, under the lock, when its job ends.
struct Finished {
    class: WorkClass,
    panicked: bool,
    wait: Duration,
    /// When it ended, if the worker read the clock (`PoolConfig::run_times`).
    ended_at: Option<Instant>,
}

fn worker_main(shared: &Shared, index: usize) {
    let mut finished: Option<Finished> = None;
    loop {
        let mut state = shared.state.lock();
        // The end of the previous job, if this worker goes straight on to the next one.
        let mut last_end = None;
        if let Some(done) = finished.take() {
            last_end = done.ended_at;
            record(&mut state, done);
        }
        let Some((taken, parked)) = next_job(shared, index, state) else {
            return;
        };
        finished = Some(run(shared, taken, index, last_end.filter(|_| !parked)));
    }
}

fn record(state: &mut State, done: Finished) {
    let c = done.class.index();
    state.running -= 1;
    state.running_by_class[c] -= 1;
    if done.class == WorkClass::SlowIo {
        state.slow_running -= 1;
    }
    state.completed[c] += 1;
    if done.panicked {
        state.panicked[c] += 1;
    }
    state.total_wait += done.wait;
    state.max_wait = state.max_wait.max(done.wait);
}

/// Takes the next runnable job, parking while there is none, and says whether it parked.
/// Returns `None` when the pool is shutting down and nothing runnable is left. Unlocks before
/// returning.
fn next_job<'a>(
    shared: &'a Shared,
    me: usize,
    mut state: MutexGuard<'a, State>,
) -> Option<(Taken, bool)> {
    // Whether this worker was woken and counts in `searching` until it takes a job or parks.
    let mut woken = false;
    loop {
        let allowed = state.slow_allowed(shared.slow_cap);
        if let Some(taken) = state.queues.pop(allowed) {
            if woken {
                state.searching -= 1;
            }
            state.running += 1;
            state.running_by_class[taken.class.index()] += 1;
            if taken.slow {
                state.slow_running += 1;
            }
            // More work than this worker can take: pass the wake-up on to one parked worker
            // (the next link of the chain; see `State::searching`).
            let wake = state.claim_wake(shared.slow_cap);
            drop(state);
            if let Some(worker) = wake {
                shared.wake[worker].notify_one();
            }
            return Some((taken, woken));
        }
        if woken {
            state.searching -= 1;
        }
        if state.shutdown {
            return None;
        }
        state.idle.push(me);
        state.asleep[me] = true;
        while state.asleep[me] {
            state = shared.wake[me].wait(state);
        }
        woken = true;
    }
}

/// Runs one job with `current_job()` set, catching a panic, and books its queue wait and run
/// time in its class's histograms (and, if it was late, maybe a warning).
///
/// `last_end` is the end of the job this worker ran just before, when it went straight on to
/// this one without parking: that clock read serves as this job's start (one clock read per
/// job saved; it omits only the few hundred ns of taking the lock and popping). It is never
/// before the job was queued.
fn run(shared: &Shared, taken: Taken, worker: usize, last_end: Option<Instant>) -> Finished {
    let queued_at = taken.queued_at;
    let started_at = match last_end {
        Some(end) => end.max(queued_at),
        None => Instant::now(),
    };
    let class = taken.class;
    let wait_ns = elapsed_ns(queued_at, started_at);
    if shared.recorder.is_late(class, wait_ns) {
        observe::late_job(shared, class, Duration::from_nanos(wait_ns), started_at);
    }
    CURRENT_JOB.with(|c| {
        c.set(Some(JobInfo {
            worker,
            queued_at,
            started_at,
        }))
    });
    let outcome = catch_unwind(AssertUnwindSafe(taken.job));
    CURRENT_JOB.with(|c| c.set(None));
    let panicked = match outcome {
        Ok(()) => false,
        Err(payload) => {
            // Dropping a panic payload can itself panic; keep the worker alive regardless.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            true
        }
    };
    let ended_at = shared.run_times.then(Instant::now);
    let run_ns = ended_at.map(|end| elapsed_ns(started_at, end));
    shared.recorder.record(class, wait_ns, run_ns);
    Finished {
        class,
        panicked,
        wait: Duration::from_nanos(wait_ns),
        ended_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn failed_spawn_shuts_down_started_workers_and_is_an_error() {
        let mut config = PoolConfig::new(3).name_prefix("spawnfail");
        config.fail_spawn_at = Some(2);
        let err = Pool::new(config).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        // (`new` itself asserts, in test builds, that the two started workers were joined.)
        // The process is still able to build a working pool afterwards.
        let pool = Pool::new(PoolConfig::new(1)).unwrap();
        let (tx, rx) = mpsc::channel();
        pool.submit(WorkClass::Cpu, move || tx.send(()).unwrap());
        rx.recv().unwrap();
    }

    #[test]
    fn slow_cap_is_half_rounded_up() {
        for (threads, cap) in [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3)] {
            let pool = Pool::new(PoolConfig::new(threads)).unwrap();
            assert_eq!(pool.shared().slow_cap, cap, "{threads} threads");
        }
    }
}
