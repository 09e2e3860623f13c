//! Worker threads: a loop per thread, talking to its parent through a message port (Node's
//! `worker_threads.Worker`).
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_worker::{Worker, WorkerEvent, WorkerOptions};
//!
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! let opts = WorkerOptions::new().worker_data(20u64);
//! Worker::spawn(
//!     &mut lp,
//!     opts,
//!     // runs on the worker's thread, on its own loop (state `()` here)
//!     |_wlp: &mut Loop<()>, ctx| {
//!         let n = ctx.worker_data;
//!         ctx.parent_port.post_message((1..=n).product::<u64>());
//!         Ok(())
//!     },
//!     // runs on this loop, in Node's order: Online, Message…, Exit
//!     |_lp, log, _w, ev| match ev {
//!         WorkerEvent::Online => log.push("online".into()),
//!         WorkerEvent::Message(m) => log.push(format!("message {m}")),
//!         WorkerEvent::Error(e) => log.push(format!("error {e}")),
//!         WorkerEvent::Exit(code) => log.push(format!("exit {code}")),
//!         WorkerEvent::Stuck => log.push("stuck".into()),
//!     },
//! )?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["online", "message 2432902008176640000", "exit 0"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! The worker's state type `S2` is built by the entry, on the worker's thread, so it need not
//! be `Send`; the entry sets up its handles on the worker's loop and returns the state, and
//! the loop runs until it has nothing left to do. A panic in the worker, an error from its
//! entry, or an uncaught error of its loop arrives as [`WorkerEvent::Error`] followed by
//! `Exit(1)`; the parent is unaffected.

mod control;
mod options;
mod reaper;
mod thread;

pub use options::{Env, PoolChoice, WorkerOptions, DEFAULT_STACK_SIZE, DEFAULT_TERMINATE_DEADLINE};
pub use thread::{exit, is_main_thread, set_exit_code, thread_id, WorkerContext};

use crate::codes::{ERR_WORKER_INIT_FAILED, ERR_WORKER_NOT_RUNNING, ERR_WORKER_STUCK};
use crate::port::{MessageChannel, PortEnd};
use crate::queue::Rewake;
use control::Control;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{Async, CallbackResult, Error, Loop, Result, Timer};
use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What a [`Worker`] reports, in Node's order: `Online`, then `Message`s, then `Error` (if the
/// worker failed) and `Exit` last.
#[derive(Debug)]
pub enum WorkerEvent<T> {
    /// The worker thread started and is about to run its entry (Node's `'online'`).
    Online,
    /// A message the worker posted to its `parent_port` (Node's `'message'`).
    Message(T),
    /// The worker panicked (`EPANIC`, with the panic's message), its entry returned an error,
    /// or its loop had an uncaught error (Node's `'error'`); `Exit(1)` follows.
    Error(Error),
    /// `terminate` passed its deadline and the worker is still running a callback that does
    /// not check [`should_stop`](crate::should_stop): the handle stops keeping this loop alive;
    /// `Exit` still follows if the worker ever finishes.
    Stuck,
    /// The worker's thread has ended, and was joined (Node's `'exit'`): its exit code (1 after
    /// `terminate` or an error). Always the last event.
    Exit(i32),
}

type EventCb<S, T> =
    Callback<Box<dyn FnMut(&mut Loop<S>, &mut S, Worker<T>, WorkerEvent<T>) -> Result<()>>>;
type TerminateCb<S> = (
    Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<i32>) -> Result<()>>,
    &'static std::panic::Location<'static>,
);

/// The parent's side of a worker.
struct WorkerState<S, T> {
    control: Arc<Control>,
    port: PortEnd<T>,
    wake: Option<Async>,
    /// The same async's sender, to wake it again after an interrupted delivery.
    rewake: Option<ruv_core::AsyncSender>,
    batch: VecDeque<T>,
    online_emitted: bool,
    on_event: Option<EventCb<S, T>>,
    terminate_cbs: Vec<TerminateCb<S>>,
    deadline: Option<Timer>,
    terminate_deadline: std::time::Duration,
    /// Taken from the control once joined, kept until `Exit` is delivered (a message
    /// callback's uncaught error may end `run` before that; the next `run` goes on here).
    exit: Option<control::ExitInfo>,
}

