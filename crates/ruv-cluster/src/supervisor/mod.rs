//! Supervision on top of [`Cluster`] (what PM2 adds to Node's module): restarts with
//! backoff, rolling restarts, graceful shutdown, broadcast, and per-worker metrics.
//!
//! A [`Supervisor`] owns a [`Cluster`] and keeps `workers` slots filled: a worker that exits
//! unexpectedly (not after a disconnect, not while shutting down) is forked again after a
//! delay that grows while its slot is unstable (lives shorter than `min_uptime_ms`), and the
//! slot is given up after `max_restarts` unstable lives in a row. Every wait is a loop
//! timer, so the primary stays responsive in a crash loop. `SIGUSR2` starts a rolling
//! restart ([`Supervisor::reload`]), `SIGINT`/`SIGTERM` a graceful shutdown
//! ([`Supervisor::shutdown`]). Workers report their load with [`report_metrics`]. Design:
//! `docs/cluster-supervision.md`.
//!
//! ```no_run
//! use ruv_cluster::{Supervisor, SupervisorEvent, SupervisorOptions};
//! use ruv_core::{Loop, RunMode};
//!
//! let mut lp: Loop<()> = Loop::new()?;
//! if ruv_cluster::is_primary() {
//!     let opts = SupervisorOptions { workers: 4, ..SupervisorOptions::default() };
//!     Supervisor::new(&mut lp, opts, |_, _, _, ev| {
//!         if let SupervisorEvent::GaveUp { slot, .. } = ev {
//!             eprintln!("slot {slot} keeps crashing: given up");
//!         }
//!     })?;
//! } else {
//!     ruv_cluster::worker::setup(&mut lp, |_, _, _| {})?;
//!     ruv_cluster::supervisor::report_metrics(&mut lp, 1000)?;
//!     // … create a server and ruv_cluster::worker::listen(…) it
//! }
//! lp.run(RunMode::Default, &mut ())?;
//! # Ok::<(), ruv_core::Error>(())
//! ```

mod metrics;
mod reload;

pub use metrics::{count_request, report_metrics, WorkerMetrics};

use crate::primary::tick;
use crate::{proto, Cluster, ClusterEvent, Settings, Worker};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Error, Loop, Result, Signal, Timer};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// How a [`Supervisor`] runs its workers (PM2's defaults).
#[derive(Clone, Debug)]
pub struct SupervisorOptions {
    /// How the workers are forked.
    pub settings: Settings,
    /// How many workers (slots) to keep running (default 1).
    pub workers: usize,
    /// A life shorter than this (ms) is unstable (default 1000).
    pub min_uptime_ms: u64,
    /// Unstable lives in a row after which a slot is given up (default 16).
    pub max_restarts: u32,
    /// The first restart delay (ms, default 100); reset after a stable life.
    pub restart_delay_ms: u64,
    /// What each restart multiplies the delay by (default 1.5).
    pub backoff_factor: f64,
    /// The largest restart delay (ms, default 15000).
    pub max_restart_delay_ms: u64,
    /// How long a rolling restart waits for a new worker to listen or be ready (ms,
    /// default 3000).
    pub listen_timeout_ms: u64,
    /// How long a disconnected worker may take to exit before `SIGKILL` (ms, default 5000).
    pub kill_timeout_ms: u64,
    /// A worker whose RSS exceeds this many bytes is replaced (a one-worker rolling restart).
    pub max_memory_rss: Option<u64>,
    /// How often the RSS limit is checked (ms, default 1000).
    pub memory_check_ms: u64,
    /// Watch `SIGINT`/`SIGTERM` (shutdown) and `SIGUSR2` (reload) (default `true`).
    pub signals: bool,
}

impl Default for SupervisorOptions {
    fn default() -> Self {
        SupervisorOptions {
            settings: Settings::default(),
            workers: 1,
            min_uptime_ms: 1000,
            max_restarts: 16,
            restart_delay_ms: 100,
            backoff_factor: 1.5,
            max_restart_delay_ms: 15_000,
            listen_timeout_ms: 3000,
            kill_timeout_ms: 5000,
            max_memory_rss: None,
            memory_check_ms: 1000,
            signals: true,
        }
    }
}

