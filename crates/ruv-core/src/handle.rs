//! Handle ids, the handle slab, and the life cycle shared by every handle type.
//!
//! A handle is a `Copy` generational id ([`HandleId`]) into a slab owned by the [`Loop`]. The
//! slot holds the handle's state and its callback. The life cycle is libuv's:
//!
//! ```text
//!   new ──► inactive ──start──► active ──stop──► inactive
//!              │                   │
//!              └──────close────────┴──► closing ──(closing phase: close cb)──► freed
//! ```
//!
//! Only *active and referenced* handles keep the loop alive; a closing handle keeps it alive
//! until its close callback has run. Once freed, the id is stale: every call with it returns
//! `EBADF`, never a panic and never another handle (generations are never reused while a slot
//! is live).

use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use std::sync::Arc;

/// The untyped id of a handle: a slab index plus a generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HandleId {
    pub(crate) index: u32,
    pub(crate) gen: u32,
}

/// What kind of handle a slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Timer,
    Idle,
    Prepare,
    Check,
    Async,
    Io,
    Signal,
}

/// The stored form of every handle callback: the last argument carries the event detail
/// (readiness bits for I/O, the signal number for signals, 0 otherwise). Typed public
/// callbacks are wrapped into this shape once, at start.
pub(crate) type Callback<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, HandleId, u32)>;
/// A close callback.
pub(crate) type CloseCallback<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S)>;

/// Kind-specific state.
pub(crate) enum Data {
    Timer(crate::timer::TimerState),
    /// Idle, prepare and check: the sequence number of the latest start.
    Watcher {
        seq: u64,
    },
    Async(Arc<crate::async_handle::AsyncShared>),
    Io(crate::io::IoState),
    Signal {
        signum: i32,
    },
}

/// One slab slot.
pub(crate) struct Slot<S> {
    pub(crate) gen: u32,
    pub(crate) kind: Kind,
    pub(crate) active: bool,
    pub(crate) referenced: bool,
    pub(crate) closing: bool,
    pub(crate) cb: Option<Callback<S>>,
    pub(crate) close_cb: Option<CloseCallback<S>>,
    pub(crate) data: Data,
}

impl<S> Loop<S> {
    /// Allocates a new, inactive, referenced handle.
    pub(crate) fn alloc_handle(&mut self, kind: Kind, data: Data) -> HandleId {
        self.next_gen = self.next_gen.wrapping_add(1).max(1);
        let gen = self.next_gen;
        let index = self.handles.insert(Slot {
            gen,
            kind,
            active: false,
            referenced: true,
            closing: false,
            cb: None,
            close_cb: None,
            data,
        });
        HandleId {
            index: index as u32,
            gen,
        }
    }

    /// The slot of a live handle of `kind`, or EBADF.
    pub(crate) fn slot(&self, id: HandleId, kind: Kind) -> Result<&Slot<S>> {
        match self.handles.get(id.index as usize) {
            Some(s) if s.gen == id.gen && s.kind == kind => Ok(s),
            _ => Err(Error::new(Code::EBADF).with_detail("stale or closed handle id")),
        }
    }

    /// Mutable slot of a live handle of `kind`, or EBADF.
    pub(crate) fn slot_mut(&mut self, id: HandleId, kind: Kind) -> Result<&mut Slot<S>> {
        match self.handles.get_mut(id.index as usize) {
            Some(s) if s.gen == id.gen && s.kind == kind => Ok(s),
            _ => Err(Error::new(Code::EBADF).with_detail("stale or closed handle id")),
        }
    }

    /// Like [`Loop::slot_mut`], but a closing handle is `EBADF` too (for start/stop-like calls).
    pub(crate) fn open_slot_mut(&mut self, id: HandleId, kind: Kind) -> Result<&mut Slot<S>> {
        let slot = self.slot_mut(id, kind)?;
        if slot.closing {
            return Err(Error::new(Code::EBADF).with_detail("handle is closing"));
        }
        Ok(slot)
    }

    /// Any live slot, whatever its kind.
    pub(crate) fn any_slot_mut(&mut self, id: HandleId) -> Option<&mut Slot<S>> {
        self.handles
            .get_mut(id.index as usize)
            .filter(|s| s.gen == id.gen)
    }

    /// Marks a handle active, keeping the liveness count right.
    pub(crate) fn activate(&mut self, id: HandleId) {
        let slot = &mut self.handles[id.index as usize];
        if !slot.active {
            slot.active = true;
            if slot.referenced {
                self.active_refs += 1;
            }
        }
    }

    /// Marks a handle inactive, keeping the liveness count right.
    pub(crate) fn deactivate(&mut self, id: HandleId) {
        let slot = &mut self.handles[id.index as usize];
        if slot.active {
            slot.active = false;
            if slot.referenced {
                self.active_refs -= 1;
            }
        }
    }