impl<S, T> Drop for WorkerState<S, T> {
    fn drop(&mut self) {
        // The parent's loop (or this handle) is going away with the worker still running:
        // stop it, as Node stops workers when the main thread exits.
        self.control.request_stop();
    }
}

/// A worker thread, seen from its parent's loop: a `Copy` handle id.
pub struct Worker<T>(HandleId, PhantomData<fn() -> T>);

impl<T> Clone for Worker<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Worker<T> {}
impl<T> PartialEq for Worker<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<T> Eq for Worker<T> {}
impl<T> std::fmt::Debug for Worker<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Worker").field(&self.0).finish()
    }
}

static NEXT_THREAD_ID: AtomicU64 = AtomicU64::new(1);

impl<T: Send + 'static> Worker<T> {
    /// Starts a worker thread running `entry` on a loop of its own, and returns its handle on
    /// `lp`; `on_event` gets its [`WorkerEvent`]s. The handle keeps `lp` alive until `Exit`
    /// (unless unreferenced).
    ///
    /// # Errors
    /// `ERR_WORKER_INIT_FAILED` (with the OS's reason) if the thread cannot be created — out of
    /// threads, or a stack size the system refuses; `ERR_INVALID_ARG_VALUE` for a name with a
    /// NUL byte.
    #[track_caller]
    pub fn spawn<S: 'static, S2: 'static, D: Send + 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        options: WorkerOptions<D>,
        entry: impl FnOnce(&mut Loop<S2>, WorkerContext<T, D>) -> Result<S2> + Send + 'static,
        mut on_event: impl FnMut(&mut Loop<S>, &mut S, Worker<T>, WorkerEvent<T>) -> R + 'static,
    ) -> Result<Worker<T>> {
        let site = std::panic::Location::caller();
        if options.name.as_deref().is_some_and(|n| n.contains('\0')) {
            return Err(Error::new(ruv_core::Code::ERR_INVALID_ARG_VALUE)
                .with_detail("The worker's name must not contain a NUL byte"));
        }
        reaper::ensure().map_err(|e| init_failed(&e))?;
        let thread_id = NEXT_THREAD_ID.fetch_add(1, Ordering::Relaxed);
        let (mine, theirs) = MessageChannel::new::<T>();
        let cb: EventCb<S, T> = Callback::at(
            Box::new(move |lp, s, w, ev| on_event(lp, s, w, ev).into_result()),
            site,
        );
        // the handle first (its id is the async callback's), then its wake-up
        let control = Arc::new(Control::new(thread_id));
        let id = lp
            .handles::<WorkerState<S, T>>()
            .insert(Handle::new(WorkerState {
                control: control.clone(),
                port: mine,
                wake: None,
                rewake: None,
                batch: VecDeque::new(),
                online_emitted: false,
                on_event: Some(cb),
                terminate_cbs: Vec::new(),
                deadline: None,
                terminate_deadline: options.terminate_deadline,
                exit: None,
            }));
        let w = Worker(id, PhantomData);
        let wake = match Async::new(lp, move |lp, s, _| deliver(lp, s, w)) {
            Ok(a) => a,
            Err(e) => {
                lp.handles::<WorkerState<S, T>>().remove(id);
                return Err(e);
            }
        };
        wake.set_ref(lp, false);
        let sender = wake.sender(lp)?;
        theirs_waker(&control, &sender);
        let st = &mut lp.handle_mut::<WorkerState<S, T>>(id)?.data;
        st.wake = Some(wake);
        st.rewake = Some(sender.clone());
        st.port.rx.set_waker(Some(sender));
        let name = options
            .name
            .clone()
            .unwrap_or_else(|| format!("ruv-worker-{thread_id}"));
        let start = thread::Start {
            control,
            entry,
            ctx: WorkerContext {
                parent_port: theirs,
                worker_data: options.data,
                env: options.env.unwrap_or_else(|| std::env::vars_os().collect()),
                thread_id,
                name: options.name,
            },
            pool: options.pool,
        };
        let spawned = std::thread::Builder::new()
            .name(name)
            .stack_size(options.stack_size)
            .spawn(move || thread::body(start));
        match spawned {
            Ok(h) => reaper::spawned(thread_id, h),
            Err(e) => {
                // never started: no events; the handle goes without a trace
                wake.close(lp)?;
                lp.handles::<WorkerState<S, T>>().remove(id);
                return Err(init_failed(&e));
            }
        }
        lp.handle_set_active::<WorkerState<S, T>>(id, true);
        Ok(w)
    }

    /// The handle id.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Posts `msg` to the worker's `parent_port` (moved, not copied). `false` once the worker
    /// has exited or closed its port, or for a stale handle: the message is dropped.
    #[inline]
    pub fn post_message<S: 'static>(self, lp: &Loop<S>, msg: T) -> bool {
        match lp.handle::<WorkerState<S, T>>(self.0) {
            Ok(h) => h.data.port.post_message(msg),
            Err(_) => false,
        }
    }

    /// A [`PortSender`](crate::port::PortSender) posting to the worker's `parent_port`
    /// without this loop; `None` for a stale handle.
    pub fn sender<S: 'static>(self, lp: &Loop<S>) -> Option<crate::port::PortSender<T>> {
        lp.handle::<WorkerState<S, T>>(self.0)
            .ok()
            .map(|h| h.data.port.sender())
    }

    /// Stops the worker (Node's `worker.terminate()`): its loop is halted at the next callback
    /// boundary (a blocking wait on a [`SharedBuffer`](crate::SharedBuffer) ends too), its
    /// queued pool work is cancelled, its handles closed; `cb` gets the exit code (1) once
    /// the thread has ended — after the `Exit` event. A callback that runs on and does not
    /// check [`should_stop`](crate::should_stop) cannot be pre-empted: after the options'
    /// deadline `cb` gets `ERR_WORKER_STUCK`, the handle reports [`WorkerEvent::Stuck`] and
    /// stops keeping this loop alive. Calling it again adds another callback.
    ///
    /// # Errors
    /// `ERR_WORKER_NOT_RUNNING` once the worker has exited (its handle is stale).
    #[track_caller]
    pub fn terminate<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<i32>) -> R + 'static,
    ) -> Result<()> {
        let site = std::panic::Location::caller();
        let h = match lp.handle_mut::<WorkerState<S, T>>(self.0) {
            Ok(h) if !h.is_closing() => h,
            _ => return Err(not_running()),
        };
        let st = &mut h.data;
        st.terminate_cbs
            .push((Box::new(move |lp, s, r| cb(lp, s, r).into_result()), site));
        st.control.request_stop();
        if st.deadline.is_some() {
            return Ok(());
        }
        let ms = u64::try_from(st.terminate_deadline.as_millis()).unwrap_or(u64::MAX);
        let t = Timer::new(lp)?;
        lp.handle_mut::<WorkerState<S, T>>(self.0)?.data.deadline = Some(t);
        t.start(lp, ms, 0, move |lp, s, _| stuck::<S, T>(lp, s, self))?;
        t.set_ref(lp, false);
        Ok(())
    }

    /// Referenced or not: an unreferenced worker does not keep this loop alive (Node's
    /// `worker.unref()` / `ref()`). No-op on a stale handle.
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        lp.handle_set_ref::<WorkerState<S, T>>(self.0, on);
    }

    /// Whether the worker keeps this loop alive.
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
        Ok(lp
            .handle::<WorkerState<S, T>>(self.0)
            .map_err(|_| not_running())?
            .has_ref())
    }

    /// The worker's id (Node's `worker.threadId`).
    pub fn thread_id<S: 'static>(self, lp: &Loop<S>) -> Result<u64> {
        Ok(lp
            .handle::<WorkerState<S, T>>(self.0)
            .map_err(|_| not_running())?
            .data
            .control
            .thread_id)
    }
}

