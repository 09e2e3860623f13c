//! A pool of workers for CPU work (what Node programs take piscina for): N [`Worker`]s, a
//! FIFO task queue on the parent's loop, each result back as a loop callback.
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_worker::{PoolOptions, WorkerPool};
//!
//! let mut lp: Loop<Vec<u64>> = Loop::new()?;
//! let pool = WorkerPool::new(&mut lp, PoolOptions::new().threads(2), |n: u64| {
//!     (1..=n).product::<u64>() // runs on a worker thread
//! })?;
//! for n in [5, 10, 20] {
//!     pool.run(&mut lp, n, |_lp, out, res| out.push(res.unwrap()))?;
//! }
//! let mut out = Vec::new();
//! lp.run(RunMode::Default, &mut out)?; // returns once every task answered: idle workers
//! out.sort();                            // do not keep the loop alive
//! assert_eq!(out, [120, 3_628_800, 2_432_902_008_176_640_000]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! * **Workers.** Each is a [`Worker`] — a thread with its own loop — started by the pool.
//!   [`WorkerPool::new`] takes a plain `Fn(Task) -> Out`; [`WorkerPool::with_state`] gives
//!   each worker state of its own, built on its thread by an `init` (a JS runtime, a
//!   connection, a cache: it need not be `Send` and lives across tasks), and a handler that
//!   answers through a [`Reply`], at once or later from the worker's own loop (timers, fs).
//! * **Scheduling.** One FIFO queue, in the parent: each ready, idle worker is handed the
//!   oldest task; a worker runs one task at a time. Because the queue is the parent's,
//!   [`cancel`](WorkerPool::cancel) and the [`metrics`](WorkerPool::metrics) are exact.
//! * **Results** arrive as one-shot callbacks on the pool's loop, exactly once: `Ok(out)`;
//!   `EPANIC` (with the message) if the handler panicked — the worker catches it and goes
//!   on; the handler's own error; `ECANCELED` after `cancel`, `abort` or `close`.
//! * **Liveness.** The pool keeps its loop alive while a task is queued or running (or a
//!   `close` is under way), and not when idle: a program ends when its work is done.
//! * **Isolation.** A worker that dies (a panic outside the handler's own call, an error in
//!   its loop) fails its task with that error and is replaced; [`abort`](WorkerPool::abort)
//!   terminates the worker running a task and starts a new one in its place.
//!
//! docs/worker.md says when to use this pool and when ruv-pool's compute class
//! (`Loop::queue_work(WorkClass::Cpu, …)`).

mod metrics;
mod options;
mod state;
mod worker_side;

pub use metrics::{PoolMetrics, WAIT_BUCKETS};
pub use options::{default_threads, PoolOptions, DEFAULT_NAME_PREFIX};
pub use worker_side::{Reply, WorkerInfo};

use crate::port::MessageChannel;
use crate::worker::{Worker, WorkerOptions};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Code, Error, Loop, Result};
use state::{Phase, PoolState, Slot, SpawnFn};
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use worker_side::{Down, Shared};

/// `run` on a pool whose queue holds `max_queue` tasks already (piscina's "queue is at
/// limit").
pub const ERR_POOL_QUEUE_FULL: Code = Code::new("ERR_POOL_QUEUE_FULL", "task queue is full");

/// A worker's thread ended while it ran the task (it called [`exit`](crate::exit), or its
/// loop stopped); a panic or error that ended it is reported as itself instead.
pub const ERR_POOL_WORKER_EXITED: Code = Code::new(
    "ERR_POOL_WORKER_EXITED",
    "the worker exited while running the task",
);

/// A handler dropped a task's [`Reply`] without answering.
pub const ERR_TASK_NO_REPLY: Code = Code::new(
    "ERR_TASK_NO_REPLY",
    "the task's reply was dropped without an answer",
);

/// A task of a [`WorkerPool`]: `Copy`, unique in the process, for
/// [`cancel`](WorkerPool::cancel) and [`abort`](WorkerPool::abort).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The number behind the id.
    pub fn get(self) -> u64 {
        self.0
    }
}

static NEXT_TASK: AtomicU64 = AtomicU64::new(1);

