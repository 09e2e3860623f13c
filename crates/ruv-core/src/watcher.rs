//! Idle, prepare and check handles: callbacks once per loop iteration, in their phase.
//!
//! ```
//! use ruv_core::{Check, Idle, Loop, RunMode};
//! let mut lp: Loop<u32> = Loop::new()?;
//! let idle = Idle::new(&mut lp)?;
//! idle.start(&mut lp, |lp, n, me| {
//!     *n += 1;
//!     if *n == 3 {
//!         me.stop(lp);
//!     }
//! })?;
//! let mut n = 0;
//! lp.run(RunMode::Default, &mut n)?;
//! assert_eq!(n, 3);
//! # let _ = Check::new(&mut lp)?;
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! * **idle** runs before prepare; while one is active, poll does not block (libuv).
//! * **prepare** runs right before the poll phase, **check** right after it (Node's
//!   `setImmediate` lives there).
//!
//! Each phase runs a snapshot of its active handles, newest-started first (libuv's order). A
//! handle stopped or closed by an earlier callback of the same snapshot does not run, and one
//! started (or restarted) during its own phase first runs in the next iteration.

use crate::error::Result;
use crate::event_loop::Loop;
use crate::handle::{handle_common, Data, HandleId, Kind};

/// Which watcher phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle = 0,
    Prepare = 1,
    Check = 2,
}

impl Phase {
    fn of(kind: Kind) -> Phase {
        match kind {
            Kind::Idle => Phase::Idle,
            Kind::Prepare => Phase::Prepare,
            _ => Phase::Check,
        }
    }
}

macro_rules! watcher {
    ($(#[$m:meta])* $ty:ident, $kind:expr) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $ty(pub(crate) HandleId);

        impl $ty {
            /// Creates an inactive handle.
            pub fn new<S>(lp: &mut Loop<S>) -> Result<$ty> {
                Ok($ty(lp.alloc_handle($kind, Data::Watcher { seq: 0 })))
            }

            /// Starts the handle: `cb` runs once per iteration in this handle's phase.
            /// Starting an active handle replaces its callback and keeps its place.
            ///
            /// # Errors
            /// `EBADF` for a stale or closing handle.
            #[track_caller]
            pub fn start<S, R: $crate::CallbackResult>(
                self,
                lp: &mut Loop<S>,
                mut cb: impl FnMut(&mut Loop<S>, &mut S, $ty) -> R + 'static,
            ) -> Result<()> {
                let slot = lp.open_slot_mut(self.0, $kind)?;
                slot.data.cb = Some($crate::registry::Callback::new(Box::new(
                    move |lp, s, id, _| cb(lp, s, $ty(id)).into_result(),
                )));
                slot.data.lost_cb = false;
                lp.watcher_start_raw(self.0, $kind);
                Ok(())
            }

            /// Stops the handle. Stopping an inactive, closed or stale handle is a no-op.
            pub fn stop<S>(self, lp: &mut Loop<S>) {
                if lp.slot(self.0, $kind).is_ok() {
                    lp.watcher_stop_raw(self.0, $kind);
                }
            }
        }

        handle_common!($ty, $kind);
    };
}

watcher!(
    /// An idle handle (libuv's `uv_idle_t`): runs every iteration and keeps poll from blocking.
    Idle,
    Kind::Idle
);
watcher!(
    /// A prepare handle (libuv's `uv_prepare_t`): runs right before poll.
    Prepare,
    Kind::Prepare
);
watcher!(
    /// A check handle (libuv's `uv_check_t`): runs right after poll.
    Check,
    Kind::Check
);

/// The watchers part of the loop: active idle/prepare/check handles in start order with
/// their start sequence, and the phase's snapshot buffer.
#[derive(Default)]
pub(crate) struct Watchers {
    pub(crate) lists: [Vec<(HandleId, u64)>; 3],
    pub(crate) scratch: Vec<(HandleId, u64)>,
    pub(crate) seq: u64,
}

impl<S> Loop<S> {
    fn watcher_start_raw(&mut self, id: HandleId, kind: Kind) {
        let Some(slot) = self.handles.get_mut(id) else {
            return;
        };
        if slot.is_active() {
            return;
        }
        self.watchers.seq += 1;
        let seq = self.watchers.seq;
        slot.data.data = Data::Watcher { seq };
        self.watchers.lists[Phase::of(kind) as usize].push((id, seq));
        self.activate(id);
    }

    pub(crate) fn watcher_stop_raw(&mut self, id: HandleId, kind: Kind) {
        let Some(slot) = self.handles.get_mut(id) else {
            return;
        };
        if !slot.is_active() {
            return;
        }
        slot.data.data = Data::Watcher { seq: 0 };
        let list = &mut self.watchers.lists[Phase::of(kind) as usize];
        if let Some(pos) = list.iter().rposition(|&(h, _)| h == id) {
            list.remove(pos);
        }
        self.deactivate(id);
    }

    /// Runs one watcher phase over a snapshot, newest-started first.
    pub(crate) fn run_watchers(&mut self, phase: Phase, s: &mut S) {
        let list = &self.watchers.lists[phase as usize];
        if list.is_empty() {
            return;
        }
        let mut snap = std::mem::take(&mut self.watchers.scratch);
        snap.extend(list.iter().rev().copied());
        for &(id, seq) in &snap {
            let still_same_start = matches!(
                self.handles.get(id),
                Some(slot) if slot.is_active()
                    && matches!(slot.data.data, Data::Watcher { seq: cur } if cur == seq)
            );
            if still_same_start {
                self.dispatch(s, id, 0);
            }
        }
        snap.clear();
        self.watchers.scratch = snap;
    }
}
