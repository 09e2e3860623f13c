//! The next-tick and microtask queues (Node's `process.nextTick` and `queueMicrotask`).
//!
//! Drained after every top-level callback: all ticks (including ticks queued by ticks), then
//! all microtasks (including microtasks queued by microtasks), and again while ticks were
//! queued by microtasks — Node ≥ 11's `processTicksAndRejections`.

use crate::{state, NodeState, Task};
use ruv_core::registry::Callback;
use ruv_core::{CallbackResult, Loop, Result};

/// Queues `f` on the next-tick queue: it runs as soon as the current callback returns, before
/// any microtask, timer, I/O or immediate. `f` may return `()` or `Result<()>`; an error it
/// returns is the program's uncaught error.
///
/// # Errors
/// Only if ruv-node's handles cannot be installed on first use.
#[track_caller]
pub fn next_tick<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) -> R + 'static,
) -> Result<()> {
    let task: Task<S> = Callback::new(Box::new(move |lp, s| f(lp, s).into_result()));
    state(lp)?.ticks.push_back(task);
    lp.arm_after_callback();
    Ok(())
}

/// Queues `f` on the microtask queue (where promise reactions run): after the tick queue is
/// empty, before the loop moves on. `f` may return `()` or `Result<()>`.
///
/// # Errors
/// Only if ruv-node's handles cannot be installed on first use.
#[track_caller]
pub fn queue_microtask<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) -> R + 'static,
) -> Result<()> {
    let task: Task<S> = Callback::new(Box::new(move |lp, s| f(lp, s).into_result()));
    state(lp)?.microtasks.push_back(task);
    lp.arm_after_callback();
    Ok(())
}

/// Runs `f` as a top-level callback, as Node runs the main script: the tick and microtask
/// queues drain when it returns. Use it for the code that sets up a program before
/// [`Loop::run`].
///
/// # Errors
/// `f`'s error, else the uncaught error a tick or microtask it queued returned (with no
/// error handler installed; see [`Loop::set_error_handler`]). Either way the queues were
/// drained.
pub fn enter<S: 'static, T>(
    lp: &mut Loop<S>,
    s: &mut S,
    f: impl FnOnce(&mut Loop<S>, &mut S) -> Result<T>,
) -> Result<T> {
    state(lp)?;
    let out = f(lp, s);
    run_queues(lp, s);
    let uncaught = lp.take_uncaught_error();
    let out = out?;
    match uncaught {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Drains the tick and microtask queues until both are empty. Installed as the loop's after-callback hook; call it
/// yourself only after running code outside a loop callback.
pub fn run_queues<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    let Some(st) = lp.extension_mut::<NodeState<S>>() else {
        return;
    };
    if st.unwind.is_some() {
        if let Some(payload) = st.unwind.take() {
            std::panic::resume_unwind(payload);
        }
    }
    if st.ticks.is_empty() && st.microtasks.is_empty() {
        return;
    }
    loop {
        while let Some(tick) = pop(lp, |st| st.ticks.pop_front()) {
            run_task(lp, s, tick);
        }
        while let Some(micro) = pop(lp, |st| st.microtasks.pop_front()) {
            run_task(lp, s, micro);
        }
        let more = lp
            .extension::<NodeState<S>>()
            .is_some_and(|st| !st.ticks.is_empty());
        if !more {
            break;
        }
    }
}

/// Runs a tick or microtask; its error goes to the loop's error path. (They run inside the
/// drain that follows a top-level callback, so they are not top-level callbacks themselves:
/// running the after-callback hook again would nest drains.)
#[inline]
fn run_task<S>(lp: &mut Loop<S>, s: &mut S, task: Task<S>) {
    if let Err(e) = (task.f)(lp, s) {
        lp.report_error(s, e);
    }
}

#[inline]
fn pop<S: 'static, T>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut NodeState<S>) -> Option<T>,
) -> Option<T> {
    lp.extension_mut::<NodeState<S>>().and_then(f)
}
