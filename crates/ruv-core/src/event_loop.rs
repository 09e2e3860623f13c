//! The loop itself: [`Loop`], [`RunMode`], the phase list, loop time and liveness.

use crate::callback::{ClosingQueue, ErrorHandler, Uncaught};
use crate::clock::{Clock, LoopClock};
use crate::error::{Code, Error, Result};
use crate::handle::{Core, HandleId};
use crate::metrics::{Metrics, MetricsShared};
use crate::registry::{CallbackInfo, Handle, Registry};
use crate::trace::phase;
use crate::wake::{Inbox, Msg};
use std::any::{Any, TypeId};
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// How [`Loop::run`] runs, as libuv's `uv_run_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunMode {
    /// Run until the loop is no longer alive or [`Loop::stop`] is called.
    Default,
    /// Run one iteration, blocking in poll if there is nothing else to do.
    Once,
    /// Run one iteration without blocking.
    NoWait,
}

/// A callback deferred to the next pending phase.
pub(crate) type Deferred<S> = (
    Box<dyn FnOnce(&mut Loop<S>, &mut S) -> Result<()>>,
    &'static std::panic::Location<'static>,
);

/// The token of the cross-thread waker in the poller.
pub(crate) const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);
/// The token of the signal receiver in the poller.
pub(crate) const SIGNAL_TOKEN: mio::Token = mio::Token(usize::MAX - 1);
/// How long a loop with pool work in flight watches its inbox before blocking (see
/// [`Loop::set_spin_before_block`]).
pub const SPIN_BEFORE_BLOCK: Duration = Duration::from_micros(20);
/// How many poller events one poll phase takes at most.
const EVENTS_CAPACITY: usize = 1024;

/// A libuv-style event loop over user state `S`.
///
/// Callbacks receive `&mut Loop<S>` and the `&mut S` passed to [`Loop::run`], so they can
/// start, stop and close any handle (their own included) and touch the embedder's state
/// without `RefCell`. See the crate docs for the phase order.
pub struct Loop<S> {
    /// ruv-core's own handles (timers, watchers, async, I/O, signals).
    pub(crate) handles: Registry<Handle<Core<S>>>,
    /// The timer heap and the timers phase's state (timer.rs).
    pub(crate) timers: crate::timer::Timers,
    /// Active idle/prepare/check handles (watcher.rs).
    pub(crate) watchers: crate::watcher::Watchers,
    /// Handles of every type waiting for the closing phase.
    pub(crate) closing: ClosingQueue<S>,
    pub(crate) pending: VecDeque<Deferred<S>>,
    pub(crate) active_refs: usize,
    /// The poller, its event buffer and the readiness not yet dispatched (io.rs).
    pub(crate) io: crate::io::IoPart,
    pub(crate) inbox: Arc<Inbox>,
    pub(crate) inbox_buf: Vec<Msg>,
    /// The signal receiver and the handles watching signals (signal.rs).
    pub(crate) signals: crate::signal::SignalPart,
    /// The clock and the cached loop time (read lazily: `update_time` only marks it stale
    /// and the first reader of the iteration refreshes it; a loop without timers never reads
    /// the clock).
    pub(crate) clock: LoopClock,
    stop_flag: bool,
    running: bool,
    pub(crate) error_handler: Option<ErrorHandler<S>>,
    /// An uncaught error on its way out of `run` (or left by code outside `run`).
    pub(crate) uncaught: Option<crate::Error>,
    after_cb: Option<fn(&mut Loop<S>, &mut S)>,
    /// The hook runs after the next callback only when armed (see `arm_after_callback`).
    after_cb_armed: bool,
    pub(crate) metrics: Arc<MetricsShared>,
    /// Pool requests in flight and the batch waiting to be submitted (work.rs).
    pub(crate) work: crate::work::WorkQueue<S>,
    pub(crate) spin_budget: Duration,
    /// The last poll phase delivered messages from other threads (async sends, completions):
    /// more are likely soon, so the next blocking poll watches the inbox first.
    pub(crate) inbox_active: bool,
    /// A [`Halt`](crate::Halt) was handed out: only then are the halt checks made (a plain
    /// field beside the loop's other hot flags, so loops that cannot be halted pay nothing).
    pub(crate) halt_armed: bool,
    /// The running callback, kept where a watchdog can sample it (beacon.rs; its handle is
    /// stopped if that callback panics).
    pub(crate) beacon: Arc<crate::beacon::Beacon>,
    /// Brackets each change of the running callback with the beacon's seqlock while a
    /// watchdog holds the beacon; `None`: nobody watches.
    pub(crate) publisher: Option<crate::beacon::Publisher>,
    extensions: Vec<(TypeId, Box<dyn Any>)>,
}

