//! The stop request a worker thread can be interrupted by.
//!
//! Each worker thread has one [`Interrupt`]: `terminate` sets it and unparks the thread; the
//! worker's loop is halted at the next callback boundary; [`should_stop`](crate::should_stop)
//! reads it; a blocking wait on a [`SharedBuffer`](crate::SharedBuffer) parks with
//! `std::thread::park_timeout` and checks it on every wake-up, so an `unpark` from
//! `terminate` ends the wait.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::Thread;

/// One worker thread's stop request (shared by the thread and its parent's `Worker` handle).
#[derive(Debug)]
pub(crate) struct Interrupt {
    requested: AtomicBool,
    /// The worker thread, for `unpark`.
    thread: Thread,
}

impl Interrupt {
    /// An interrupt for the calling thread.
    pub(crate) fn for_current_thread() -> Arc<Interrupt> {
        Arc::new(Interrupt {
            requested: AtomicBool::new(false),
            thread: std::thread::current(),
        })
    }

    /// Requests the stop and wakes the thread from a `park` (a wait on shared memory).
    pub(crate) fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.thread.unpark();
    }

    /// Whether the stop was requested.
    #[inline]
    pub(crate) fn is_requested(&self) -> bool {
        self.requested.load(Ordering::Relaxed)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Interrupt>>> = const { RefCell::new(None) };
}

/// Installs `it` as this thread's interrupt (the worker runtime, at the thread's start).
pub(crate) fn install(it: Arc<Interrupt>) {
    CURRENT.with(|c| *c.borrow_mut() = Some(it));
}

/// This thread's interrupt: `None` outside a worker thread (the main thread is never
/// terminated).
pub(crate) fn current() -> Option<Arc<Interrupt>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Whether this thread is a worker whose stop was requested (`false` outside a worker).
#[inline]
pub(crate) fn requested() -> bool {
    CURRENT.with(|c| c.borrow().as_ref().is_some_and(|i| i.is_requested()))
}
