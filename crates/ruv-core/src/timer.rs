//! Timers: callbacks at a loop time, once or repeating.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! let mut lp: Loop<Vec<&str>> = Loop::new()?;
//! let t = Timer::new(&mut lp)?;
//! t.start(&mut lp, 0, 0, |_lp, log, _t| log.push("fired"))?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, ["fired"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! # Implementation notes
//! Timers sit in a binary min-heap ordered by `(due, start sequence)`, so equal deadlines fire
//! in start order (never by handle identity). Stopping is lazy: the heap entry stays and is
//! skipped when it surfaces, because its sequence no longer matches the timer's; the heap is
//! rebuilt once stale entries outnumber live ones, so start/stop churn cannot grow it without
//! bound. The timers phase first collects every due timer, then runs them: a 0 ms timer
//! started from a timer callback waits for the next iteration (no busy loop, libuv#4245), and
//! a due timer stopped or closed by an earlier callback of the same pass does not run.
//! Repeating timers are re-armed (from the current loop time) before their callback runs.

use crate::callback::CallbackResult;
use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use crate::handle::{handle_common, Data, HandleId, Kind};
use crate::registry::Callback;
use std::cmp::Reverse;

/// A timer handle (libuv's `uv_timer_t`). `Copy`: it is an id into its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timer(pub(crate) HandleId);

/// A heap entry: ordered by due time, then by start sequence. It names its timer by slot
/// index only (24 bytes an entry, not 32: a million-timer heap moves less memory): the
/// start sequence is unique per arm, so the entry is live only while the slot holds the timer
/// armed with that sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerEntry {
    due: u64,
    seq: u64,
    index: u32,
}

/// The timers part of the loop: the heap, the count of armed timers, the due timers of the
/// running pass, and the start sequence (ties fire in start order).
#[derive(Default)]
pub(crate) struct Timers {
    pub(crate) heap: std::collections::BinaryHeap<Reverse<TimerEntry>>,
    pub(crate) live: usize,
    pub(crate) ready: Vec<(HandleId, u64)>,
    pub(crate) seq: u64,
}

/// Per-timer state.
#[derive(Default)]
pub(crate) struct TimerState {
    due: u64,
    repeat: u64,
    /// Sequence of the live heap entry or ready-list entry; 0 when neither.
    seq: u64,
    /// Whether a callback was ever given (for `again` and `restart`).
    has_cb: bool,
}

impl Timer {
    /// Creates an inactive timer.
    pub fn new<S>(lp: &mut Loop<S>) -> Result<Timer> {
        Ok(Timer(lp.alloc_handle(
            Kind::Timer,
            Data::Timer(TimerState::default()),
        )))
    }