/// What the supervisor's callback gets: every cluster event, then the supervisor's own.
#[derive(Debug)]
pub enum SupervisorEvent<'a> {
    /// An event of the cluster underneath.
    Cluster(ClusterEvent<'a>),
    /// A slot's worker exited unexpectedly; a new one is forked after `delay_ms`.
    Restarting {
        /// The slot (0-based).
        slot: usize,
        /// The worker that exited.
        exited: Worker,
        /// The wait before the fork.
        delay_ms: u64,
        /// Unstable lives in a row so far.
        unstable: u32,
    },
    /// A slot's worker was forked again after an exit.
    Restarted {
        /// The slot.
        slot: usize,
        /// The new worker.
        worker: Worker,
    },
    /// A slot was given up: too many unstable lives in a row.
    GaveUp {
        /// The slot.
        slot: usize,
        /// Unstable lives in a row.
        unstable: u32,
    },
    /// A rolling restart replaced a slot's worker: `new` is ready, `old` disconnects.
    Replaced {
        /// The slot.
        slot: usize,
        /// The worker leaving.
        old: Worker,
        /// Its replacement.
        new: Worker,
    },
    /// A rolling restart ended, `replaced` workers replaced.
    ReloadDone {
        /// How many.
        replaced: usize,
    },
    /// A rolling restart stopped: the new worker was not ready in time (it was killed) or
    /// exited; the old one keeps serving.
    ReloadAborted {
        /// The slot.
        slot: usize,
        /// The worker kept.
        kept: Worker,
        /// The replacement that failed.
        failed: Worker,
        /// Why (`ETIMEDOUT` for the listen timeout).
        error: Error,
    },
    /// A disconnected worker was still alive after the kill timeout and got `SIGKILL`.
    Killed(Worker),
    /// A worker's RSS is over the limit: it is replaced.
    MemoryLimit {
        /// The worker.
        worker: Worker,
        /// Its RSS in bytes.
        rss: u64,
    },
    /// A worker reported its load.
    Metrics(Worker, WorkerMetrics),
    /// The graceful shutdown ended: every worker exited.
    ShutdownDone,
}

/// A supervisor: a `Copy` id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Supervisor(HandleId);

type SupFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Supervisor, SupervisorEvent<'a>) -> Result<()>>;
/// What [`Supervisor::reload`] and [`Supervisor::shutdown`] call when done.
pub type DoneFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<usize>)>;

#[derive(Debug)]
struct Slot {
    worker: Option<Worker>,
    started: u64,
    unstable: u32,
    delay: u64,
    timer: Option<Timer>,
    gave_up: bool,
}

pub(crate) struct SupState<S> {
    cb: Option<Callback<SupFn<S>>>,
    cluster: Cluster,
    opts: SupervisorOptions,
    slots: Vec<Slot>,
    pending: VecDeque<SupervisorEvent<'static>>,
    reload: reload::Reloads<S>,
    shutting_down: bool,
    done: bool,
    shutdown_cbs: Vec<DoneFn<S>>,
    metrics: HashMap<u32, WorkerMetrics>,
    kill_timers: HashMap<u32, Timer>,
    watchers: Vec<Signal>,
    check: Option<Timer>,
}

fn state<S: 'static>(lp: &mut Loop<S>, sup: Supervisor) -> Option<&mut SupState<S>> {
    lp.handles::<SupState<S>>()
        .get_mut(sup.0)
        .map(|h| &mut h.data)
}

/// Calls the user's callback directly, not through `dispatch_handle`: most events come from
/// inside the cluster's own callback, and a nested dispatch would run the after-callback
/// hook (next ticks) while the cluster's callback is out of its slot, losing its events.
fn dispatch<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, ev: SupervisorEvent<'_>) {
    let Some(mut cb) = state(lp, sup).and_then(|st| st.cb.take()) else {
        return;
    };
    let r = (cb.f)(lp, s, sup, ev);
    if let Some(st) = state(lp, sup) {
        if st.cb.is_none() {
            st.cb = Some(cb);
        }
    }
    if let Err(e) = r {
        lp.report_error(s, e);
    }
    drain(lp, s, sup);
}

