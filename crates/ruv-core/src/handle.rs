//! ruv-core's own handles on the one handle model, and the handle life cycle every handle
//! type shares.
//!
//! A handle is a `Copy` id ([`HandleId`]) into a [`Registry`](crate::registry::Registry)
//! owned by the [`Loop`]: ruv-core's timers, watchers, async, I/O and signal handles live in
//! the loop's own registry; every other crate keeps its handle types in registries of its
//! own, through the generic methods below. The life cycle is libuv's:
//!
//! ```text
//!   new ──► inactive ──start──► active ──stop──► inactive
//!              │                   │
//!              └──────close────────┴──► closing ──(closing phase: close cb)──► freed
//! ```
//!
//! Only *active and referenced* handles keep the loop alive (one count in the loop, kept by
//! [`Loop::handle_set_active`] and [`Loop::handle_set_ref`]); a closing handle keeps it alive
//! until its close callback has run. Once freed, the id is stale: operations that would
//! start work answer `EBADF`; the idempotent ones (stop, ref, unref) do nothing.

use crate::callback::{CloseToken, Closing};
use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use crate::registry::{Callback, CallbackInfo, CallbackKind, Handle, Registry};
use std::sync::Arc;

pub use crate::registry::HandleId;

/// What kind of handle a core slot holds.
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

impl Kind {
    pub(crate) fn name(self) -> CallbackKind {
        match self {
            Kind::Timer => "timer",
            Kind::Idle => "idle",
            Kind::Prepare => "prepare",
            Kind::Check => "check",
            Kind::Async => "async",
            Kind::Io => "io",
            Kind::Signal => "signal",
        }
    }
}

/// The stored form of every core handle callback: the last argument carries the event
/// detail (readiness bits for I/O, the signal number for signals, 0 otherwise). Typed public
/// callbacks are wrapped into this shape once, at start.
pub(crate) type CoreCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, HandleId, u32) -> Result<()>>;

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

/// A core handle's own state (its liveness flags are the [`Handle`] around it).
pub(crate) struct Core<S> {
    pub(crate) kind: Kind,
    pub(crate) cb: Option<Callback<CoreCb<S>>>,
    /// The callback was lost to a panic: the handle cannot run again until given a new one.
    pub(crate) lost_cb: bool,
    pub(crate) data: Data,
}

pub(crate) type Slot<S> = Handle<Core<S>>;

fn stale() -> Error {
    Error::new(Code::EBADF).with_detail("stale or closed handle id")
}

impl<S> Loop<S> {
    /// Allocates a new, inactive, referenced core handle.
    pub(crate) fn alloc_handle(&mut self, kind: Kind, data: Data) -> HandleId {
        self.handles.insert(Handle::new(Core {
            kind,
            cb: None,
            lost_cb: false,
            data,
        }))
    }

    /// The slot of a live handle of `kind`, or EBADF.
    pub(crate) fn slot(&self, id: HandleId, kind: Kind) -> Result<&Slot<S>> {
        match self.handles.get(id) {
            Some(s) if s.data.kind == kind => Ok(s),
            _ => Err(stale()),
        }
    }

    /// Mutable slot of a live handle of `kind`, or EBADF.
    pub(crate) fn slot_mut(&mut self, id: HandleId, kind: Kind) -> Result<&mut Slot<S>> {
        match self.handles.get_mut(id) {
            Some(s) if s.data.kind == kind => Ok(s),
            _ => Err(stale()),
        }
    }

    /// Like [`Loop::slot_mut`], but a closing handle is `EBADF` too (for start-like calls).
    pub(crate) fn open_slot_mut(&mut self, id: HandleId, kind: Kind) -> Result<&mut Slot<S>> {
        let slot = self.slot_mut(id, kind)?;
        if slot.is_closing() {
            return Err(Error::new(Code::EBADF).with_detail("handle is closing"));
        }
        Ok(slot)
    }

