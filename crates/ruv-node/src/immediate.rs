//! `setImmediate`: callbacks in the check phase, right after I/O.
//!
//! Each check phase runs the immediates queued before it began; one queued by an immediate
//! waits for the next iteration. Ticks and microtasks drain after each immediate. While
//! referenced immediates are queued, an idle handle keeps the loop alive and stops poll from
//! blocking (Node's design).
//!
//! Queued immediates live in a [`Registry`] (ruv-core's one handle model): an [`Immediate`]
//! is its id, so it never names a later immediate once its own ran or was cleared.

use crate::{state, NodeState, Task};
use ruv_core::registry::{Callback, HandleId, Registry};
use ruv_core::{CallbackResult, Loop, Result};
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};

/// A queued immediate, for [`clear_immediate`] and ref/unref. `Copy`: an id, which goes
/// stale once the immediate ran or was cleared (operations on it then do nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Immediate(HandleId);

struct Entry<S> {
    task: Task<S>,
    referenced: bool,
}

pub(crate) struct Queue<S> {
    entries: Registry<Entry<S>>,
    /// Queue order (ids of cleared immediates are skipped when they surface).
    order: VecDeque<HandleId>,
    /// How many queued immediates are referenced.
    referenced: usize,
}

impl<S> Queue<S> {
    pub(crate) fn new() -> Queue<S> {
        Queue {
            entries: Registry::new(),
            order: VecDeque::new(),
            referenced: 0,
        }
    }

    fn take(&mut self, id: HandleId) -> Option<Entry<S>> {
        let e = self.entries.remove(id)?;
        if e.referenced {
            self.referenced -= 1;
        }
        Some(e)
    }
}

/// Queues `f` to run in the next check phase (Node's `setImmediate`). `f` may return `()`
/// or `Result<()>`; an error it returns is the program's uncaught error.
///
/// # Errors
/// Only if ruv-node's handles cannot be installed on first use.
#[track_caller]
pub fn set_immediate<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) -> R + 'static,
) -> Result<Immediate> {
    let task: Task<S> = Callback::new(Box::new(move |lp, s| f(lp, s).into_result()));
    let st = state(lp)?;
    let q = &mut st.immediates;
    let id = q.entries.insert(Entry {
        task,
        referenced: true,
    });
    q.order.push_back(id);
    q.referenced += 1;
    let (first_ref, idle) = (q.referenced == 1, st.idle);
    if first_ref {
        idle.start(lp, |_, _, _| {})?;
    }
    Ok(Immediate(id))
}

/// Cancels a queued immediate. Clearing one that already ran or was cleared does nothing, as
/// in Node.
pub fn clear_immediate<S: 'static>(lp: &mut Loop<S>, im: Immediate) {
    let Some(st) = lp.extension_mut::<NodeState<S>>() else {
        return;
    };
    if st.immediates.take(im.0).is_some() {
        sync_idle(lp);
    }
}

impl Immediate {
    /// Unreferenced immediates do not keep the loop alive (Node's `immediate.unref()`). A
    /// no-op once the immediate ran or was cleared.
    pub fn unref<S: 'static>(self, lp: &mut Loop<S>) {
        self.set_ref(lp, false)
    }

    /// Referenced again (the default). A no-op once the immediate ran or was cleared.
    pub fn ref_<S: 'static>(self, lp: &mut Loop<S>) {
        self.set_ref(lp, true)
    }

    /// Whether this immediate is queued and referenced.
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> bool {
        lp.extension::<NodeState<S>>()
            .and_then(|st| st.immediates.entries.get(self.0))
            .is_some_and(|e| e.referenced)
    }

    /// The immediate's id.
    pub fn id(self) -> HandleId {
        self.0
    }

    fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        let Some(st) = lp.extension_mut::<NodeState<S>>() else {
            return;
        };
        let q = &mut st.immediates;
        let Some(e) = q.entries.get_mut(self.0) else {
            return;
        };
        if e.referenced != on {
            e.referenced = on;
            if on {
                q.referenced += 1;
            } else {
                q.referenced -= 1;
            }
            sync_idle(lp);
        }
    }
}

/// Starts or stops the idle handle to match the referenced-immediate count.
fn sync_idle<S: 'static>(lp: &mut Loop<S>) {
    let Some(st) = lp.extension::<NodeState<S>>() else {
        return;
    };
    let (want, idle) = (st.immediates.referenced > 0, st.idle);
    if want != idle.is_active(lp).unwrap_or(false) {
        if want {
            // cannot fail: the idle handle is ruv-node's own, never closed
            let _ = idle.start(lp, |_, _, _| {});
        } else {
            idle.stop(lp);
        }
    }
}

/// The check callback: runs the immediates queued before this phase began, each as a
/// top-level callback (its error goes to the loop's error path; ticks and microtasks drain
/// after it).
///
/// An immediate that fails (its error unwinds to `run` when no handler takes it) or panics
/// must not take the check handle's callback down with it: the unwind is caught here and
/// resumed by the after-callback hook, once the check callback is back in its slot. The
/// immediates not run yet stay queued.
pub(crate) fn run_immediates<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    let res = panic::catch_unwind(AssertUnwindSafe(|| run_snapshot(lp, s)));
    if let Err(payload) = res {
        if let Some(st) = lp.extension_mut::<NodeState<S>>() {
            st.unwind = Some(payload);
        }
        // resumed by the after-callback hook, once the check callback has returned
        lp.arm_after_callback();
    }
}

fn run_snapshot<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    let Some(st) = lp.extension_mut::<NodeState<S>>() else {
        return;
    };
    let mut n = st.immediates.order.len();
    while n > 0 {
        n -= 1;
        let Some(st) = lp.extension_mut::<NodeState<S>>() else {
            return;
        };
        let Some(id) = st.immediates.order.pop_front() else {
            break;
        };
        let Some(entry) = st.immediates.take(id) else {
            continue;
        };
        if st.immediates.referenced == 0 {
            let idle = st.idle;
            idle.stop(lp);
        }
        let Callback { f, site } = entry.task;
        lp.run_callback(s, "immediate", Some(id), site, f);
    }
}