    /// Starts the timer: `cb` runs `timeout` ms from the loop's cached time, then every
    /// `repeat` ms if `repeat > 0`. Starting an active timer restarts it. Deadlines saturate
    /// at `u64::MAX` ms (such a timer never fires).
    ///
    /// # Errors
    /// `EBADF` for a stale or closing timer.
    #[track_caller]
    pub fn start<S, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        timeout: u64,
        repeat: u64,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Timer) -> R + 'static,
    ) -> Result<()> {
        let slot = lp.open_slot_mut(self.0, Kind::Timer)?;
        slot.data.cb = Some(Callback::new(Box::new(move |lp, s, id, _| {
            cb(lp, s, Timer(id)).into_result()
        })));
        slot.data.lost_cb = false;
        lp.timer_arm(self.0, timeout, repeat);
        Ok(())
    }

    /// Restarts the timer with the callback it was last started with (no allocation).
    ///
    /// # Errors
    /// `EINVAL` if it was never started, or its callback panicked (it has none left to
    /// run; start it with a new one); `EBADF` for a stale or closing timer.
    pub fn restart<S>(self, lp: &mut Loop<S>, timeout: u64, repeat: u64) -> Result<()> {
        // a closing timer must not be re-armed: its slot is freed in the closing phase
        let slot = lp.open_slot_mut(self.0, Kind::Timer)?;
        if slot.data.lost_cb {
            return Err(Error::op(Code::EINVAL, "timer_restart")
                .with_detail("the timer's callback panicked; start it with a new one"));
        }
        if !lp.timer_state(self.0)?.has_cb {
            return Err(Error::op(Code::EINVAL, "timer_restart").with_detail("timer never started"));
        }
        lp.timer_arm(self.0, timeout, repeat);
        Ok(())
    }

    /// Stops the timer; its callback will not run. Stopping an inactive, closed or stale
    /// timer is a no-op.
    pub fn stop<S>(self, lp: &mut Loop<S>) {
        if lp.slot(self.0, Kind::Timer).is_ok() {
            lp.timer_stop_raw(self.0);
        }
    }

    /// libuv's `uv_timer_again`: if the timer repeats, restart it `repeat` ms from now;
    /// otherwise do nothing.
    ///
    /// # Errors
    /// `EINVAL` if the timer was never started; `EBADF` for a stale or closing timer.
    pub fn again<S>(self, lp: &mut Loop<S>) -> Result<()> {
        let slot = lp.open_slot_mut(self.0, Kind::Timer)?;
        if slot.data.lost_cb {
            return Err(Error::op(Code::EINVAL, "timer_again")
                .with_detail("the timer's callback panicked; start it with a new one"));
        }
        let st = lp.timer_state(self.0)?;
        if !st.has_cb {
            return Err(Error::op(Code::EINVAL, "timer_again").with_detail("timer never started"));
        }
        let repeat = st.repeat;
        if repeat > 0 {
            lp.timer_arm(self.0, repeat, repeat);
        }
        Ok(())
    }

    /// Sets the repeat interval; it takes effect the next time the timer is (re)armed.
    pub fn set_repeat<S>(self, lp: &mut Loop<S>, repeat: u64) -> Result<()> {
        lp.timer_state(self.0)?.repeat = repeat;
        Ok(())
    }

    /// The repeat interval in ms.
    pub fn repeat<S>(self, lp: &Loop<S>) -> Result<u64> {
        match &lp.slot(self.0, Kind::Timer)?.data.data {
            Data::Timer(st) => Ok(st.repeat),
            _ => Err(Error::new(Code::EBADF)),
        }
    }

    /// Ms until the timer fires (relative to the cached loop time); 0 if inactive or due.
    pub fn due_in<S>(self, lp: &Loop<S>) -> Result<u64> {
        let now = lp.now();
        let slot = lp.slot(self.0, Kind::Timer)?;
        let Data::Timer(st) = &slot.data.data else {
            return Err(Error::new(Code::EBADF));
        };
        Ok(if slot.is_active() {
            st.due.saturating_sub(now)
        } else {
            0
        })
    }
}

handle_common!(Timer, crate::handle::Kind::Timer);

impl<S> Loop<S> {
    fn timer_state(&mut self, id: HandleId) -> Result<&mut TimerState> {
        match &mut self.slot_mut(id, Kind::Timer)?.data.data {
            Data::Timer(st) => Ok(st),
            _ => Err(Error::new(Code::EBADF)),
        }
    }

    /// (Re)arms a live timer whose callback is set.
    fn timer_arm(&mut self, id: HandleId, timeout: u64, repeat: u64) {
        let due = self.now().saturating_add(timeout);
        self.timers.seq += 1;
        let seq = self.timers.seq;
        // one slab access: re-arming an armed timer only orphans its old heap entry
        let Some(slot) = self.handles.get_mut(id) else {
            return;
        };
        let Data::Timer(st) = &mut slot.data.data else {
            return;
        };
        let was_armed = st.seq != 0;
        st.due = due;
        st.repeat = repeat;
        st.seq = seq;
        st.has_cb = true;
        let delta = slot.set_active(true);
        self.add_refs(delta);
        self.timers.heap.push(Reverse(TimerEntry {
            due,
            seq,
            index: id.index,
        }));
        if was_armed {
            self.pop_stale_tops();
            self.compact_timers();
        } else {
            self.timers.live += 1;
        }
    }