    /// Any live slot, whatever its kind.
    #[inline]
    pub(crate) fn any_slot_mut(&mut self, id: HandleId) -> Option<&mut Slot<S>> {
        self.handles.get_mut(id)
    }

    /// Marks a live core handle active, keeping the liveness count right.
    #[inline]
    pub(crate) fn activate(&mut self, id: HandleId) {
        if let Some(slot) = self.handles.get_mut(id) {
            let d = slot.set_active(true);
            self.add_refs(d);
        }
    }

    /// Marks a live core handle inactive, keeping the liveness count right.
    #[inline]
    pub(crate) fn deactivate(&mut self, id: HandleId) {
        if let Some(slot) = self.handles.get_mut(id) {
            let d = slot.set_active(false);
            self.add_refs(d);
        }
    }

    #[inline]
    pub(crate) fn add_refs(&mut self, delta: isize) {
        self.active_refs = self.active_refs.wrapping_add_signed(delta);
    }

    /// Sets a core handle's referenced flag; a stale id is a no-op.
    pub(crate) fn set_ref_raw(&mut self, id: HandleId, kind: Kind, on: bool) {
        if let Ok(slot) = self.slot_mut(id, kind) {
            let d = slot.set_ref(on);
            self.add_refs(d);
        }
    }

    /// Stops a handle of any kind (what close does first, and what a panicking callback's
    /// handle gets).
    pub(crate) fn stop_any(&mut self, id: HandleId) {
        let Some(slot) = self.any_slot_mut(id) else {
            return;
        };
        match slot.data.kind {
            Kind::Timer => self.timer_stop_raw(id),
            Kind::Idle | Kind::Prepare | Kind::Check => {
                let kind = slot.data.kind;
                self.watcher_stop_raw(id, kind);
            }
            Kind::Async => self.deactivate(id),
            Kind::Io => self.io_stop_raw(id),
            Kind::Signal => self.signal_stop_raw(id),
        }
    }

