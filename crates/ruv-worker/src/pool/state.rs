//! The pool's state on its loop: the workers' places, the queue, the counters — and how the
//! workers' events move tasks along.

use super::metrics::Stats;
use super::worker_side::{Down, Up};
use super::{TaskId, WorkerPool, ERR_POOL_WORKER_EXITED};
use crate::port::PortEnd;
use crate::worker::{Worker, WorkerEvent};
use ruv_core::registry::Callback;
use ruv_core::{Code, Error, Loop, Result};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Instant;

/// A task's callback, run once on the pool's loop.
pub(crate) type TaskCb<S, Out> =
    Callback<Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<Out>) -> Result<()>>>;
/// `close`'s callback.
pub(crate) type CloseCb<S> =
    Callback<Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<()>) -> Result<()>>>;
/// Starts the worker for place `index`: its handle and the sending end of its task channel.
pub(crate) type SpawnFn<S, Task, Out> = Rc<
    dyn Fn(
        &mut Loop<S>,
        WorkerPool<Task, Out>,
        usize,
    ) -> Result<(Worker<Up<Out>>, PortEnd<Down<Task>>)>,
>;

/// Where a worker place stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Its worker is starting: its `init` has not finished.
    Starting,
    /// Ready for (or running) a task.
    Ready,
    /// Terminated by `close`; waiting for its exit.
    Stopping,
    /// No worker: its `init` failed, a replacement could not start, or it stopped.
    Dead,
}

/// One worker place.
pub(crate) struct Slot<S, Task, Out> {
    pub(crate) worker: Worker<Up<Out>>,
    pub(crate) tx: PortEnd<Down<Task>>,
    pub(crate) phase: Phase,
    pub(crate) running: Option<(TaskId, TaskCb<S, Out>)>,
    /// The worker's `Error` event, for the `Exit` that follows.
    pub(crate) error: Option<Error>,
}

/// A task waiting for a worker.
pub(crate) struct Queued<S, Task, Out> {
    pub(crate) id: TaskId,
    pub(crate) task: Task,
    pub(crate) cb: TaskCb<S, Out>,
    pub(crate) queued_at: Instant,
}

/// A `close` in progress.
pub(crate) struct Closing<S> {
    pub(crate) cb: Option<CloseCb<S>>,
    pub(crate) result: Result<()>,
}

/// The pool's handle state.
pub(crate) struct PoolState<S, Task, Out> {
    pub(crate) slots: Vec<Slot<S, Task, Out>>,
    /// Workers taken out of their place by `abort`, terminated, not yet exited.
    pub(crate) retired: Vec<Worker<Up<Out>>>,
    pub(crate) queue: VecDeque<Queued<S, Task, Out>>,
    pub(crate) spawn: SpawnFn<S, Task, Out>,
    pub(crate) stats: Stats,
    pub(crate) max_queue: Option<usize>,
    /// Set once no worker place is left (every `init` failed): `run` answers it.
    pub(crate) broken: Option<Error>,
    pub(crate) close: Option<Closing<S>>,
}

impl<S, Task, Out> PoolState<S, Task, Out> {
    pub(crate) fn running(&self) -> usize {
        self.slots.iter().filter(|s| s.running.is_some()).count()
    }

    fn busy(&self) -> bool {
        !self.queue.is_empty()
            || self.close.is_some()
            || self.slots.iter().any(|s| s.running.is_some())
    }

    fn slot_of(&self, w: Worker<Up<Out>>) -> Option<usize> {
        self.slots.iter().position(|s| s.worker == w)
    }

    pub(crate) fn has_idle_worker(&self) -> bool {
        self.slots
            .iter()
            .any(|s| s.phase == Phase::Ready && s.running.is_none())
    }
}

impl<S, Task: Send + 'static, Out> PoolState<S, Task, Out> {
    /// Hands queued tasks to idle, ready workers, oldest first.
    pub(crate) fn dispatch(&mut self) {
        while !self.queue.is_empty() {
            let Some(slot) = self
                .slots
                .iter_mut()
                .find(|s| s.phase == Phase::Ready && s.running.is_none())
            else {
                return;
            };
            let q = self.queue.pop_front().expect("checked non-empty");
            self.stats.started(q.queued_at.elapsed());
            // false only if the worker died a moment ago: its Exit (coming) fails the task
            slot.tx.post_message(Down(q.id, q.task));
            slot.running = Some((q.id, q.cb));
        }
    }
}