fn theirs_waker(control: &Control, sender: &ruv_core::AsyncSender) {
    control.set_notify(sender.clone());
}

fn not_running() -> Error {
    Error::new(ERR_WORKER_NOT_RUNNING).with_detail("Worker instance not running (it has exited)")
}

fn init_failed(e: &std::io::Error) -> Error {
    Error::new(ERR_WORKER_INIT_FAILED).with_detail(format!("Worker initialization failure: {e}"))
}

/// The handle's wake-up: Online, the messages, then Error and Exit once the thread is joined.
fn deliver<S: 'static, T: Send + 'static>(lp: &mut Loop<S>, s: &mut S, w: Worker<T>) {
    let id = w.0;
    let (online, rewake) = {
        let Ok(h) = lp.handle_mut::<WorkerState<S, T>>(id) else {
            return;
        };
        if h.is_closing() {
            return;
        }
        let st = &mut h.data;
        let rewake = st.rewake.as_ref().map(Rewake::new);
        take_more(&st.port, &mut st.batch);
        // after the take: a message in the batch was posted after the worker went online
        let snap = st.control.snapshot();
        if let Some(exit) = snap.exit {
            // after the join: everything the worker posted is in the queue now
            take_more(&st.port, &mut st.batch);
            st.exit = Some(exit);
        }
        let online = snap.online && !st.online_emitted;
        st.online_emitted |= snap.online;
        (online, rewake)
    };
    if online {
        emit(lp, s, w, WorkerEvent::Online);
    }
    loop {
        let msg = match lp.handle_mut::<WorkerState<S, T>>(id) {
            Ok(h) if !h.is_closing() => match h.data.batch.pop_front() {
                Some(m) => m,
                None => break,
            },
            _ => return,
        };
        emit(lp, s, w, WorkerEvent::Message(msg));
    }
    if let Some(r) = rewake {
        r.done();
    }
    let exit = match lp.handle_mut::<WorkerState<S, T>>(id) {
        Ok(h) if !h.is_closing() => h.data.exit.take(),
        _ => None,
    };
    if let Some(exit) = exit {
        if let Some(e) = exit.error {
            emit(lp, s, w, WorkerEvent::Error(e));
        }
        emit(lp, s, w, WorkerEvent::Exit(exit.code));
        finish(lp, s, w, Ok(exit.code));
    }
}

