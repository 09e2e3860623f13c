//! Rolling restarts (one slot at a time) and the graceful shutdown.

use super::{disconnect_and_kill, emit, state, DoneFn, Supervisor, SupervisorEvent};
use crate::Worker;
use ruv_core::{Code, Error, Loop, Result, Timer};
use std::collections::VecDeque;

struct Step {
    slot: usize,
    old: Worker,
    new: Worker,
    timer: Option<Timer>,
    /// The new worker is ready; waiting for the old one's exit.
    draining: bool,
}

struct Run<S> {
    queue: VecDeque<usize>,
    step: Option<Step>,
    replaced: usize,
    cb: Option<DoneFn<S>>,
}

/// The reload in progress and those asked for meanwhile (`None`: every slot).
pub(crate) struct Reloads<S> {
    run: Option<Run<S>>,
    waiting: VecDeque<(Option<usize>, Option<DoneFn<S>>)>,
}

impl<S> Default for Reloads<S> {
    fn default() -> Self {
        Reloads {
            run: None,
            waiting: VecDeque::new(),
        }
    }
}

impl<S> Reloads<S> {
    /// Whether a reload runs or waits.
    pub(crate) fn busy(&self) -> bool {
        self.run.is_some() || !self.waiting.is_empty()
    }
}

/// Starts (or queues) a rolling restart of `only` one slot or of all.
pub(crate) fn start<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    sup: Supervisor,
    only: Option<usize>,
    cb: Option<DoneFn<S>>,
) {
    let Some(st) = state(lp, sup) else { return };
    if st.shutting_down {
        if let Some(cb) = cb {
            cb(lp, s, Err(cancelled()));
        }
        return;
    }
    if st.reload.run.is_some() {
        st.reload.waiting.push_back((only, cb));
        return;
    }
    let queue = match only {
        Some(i) => VecDeque::from([i]),
        None => (0..st.slots.len()).collect(),
    };
    st.reload.run = Some(Run {
        queue,
        step: None,
        replaced: 0,
        cb,
    });
    next(lp, s, sup);
}

fn cancelled() -> Error {
    Error::new(Code::ECANCELED).with_detail("the supervisor is shutting down")
}

/// Begins the next slot's replacement, or ends the run.
fn next<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor) {
    loop {
        let Some(st) = state(lp, sup) else { return };
        let Some(run) = st.reload.run.as_mut() else {
            return;
        };
        let Some(i) = run.queue.pop_front() else {
            let replaced = run.replaced;
            finish(lp, s, sup, Ok(replaced));
            return;
        };
        // a slot restarting or given up has nothing to replace
        let Some(old) = st.slots.get(i).and_then(|sl| sl.worker) else {
            continue;
        };
        let timeout = st.opts.listen_timeout_ms;
        let cluster = st.cluster;
        let new = match cluster.fork(lp) {
            Ok(w) => w,
            Err(e) => {
                finish(lp, s, sup, Err(e));
                return;
            }
        };
        let timer = Timer::new(lp).ok();
        if let Some(t) = timer {
            t.start(lp, timeout, 0, move |lp, s, t| {
                t.close(lp).ok();
                timed_out(lp, s, sup, new);
            })
            .ok();
        }
        if let Some(run) = state(lp, sup).and_then(|st| st.reload.run.as_mut()) {
            run.step = Some(Step {
                slot: i,
                old,
                new,
                timer,
                draining: false,
            });
        }
        return;
    }
}

fn finish<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, r: Result<usize>) {
    let Some(run) = state(lp, sup).and_then(|st| st.reload.run.take()) else {
        return;
    };
    if let Some(t) = run.step.and_then(|st| st.timer) {
        t.close(lp).ok();
    }
    if let Ok(n) = r {
        emit(lp, s, sup, SupervisorEvent::ReloadDone { replaced: n });
    }
    if let Some(cb) = run.cb {
        cb(lp, s, r);
    }
    let waiting = state(lp, sup).and_then(|st| st.reload.waiting.pop_front());
    if let Some((only, cb)) = waiting {
        start(lp, s, sup, only, cb);
    }
}

fn aborted<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, error: Error) {
    let step = state(lp, sup)
        .and_then(|st| st.reload.run.as_mut())
        .and_then(|run| run.step.take());
    let Some(step) = step else { return };
    if let Some(t) = step.timer {
        t.close(lp).ok();
    }
    let ev = SupervisorEvent::ReloadAborted {
        slot: step.slot,
        kept: step.old,
        failed: step.new,
        error: error.clone(),
    };
    emit(lp, s, sup, ev);
    finish(lp, s, sup, Err(error));
}

