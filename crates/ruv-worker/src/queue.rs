//! The shared half of a message channel: one FIFO per direction.
//!
//! A channel is two [`Queue`]s; each end receives from one and sends into the other. A queue
//! holds the messages not yet taken by its receiver, whether the channel is closed, and the
//! receiving loop's wake-up while the receiving end is attached to a loop. Posting locks the
//! queue for one push; the receiver takes the whole backlog in one swap, so a burst costs the
//! receiver one lock and one wake-up (the async handle coalesces sends), not one per message.

use parking_lot::Mutex;
use ruv_core::AsyncSender;
use std::collections::VecDeque;

pub(crate) struct Queue<T> {
    inner: Mutex<Inner<T>>,
}

struct Inner<T> {
    msgs: VecDeque<T>,
    closed: bool,
    /// The receiving loop's wake-up, while the receiving end is attached.
    waker: Option<AsyncSender>,
}

impl<T> Queue<T> {
    pub(crate) fn new() -> Queue<T> {
        Queue {
            inner: Mutex::new(Inner {
                msgs: VecDeque::new(),
                closed: false,
                waker: None,
            }),
        }
    }

    /// Appends `msg` and wakes the receiver; `Err(msg)` if the channel is closed.
    #[inline]
    pub(crate) fn push(&self, msg: T) -> Result<(), T> {
        let waker = {
            let mut g = self.inner.lock();
            if g.closed {
                return Err(msg);
            }
            g.msgs.push_back(msg);
            g.waker.clone()
        };
        // Woken after the lock is released: the receiver's first act is to take this lock,
        // and a wake-up sent under it makes the woken thread block on it (measured: 6
        // context switches per ping-pong round trip instead of 2).
        if let Some(w) = waker {
            // EBADF only once the receiving handle is closed; the message then waits for
            // whoever attaches next, or is dropped with the queue
            let _ = w.send();
        }
        Ok(())
    }

    /// Swaps the backlog into `batch` (which must be empty; its capacity is reused) and
    /// tells whether the channel is closed. Everything posted before the close is in the
    /// batch: nothing can be posted after it.
    pub(crate) fn take(&self, batch: &mut VecDeque<T>) -> bool {
        debug_assert!(batch.is_empty());
        let mut g = self.inner.lock();
        std::mem::swap(&mut g.msgs, batch);
        g.closed
    }

    /// Puts undelivered messages back at the front (a port detached in the middle of a
    /// batch keeps its order).
    pub(crate) fn put_back(&self, batch: &mut VecDeque<T>) {
        if batch.is_empty() {
            return;
        }
        let mut g = self.inner.lock();
        batch.append(&mut g.msgs);
        std::mem::swap(&mut g.msgs, batch);
    }

    /// Sets (or clears) the receiver's wake-up; wakes it at once if something is waiting.
    pub(crate) fn set_waker(&self, waker: Option<AsyncSender>) {
        let mut g = self.inner.lock();
        if let Some(w) = &waker {
            if !g.msgs.is_empty() || g.closed {
                // a fresh handle: EBADF is impossible
                let _ = w.send();
            }
        }
        g.waker = waker;
    }

    /// Closes the channel in this direction: later pushes fail. With `drop_unread`, the
    /// messages not yet taken are dropped (the receiver is the one closing); otherwise they
    /// stay for the receiver, which is woken to take them and see the close.
    pub(crate) fn close(&self, drop_unread: bool) {
        let unread = {
            let mut g = self.inner.lock();
            g.closed = true;
            if let Some(w) = &g.waker {
                let _ = w.send();
            }
            if drop_unread {
                g.waker = None;
                std::mem::take(&mut g.msgs)
            } else {
                VecDeque::new()
            }
        };
        // dropped outside the lock: a message may own a port whose drop closes its channel
        drop(unread);
    }

    /// Takes the oldest waiting message, if any (Node's `receiveMessageOnPort`).
    pub(crate) fn pop(&self) -> Option<T> {
        self.inner.lock().msgs.pop_front()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// How many messages wait for the receiver.
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().msgs.len()
    }
}

/// Wakes a handle's async again if a delivery loop is left before it finished: a callback's
/// uncaught error (or a panic) ends `run` in the middle of a batch, and the next `run` must go
/// on with the rest — nothing else would wake the handle for messages already taken.
pub(crate) struct Rewake(Option<AsyncSender>);

impl Rewake {
    pub(crate) fn new(sender: &AsyncSender) -> Rewake {
        Rewake(Some(sender.clone()))
    }

    /// The batch was delivered: nothing to do on drop.
    pub(crate) fn done(mut self) {
        self.0 = None;
    }
}

impl Drop for Rewake {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            // EBADF: the handle closed meanwhile; nothing is left to deliver then
            let _ = s.send();
        }
    }
}