type State<S, Task, Out> = PoolState<S, Task, Out>;

/// Keeps the pool's handle active (keeping the loop alive) exactly while it has work.
pub(crate) fn update_active<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
) {
    let busy = match lp.handle::<State<S, Task, Out>>(pool.0) {
        Ok(h) if !h.is_closing() => h.data.busy(),
        _ => return,
    };
    lp.handle_set_active::<State<S, Task, Out>>(pool.0, busy);
}

/// Each of `cbs` gets `err` in the next pending phase (never inline, as `Loop::cancel`),
/// in order. One deferred callback each: an uncaught error in one leaves the others queued.
pub(crate) fn owe<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
    cbs: Vec<TaskCb<S, Out>>,
    err: &Error,
) {
    for cb in cbs {
        let err = err.clone();
        lp.defer(move |lp, s| call(lp, s, pool, cb, Err(err)));
    }
}

/// Runs a task's callback as a top-level callback of the pool's loop.
pub(crate) fn call<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    pool: WorkerPool<Task, Out>,
    cb: TaskCb<S, Out>,
    res: Result<Out>,
) {
    let Callback { f, site } = cb;
    lp.run_callback(s, "pool.task", Some(pool.0), site, move |lp, s| {
        f(lp, s, res)
    });
}

/// What the pool does with one of its workers' events.
pub(crate) fn on_event<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    pool: WorkerPool<Task, Out>,
    w: Worker<Up<Out>>,
    ev: WorkerEvent<Up<Out>>,
) {
    match ev {
        WorkerEvent::Message(Up::Ready) => {
            let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) else {
                return;
            };
            let st = &mut h.data;
            if let Some(i) = st.slot_of(w) {
                if st.slots[i].phase == Phase::Starting {
                    st.slots[i].phase = Phase::Ready;
                    st.dispatch();
                }
            }
        }
        WorkerEvent::Message(Up::Done(id, res, run)) => answered(lp, s, pool, w, id, res, run),
        WorkerEvent::Error(e) => {
            if let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) {
                if let Some(i) = h.data.slot_of(w) {
                    h.data.slots[i].error = Some(e);
                }
            }
        }
        WorkerEvent::Exit(code) => exited(lp, pool, w, code),
        WorkerEvent::Stuck => {
            let stuck = Error::new(crate::codes::ERR_WORKER_STUCK).with_detail(
                "a worker of the pool did not stop within its terminate deadline: a task in it \
                 is still running and does not check should_stop()",
            );
            lost(lp, pool, w, None, stuck);
        }
        WorkerEvent::Online => {}
    }
    update_active(lp, pool);
    finish_close_if_done(lp, pool);
}

/// A worker answered task `id`.
fn answered<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    pool: WorkerPool<Task, Out>,
    w: Worker<Up<Out>>,
    id: TaskId,
    res: Result<Out>,
    run: std::time::Duration,
) {
    let (cb, stop) = {
        let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) else {
            return;
        };
        let st = &mut h.data;
        // a retired worker's late answer, or an answer to an aborted task: dropped
        let Some(i) = st.slot_of(w) else { return };
        let Some((_, cb)) = st.slots[i].running.take_if(|(r, _)| *r == id) else {
            return;
        };
        st.stats.answered(run, res.is_ok());
        let stop = st.close.is_some();
        if stop {
            st.slots[i].phase = Phase::Stopping;
        } else {
            st.dispatch();
        }
        (cb, stop.then_some(w))
    };
    if let Some(w) = stop {
        terminate(lp, pool, w);
    }
    // the pool is consistent before the program's callback runs (it may run, cancel, close)
    update_active(lp, pool);
    finish_close_if_done(lp, pool);
    call(lp, s, pool, cb, res);
}

/// Terminates a worker the pool is done with; one that already exited is taken as stopped.
pub(crate) fn terminate<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
    w: Worker<Up<Out>>,
) {
    // the outcome arrives as the worker's Exit (or Stuck) event
    if w.terminate(lp, |_: &mut Loop<S>, _: &mut S, _| {}).is_err() {
        let gone = Error::new(crate::codes::ERR_WORKER_NOT_RUNNING);
        lost(lp, pool, w, None, gone);
    }
}

