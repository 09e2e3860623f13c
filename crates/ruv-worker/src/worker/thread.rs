//! The worker thread: its loop, its entry, how it ends — and what code on it can ask.

use super::control::{Control, ExitInfo};
use super::options::{Env, PoolChoice};
use super::reaper;
use crate::interrupt::{self, Interrupt};
use crate::port::PortEnd;
use ruv_core::{Code, Error, Loop, Result, RunMode};
use ruv_pool::{Pool, PoolConfig};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

/// What a worker's entry gets: its end of the parent's port, its data, its environment.
#[derive(Debug)]
pub struct WorkerContext<T, D> {
    /// The worker's end of the channel to its parent (Node's `parentPort`). Post into it from
    /// anywhere; attach it to the worker's loop to receive (an attached, referenced port keeps
    /// the worker alive, as `parentPort.on('message')` does in Node).
    pub parent_port: PortEnd<T>,
    /// The options' `worker_data`, moved here.
    pub worker_data: D,
    /// The worker's own environment.
    pub env: Env,
    /// The worker's id (Node's `threadId`; the main thread is 0).
    pub thread_id: u64,
    /// The worker's name, if one was given.
    pub name: Option<String>,
}

thread_local! {
    static THREAD_ID: Cell<u64> = const { Cell::new(0) };
    static EXIT_CODE: Cell<i32> = const { Cell::new(0) };
    static EXITING: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is not a worker (Node's `isMainThread`).
pub fn is_main_thread() -> bool {
    THREAD_ID.with(|t| t.get()) == 0
}

/// This worker's id (Node's `threadId`): 0 outside a worker.
pub fn thread_id() -> u64 {
    THREAD_ID.with(|t| t.get())
}

/// Sets the code the worker exits with when its loop runs out of work (Node's
/// `process.exitCode` in a worker). No effect outside a worker.
pub fn set_exit_code(code: i32) {
    EXIT_CODE.with(|c| c.set(code));
}

/// Ends the worker with `code` (Node's `process.exit(code)` in a worker): its loop stops once
/// the callback running now returns; messages it posted before are still delivered. Outside a
/// worker it halts `lp` only (it never exits the process).
pub fn exit<S>(lp: &mut Loop<S>, code: i32) {
    set_exit_code(code);
    EXITING.with(|e| e.set(true));
    lp.halt_handle().halt();
}

/// Everything the thread needs, moved into it.
pub(super) struct Start<T, D, F> {
    pub(super) control: Arc<Control>,
    pub(super) entry: F,
    pub(super) ctx: WorkerContext<T, D>,
    pub(super) pool: PoolChoice,
}

/// The thread's body: run the worker, record how it ended, tell the reaper.
pub(super) fn body<S2: 'static, T: Send + 'static, D: Send + 'static, F>(start: Start<T, D, F>)
where
    F: FnOnce(&mut Loop<S2>, WorkerContext<T, D>) -> Result<S2>,
{
    let control = start.control.clone();
    let id = control.thread_id;
    THREAD_ID.with(|t| t.set(id));
    let it = Interrupt::for_current_thread();
    interrupt::install(it.clone());
    let info = run(start, it);
    control.exited(info);
    reaper::finished(id, control);
}

fn run<S2: 'static, T: Send + 'static, D: Send + 'static, F>(
    start: Start<T, D, F>,
    it: Arc<Interrupt>,
) -> ExitInfo
where
    F: FnOnce(&mut Loop<S2>, WorkerContext<T, D>) -> Result<S2>,
{
    let Start {
        control,
        entry,
        ctx,
        pool,
    } = start;
    let lp = match pool {
        PoolChoice::Shared => Loop::new(),
        PoolChoice::Own(n) => Pool::new(
            PoolConfig::new(n.max(1)).name_prefix(format!("ruv-w{}-pool", control.thread_id)),
        )
        .map_err(|e| Error::from_io(&e, "pool_start"))
        .and_then(Loop::with_pool),
    };
    let mut lp: Loop<S2> = match lp {
        Ok(lp) => lp,
        Err(e) => return failed(e),
    };
    control.online(lp.halt_handle(), it);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| -> Result<()> {
        let mut state = entry(&mut lp, ctx)?;
        lp.run(RunMode::Default, &mut state)?;
        drop(state);
        Ok(())
    }));
    // closes every handle (its fds), cancels its queued pool work
    let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(lp)));
    let terminated = control.stop_requested() && !EXITING.with(|e| e.get());
    let code = EXIT_CODE.with(|c| c.get());
    match (outcome, dropped) {
        (Ok(Ok(())), Ok(())) if terminated => ExitInfo {
            code: 1,
            error: None,
        },
        (Ok(Ok(())), Ok(())) => ExitInfo { code, error: None },
        (Ok(Err(e)), _) => failed(e),
        (Err(payload), _) | (_, Err(payload)) => failed(
            Error::new(Code::EPANIC)
                .with_detail(format!("worker panicked: {}", panic_message(&*payload))),
        ),
    }
}

fn failed(e: Error) -> ExitInfo {
    ExitInfo {
        code: 1,
        error: Some(e),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