impl<S> Loop<S> {
    /// Creates a loop. Fails only if the OS poller (epoll/kqueue) or its waker cannot be made.
    pub fn new() -> Result<Loop<S>> {
        Loop::with_clock(Clock::System)
    }

    /// Creates a loop that reads time from `clock` (a [`ManualClock`](crate::ManualClock) in
    /// tests: see [`Clock`]).
    pub fn with_clock(clock: Clock) -> Result<Loop<S>> {
        let poll = mio::Poll::new().map_err(|e| Error::from_io(&e, "epoll_create"))?;
        let waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)
            .map_err(|e| Error::from_io(&e, "eventfd"))?;
        let clock = LoopClock::new(clock);
        let epoch = clock.epoch();
        Ok(Loop {
            handles: Registry::new(),
            timers: crate::timer::Timers::default(),
            watchers: crate::watcher::Watchers::default(),
            closing: ClosingQueue::new(),
            pending: VecDeque::new(),
            active_refs: 0,
            io: crate::io::IoPart {
                poll,
                events: Some(mio::Events::with_capacity(EVENTS_CAPACITY)),
                ready: Vec::new(),
                sources: 0,
            },
            inbox: Arc::new(Inbox::new(waker)),
            inbox_buf: Vec::new(),
            signals: crate::signal::SignalPart::default(),
            clock,
            stop_flag: false,
            running: false,
            error_handler: None,
            uncaught: None,
            after_cb: None,
            after_cb_armed: false,
            metrics: Arc::new(MetricsShared::new(epoch)),
            work: crate::work::WorkQueue::new(),
            spin_budget: SPIN_BEFORE_BLOCK,
            inbox_active: false,
            halt_armed: false,
            beacon: crate::beacon::new_beacon(),
            publisher: None,
            extensions: Vec::new(),
        })
    }

    /// Creates a loop whose [`queue_work`](Loop::queue_work) uses `pool` instead of the
    /// process-global pool.
    pub fn with_pool(pool: ruv_pool::Pool) -> Result<Loop<S>> {
        let mut lp = Loop::new()?;
        lp.work.pool = Some(pool);
        Ok(lp)
    }

    /// Runs the loop in `mode`, handing `state` to every callback.
    ///
    /// Returns whether the loop is still alive (libuv's non-zero return): `false` when it ran
    /// out of work, `true` when it was stopped or, in `Once`/`NoWait`, has more to do.
    ///
    /// # Errors
    /// `EBUSY` if called from inside a callback of this loop (re-entrant `run`). An error a
    /// callback returned and no error handler took (see [`Loop::set_error_handler`]): `run`
    /// stops at once and returns it; the loop is consistent and can be run again.
    ///
    /// # Panics
    /// A panic in a callback propagates out of `run` after the loop is made consistent: the
    /// handle whose callback panicked is stopped, the loop is no longer running and can be
    /// run again. (Node would crash; Rust leaves the choice to the caller.)
    pub fn run(&mut self, mode: RunMode, state: &mut S) -> Result<bool> {
        if self.running {
            return Err(Error::op(Code::EBUSY, "run").with_detail("loop is already running"));
        }
        if let Some(err) = self.uncaught.take() {
            // left by code that ran outside `run` (a main script's tick, say)
            return Err(err);
        }
        if self.is_halted() {
            return Ok(true);
        }
        self.running = true;
        let result = panic::catch_unwind(AssertUnwindSafe(|| self.run_phases(mode, state)));
        self.running = false;
        if self.publisher.is_some() {
            self.release_unwatched_beacon();
        }
        self.flush_work();
        self.stop_flag = false;
        match result {
            Ok(alive) => Ok(alive),
            Err(payload) => {
                self.recover_from_panic();
                if payload.is::<Uncaught>() {
                    if let Some(err) = self.uncaught.take() {
                        return Err(err);
                    }
                    if self.is_halted() {
                        return Ok(true);
                    }
                }
                panic::resume_unwind(payload)
            }
        }
    }

    fn recover_from_panic(&mut self) {
        let current = self.current_callback();
        self.clear_current();
        if let Some(info) = current {
            if let Some(id) = info.id {
                self.stop_any(id);
                if let Some(slot) = self.any_slot_mut(id) {
                    // the callback was taken out to be called and is gone with the unwind
                    slot.data.cb = None;
                    // a timer that lost its callback cannot be restarted (see `restart`)
                    slot.data.lost_cb = true;
                }
            }
        }
        self.requeue_ready_timers();
        // close callbacks not yet run stay queued for the next run
        let rest = std::mem::take(&mut self.closing.batch);
        self.closing.queue.splice(0..0, rest);
    }

    /// The phase list (libuv ≥ 1.45 `uv_run`).
    fn run_phases(&mut self, mode: RunMode, s: &mut S) -> bool {
        let mut alive = self.alive();
        if !alive {
            self.update_time();
        }
        if mode == RunMode::Default && alive && !self.stop_flag && !self.halted() {
            self.update_time();
            phase!("timers", self.run_timers(s));
        }
        while alive && !self.stop_flag && !self.halted() {
            let can_sleep = self.pending.is_empty() && self.watchers.lists[0].is_empty();
            phase!("pending", self.run_pending(s));
            phase!("idle", self.run_watchers(crate::watcher::Phase::Idle, s));
            phase!(
                "prepare",
                self.run_watchers(crate::watcher::Phase::Prepare, s)
            );
            let timeout = if (mode == RunMode::Once && can_sleep) || mode == RunMode::Default {
                self.backend_timeout()
            } else {
                Some(0)
            };
            self.metrics.inc_loop_count();
            phase!("poll", self.poll_io(timeout, mode == RunMode::NoWait, s));
            phase!("check", self.run_watchers(crate::watcher::Phase::Check, s));
            phase!("closing", self.run_closing(s));
            self.update_time();
            phase!("timers", self.run_timers(s));
            alive = self.alive();
            if mode != RunMode::Default {
                break;
            }
        }
        alive
    }

    /// Whether `run` is on the stack (callbacks are being dispatched).
    #[inline]
    pub(crate) fn is_running(&self) -> bool {
        self.running
    }

    /// Asks [`Loop::run`] to return at the end of the current iteration (or, called before
    /// `run`, before the first one).
    pub fn stop(&mut self) {
        self.stop_flag = true;
    }

    /// Whether the loop has work: active referenced handles, in-flight requests, pending
    /// callbacks or closing handles.
    pub fn alive(&self) -> bool {
        self.active_refs > 0
            || !self.work.reqs.is_empty()
            || !self.pending.is_empty()
            || !self.closing.queue.is_empty()
    }

    /// The cached loop time in ms, updated once per iteration (and by
    /// [`update_time`](Loop::update_time)). Its epoch is the loop's creation.
    #[inline]
    pub fn now(&self) -> u64 {
        self.clock.cached_ms()
    }

    /// Refreshes the cached loop time (the clock is read when the time is next needed).
    #[inline]
    pub fn update_time(&mut self) {
        self.clock.mark_stale();
    }

    /// A high-resolution monotonic clock in ns (same epoch as [`now`](Loop::now)).
    pub fn hrtime(&self) -> u64 {
        self.clock.hrtime()
    }

    /// The manual clock this loop reads, if it was made with one.
    pub fn manual_clock(&self) -> Option<&crate::ManualClock> {
        self.clock.manual()
    }

    /// How long the next poll would block, in ms: `Some(0)` when something is ready to run
    /// (idle handles, pending callbacks, closing handles, a stop request) or nothing is
    /// alive, the time to the nearest timer otherwise, and `None` for "until an event".
    pub fn backend_timeout(&self) -> Option<u64> {
        if self.stop_flag
            || (self.active_refs == 0 && self.work.reqs.is_empty())
            || !self.watchers.lists[0].is_empty()
            || !self.pending.is_empty()
            || !self.closing.queue.is_empty()
            || !self.io.ready.is_empty()
        {
            return Some(0);
        }
        self.next_timer_due()
            .map(|due| due.saturating_sub(self.now()))
    }

    /// The poller's fd: it becomes readable when the loop has events, so a foreign poller
    /// can embed this loop (wait on it for [`backend_timeout`](Loop::backend_timeout) ms,
    /// then `run(RunMode::NoWait)`).
    #[cfg(unix)]
    pub fn backend_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.io.poll.as_raw_fd()
    }

    /// Runs `cb` in the next iteration's pending phase (and keeps poll from blocking until
    /// then), like libuv's deferred I/O callbacks.
    #[track_caller]
    pub fn defer<R: crate::CallbackResult>(
        &mut self,
        cb: impl FnOnce(&mut Loop<S>, &mut S) -> R + 'static,
    ) {
        let site = std::panic::Location::caller();
        self.pending
            .push_back((Box::new(move |lp, s| cb(lp, s).into_result()), site));
    }

    fn run_pending(&mut self, s: &mut S) {
        // only what was pending when the phase began
        for _ in 0..self.pending.len() {
            let Some((cb, site)) = self.pending.pop_front() else {
                break;
            };
            self.run_callback(s, "pending", None, site, cb);
        }
    }

    /// Installs the hook run after a top-level callback (Node drains its tick and microtask
    /// queues there). One hook per loop; `None` removes it. The hook runs only after
    /// [`arm_after_callback`](Loop::arm_after_callback) was called (it is disarmed as it
    /// runs), so a layer that queues work for the hook arms it and every other callback
    /// pays nothing.
    pub fn set_after_callback(&mut self, hook: Option<fn(&mut Loop<S>, &mut S)>) {
        self.after_cb = hook;
    }

    /// Asks for the after-callback hook to run when the current (or next) top-level
    /// callback returns.
    #[inline]
    pub fn arm_after_callback(&mut self) {
        self.after_cb_armed = true;
    }

    /// Runs after the callback registered at `site` returned. The hook (ruv-node's tick and
    /// microtask drain) runs as a callback of kind `"ticks"` at that site (what
    /// `current_callback` and a watchdog see while it runs).
    #[inline]
    pub(crate) fn after_callback(
        &mut self,
        s: &mut S,
        site: &'static std::panic::Location<'static>,
    ) {
        if self.halt_armed && self.inbox.is_halted() {
            halt_unwind();
        }
        if self.after_cb_armed {
            self.run_after_hook(s, site);
        }
    }

    /// The armed after-callback hook, as a callback of kind `"ticks"` (out of line: most
    /// callbacks queue no tick).
    #[inline(never)]
    fn run_after_hook(&mut self, s: &mut S, site: &'static std::panic::Location<'static>) {
        if let Some(hook) = self.after_cb {
            self.after_cb_armed = false;
            let ticks = CallbackInfo {
                kind: "ticks",
                id: None,
                site,
            };
            let outer = self.save_current();
            self.enter_callback(ticks);
            {
                crate::trace::callback_span!(ticks);
                hook(self, s);
            }
            self.leave_callback(outer);
        }
    }

    /// Calls a handle's stored callback, then the after-callback hook. The callback is
    /// taken out of its slot for the call and put back only if the slot still holds the
    /// same open handle and was not given a new callback meanwhile.
    pub(crate) fn dispatch(&mut self, s: &mut S, id: HandleId, arg: u32) {
        let Some(slot) = self.any_slot_mut(id) else {
            return;
        };
        let kind = slot.data.kind.name();
        let Some(mut cb) = slot.data.cb.take() else {
            return;
        };
        // Core handles are dispatched only from the phases, never from inside another
        // callback: there is no outer callback to restore afterwards.
        let info = CallbackInfo {
            kind,
            id: Some(id),
            site: cb.site,
        };
        self.enter_callback(info);
        let res = panic::catch_unwind(AssertUnwindSafe(|| {
            crate::trace::callback_span!(info);
            (cb.f)(self, s, id, arg)
        }));
        self.clear_current();
        let res = match res {
            Ok(res) => res,
            // An uncaught error from a callback nested in this one (an immediate run by
            // ruv-node's check handle): this callback did nothing wrong, keep it, go on out.
            Err(payload) if payload.is::<crate::callback::Uncaught>() => {
                if let Some(slot) = self.any_slot_mut(id) {
                    if slot.data.cb.is_none() && !slot.is_closing() {
                        slot.data.cb = Some(cb);
                    }
                }
                self.clear_current();
                panic::resume_unwind(payload)
            }
            Err(payload) => {
                // a real panic: the handle is stopped by `run`'s recovery
                self.restore_current(info);
                panic::resume_unwind(payload)
            }
        };
        if let Some(slot) = self.any_slot_mut(id) {
            if slot.data.cb.is_none() && !slot.is_closing() {
                slot.data.cb = Some(cb);
            }
        }
        if let Err(e) = res {
            self.report_error(s, e);
        }
        self.after_callback(s, info.site);
    }

    /// Metrics readable from this and other threads (see [`Metrics`]).
    pub fn metrics(&self) -> Metrics {
        Metrics::new(self.metrics.clone())
    }

    /// Stores a typed extension value in the loop (one per type): layers built on the loop
    /// (such as ruv-node's queues) keep their state here so that callbacks, which only get
    /// `&mut Loop<S>` and `&mut S`, can reach it. Returns the previous value.
    pub fn insert_extension<T: 'static>(&mut self, value: T) -> Option<T> {
        let id = TypeId::of::<T>();
        for (tid, slot) in &mut self.extensions {
            if *tid == id {
                let old = std::mem::replace(slot, Box::new(value));
                return old.downcast::<T>().ok().map(|b| *b);
            }
        }
        self.extensions.push((id, Box::new(value)));
        None
    }

    /// The extension of type `T`, if one was inserted.
    #[inline]
    pub fn extension<T: 'static>(&self) -> Option<&T> {
        let id = TypeId::of::<T>();
        self.extensions
            .iter()
            .find(|(tid, _)| *tid == id)
            .and_then(|(_, b)| b.downcast_ref::<T>())
    }

    /// Whether an extension of type `T` was inserted (no downcast: a type-id scan only).
    #[inline]
    pub fn has_extension<T: 'static>(&self) -> bool {
        let id = TypeId::of::<T>();
        self.extensions.iter().any(|(tid, _)| *tid == id)
    }

    /// The place of extension `id`, moved one place to the front: the extensions used on
    /// every event (a busy layer's registries) gather at the front of the scan.
    #[inline]
    fn extension_index(&mut self, id: TypeId) -> Option<usize> {
        let pos = self.extensions.iter().position(|(tid, _)| *tid == id)?;
        if pos == 0 {
            return Some(0);
        }
        self.extensions.swap(pos - 1, pos);
        Some(pos - 1)
    }

    /// The extension of type `T`, mutably.
    #[inline]
    pub fn extension_mut<T: 'static>(&mut self) -> Option<&mut T> {
        let pos = self.extension_index(TypeId::of::<T>())?;
        self.extensions[pos].1.downcast_mut::<T>()
    }

    /// The extension of type `T`, inserted with `make` on first use.
    #[inline]
    pub fn extension_or_insert_with<T: 'static>(&mut self, make: impl FnOnce() -> T) -> &mut T {
        let id = TypeId::of::<T>();
        let pos = match self.extension_index(id) {
            Some(pos) => pos,
            None => {
                self.extensions.push((id, Box::new(make())));
                self.extensions.len() - 1
            }
        };
        self.extensions[pos]
            .1
            .downcast_mut::<T>()
            .expect("an extension's TypeId is that of its value")
    }
}