    pub(crate) fn set_ref_raw(&mut self, id: HandleId, kind: Kind, on: bool) -> Result<()> {
        let slot = self.slot_mut(id, kind)?;
        if slot.referenced == on {
            return Ok(());
        }
        slot.referenced = on;
        if slot.active {
            if on {
                self.active_refs += 1;
            } else {
                self.active_refs -= 1;
            }
        }
        Ok(())
    }

    /// Stops a handle of any kind (what close does first, and what a panicking callback's
    /// handle gets).
    pub(crate) fn stop_any(&mut self, id: HandleId) {
        let Some(slot) = self.any_slot_mut(id) else {
            return;
        };
        match slot.kind {
            Kind::Timer => {
                let _ = self.timer_stop_raw(id);
            }
            Kind::Idle | Kind::Prepare | Kind::Check => {
                let kind = slot.kind;
                let _ = self.watcher_stop_raw(id, kind);
            }
            Kind::Async => self.deactivate(id),
            Kind::Io => {
                let _ = self.io_stop_raw(id);
            }
            Kind::Signal => {
                let _ = self.signal_stop_raw(id);
            }
        }
    }

    pub(crate) fn close_raw(
        &mut self,
        id: HandleId,
        kind: Kind,
        cb: Option<CloseCallback<S>>,
    ) -> Result<()> {
        let slot = self.slot_mut(id, kind)?;
        if slot.closing {
            return Err(Error::new(Code::EINVAL).with_detail("handle is already closing"));
        }
        slot.closing = true;
        slot.close_cb = cb;
        if let Data::Async(shared) = &slot.data {
            shared.close();
        }
        self.stop_any(id);
        let slot = &mut self.handles[id.index as usize];
        slot.active = false;
        slot.cb = None;
        self.closing.push(id);
        Ok(())
    }

    /// The closing phase: close callbacks in reverse close order (libuv's LIFO list), then
    /// the slots are freed.
    pub(crate) fn run_closing(&mut self, s: &mut S) {
        // Handles closed by a close callback wait for the next iteration, as in libuv.
        // The batch lives in the loop so that a panicking close callback leaves the rest
        // queued (see `Loop::run`).
        std::mem::swap(&mut self.closing_batch, &mut self.closing);
        while let Some(id) = self.closing_batch.pop() {
            // an I/O watcher was deregistered when close stopped it
            let slot = self.handles.remove(id.index as usize);
            if let Some(cb) = slot.close_cb {
                self.current = None;
                cb(self, s);
                self.after_callback(s);
            }
        }
    }
}

/// Generates the life-cycle methods every handle type shares.
macro_rules! handle_common {
    ($ty:ident, $kind:expr) => {
        impl $ty {
            /// The untyped id of this handle.
            pub fn id(self) -> $crate::handle::HandleId {
                self.0
            }

            /// Closes the handle: it stops at once, and `cb` runs in the loop's closing phase
            /// (after check, in reverse close order). Then the id becomes stale.
            ///
            /// Closing twice is `EINVAL`; a stale id is `EBADF`.
            pub fn close<S>(
                self,
                lp: &mut $crate::Loop<S>,
                cb: impl FnOnce(&mut $crate::Loop<S>, &mut S) + 'static,
            ) -> $crate::Result<()> {
                lp.close_raw(self.0, $kind, Some(Box::new(cb)))
            }

            /// Closes the handle without a close callback.
            pub fn close_silently<S>(self, lp: &mut $crate::Loop<S>) -> $crate::Result<()> {
                lp.close_raw(self.0, $kind, None)
            }

            /// Referenced (the default) or not: an active unreferenced handle does not keep
            /// the loop alive.
            pub fn set_ref<S>(self, lp: &mut $crate::Loop<S>, on: bool) -> $crate::Result<()> {
                lp.set_ref_raw(self.0, $kind, on)
            }

            /// Whether the handle is referenced.
            pub fn has_ref<S>(self, lp: &$crate::Loop<S>) -> $crate::Result<bool> {
                Ok(lp.slot(self.0, $kind)?.referenced)
            }

            /// Whether the handle is active (started and not stopped or closing).
            pub fn is_active<S>(self, lp: &$crate::Loop<S>) -> $crate::Result<bool> {
                Ok(lp.slot(self.0, $kind)?.active)
            }

            /// Whether `close` was called and the close callback has not run yet.
            pub fn is_closing<S>(self, lp: &$crate::Loop<S>) -> $crate::Result<bool> {
                Ok(lp.slot(self.0, $kind)?.closing)
            }
        }
    };
}
pub(crate) use handle_common;