    pub(crate) fn timer_stop_raw(&mut self, id: HandleId) {
        let Some(slot) = self.handles.get_mut(id) else {
            return;
        };
        let mut was_armed = false;
        if let Data::Timer(st) = &mut slot.data.data {
            was_armed = st.seq != 0;
            st.seq = 0;
        }
        let delta = slot.set_active(false);
        self.add_refs(delta);
        if was_armed {
            self.timers.live -= 1;
            self.pop_stale_tops();
            self.compact_timers();
        }
    }

    /// Drops stale heap entries once they outnumber the live ones.
    fn compact_timers(&mut self) {
        let stale = self.timers.heap.len().saturating_sub(self.timers.live);
        if stale > 1024 && stale > self.timers.live {
            let handles = &self.handles;
            self.timers
                .heap
                .retain(|Reverse(e)| entry_is_live(handles, e));
        }
    }

    /// Pops stale entries off the top of the heap, so that its top is always live.
    fn pop_stale_tops(&mut self) {
        while let Some(Reverse(top)) = self.timers.heap.peek() {
            if entry_is_live(&self.handles, top) {
                break;
            }
            self.timers.heap.pop();
        }
    }

    /// The due time of the nearest timer. The heap's top is kept live by every operation
    /// that can make it stale (stop, close, the timers phase).
    pub(crate) fn next_timer_due(&self) -> Option<u64> {
        self.timers.heap.peek().map(|Reverse(e)| e.due)
    }

    /// The timers phase.
    pub(crate) fn run_timers(&mut self, s: &mut S) {
        if self.timers.heap.is_empty() {
            return;
        }
        let now = self.now();
        debug_assert!(self.timers.ready.is_empty());
        while let Some(Reverse(top)) = self.timers.heap.peek().copied() {
            if top.due > now {
                break;
            }
            self.timers.heap.pop();
            if entry_is_live(&self.handles, &top) {
                // Leaves the heap but stays armed (seq kept) until it runs: a stop or close
                // from an earlier callback clears seq and so skips it.
                if let Some(id) = self.handles.id_at(top.index) {
                    self.timers.ready.push((id, top.seq));
                }
            }
        }
        self.pop_stale_tops();
        for i in 0..self.timers.ready.len() {
            let (id, seq) = self.timers.ready[i];
            let Some(slot) = self.handles.get_mut(id) else {
                continue;
            };
            let Data::Timer(st) = &mut slot.data.data else {
                continue;
            };
            if st.seq != seq {
                continue;
            }
            st.seq = 0;
            self.timers.live -= 1;
            let repeat = st.repeat;
            if repeat > 0 {
                self.timer_arm(id, repeat, repeat);
            } else {
                self.deactivate(id);
            }
            self.dispatch(s, id, 0);
        }
        self.timers.ready.clear();
    }

    /// After a panic in a timer callback: timers collected as due but not yet run go back
    /// into the heap (they are still armed), so they run on the next `run`.
    pub(crate) fn requeue_ready_timers(&mut self) {
        let ready = std::mem::take(&mut self.timers.ready);
        for &(id, seq) in &ready {
            if let Some(slot) = self.any_slot_mut(id) {
                if let Data::Timer(st) = &slot.data.data {
                    if st.seq == seq {
                        let due = st.due;
                        self.timers.heap.push(Reverse(TimerEntry {
                            due,
                            seq,
                            index: id.index,
                        }));
                    }
                }
            }
        }
        self.timers.ready = ready;
        self.timers.ready.clear();
    }
}

#[inline]
fn entry_is_live<S>(
    handles: &crate::registry::Registry<crate::handle::Slot<S>>,
    e: &TimerEntry,
) -> bool {
    match handles.id_at(e.index).and_then(|id| handles.get(id)) {
        Some(slot) => matches!(&slot.data.data, Data::Timer(st) if st.seq == e.seq),
        None => false,
    }
}