/// A worker's thread ended.
fn exited<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
    w: Worker<Up<Out>>,
    code: i32,
) {
    let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) else {
        return;
    };
    let st = &mut h.data;
    if let Some(i) = st.retired.iter().position(|r| *r == w) {
        st.retired.swap_remove(i);
        return;
    }
    let Some(i) = st.slot_of(w) else { return };
    let slot = &mut st.slots[i];
    let err = slot.error.take().unwrap_or_else(|| {
        Error::new(ERR_POOL_WORKER_EXITED)
            .with_detail(format!("a worker of the pool exited with code {code}"))
    });
    let replace = slot.phase == Phase::Ready && st.close.is_none();
    lost(lp, pool, w, replace.then_some(i), err);
}

/// Worker `w`'s place lost its worker (with `err`): its running task fails with `err`; the
/// place gets a new worker if `replace` names it, else it is dead.
pub(crate) fn lost<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
    w: Worker<Up<Out>>,
    replace: Option<usize>,
    err: Error,
) {
    let (running, spawn) = {
        let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) else {
            return;
        };
        let st = &mut h.data;
        let Some(i) = st.slot_of(w) else { return };
        let running = st.slots[i].running.take();
        if running.is_some() {
            st.stats.failed += 1;
        }
        st.slots[i].phase = Phase::Dead;
        (running, st.spawn.clone())
    };
    if let Some((_, cb)) = running {
        owe(lp, pool, vec![cb], &err);
    }
    match replace {
        Some(i) => respawn(lp, pool, i, &spawn),
        None => note_dead(lp, pool, err),
    }
}

/// Starts a new worker in place `i`.
pub(crate) fn respawn<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
    i: usize,
    spawn: &SpawnFn<S, Task, Out>,
) {
    match spawn(lp, pool, i) {
        Ok((worker, tx)) => {
            if let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) {
                let slot = &mut h.data.slots[i];
                slot.worker = worker;
                slot.tx = tx;
                slot.phase = Phase::Starting;
                slot.error = None;
                h.data.stats.replaced += 1;
            }
        }
        Err(e) => note_dead(lp, pool, e),
    }
}

/// A place died for good: once none is left, the queue fails with `err` and so does `run`.
fn note_dead<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
    err: Error,
) {
    let failed: Vec<_> = {
        let Ok(h) = lp.handle_mut::<State<S, Task, Out>>(pool.0) else {
            return;
        };
        let st = &mut h.data;
        if st.close.is_some() {
            // a stuck worker during close: close reports it
            if let Some(c) = &mut st.close {
                if c.result.is_ok() && err.code() == crate::codes::ERR_WORKER_STUCK {
                    c.result = Err(err);
                }
            }
            return;
        }
        if st.slots.iter().any(|s| s.phase != Phase::Dead) {
            return;
        }
        st.broken = Some(err.clone());
        st.stats.failed += st.queue.len() as u64;
        st.queue.drain(..).map(|q| q.cb).collect()
    };
    owe(lp, pool, failed, &err);
}

/// Once a `close` has seen every worker stop, the pool's handle closes; its closing phase
/// frees it and queues the close callback behind the tasks' deferred ones.
pub(crate) fn finish_close_if_done<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    pool: WorkerPool<Task, Out>,
) {
    let done = match lp.handle::<State<S, Task, Out>>(pool.0) {
        Ok(h) if !h.is_closing() => {
            h.data.close.is_some() && h.data.slots.iter().all(|s| s.phase == Phase::Dead)
        }
        _ => false,
    };
    if done {
        // checked above: open and not closing
        let _ = lp.close_handle_with::<State<S, Task, Out>>(pool.0, finish_pool::<S, Task, Out>);
    }
}

fn finish_pool<S: 'static, Task: Send + 'static, Out: Send + 'static>(
    lp: &mut Loop<S>,
    _: &mut S,
    id: ruv_core::HandleId,
) {
    let Some(h) = lp.handles::<State<S, Task, Out>>().remove(id) else {
        return;
    };
    // after the tasks' callbacks, which were deferred before this
    if let Some(Closing {
        cb: Some(cb),
        result,
    }) = h.data.close
    {
        let Callback { f, site } = cb;
        lp.defer(move |lp, s| {
            lp.run_callback(s, "pool.close", Some(id), site, move |lp, s| {
                f(lp, s, result)
            });
        });
    }
}

/// The error for a cancelled task.
pub(crate) fn cancelled(what: &'static str) -> Error {
    Error::op(Code::ECANCELED, what)
}