    pub(crate) fn close_raw(&mut self, id: HandleId, kind: Kind) -> Result<CloseToken<'_, S>> {
        let slot = self.slot_mut(id, kind)?;
        if slot.is_closing() {
            return Err(Error::new(Code::EINVAL).with_detail("handle is already closing"));
        }
        if let Data::Async(shared) = &slot.data.data {
            shared.close();
        }
        self.stop_any(id);
        self.deactivate(id);
        let slot = self.handles.get_mut(id).expect("checked above");
        slot.set_closing();
        slot.data.cb = None;
        Ok(self.queue_close(id, free_core::<S>))
    }

    /// Queues a closing handle for the closing phase, where `free` frees its slot and then
    /// the close callback (attached through the token) runs.
    pub(crate) fn queue_close(
        &mut self,
        id: HandleId,
        free: fn(&mut Loop<S>, &mut S, HandleId),
    ) -> CloseToken<'_, S> {
        self.closing.queue.push(Closing { id, free, cb: None });
        let index = self.closing.queue.len() - 1;
        CloseToken { lp: self, index }
    }

    /// The closing phase: close callbacks in reverse close order (libuv's LIFO list), each
    /// after its handle's slot is freed.
    pub(crate) fn run_closing(&mut self, s: &mut S) {
        // Handles closed by a close callback wait for the next iteration, as in libuv.
        // The batch lives in the loop so that a panicking close callback leaves the rest
        // queued (see `Loop::run`).
        std::mem::swap(&mut self.closing.batch, &mut self.closing.queue);
        while let Some(entry) = self.closing.batch.pop() {
            (entry.free)(self, s, entry.id);
            if let Some((cb, site)) = entry.cb {
                self.clear_current();
                self.run_callback(s, "close", Some(entry.id), site, cb);
            }
        }
    }

    // ---- the generic handle API, for handle types of other crates ----------------------

    /// The registry of handle type `T` in this loop (created on first use). A crate keeps
    /// each of its handle types here: see `docs/architecture.md`, "Adding a handle type".
    #[inline]
    pub fn handles<T: 'static>(&mut self) -> &mut Registry<Handle<T>> {
        self.extension_or_insert_with(Registry::<Handle<T>>::new)
    }

    /// The registry of handle type `T`, if one was made.
    #[inline]
    pub fn handles_ref<T: 'static>(&self) -> Option<&Registry<Handle<T>>> {
        self.extension::<Registry<Handle<T>>>()
    }

    /// The live handle `id` of type `T`, or `EBADF`.
    #[inline]
    pub fn handle<T: 'static>(&self, id: HandleId) -> Result<&Handle<T>> {
        self.handles_ref::<T>()
            .and_then(|r| r.get(id))
            .ok_or_else(stale)
    }

    /// The live handle `id` of type `T`, mutably, or `EBADF`.
    #[inline]
    pub fn handle_mut<T: 'static>(&mut self, id: HandleId) -> Result<&mut Handle<T>> {
        self.handles::<T>().get_mut(id).ok_or_else(stale)
    }

    /// The live, not closing handle `id` of type `T` (for operations that start work), or
    /// `EBADF`.
    #[inline]
    pub fn open_handle_mut<T: 'static>(&mut self, id: HandleId) -> Result<&mut Handle<T>> {
        match self.handles::<T>().get_mut(id) {
            Some(h) if !h.is_closing() => Ok(h),
            Some(_) => Err(Error::new(Code::EBADF).with_detail("handle is closing")),
            None => Err(stale()),
        }
    }

    /// Marks handle `id` of type `T` active or not, keeping the loop's liveness count
    /// right. A stale or closing id is a no-op (a closing handle stays inactive).
    pub fn handle_set_active<T: 'static>(&mut self, id: HandleId, on: bool) {
        let delta = match self.handles::<T>().get_mut(id) {
            Some(h) if !(on && h.is_closing()) => h.set_active(on),
            _ => 0,
        };
        self.add_refs(delta);
    }

    /// Referenced or not (an active, unreferenced handle does not keep the loop alive). A
    /// stale id is a no-op, as Node's `unref` on a closed handle is.
    pub fn handle_set_ref<T: 'static>(&mut self, id: HandleId, on: bool) {
        let delta = match self.handles::<T>().get_mut(id) {
            Some(h) => h.set_ref(on),
            None => 0,
        };
        self.add_refs(delta);
    }

    /// Closes handle `id` of type `T`: it becomes inactive and closing at once; in the
    /// closing phase its slot is freed (dropping its `T`) and then the close callback
    /// attached to the returned token runs.
    ///
    /// # Errors
    /// `EBADF` for a stale id, `EINVAL` if it is already closing.
    pub fn close_handle<T: 'static>(&mut self, id: HandleId) -> Result<CloseToken<'_, S>> {
        self.close_handle_with::<T>(id, free_handle::<S, T>)
    }

    /// [`close_handle`](Loop::close_handle) with the owner's own `finish`, run in the closing
    /// phase *before* the close callback: it must free the slot
    /// (`lp.handles::<T>().remove(id)`) and may first run what libuv runs there, such as the
    /// callbacks of requests the close cancelled (with `ECANCELED`, through
    /// [`Loop::run_callback`]).
    pub fn close_handle_with<T: 'static>(
        &mut self,
        id: HandleId,
        finish: fn(&mut Loop<S>, &mut S, HandleId),
    ) -> Result<CloseToken<'_, S>> {
        let h = self.handles::<T>().get_mut(id).ok_or_else(stale)?;
        if h.is_closing() {
            return Err(Error::new(Code::EINVAL).with_detail("handle is already closing"));
        }
        let delta = h.set_active(false);
        h.set_closing();
        self.add_refs(delta);
        Ok(self.queue_close(id, finish))
    }

    /// The one dispatch helper: calls the callback that `field` selects in handle `id`
    /// of type `T` as a top-level callback. The callback is taken out of its slot for the
    /// call, recorded as the current callback (kind, handle, registration site), and put
    /// back only if the handle is still the same one, not closing, and was not given a new
    /// callback meanwhile; an error it returns goes to [`Loop::report_error`]; then the
    /// after-callback hook runs. Nothing happens for a stale or closing handle or an empty
    /// slot.
    #[inline]
    pub fn dispatch_handle<T: 'static, C>(
        &mut self,
        s: &mut S,
        id: HandleId,
        kind: CallbackKind,
        field: fn(&mut T) -> &mut Option<Callback<C>>,
        call: impl FnOnce(&mut C, &mut Loop<S>, &mut S) -> Result<()>,
    ) {
        let Some(h) = self.handles::<T>().get_mut(id) else {
            return;
        };
        if h.is_closing() {
            return;
        }
        let Some(mut cb) = field(&mut h.data).take() else {
            return;
        };
        let prev = self.save_current();
        let info = CallbackInfo {
            kind,
            id: Some(id),
            site: cb.site,
        };
        self.enter_callback(info);
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::trace::callback_span!(info);
            call(&mut cb.f, self, s)
        }));
        self.leave_callback(prev);
        let res = match res {
            Ok(res) => res,
            Err(payload) => {
                if payload.is::<crate::callback::Uncaught>() {
                    // an uncaught error from a nested callback: keep this one
                    if let Some(h) = self.handles::<T>().get_mut(id) {
                        if field(&mut h.data).is_none() && !h.is_closing() {
                            *field(&mut h.data) = Some(cb);
                        }
                    }
                    self.clear_current();
                } else {
                    self.restore_current(info);
                }
                std::panic::resume_unwind(payload)
            }
        };
        if let Some(h) = self.handles::<T>().get_mut(id) {
            let slot = field(&mut h.data);
            if slot.is_none() && !h.is_closing() {
                *field(&mut h.data) = Some(cb);
            }
        }
        if let Err(e) = res {
            self.report_error(s, e);
        }
        self.after_callback(s, info.site);
    }
}

