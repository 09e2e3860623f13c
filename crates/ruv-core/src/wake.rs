//! The loop's inbox: how other threads reach the loop.
//!
//! Async sends and pool completions are pushed into one mutex-protected vector and the loop is
//! woken through one `mio::Waker` (an eventfd on Linux). Wake-ups coalesce: an atomic
//! "wake pending" flag makes only the first sender after the loop's last drain write to the
//! eventfd.
//!
//! # Ordering invariant
//! A producer pushes its message *before* it swaps the flag to `true`; the loop clears the flag
//! *before* it takes the messages. So either the loop's take sees the message, or the
//! producer's swap sees `false` and writes to the eventfd: no message is ever left behind
//! without a wake-up.

use crate::error::Error;
use crate::handle::HandleId;
use parking_lot::Mutex;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};

/// A message for the loop thread.
pub(crate) enum Msg {
    /// An async handle was sent to.
    Async(HandleId),
    /// Pool work finished (or was cancelled): the request's index and generation, and the
    /// boxed result.
    Done(crate::work::ReqKey, Result<Box<dyn Any + Send>, Error>),
}

pub(crate) struct Inbox {
    queue: Mutex<Vec<Msg>>,
    wake_pending: AtomicBool,
    /// Set when the owning loop is dropped: later messages are dropped, not queued.
    closed: AtomicBool,
    /// Set by [`Halt::halt`](crate::Halt::halt): the loop stops at the next callback boundary.
    halted: AtomicBool,
    waker: mio::Waker,
}

impl Inbox {
    pub(crate) fn new(waker: mio::Waker) -> Inbox {
        Inbox {
            queue: Mutex::new(Vec::new()),
            wake_pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            halted: AtomicBool::new(false),
            waker,
        }
    }

    /// Queues a message and wakes the loop if no wake-up is pending.
    pub(crate) fn send(&self, msg: Msg) {
        if self.closed.load(Ordering::Acquire) {
            return;
        }
        self.queue.lock().push(msg);
        self.wake();
    }

    /// Asks the loop to stop for good at the next callback boundary, and wakes it.
    pub(crate) fn halt(&self) {
        self.halted.store(true, Ordering::SeqCst);
        self.wake_pending.store(true, Ordering::SeqCst);
        // see `wake`: nothing useful can be done with an eventfd error here
        let _ = self.waker.wake();
    }

    /// Whether the loop was halted.
    #[inline]
    pub(crate) fn is_halted(&self) -> bool {
        self.halted.load(Ordering::Relaxed)
    }

    fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::SeqCst) {
            // An eventfd write fails only if its counter would overflow, which mio handles
            // by resetting it; nothing useful can be done with an error here.
            let _ = self.waker.wake();
        }
    }

    /// Whether a wake-up is pending (a message may be waiting).
    #[inline]
    pub(crate) fn is_pending(&self) -> bool {
        self.wake_pending.load(Ordering::Acquire)
    }

    /// Moves every queued message into `buf` (loop thread only).
    pub(crate) fn take_all(&self, buf: &mut Vec<Msg>) {
        self.wake_pending.store(false, Ordering::SeqCst);
        std::mem::swap(&mut *self.queue.lock(), buf);
    }

    /// Re-queues messages that a panicking callback left undelivered, ahead of newer ones.
    pub(crate) fn put_back(&self, msgs: Vec<Msg>) {
        if msgs.is_empty() {
            return;
        }
        self.queue.lock().splice(0..0, msgs);
        self.wake();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.queue.lock().clear();
    }
}