/// Queues one of the supervisor's own events; it is delivered now unless the callback is
/// running (then right after it returns), so none is lost and their order is kept.
fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, ev: SupervisorEvent<'static>) {
    if let Some(st) = state(lp, sup) {
        st.pending.push_back(ev);
    }
    drain(lp, s, sup);
}

fn drain<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor) {
    loop {
        let Some(st) = state(lp, sup) else { return };
        if st.cb.is_none() {
            return;
        }
        let Some(ev) = st.pending.pop_front() else {
            return;
        };
        dispatch(lp, s, sup, ev);
    }
}

impl Supervisor {
    /// Sets up the primary's cluster and forks `opts.workers` workers. `cb` gets every
    /// event. The supervisor's signal watchers and timers keep nothing alive: its workers
    /// (and pending restarts) do.
    ///
    /// # Errors
    /// [`Cluster::new`]'s and [`Cluster::fork`]'s errors.
    #[track_caller]
    pub fn new<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        opts: SupervisorOptions,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, Supervisor, SupervisorEvent<'a>) -> R + 'static,
    ) -> Result<Supervisor> {
        let f: SupFn<S> = Box::new(move |lp, s, sup, ev| cb(lp, s, sup, ev).into_result());
        // the cluster's callback needs the supervisor's id, which exists after the insert
        let cell = std::rc::Rc::new(std::cell::Cell::new(None::<Supervisor>));
        let c2 = cell.clone();
        let cluster = Cluster::new(lp, opts.settings.clone(), move |lp, s, _, ev| {
            if let Some(sup) = c2.get() {
                on_cluster(lp, s, sup, ev);
            }
        })?;
        let slots = (0..opts.workers)
            .map(|_| Slot {
                worker: None,
                started: 0,
                unstable: 0,
                delay: opts.restart_delay_ms,
                timer: None,
                gave_up: false,
            })
            .collect();
        let signals = opts.signals;
        let rss = opts.max_memory_rss.map(|_| opts.memory_check_ms);
        let id = lp.handles::<SupState<S>>().insert(Handle::new(SupState {
            cb: Some(Callback::new(f)),
            cluster,
            opts,
            slots,
            pending: VecDeque::new(),
            reload: reload::Reloads::default(),
            shutting_down: false,
            done: false,
            shutdown_cbs: Vec::new(),
            metrics: HashMap::new(),
            kill_timers: HashMap::new(),
            watchers: Vec::new(),
            check: None,
        }));
        let sup = Supervisor(id);
        cell.set(Some(sup));
        let n = state(lp, sup).map_or(0, |st| st.slots.len());
        for i in 0..n {
            sup.fork_slot(lp, i)?;
        }
        if signals {
            sup.watch_signals(lp)?;
        }
        if let Some(every) = rss {
            let t = Timer::new(lp)?;
            t.start(lp, every, every, move |lp, s, _| {
                metrics::check_rss(lp, s, sup)
            })?;
            t.set_ref(lp, false);
            if let Some(st) = state(lp, sup) {
                st.check = Some(t);
            }
        }
        Ok(sup)
    }

    fn watch_signals<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        for signum in [libc::SIGINT, libc::SIGTERM, libc::SIGUSR2] {
            let w = Signal::new(lp)?;
            w.start(lp, signum, move |lp, s, _, n| {
                if n == libc::SIGUSR2 {
                    reload::start(lp, s, self, None, None);
                } else {
                    reload::start_shutdown(lp, s, self, None);
                }
            })?;
            w.set_ref(lp, false);
            if let Some(st) = state(lp, self) {
                st.watchers.push(w);
            }
        }
        Ok(())
    }

    fn fork_slot<S: 'static>(self, lp: &mut Loop<S>, i: usize) -> Result<Worker> {
        let cluster = state(lp, self).map(|st| st.cluster).ok_or_else(stale)?;
        let w = cluster.fork(lp)?;
        let now = lp.now();
        if let Some(sl) = state(lp, self).and_then(|st| st.slots.get_mut(i)) {
            sl.worker = Some(w);
            sl.started = now;
        }
        Ok(w)
    }

    /// The cluster underneath.
    pub fn cluster<S: 'static>(self, lp: &mut Loop<S>) -> Option<Cluster> {
        state(lp, self).map(|st| st.cluster)
    }

    /// The current worker of every slot (`None`: restarting or given up).
    pub fn slots<S: 'static>(self, lp: &mut Loop<S>) -> Vec<Option<Worker>> {
        state(lp, self).map_or_else(Vec::new, |st| st.slots.iter().map(|s| s.worker).collect())
    }

    /// The last metrics worker `w` reported, with the RSS the primary read.
    pub fn metrics<S: 'static>(self, lp: &mut Loop<S>, w: Worker) -> Option<WorkerMetrics> {
        state(lp, self).and_then(|st| st.metrics.get(&w.id()).copied())
    }

    /// Sends `msg` to every connected worker; how many it was sent to.
    pub fn broadcast<S: 'static, T: serde::Serialize + ?Sized>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
    ) -> usize {
        let Some(cluster) = self.cluster(lp) else {
            return 0;
        };
        cluster
            .workers(lp)
            .into_iter()
            .filter(|w| w.is_connected(lp) && w.send(lp, msg).is_ok())
            .count()
    }

    /// A rolling restart: one slot at a time, forks a replacement, waits for its
    /// `Listening` (or a ready message) within the listen timeout, then disconnects the old
    /// worker (`SIGKILL` after the kill timeout) and waits for its exit. `cb` gets how many
    /// were replaced, or the error that aborted it (`ETIMEDOUT`: a replacement was not ready;
    /// it is killed and the old worker kept). A reload asked for during another runs after it.
    pub fn reload<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<usize>) + 'static,
    ) {
        let cb: DoneFn<S> = Box::new(cb);
        tick(lp, move |lp, s| reload::start(lp, s, self, None, Some(cb)));
    }

    /// The graceful shutdown: no more restarts, every worker disconnected (it finishes its
    /// open requests), `SIGKILL` for those alive after the kill timeout; `cb` (and the
    /// `ShutdownDone` event) once all exited. The loop then has nothing of the supervisor's
    /// left.
    pub fn shutdown<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<usize>) + 'static,
    ) {
        let cb: DoneFn<S> = Box::new(cb);
        tick(lp, move |lp, s| {
            reload::start_shutdown(lp, s, self, Some(cb))
        });
    }
}

