//! The blocking wait (`Atomics.wait`), `Atomics.notify`, and the waiter count.

use super::table::{self, Waiter};
use super::{SharedBuffer, WaitResult};
use ruv_core::Result;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

impl SharedBuffer {
    /// Node's `Atomics.wait(int32, index, expected, timeout)`: if word `index` holds
    /// `expected`, blocks the calling thread until a [`notify`](SharedBuffer::notify) of that
    /// word wakes it ([`WaitResult::Ok`]) or `timeout` passes ([`WaitResult::TimedOut`];
    /// `None` waits for ever, a zero timeout returns at once). A different value returns
    /// [`WaitResult::NotEqual`] without waiting. The compare and the enqueue are one step
    /// with respect to `notify`, so a notify that follows a store of a new value is never
    /// missed.
    ///
    /// On a worker thread, `terminate` ends the wait with [`WaitResult::Interrupted`] (also
    /// returned at once if the stop was already requested). A notify that dequeued the
    /// waiter before the interrupt or the timeout was seen wins: the result is `Ok`, as that
    /// notify counted it.
    ///
    /// This blocks: on a loop thread it stalls every callback (Node allows it on the main
    /// thread too); [`wait_async`](SharedBuffer::wait_async) does not.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `index < as_i32().len()`.
    pub fn wait(
        &self,
        index: usize,
        expected: i32,
        timeout: Option<Duration>,
    ) -> Result<WaitResult> {
        let word = self.check_word(index)?;
        let interrupt = crate::interrupt::current();
        let interrupted = || interrupt.as_ref().is_some_and(|i| i.is_requested());
        if interrupted() {
            return Ok(WaitResult::Interrupted);
        }
        // `None` (for ever) also where the deadline would overflow `Instant`
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let waiter = Waiter::thread();
        let key = (self.addr(), index);
        let mut differs = false;
        let enqueued = table::enqueue_if(key, &waiter, || {
            differs = word.load(Ordering::SeqCst) != expected;
            !differs && timeout != Some(Duration::ZERO)
        });
        if !enqueued {
            return Ok(if differs {
                WaitResult::NotEqual
            } else {
                WaitResult::TimedOut
            });
        }
        // Dequeues itself unless a notify already did (then that notify counted it: `Ok`).
        let leave = |why: WaitResult| {
            if table::remove(key, &waiter) {
                why
            } else {
                WaitResult::Ok
            }
        };
        loop {
            // every wake-up (a notify's or terminate's unpark, a timeout, or a spurious one)
            // re-checks all three
            if waiter.is_notified() {
                return Ok(WaitResult::Ok);
            }
            if interrupted() {
                return Ok(leave(WaitResult::Interrupted));
            }
            match deadline {
                None => std::thread::park(),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Ok(leave(WaitResult::TimedOut));
                    }
                    std::thread::park_timeout(d - now);
                }
            }
        }
    }

    /// Node's `Atomics.notify(int32, index, count)`: wakes up to `count` (`None`: all)
    /// waiters of word `index` of this buffer, blocking and async alike, oldest first, and
    /// returns how many it woke. Waiters of other words or other buffers are untouched.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `index < as_i32().len()`.
    pub fn notify(&self, index: usize, count: Option<usize>) -> Result<usize> {
        self.check_word(index)?;
        Ok(table::notify(
            (self.addr(), index),
            count.unwrap_or(usize::MAX),
        ))
    }

    /// How many waiters (blocking and async) word `index` has now; 0 for an index out of
    /// range. For tests and diagnostics: "wait until the other thread is enqueued".
    pub fn waiters(&self, index: usize) -> usize {
        table::len((self.addr(), index))
    }
}