fn free_core<S>(lp: &mut Loop<S>, _: &mut S, id: HandleId) {
    lp.handles.remove(id);
}

fn free_handle<S, T: 'static>(lp: &mut Loop<S>, _: &mut S, id: HandleId) {
    lp.handles::<T>().remove(id);
}

/// Generates the life-cycle methods every core handle type shares.
macro_rules! handle_common {
    ($ty:ident, $kind:expr) => {
        impl $ty {
            /// The untyped id of this handle.
            pub fn id(self) -> $crate::handle::HandleId {
                self.0
            }

            /// Closes the handle: it stops at once; in the loop's closing phase (after check,
            /// in reverse close order) it is freed and the callback attached with
            /// [`CloseToken::then`](crate::CloseToken::then), if any, runs. Then the id is
            /// stale.
            ///
            /// # Errors
            /// `EINVAL` if it is already closing; `EBADF` for a stale id.
            pub fn close<S>(
                self,
                lp: &mut $crate::Loop<S>,
            ) -> $crate::Result<$crate::CloseToken<'_, S>> {
                lp.close_raw(self.0, $kind)
            }

            /// Referenced (the default) or not: an active unreferenced handle does not keep
            /// the loop alive. A stale id is a no-op.
            pub fn set_ref<S>(self, lp: &mut $crate::Loop<S>, on: bool) {
                lp.set_ref_raw(self.0, $kind, on)
            }

            /// Whether the handle is referenced.
            pub fn has_ref<S>(self, lp: &$crate::Loop<S>) -> $crate::Result<bool> {
                Ok(lp.slot(self.0, $kind)?.has_ref())
            }

            /// Whether the handle is active (started and not stopped or closing).
            pub fn is_active<S>(self, lp: &$crate::Loop<S>) -> $crate::Result<bool> {
                Ok(lp.slot(self.0, $kind)?.is_active())
            }

            /// Whether `close` was called and the close callback has not run yet.
            pub fn is_closing<S>(self, lp: &$crate::Loop<S>) -> $crate::Result<bool> {
                Ok(lp.slot(self.0, $kind)?.is_closing())
            }
        }
    };
}
pub(crate) use handle_common;