fn stale() -> Error {
    Error::new(ruv_core::Code::EBADF).with_detail("the supervisor is gone")
}

fn slot_of<S: 'static>(lp: &mut Loop<S>, sup: Supervisor, w: Worker) -> Option<usize> {
    state(lp, sup)?
        .slots
        .iter()
        .position(|s| s.worker == Some(w))
}

fn on_cluster<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, ev: ClusterEvent<'_>) {
    let mut ready = None;
    let mut exit = None;
    match &ev {
        ClusterEvent::Listening(w, _) => ready = Some(*w),
        ClusterEvent::Message(w, m) if m.deserialize::<Value>().is_ok_and(|v| v == "ready") => {
            ready = Some(*w);
        }
        ClusterEvent::Ruv(w, v) => match proto::act_of(v) {
            proto::ruv_act::READY => ready = Some(*w),
            proto::ruv_act::METRICS => {
                let m = metrics::received(lp, sup, *w, v);
                emit(lp, s, sup, SupervisorEvent::Metrics(*w, m));
            }
            _ => {}
        },
        ClusterEvent::Exit { worker, .. } => exit = Some(*worker),
        _ => {}
    }
    let exited_after_disconnect = exit.is_some_and(|w| w.exited_after_disconnect(lp));
    dispatch(lp, s, sup, SupervisorEvent::Cluster(ev));
    if let Some(w) = ready {
        reload::on_ready(lp, s, sup, w);
    }
    if let Some(w) = exit {
        on_exit(lp, s, sup, w, exited_after_disconnect);
    }
}

fn on_exit<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, w: Worker, planned: bool) {
    if let Some(st) = state(lp, sup) {
        st.metrics.remove(&w.id());
        if let Some(t) = st.kill_timers.remove(&w.id()) {
            t.close(lp).ok();
        }
    }
    let slot = slot_of(lp, sup, w);
    if let Some(i) = slot {
        if let Some(sl) = state(lp, sup).and_then(|st| st.slots.get_mut(i)) {
            sl.worker = None;
        }
    }
    if reload::on_exit(lp, s, sup, w) {
        return;
    }
    let shutting_down = state(lp, sup).is_some_and(|st| st.shutting_down);
    if shutting_down {
        reload::shutdown_progress(lp, s, sup);
        return;
    }
    if let (Some(i), false) = (slot, planned) {
        restart(lp, s, sup, i, w);
    }
}

