//! The next-tick and microtask queues (Node's `process.nextTick` and `queueMicrotask`).
//!
//! Drained after every top-level callback: all ticks (including ticks queued by ticks), then
//! all microtasks (including microtasks queued by microtasks), and again while ticks were
//! queued by microtasks — Node ≥ 11's `processTicksAndRejections`.

use crate::{state, NodeState};
use ruv_core::{Loop, Result};

/// Queues `f` on the next-tick queue: it runs as soon as the current callback returns, before
/// any microtask, timer, I/O or immediate.
pub fn next_tick<S: 'static>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) + 'static,
) -> Result<()> {
    state(lp)?.ticks.push_back(Box::new(f));
    Ok(())
}

/// Queues `f` on the microtask queue (where promise reactions run): after the tick queue is
/// empty, before the loop moves on.
pub fn queue_microtask<S: 'static>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) + 'static,
) -> Result<()> {
    state(lp)?.microtasks.push_back(Box::new(f));
    Ok(())
}

/// Runs `f` as a top-level callback, as Node runs the main script: the tick and microtask
/// queues drain when it returns. Use it for the code that sets up a program before
/// [`Loop::run`].
pub fn enter<S: 'static, T>(
    lp: &mut Loop<S>,
    s: &mut S,
    f: impl FnOnce(&mut Loop<S>, &mut S) -> Result<T>,
) -> Result<T> {
    state(lp)?;
    let out = f(lp, s);
    run_queues(lp, s);
    out
}

/// Drains the tick and microtask queues until both are empty. Installed as the loop's
/// after-callback hook; call it yourself only after running code outside a loop callback.
pub fn run_queues<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    match lp.extension::<NodeState<S>>() {
        Some(st) if !st.ticks.is_empty() || !st.microtasks.is_empty() => {}
        _ => return,
    }
    loop {
        while let Some(tick) = pop(lp, |st| st.ticks.pop_front()) {
            tick(lp, s);
        }
        while let Some(micro) = pop(lp, |st| st.microtasks.pop_front()) {
            micro(lp, s);
        }
        let more = lp
            .extension::<NodeState<S>>()
            .is_some_and(|st| !st.ticks.is_empty());
        if !more {
            break;
        }
    }
}

#[inline]
fn pop<S: 'static, T>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut NodeState<S>) -> Option<T>,
) -> Option<T> {
    lp.extension_mut::<NodeState<S>>().and_then(f)
}
