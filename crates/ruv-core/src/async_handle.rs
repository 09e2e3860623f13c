//! Async handles: wake the loop from any thread.
//!
//! ```
//! use ruv_core::{Async, Loop, RunMode};
//! let mut lp: Loop<u32> = Loop::new()?;
//! let a = Async::new(&mut lp, |lp, n, me| {
//!     *n += 1;
//!     me.close(lp).unwrap();
//! })?;
//! let sender = a.sender(&lp)?;
//! std::thread::spawn(move || sender.send().unwrap()).join().unwrap();
//! let mut n = 0;
//! lp.run(RunMode::Default, &mut n)?;
//! assert_eq!(n, 1);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! Sends coalesce: many sends before the loop gets to the handle produce one callback. None is
//! lost: a send that happens after the callback started produces another callback. An active
//! async handle keeps the loop alive (unref it to stop that).

use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use crate::handle::{handle_common, Data, HandleId, Kind};
use crate::wake::{Inbox, Msg};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An async handle (libuv's `uv_async_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Async(pub(crate) HandleId);

/// The sending side of an [`Async`]: `Send + Sync + Clone`, usable from any thread.
#[derive(Clone)]
pub struct AsyncSender {
    shared: Arc<AsyncShared>,
}

impl std::fmt::Debug for AsyncSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSender")
            .field("handle", &self.shared.id)
            .finish()
    }
}

pub(crate) struct AsyncShared {
    id: HandleId,
    /// A send is waiting for the loop to run the callback.
    pending: AtomicBool,
    closed: AtomicBool,
    inbox: Arc<Inbox>,
}

impl AsyncShared {
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }
}

impl Async {
    /// Creates an async handle, active at once (as libuv's `uv_async_init`); `cb` runs on the
    /// loop thread in the poll phase after one or more sends.
    #[track_caller]
    pub fn new<S, R: crate::CallbackResult>(
        lp: &mut Loop<S>,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, Async) -> R + 'static,
    ) -> Result<Async> {
        let cb =
            crate::registry::Callback::new(Box::new(move |lp: &mut Loop<S>, s: &mut S, id, _| {
                cb(lp, s, Async(id)).into_result()
            }) as crate::handle::CoreCb<S>);
        let id = lp.alloc_handle(Kind::Async, Data::Watcher { seq: 0 });
        let shared = Arc::new(AsyncShared {
            id,
            pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            inbox: lp.inbox.clone(),
        });
        let slot = lp.handles.get_mut(id).expect("just allocated");
        slot.data.data = Data::Async(shared);
        slot.data.cb = Some(cb);
        lp.activate(id);
        Ok(Async(id))
    }

    /// A sender for other threads.
    pub fn sender<S>(self, lp: &Loop<S>) -> Result<AsyncSender> {
        match &lp.slot(self.0, Kind::Async)?.data.data {
            Data::Async(shared) if !shared.closed.load(Ordering::Acquire) => Ok(AsyncSender {
                shared: shared.clone(),
            }),
            _ => Err(Error::new(Code::EBADF).with_detail("async handle is closing")),
        }
    }
}

handle_common!(Async, crate::handle::Kind::Async);

impl AsyncSender {
    /// Wakes the loop and schedules the handle's callback (coalescing with sends not yet
    /// delivered).
    ///
    /// # Errors
    /// `EBADF` once the handle is closed (or its loop dropped).
    pub fn send(&self) -> Result<()> {
        let sh = &self.shared;
        if sh.closed.load(Ordering::Acquire) || sh.inbox.is_closed() {
            return Err(Error::op(Code::EBADF, "async_send").with_detail("async handle is closed"));
        }
        if !sh.pending.swap(true, Ordering::AcqRel) {
            sh.inbox.send(Msg::Async(sh.id));
        }
        Ok(())
    }
}

impl<S> Loop<S> {
    /// Delivers one async message: clears the pending flag first (so a send during the
    /// callback schedules another), then runs the callback if the handle is still active.
    pub(crate) fn deliver_async(&mut self, s: &mut S, id: HandleId) {
        let Some(slot) = self.any_slot_mut(id) else {
            return;
        };
        let Data::Async(shared) = &slot.data.data else {
            return;
        };
        shared.pending.store(false, Ordering::Release);
        if slot.is_active() && !slot.is_closing() {
            self.dispatch(s, id, 0);
        }
    }
}
