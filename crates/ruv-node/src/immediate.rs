//! `setImmediate`: callbacks in the check phase, right after I/O.
//!
//! Each check phase runs the immediates queued before it began; one queued by an immediate
//! waits for the next iteration. Ticks and microtasks drain after each immediate. While
//! referenced immediates are queued, an idle handle keeps the loop alive and stops poll from
//! blocking (Node's design).

use crate::{queues::run_queues, state, NodeState, Task};
use ruv_core::{Loop, Result};
use slab::Slab;
use std::collections::VecDeque;

/// A queued immediate, for [`clear_immediate`] and ref/unref. `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Immediate {
    index: u32,
    gen: u32,
}

struct Entry<S> {
    gen: u32,
    task: Task<S>,
    referenced: bool,
}

pub(crate) struct Queue<S> {
    entries: Slab<Entry<S>>,
    order: VecDeque<Immediate>,
    next_gen: u32,
    referenced: usize,
}

impl<S> Queue<S> {
    pub(crate) fn new() -> Queue<S> {
        Queue {
            entries: Slab::new(),
            order: VecDeque::new(),
            next_gen: 0,
            referenced: 0,
        }
    }

    fn take(&mut self, im: Immediate) -> Option<Entry<S>> {
        match self.entries.get(im.index as usize) {
            Some(e) if e.gen == im.gen => {
                let e = self.entries.remove(im.index as usize);
                if e.referenced {
                    self.referenced -= 1;
                }
                Some(e)
            }
            _ => None,
        }
    }
}

/// Queues `f` to run in the next check phase (Node's `setImmediate`).
pub fn set_immediate<S: 'static>(
    lp: &mut Loop<S>,
    f: impl FnOnce(&mut Loop<S>, &mut S) + 'static,
) -> Result<Immediate> {
    let st = state(lp)?;
    let q = &mut st.immediates;
    q.next_gen = q.next_gen.wrapping_add(1);
    let gen = q.next_gen;
    let index = q.entries.insert(Entry {
        gen,
        task: Box::new(f),
        referenced: true,
    }) as u32;
    let im = Immediate { index, gen };
    q.order.push_back(im);
    q.referenced += 1;
    let (first_ref, idle) = (q.referenced == 1, st.idle);
    if first_ref {
        idle.start(lp, |_, _, _| {})?;
    }
    Ok(im)
}

/// Cancels a queued immediate. Clearing one that already ran or was cleared does nothing, as
/// in Node.
pub fn clear_immediate<S: 'static>(lp: &mut Loop<S>, im: Immediate) -> Result<()> {
    let st = state(lp)?;
    if st.immediates.take(im).is_some() {
        sync_idle(lp)?;
    }
    Ok(())
}

impl Immediate {
    /// Unreferenced immediates do not keep the loop alive (Node's `immediate.unref()`).
    pub fn unref<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.set_ref(lp, false)
    }

    /// Referenced again (the default).
    pub fn ref_<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.set_ref(lp, true)
    }

    /// Whether this immediate is queued and referenced.
    pub fn has_ref<S: 'static>(self, lp: &mut Loop<S>) -> Result<bool> {
        let q = &state(lp)?.immediates;
        Ok(
            matches!(q.entries.get(self.index as usize), Some(e) if e.gen == self.gen && e.referenced),
        )
    }

    fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
        let q = &mut state(lp)?.immediates;
        if let Some(e) = q
            .entries
            .get_mut(self.index as usize)
            .filter(|e| e.gen == self.gen)
        {
            if e.referenced != on {
                e.referenced = on;
                if on {
                    q.referenced += 1;
                } else {
                    q.referenced -= 1;
                }
                sync_idle(lp)?;
            }
        }
        Ok(())
    }
}

/// Starts or stops the idle handle to match the referenced-immediate count.
fn sync_idle<S: 'static>(lp: &mut Loop<S>) -> Result<()> {
    let st = state(lp)?;
    let (want, idle) = (st.immediates.referenced > 0, st.idle);
    if want != idle.is_active(lp)? {
        if want {
            idle.start(lp, |_, _, _| {})?;
        } else {
            idle.stop(lp);
        }
    }
    Ok(())
}

/// The check callback: runs the immediates queued before this phase began.
pub(crate) fn run_immediates<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    let Some(st) = lp.extension_mut::<NodeState<S>>() else {
        return;
    };
    let mut n = st.immediates.order.len();
    while n > 0 {
        n -= 1;
        let Some(st) = lp.extension_mut::<NodeState<S>>() else {
            return;
        };
        let Some(im) = st.immediates.order.pop_front() else {
            break;
        };
        let Some(entry) = st.immediates.take(im) else {
            continue;
        };
        if st.immediates.referenced == 0 {
            let idle = st.idle;
            idle.stop(lp);
        }
        (entry.task)(lp, s);
        run_queues(lp, s);
    }
}