fn timed_out<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, new: Worker) {
    let waiting = state(lp, sup)
        .and_then(|st| st.reload.run.as_mut())
        .and_then(|run| run.step.as_mut())
        .is_some_and(|st| st.new == new && !st.draining);
    if !waiting {
        return;
    }
    if let Some(step) = state(lp, sup)
        .and_then(|st| st.reload.run.as_mut())
        .and_then(|run| run.step.as_mut())
    {
        step.timer = None;
    }
    new.kill(lp, ruv_process::child::Signal::SIGKILL);
    let e = Error::new(Code::ETIMEDOUT).with_detail(format!(
        "worker {} was not listening or ready within the listen timeout",
        new.id()
    ));
    aborted(lp, s, sup, e);
}

/// Worker `w` listens or said it is ready.
pub(crate) fn on_ready<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, w: Worker) {
    let now = lp.now();
    let Some(st) = state(lp, sup) else { return };
    let Some(step) = st.reload.run.as_mut().and_then(|run| run.step.as_mut()) else {
        return;
    };
    if step.new != w || step.draining {
        return;
    }
    step.draining = true;
    let (i, old, timer) = (step.slot, step.old, step.timer.take());
    if let Some(sl) = st.slots.get_mut(i) {
        sl.worker = Some(w);
        sl.started = now;
        sl.unstable = 0;
        sl.delay = st.opts.restart_delay_ms;
    }
    if let Some(t) = timer {
        t.close(lp).ok();
    }
    emit(
        lp,
        s,
        sup,
        SupervisorEvent::Replaced {
            slot: i,
            old,
            new: w,
        },
    );
    if old.is_dead(lp) {
        step_done(lp, s, sup);
    } else {
        disconnect_and_kill(lp, sup, old);
    }
}

fn step_done<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor) {
    if let Some(run) = state(lp, sup).and_then(|st| st.reload.run.as_mut()) {
        run.step = None;
        run.replaced += 1;
    }
    next(lp, s, sup);
}

/// Worker `w` exited: `true` if that was the reload's business (no restart for it).
pub(crate) fn on_exit<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, w: Worker) -> bool {
    let Some(step) = state(lp, sup)
        .and_then(|st| st.reload.run.as_ref())
        .and_then(|run| run.step.as_ref())
    else {
        return false;
    };
    let (old, new, draining) = (step.old, step.new, step.draining);
    if w == new && !draining {
        let e = Error::new(Code::ESRCH).with_detail(format!(
            "worker {} exited before it was listening or ready",
            w.id()
        ));
        aborted(lp, s, sup, e);
        return true;
    }
    if w == old {
        if draining {
            step_done(lp, s, sup);
        }
        // before the new one is ready: it takes the slot then
        return true;
    }
    false
}

/// Starts the graceful shutdown (once).
pub(crate) fn start_shutdown<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    sup: Supervisor,
    cb: Option<DoneFn<S>>,
) {
    let Some(st) = state(lp, sup) else { return };
    if let Some(cb) = cb {
        st.shutdown_cbs.push(cb);
    }
    if st.shutting_down {
        return;
    }
    st.shutting_down = true;
    let timers: Vec<Timer> = st
        .slots
        .iter_mut()
        .filter_map(|sl| sl.timer.take())
        .collect();
    let run = st.reload.run.take();
    let waiting: Vec<_> = st.reload.waiting.drain(..).collect();
    let cluster = st.cluster;
    for t in timers {
        t.close(lp).ok();
    }
    if let Some(run) = run {
        if let Some(t) = run.step.and_then(|st| st.timer) {
            t.close(lp).ok();
        }
        if let Some(cb) = run.cb {
            cb(lp, s, Err(cancelled()));
        }
    }
    for (_, cb) in waiting {
        if let Some(cb) = cb {
            cb(lp, s, Err(cancelled()));
        }
    }
    for w in cluster.workers(lp) {
        disconnect_and_kill(lp, sup, w);
    }
    shutdown_progress(lp, s, sup);
}

/// Ends the shutdown once no worker is left (the one exiting now is still listed).
pub(crate) fn shutdown_progress<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor) {
    let Some(st) = state(lp, sup) else { return };
    let cluster = st.cluster;
    let alive = cluster
        .workers(lp)
        .into_iter()
        .filter(|w| w.state(lp) != crate::WorkerState::Dead)
        .count();
    if alive > 0 {
        return;
    }
    let Some(st) = state(lp, sup) else { return };
    if !st.shutting_down || st.done {
        return;
    }
    st.done = true;
    let watchers: Vec<_> = st.watchers.drain(..).collect();
    let check = st.check.take();
    let cbs: Vec<_> = st.shutdown_cbs.drain(..).collect();
    for w in watchers {
        w.close(lp).ok();
    }
    if let Some(t) = check {
        t.close(lp).ok();
    }
    emit(lp, s, sup, SupervisorEvent::ShutdownDone);
    for cb in cbs {
        cb(lp, s, Ok(0));
    }
}