/// Schedules the fork that refills slot `i` after `w` exited, or gives the slot up.
fn restart<S: 'static>(lp: &mut Loop<S>, s: &mut S, sup: Supervisor, i: usize, w: Worker) {
    let now = lp.now();
    let Some(st) = state(lp, sup) else { return };
    let o = &st.opts;
    let (min_uptime, max, first, factor, cap) = (
        o.min_uptime_ms,
        o.max_restarts,
        o.restart_delay_ms,
        o.backoff_factor,
        o.max_restart_delay_ms,
    );
    let Some(sl) = st.slots.get_mut(i) else {
        return;
    };
    if now.saturating_sub(sl.started) >= min_uptime {
        sl.unstable = 0;
        sl.delay = first;
    } else {
        sl.unstable += 1;
    }
    let unstable = sl.unstable;
    if unstable > max {
        sl.gave_up = true;
        emit(lp, s, sup, SupervisorEvent::GaveUp { slot: i, unstable });
        return;
    }
    let delay = sl.delay;
    sl.delay = next_delay(delay, factor, cap);
    let Ok(t) = Timer::new(lp) else { return };
    if let Some(sl) = state(lp, sup).and_then(|st| st.slots.get_mut(i)) {
        sl.timer = Some(t);
    }
    let started = t.start(lp, delay, 0, move |lp, s, t| {
        t.close(lp).ok();
        let shutting_down = state(lp, sup).is_none_or(|st| st.shutting_down);
        if let Some(sl) = state(lp, sup).and_then(|st| st.slots.get_mut(i)) {
            sl.timer = None;
        }
        if shutting_down {
            return;
        }
        match sup.fork_slot(lp, i) {
            Ok(worker) => emit(lp, s, sup, SupervisorEvent::Restarted { slot: i, worker }),
            Err(e) => {
                let c = ClusterEvent::Error(None, e);
                dispatch(lp, s, sup, SupervisorEvent::Cluster(c));
            }
        }
    });
    if started.is_err() {
        return;
    }
    emit(
        lp,
        s,
        sup,
        SupervisorEvent::Restarting {
            slot: i,
            exited: w,
            delay_ms: delay,
            unstable,
        },
    );
}

/// The delay after `delay`: ×`factor`, at most `cap`.
fn next_delay(delay: u64, factor: f64, cap: u64) -> u64 {
    ((delay as f64 * factor) as u64).min(cap)
}

/// Disconnects `w` and sends it `SIGKILL` if it is still alive after the kill timeout.
pub(crate) fn disconnect_and_kill<S: 'static>(lp: &mut Loop<S>, sup: Supervisor, w: Worker) {
    if w.is_connected(lp) {
        w.disconnect(lp).ok();
    }
    let Some(after) = state(lp, sup).map(|st| st.opts.kill_timeout_ms) else {
        return;
    };
    let Ok(t) = Timer::new(lp) else { return };
    let started = t.start(lp, after, 0, move |lp, s, t| {
        t.close(lp).ok();
        if let Some(st) = state(lp, sup) {
            st.kill_timers.remove(&w.id());
        }
        if !w.is_dead(lp) && w.kill(lp, ruv_process::child::Signal::SIGKILL) {
            emit(lp, s, sup, SupervisorEvent::Killed(w));
        }
    });
    if started.is_ok() {
        if let Some(st) = state(lp, sup) {
            st.kill_timers.insert(w.id(), t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_backoff_grows_by_half_up_to_fifteen_seconds() {
        let o = SupervisorOptions::default();
        let mut d = o.restart_delay_ms;
        let mut seen = vec![d];
        while d < o.max_restart_delay_ms {
            d = next_delay(d, o.backoff_factor, o.max_restart_delay_ms);
            seen.push(d);
        }
        assert_eq!(&seen[..5], [100, 150, 225, 337, 505]);
        assert_eq!(*seen.last().unwrap(), 15_000);
        assert_eq!(next_delay(15_000, 1.5, 15_000), 15_000);
    }
}