impl<S> std::fmt::Debug for Loop<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loop")
            .field("now", &self.now())
            .field("handles", &self.handles.len())
            .field("active_refs", &self.active_refs)
            .field("requests", &self.work.reqs.len())
            .field("closing", &self.closing.queue.len())
            .field("running", &self.running)
            .finish()
    }
}

/// Halted from another thread (a worker's terminate): out of `run` at once, by the unwinding
/// that carries uncaught errors (the loop stays consistent). Cold and out of line, so the
/// check after every callback stays one load and a not-taken branch.
#[cold]
#[inline(never)]
fn halt_unwind() -> ! {
    std::panic::resume_unwind(Box::new(crate::callback::Uncaught))
}

impl<S> Drop for Loop<S> {
    fn drop(&mut self) {
        // a watchdog's thread ends
        self.close_beacon();
        // Late pool results and async sends are dropped from now on.
        self.inbox.close();
        // Work still queued would run only to have its result dropped: cancel it (running
        // work finishes on its pool thread; its result is dropped).
        for (_, req) in self.work.reqs.iter() {
            if let (Some(ticket), Some(pool)) = (req.ticket, self.work.pool_for(req.compute)) {
                // EBUSY (running or done) is the expected answer for the rest
                let _ = pool.cancel(ticket);
            }
        }
    }
}