/// A pool of workers on a loop: a `Copy` handle id.
pub struct WorkerPool<Task, Out>(pub(crate) HandleId, pub(crate) PhantomData<fn(Task) -> Out>);

impl<Task, Out> Clone for WorkerPool<Task, Out> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Task, Out> Copy for WorkerPool<Task, Out> {}
impl<Task, Out> PartialEq for WorkerPool<Task, Out> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<Task, Out> Eq for WorkerPool<Task, Out> {}
impl<Task, Out> std::fmt::Debug for WorkerPool<Task, Out> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WorkerPool").field(&self.0).finish()
    }
}

fn closed() -> Error {
    Error::new(Code::EBADF).with_detail("the worker pool is closed")
}

impl<Task: Send + 'static, Out: Send + 'static> WorkerPool<Task, Out> {
    /// Starts `options.threads` workers that each run `handler` on the tasks they are given.
    /// A panic in `handler` answers that task with `EPANIC`; the worker goes on.
    ///
    /// # Errors
    /// `ERR_WORKER_INIT_FAILED` if a thread cannot be created (the workers already started
    /// are terminated).
    pub fn new<S: 'static>(
        lp: &mut Loop<S>,
        options: PoolOptions,
        handler: impl Fn(Task) -> Out + Send + Sync + 'static,
    ) -> Result<WorkerPool<Task, Out>> {
        WorkerPool::with_state(
            lp,
            options,
            |_: &mut Loop<()>, _| Ok(()),
            move |_, _, task, reply| reply.send(handler(task)),
        )
    }

    /// Starts `options.threads` workers, each with state of its own: `init` builds it on
    /// the worker's thread, on the worker's loop (so `W` need not be `Send`, and may set up
    /// handles there); `handler` gets each task with the worker's loop and state, and a
    /// [`Reply`] to answer it with — now, or from a later callback of that loop. The worker
    /// takes no other task until the reply is answered.
    ///
    /// An error `handler` returns answers the task (if it was not answered yet); a panic in
    /// `handler` answers it with `EPANIC`, and the worker goes on with its state as the panic
    /// left it. An `init` that fails leaves its place empty (once every place is empty, the
    /// queued tasks and later `run`s fail with its error); a worker whose loop fails or
    /// panics later is replaced, its task failing with that error.
    ///
    /// # Errors
    /// `ERR_WORKER_INIT_FAILED` if a thread cannot be created (the workers already started
    /// are terminated).
    pub fn with_state<S: 'static, W: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        options: PoolOptions,
        init: impl Fn(&mut Loop<W>, WorkerInfo) -> Result<W> + Send + Sync + 'static,
        handler: impl Fn(&mut Loop<W>, &mut W, Task, Reply<Out>) -> R + Send + Sync + 'static,
    ) -> Result<WorkerPool<Task, Out>> {
        let shared = Arc::new(Shared { init, handler });
        let opts = options.clone();
        let spawn: SpawnFn<S, Task, Out> = Rc::new(move |lp, pool, index| {
            let (tx, rx) = MessageChannel::new::<Down<Task>>();
            let wo = WorkerOptions::new()
                .name(format!("{}-{index}", opts.name_prefix))
                .stack_size(opts.stack_size)
                .pool(opts.io_pool)
                .terminate_deadline(opts.terminate_deadline)
                .worker_data(rx);
            let shared = shared.clone();
            let w = Worker::spawn(
                lp,
                wo,
                move |wlp: &mut Loop<W>, ctx| worker_side::entry(wlp, ctx, shared, index),
                move |lp, s, w, ev| state::on_event(lp, s, pool, w, ev),
            )?;
            // the pool's handle keeps the loop alive while there is work, not its workers
            w.set_ref(lp, false);
            Ok((w, tx))
        });
        let id = lp
            .handles::<PoolState<S, Task, Out>>()
            .insert(Handle::new(PoolState {
                slots: Vec::with_capacity(options.threads),
                retired: Vec::new(),
                queue: VecDeque::new(),
                spawn: spawn.clone(),
                stats: Default::default(),
                max_queue: options.max_queue,
                broken: None,
                close: None,
            }));
        let pool = WorkerPool(id, PhantomData);
        for index in 0..options.threads {
            match spawn(lp, pool, index) {
                Ok((worker, tx)) => {
                    let st = &mut lp.handle_mut::<PoolState<S, Task, Out>>(id)?.data;
                    st.slots.push(Slot {
                        worker,
                        tx,
                        phase: Phase::Starting,
                        running: None,
                        error: None,
                    });
                }
                Err(e) => {
                    let st = lp.handles::<PoolState<S, Task, Out>>().remove(id);
                    for slot in st.into_iter().flat_map(|h| h.data.slots) {
                        // just started: terminate cannot fail; its events find no pool
                        let _ = slot
                            .worker
                            .terminate(lp, |_: &mut Loop<S>, _: &mut S, _| {});
                    }
                    return Err(e);
                }
            }
        }
        Ok(pool)
    }

    /// The handle id.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Queues `task`; `cb` runs once on this loop with its result: `Ok(out)`, `EPANIC` if
    /// the handler panicked, the handler's error, `ECANCELED` if it was cancelled (by
    /// [`cancel`](Self::cancel), [`abort`](Self::abort) or [`close`](Self::close)), or the
    /// error that ended its worker.
    ///
    /// # Errors
    /// `EBADF` once the pool is closing or closed; [`ERR_POOL_QUEUE_FULL`] if `max_queue`
    /// tasks wait already and no worker is idle; the `init` error once every worker's
    /// `init` failed. `cb` is not called then.
    #[track_caller]
    pub fn run<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        task: Task,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Out>) -> R + 'static,
    ) -> Result<TaskId> {
        let site = std::panic::Location::caller();
        let st = &mut lp
            .open_handle_mut::<PoolState<S, Task, Out>>(self.0)
            .map_err(|_| closed())?
            .data;
        if st.close.is_some() {
            return Err(closed());
        }
        if let Some(e) = &st.broken {
            return Err(e.clone());
        }
        if let Some(max) = st.max_queue {
            if st.queue.len() >= max && !st.has_idle_worker() {
                st.stats.rejected += 1;
                return Err(Error::new(ERR_POOL_QUEUE_FULL).with_detail(format!(
                    "the task queue is full: {max} tasks wait for a worker (max_queue)"
                )));
            }
        }
        let id = TaskId(NEXT_TASK.fetch_add(1, Ordering::Relaxed));
        st.queue.push_back(state::Queued {
            id,
            task,
            cb: Callback::at(
                Box::new(move |lp, s, res| cb(lp, s, res).into_result()),
                site,
            ),
            queued_at: Instant::now(),
        });
        st.stats.submitted += 1;
        st.dispatch();
        state::update_active(lp, self);
        Ok(id)
    }

    /// Cancels a task that is still queued: its callback gets `ECANCELED` (in the next
    /// pending phase, never inline) and the handler never sees it.
    ///
    /// # Errors
    /// `EBUSY` if the task is running or done, or not this pool's (as
    /// `Loop::cancel`); `EBADF` for a stale pool.
    pub fn cancel<S: 'static>(self, lp: &mut Loop<S>, task: TaskId) -> Result<()> {
        let st = &mut lp.handle_mut::<PoolState<S, Task, Out>>(self.0)?.data;
        let Some(pos) = st.queue.iter().position(|q| q.id == task) else {
            return Err(Error::op(Code::EBUSY, "cancel").with_detail("the task is running or done"));
        };
        let q = st.queue.remove(pos).expect("found above");
        st.stats.cancelled += 1;
        state::owe(lp, self, vec![q.cb], &state::cancelled("cancel"));
        state::update_active(lp, self);
        Ok(())
    }

    /// Cancels a task, queued or running: a queued one as [`cancel`](Self::cancel); for a
    /// running one, its worker is terminated (its loop halts at the next callback boundary;
    /// a handler computing on must check [`should_stop`](crate::should_stop) — Rust cannot
    /// pre-empt it) and a new worker takes its place at once, so the pool keeps its size.
    /// The callback gets `ECANCELED` in the next pending phase; whatever the old worker
    /// still answers is dropped.
    ///
    /// # Errors
    /// `EBUSY` if the task is done or not this pool's; `EBADF` for a stale pool.
    pub fn abort<S: 'static>(self, lp: &mut Loop<S>, task: TaskId) -> Result<()> {
        if self.cancel(lp, task).is_ok() {
            return Ok(());
        }
        let (old, cb, spawn, index) = {
            let st = &mut lp.handle_mut::<PoolState<S, Task, Out>>(self.0)?.data;
            let Some(index) = st
                .slots
                .iter()
                .position(|s| s.running.as_ref().is_some_and(|(id, _)| *id == task))
            else {
                return Err(Error::op(Code::EBUSY, "abort").with_detail("the task is done"));
            };
            let slot = &mut st.slots[index];
            let (_, cb) = slot.running.take().expect("found above");
            slot.phase = Phase::Dead;
            st.stats.cancelled += 1;
            st.retired.push(slot.worker);
            (slot.worker, cb, st.spawn.clone(), index)
        };
        if old
            .terminate(lp, |_: &mut Loop<S>, _: &mut S, _| {})
            .is_err()
        {
            // it exited meanwhile: its Exit event will find it in `retired` or not at all
            if let Ok(h) = lp.handle_mut::<PoolState<S, Task, Out>>(self.0) {
                h.data.retired.retain(|w| *w != old);
            }
        }
        state::owe(lp, self, vec![cb], &state::cancelled("abort"));
        let closing = lp
            .handle::<PoolState<S, Task, Out>>(self.0)
            .is_ok_and(|h| h.data.close.is_some());
        if !closing {
            state::respawn(lp, self, index, &spawn);
        }
        state::update_active(lp, self);
        state::finish_close_if_done(lp, self);
        Ok(())
    }

    /// The pool's counters now.
    ///
    /// # Errors
    /// `EBADF` for a stale pool (closed and freed).
    pub fn metrics<S: 'static>(self, lp: &Loop<S>) -> Result<PoolMetrics> {
        let st = &lp.handle::<PoolState<S, Task, Out>>(self.0)?.data;
        let live = st.slots.iter().filter(|s| s.phase != Phase::Dead).count();
        Ok(st.stats.snapshot(live, st.queue.len(), st.running()))
    }

    /// Closes the pool: queued tasks get `ECANCELED`, running ones finish (their callbacks
    /// get their results), then every worker is terminated; once all have exited the pool
    /// is freed and `cb` runs (after every task's callback) with
    /// `Ok(())`, or `ERR_WORKER_STUCK` if a worker did not stop within its terminate
    /// deadline. The pool keeps the loop alive until then.
    ///
    /// # Errors
    /// `EBADF` for a stale pool; `EINVAL` if it is closing already.
    #[track_caller]
    pub fn close<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<()> {
        let site = std::panic::Location::caller();
        let st = &mut lp.open_handle_mut::<PoolState<S, Task, Out>>(self.0)?.data;
        if st.close.is_some() {
            return Err(Error::new(Code::EINVAL).with_detail("the worker pool is already closing"));
        }
        st.close = Some(state::Closing {
            cb: Some(Callback::at(
                Box::new(move |lp, s, res| cb(lp, s, res).into_result()),
                site,
            )),
            result: Ok(()),
        });
        let queued: Vec<_> = st.queue.drain(..).map(|q| q.cb).collect();
        st.stats.cancelled += queued.len() as u64;
        let mut stop = Vec::new();
        for slot in &mut st.slots {
            if slot.running.is_none() && slot.phase != Phase::Dead {
                slot.phase = Phase::Stopping;
                stop.push(slot.worker);
            }
        }
        state::owe(lp, self, queued, &state::cancelled("close"));
        for w in stop {
            state::terminate(lp, self, w);
        }
        state::update_active(lp, self);
        state::finish_close_if_done(lp, self);
        Ok(())
    }

    /// Referenced or not: an unreferenced pool does not keep its loop alive even while it
    /// has work. No-op on a stale pool.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        lp.handle_set_ref::<PoolState<S, Task, Out>>(self.0, on);
    }

    /// Whether the pool keeps its loop alive while it has work.
    ///
    /// # Errors
    /// `EBADF` for a stale pool.
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
        Ok(lp.handle::<PoolState<S, Task, Out>>(self.0)?.has_ref())
    }
}