fn take_more<T>(port: &PortEnd<T>, batch: &mut VecDeque<T>) {
    if batch.is_empty() {
        port.rx.take(batch);
    } else {
        let mut more = VecDeque::new();
        port.rx.take(&mut more);
        batch.append(&mut more);
    }
}

fn emit<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    w: Worker<T>,
    ev: WorkerEvent<T>,
) {
    lp.dispatch_handle::<WorkerState<S, T>, _>(
        s,
        w.0,
        "worker.event",
        |st| &mut st.on_event,
        move |f, lp, s| f(lp, s, w, ev),
    );
}

/// After `Exit`: the terminate callbacks, then the handle closes.
fn finish<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    w: Worker<T>,
    res: Result<i32>,
) {
    let Ok(h) = lp.handle_mut::<WorkerState<S, T>>(w.0) else {
        return;
    };
    if h.is_closing() {
        return;
    }
    let cbs = std::mem::take(&mut h.data.terminate_cbs);
    let wake = h.data.wake.take();
    let deadline = h.data.deadline.take();
    for (cb, site) in cbs {
        let r = res.clone();
        lp.run_callback(s, "worker.terminate", Some(w.0), site, move |lp, s| {
            cb(lp, s, r)
        });
    }
    if let Some(t) = deadline {
        // already closed only if a callback closed it: nothing to do then
        let _ = t.close(lp);
    }
    if let Some(a) = wake {
        let _ = a.close(lp);
    }
    let _ = lp.close_handle::<WorkerState<S, T>>(w.0);
}

/// The terminate deadline passed.
fn stuck<S: 'static, T: Send + 'static>(lp: &mut Loop<S>, s: &mut S, w: Worker<T>) {
    let cbs = match lp.handle_mut::<WorkerState<S, T>>(w.0) {
        Ok(h) if !h.is_closing() => std::mem::take(&mut h.data.terminate_cbs),
        _ => return,
    };
    // a stuck worker no longer keeps the parent alive (already so when `Stuck` is seen)
    lp.handle_set_ref::<WorkerState<S, T>>(w.0, false);
    emit(lp, s, w, WorkerEvent::Stuck);
    let ms = lp
        .handle::<WorkerState<S, T>>(w.0)
        .map(|h| h.data.terminate_deadline.as_millis())
        .unwrap_or(0);
    let err = Error::new(ERR_WORKER_STUCK).with_detail(format!(
        "Worker did not stop within {ms} ms of terminate: a callback in it is still running and does not check should_stop()"
    ));
    for (cb, site) in cbs {
        let e = err.clone();
        lp.run_callback(s, "worker.terminate", Some(w.0), site, move |lp, s| {
            cb(lp, s, Err(e))
        });
    }
}
