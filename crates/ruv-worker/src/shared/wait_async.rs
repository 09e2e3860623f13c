//! The async wait (`Atomics.waitAsync`): a waiter in the same table, woken through an
//! `Async` handle of the waiting loop, timed out by a `Timer` of that loop.

use super::table::{self, Key, Waiter};
use super::{SharedBuffer, WaitResult};
use ruv_core::{Async, CallbackResult, Loop, Result, Timer};
use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A started [`wait_async`](SharedBuffer::wait_async) (Node's `{ async, value }` result).
///
/// As in Node, a pending async wait does not keep its loop alive;
/// [`set_ref`](WaitAsync::set_ref) makes it do so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitAsync {
    /// The wake-up handle and the timeout timer; `None` when it was settled at once.
    handles: Option<(Async, Option<Timer>)>,
}

impl WaitAsync {
    /// Node's `async`: `false` when the value differed or the timeout was zero, so the
    /// result (`NotEqual` or `TimedOut`) was known at the call (the callback still runs
    /// later, never inside `wait_async`).
    pub fn is_async(&self) -> bool {
        self.handles.is_some()
    }

    /// Referenced or not (not, by default, as in Node): a referenced pending wait keeps
    /// `run` going until it settles. A no-op once it has settled.
    pub fn set_ref<S>(&self, lp: &mut Loop<S>, on: bool) {
        if let Some((a, t)) = self.handles {
            a.set_ref(lp, on);
            if let Some(t) = t {
                t.set_ref(lp, on);
            }
        }
    }
}

type Cb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, WaitResult) -> Result<()>>;

/// The loop side of one async wait, shared by its two handles' callbacks.
struct Pending<S> {
    cb: RefCell<Option<Cb<S>>>,
    handles: Cell<Option<(Async, Option<Timer>)>>,
    /// Set once the async handle (whose sender the waiter holds) exists.
    entry: OnceCell<Entry>,
}

/// The waiter's place in the table. Dropped with the handles' callbacks (when they close,
/// or with the loop), it leaves the table, so a dropped loop leaves no waiter behind; it
/// keeps the buffer alive meanwhile (its address is the queue's key).
struct Entry {
    buf: SharedBuffer,
    index: usize,
    waiter: Arc<Waiter>,
}

impl Entry {
    fn key(&self) -> Key {
        (self.buf.addr(), self.index)
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        table::remove(self.key(), &self.waiter);
    }
}

impl<S> Pending<S> {
    /// Settles the wait: closes both handles, then runs the callback (once).
    fn settle(&self, lp: &mut Loop<S>, s: &mut S, result: WaitResult) -> Result<()> {
        let Some(cb) = self.cb.borrow_mut().take() else {
            return Ok(());
        };
        let closed = self.close_handles(lp);
        let ran = cb(lp, s, result);
        closed.and(ran)
    }

    /// Closes whichever handles it still has (only this closes them).
    fn close_handles(&self, lp: &mut Loop<S>) -> Result<()> {
        let Some((a, t)) = self.handles.take() else {
            return Ok(());
        };
        let first = a.close(lp).map(drop);
        let second = t.map_or(Ok(()), |t| t.close(lp).map(drop));
        first.and(second)
    }

    /// Gives up a wait that could not be set up (its callback never runs): returns `err`.
    fn abandon(&self, lp: &mut Loop<S>, err: ruv_core::Error) -> ruv_core::Error {
        drop(self.cb.borrow_mut().take());
        // the setup error is the one to report; closing fresh handles cannot fail
        drop(self.close_handles(lp));
        err
    }
}

/// A timeout in whole loop milliseconds, rounded up (never early); `None`: no timer.
fn timeout_ms(timeout: Option<Duration>) -> Option<u64> {
    timeout.map(|t| u64::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(u64::MAX))
}

impl SharedBuffer {
    /// Node's `Atomics.waitAsync(int32, index, expected, timeout)`: waits on `lp` without
    /// blocking it; `cb` runs once on `lp` with [`WaitResult::Ok`] when a
    /// [`notify`](SharedBuffer::notify) wakes it (in the poll phase, through an async
    /// handle) or [`WaitResult::TimedOut`] when `timeout` passes (in the timers phase).
    /// Async waiters share the FIFO of blocking ones: a notify counts them in one order.
    ///
    /// If the value differs, or `timeout` is zero, the result is known at once (Node returns
    /// `{ async: false }`): [`WaitAsync::is_async`] is `false` and `cb` runs with
    /// `NotEqual`/`TimedOut` in the loop's next pending phase — never inside this call.
    ///
    /// Like Node's, a pending async wait does not keep the loop alive (see
    /// [`WaitAsync::set_ref`]); dropping the loop drops its pending waits from the table.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `index < as_i32().len()`.
    #[track_caller]
    pub fn wait_async<S: 'static, R: CallbackResult>(
        &self,
        lp: &mut Loop<S>,
        index: usize,
        expected: i32,
        timeout: Option<Duration>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, WaitResult) -> R + 'static,
    ) -> Result<WaitAsync> {
        let word = self.check_word(index)?;
        let ms = timeout_ms(timeout);
        // An early answer needs no handles; a load here is a valid point to have read the
        // value at. The compare is made again, atomically with the enqueue, below.
        let early = if word.load(Ordering::SeqCst) != expected {
            Some(WaitResult::NotEqual)
        } else if ms == Some(0) {
            Some(WaitResult::TimedOut)
        } else {
            None
        };
        if let Some(result) = early {
            lp.defer(move |lp, s| cb(lp, s, result).into_result());
            return Ok(WaitAsync { handles: None });
        }
        self.enqueue_async(
            lp,
            index,
            expected,
            ms,
            Box::new(move |lp, s, r| cb(lp, s, r).into_result()),
        )
    }

    #[track_caller]
    fn enqueue_async<S: 'static>(
        &self,
        lp: &mut Loop<S>,
        index: usize,
        expected: i32,
        ms: Option<u64>,
        cb: Cb<S>,
    ) -> Result<WaitAsync> {
        let pending = Rc::new(Pending {
            cb: RefCell::new(Some(cb)),
            handles: Cell::new(None),
            entry: OnceCell::new(),
        });
        let p = pending.clone();
        let wake = Async::new(lp, move |lp, s, _| {
            // one send per waiter, by the notify that dequeued it
            if p.entry.get().is_some_and(|e| e.waiter.is_notified()) {
                p.settle(lp, s, WaitResult::Ok)
            } else {
                Ok(())
            }
        })?;
        wake.set_ref(lp, false);
        pending.handles.set(Some((wake, None)));
        let sender = match wake.sender(lp) {
            Ok(sender) => sender,
            Err(e) => return Err(pending.abandon(lp, e)),
        };
        let timer = match ms.map(|_| Timer::new(lp)).transpose() {
            Ok(t) => t,
            Err(e) => return Err(pending.abandon(lp, e)),
        };
        pending.handles.set(Some((wake, timer)));
        let entry = pending.entry.get_or_init(|| Entry {
            buf: self.clone(),
            index,
            waiter: Waiter::with_sender(sender),
        });
        let word = &self.as_i32()[index];
        if !table::enqueue_if(entry.key(), &entry.waiter, || {
            word.load(Ordering::SeqCst) == expected
        }) {
            // the value changed since the first look
            if let Some(cb) = pending.cb.borrow_mut().take() {
                lp.defer(move |lp, s| cb(lp, s, WaitResult::NotEqual));
            }
            pending.close_handles(lp)?;
            return Ok(WaitAsync { handles: None });
        }
        if let (Some(t), Some(ms)) = (timer, ms) {
            let p = pending.clone();
            let started = t.start(lp, ms, 0, move |lp, s, _| {
                // a notify that dequeued the waiter first wins: its send brings `Ok`
                if p.entry
                    .get()
                    .is_some_and(|e| table::remove(e.key(), &e.waiter))
                {
                    p.settle(lp, s, WaitResult::TimedOut)
                } else {
                    Ok(())
                }
            });
            if let Err(e) = started {
                table::remove(entry.key(), &entry.waiter);
                return Err(pending.abandon(lp, e));
            }
            t.set_ref(lp, false);
        }
        Ok(WaitAsync {
            handles: Some((wake, timer)),
        })
    }
}
