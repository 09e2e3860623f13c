//! `setTimeout` / `setInterval` with Node's rules.
//!
//! * A delay below 1 ms, or above [`TIMEOUT_MAX`], becomes 1 ms (Node's clamp; Node also
//!   prints a `TimeoutOverflowWarning` for the latter, ruv stays silent).
//! * Every timer is armed from a fresh clock reading, as Node's `insert` reads
//!   `getLibuvNow()` (which updates the loop time): a timeout set after slow synchronous work
//!   counts from when it was set, not from the start of the loop iteration.
//! * An interval reads the clock when its callback starts and, after the callback, is re-armed
//!   from that reading (Node's `listOnTimeout`): it neither drifts by its callback's duration
//!   nor counts from a phase that slower timers before it delayed.
//! * Equal deadlines fire in creation order; ticks and microtasks drain after each timer.
//! * `unref`'d timers do not keep the loop alive; `refresh` restarts the countdown, also on a
//!   one-shot timeout that already fired (its callback runs again).
//!
//! # Who frees a timeout's timer
//! Each timeout is one ruv-core [`Timer`]. A [`Timeout`] is the program's owning handle (not
//! `Copy`): while the program holds it, a fired one-shot timeout keeps its (inactive) timer and
//! callback, so `refresh` can re-arm it, as in Node, where a fired timeout lives while the
//! program references it. The timer is freed when the timeout was cleared, or when it has
//! fired and its `Timeout` is dropped — whichever comes last. Dropping a `Timeout` never
//! cancels it (Node's semantics: an unreferenced pending timeout still fires).

use crate::{state, NodeState};
use ruv_core::{CallbackResult, Loop, Result, Timer};
use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

/// The largest delay Node accepts, 2^31 - 1 ms; larger delays become 1 ms.
pub const TIMEOUT_MAX: u64 = (1 << 31) - 1;

/// The "fired" bit of a [`Book::held`] entry.
const FIRED: u64 = 1 << 63;

/// Which timeouts the program still holds.
#[derive(Default)]
struct Book {
    /// By the core timer's slot index: the generation of the timer whose [`Timeout`] the
    /// program holds (0, which no generation is, when none), with [`FIRED`] set once that
    /// timer fired (8 bytes a slot: generations stay far below 2^63).
    held: Vec<u64>,
    /// Fired timeouts whose `Timeout` was dropped: freed by the next [`reclaim`].
    dropped: Vec<Timer>,
    /// Timers ruv-node keeps: armed, or fired and still held.
    live: usize,
}

/// The per-loop book, shared by the loop's Node state, the timers' callbacks and every
/// [`Timeout`] (whose drop has no loop to tell).
#[derive(Clone, Default)]
pub(crate) struct SharedBook(Rc<RefCell<Book>>);

impl SharedBook {
    pub(crate) fn has_dropped(&self) -> bool {
        self.0.try_borrow().is_ok_and(|b| !b.dropped.is_empty())
    }

    /// Records a new timer, held by the program.
    fn hold(&self, t: Timer) {
        let mut b = self.0.borrow_mut();
        b.live += 1;
        let (index, gen) = (t.id().index() as usize, t.id().generation());
        if index == b.held.len() {
            b.held.push(gen);
        } else {
            if index > b.held.len() {
                b.held.resize(index + 1, 0);
            }
            b.held[index] = gen;
        }
    }

    /// Marks a held timer fired (`true`) or armed again; returns whether it is held.
    fn mark(&self, t: Timer, fired: bool) -> bool {
        let mut b = self.0.borrow_mut();
        match b.held.get_mut(t.id().index() as usize) {
            Some(e) if *e & !FIRED == t.id().generation() => {
                *e = if fired { *e | FIRED } else { *e & !FIRED };
                true
            }
            _ => false,
        }
    }

    /// The program dropped its `Timeout`: a fired timer is queued to be freed.
    fn release(&self, t: Timer) {
        let Ok(mut b) = self.0.try_borrow_mut() else {
            return;
        };
        if let Some(e) = b.held.get_mut(t.id().index() as usize) {
            if *e & !FIRED == t.id().generation() {
                let fired = *e & FIRED != 0;
                *e = 0;
                if fired {
                    b.dropped.push(t);
                }
            }
        }
    }
}

/// A timeout or interval, for clearing, refreshing and ref/unref: the program's handle.
///
/// Not `Copy`: dropping it does not cancel the timeout (it still fires), but once the
/// timeout has fired and is dropped, its timer is freed. Hold it to `refresh` a fired
/// timeout; share it (`Rc`) to clear it from another callback.
pub struct Timeout {
    timer: Timer,
    delay: u64,
    /// `Some` for the program's handle; `None` for the view an interval's callback gets.
    book: Option<SharedBook>,
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("timer", &self.timer)
            .field("delay", &self.delay)
            .finish()
    }
}

impl PartialEq for Timeout {
    fn eq(&self, other: &Timeout) -> bool {
        self.timer == other.timer
    }
}

impl Eq for Timeout {}

impl Hash for Timeout {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.timer.hash(h)
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(book) = &self.book {
            book.release(self.timer);
        }
    }
}

fn clamp(delay: u64) -> u64 {
    if (1..=TIMEOUT_MAX).contains(&delay) {
        delay
    } else {
        1
    }
}

/// Frees a timer ruv-node keeps.
fn free<S>(lp: &mut Loop<S>, t: Timer, book: &SharedBook) {
    if t.close(lp).is_ok() {
        book.0.borrow_mut().live -= 1;
    }
}

/// Whether a timer fired and was neither re-armed nor cleared since.
fn is_idle<S>(lp: &Loop<S>, t: Timer) -> bool {
    matches!((t.is_active(lp), t.is_closing(lp)), (Ok(false), Ok(false)))
}

/// After a one-shot timer's callback: unless it was refreshed or cleared meanwhile, it is
/// kept while the program holds its `Timeout` and freed otherwise. Fired timeouts dropped
/// since the last timer callback are freed too.
fn settle<S: 'static>(lp: &mut Loop<S>, t: Timer) {
    let idle = is_idle(lp, t);
    let Some(st) = lp.extension::<NodeState<S>>() else {
        return;
    };
    let held = !idle || st.timers.mark(t, true);
    if held && !st.timers.has_dropped() {
        return;
    }
    let book = st.timers.clone();
    if !held {
        free(lp, t, &book);
    }
    reclaim(lp, &book);
}

/// Frees the timers of fired timeouts the program dropped.
pub(crate) fn reclaim<S>(lp: &mut Loop<S>, book: &SharedBook) {
    loop {
        let Some(t) = book.0.borrow_mut().dropped.pop() else {
            break;
        };
        if is_idle(lp, t) {
            free(lp, t, book);
        }
    }
}

/// Starts `timer`, closing it if that fails.
#[track_caller]
fn arm<S: 'static>(
    lp: &mut Loop<S>,
    timer: Timer,
    delay: u64,
    cb: impl FnMut(&mut Loop<S>, &mut S, Timer) -> Result<()> + 'static,
) -> Result<()> {
    // Node arms every timer from a fresh clock reading (its `insert` reads getLibuvNow()).
    lp.update_time();
    if let Err(e) = timer.start(lp, delay, 0, cb) {
        let _ = timer.close(lp);
        return Err(e);
    }
    Ok(())
}

/// Runs `f` once, `delay` ms from now (Node's `setTimeout`). `f` may return `()` or
/// `Result<()>`; it is `FnMut` because [`Timeout::refresh`] can make it run again.
///
/// # Errors
/// Only if ruv-node's handles cannot be installed on first use.
#[track_caller]
pub fn set_timeout<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    delay: u64,
    mut f: impl FnMut(&mut Loop<S>, &mut S) -> R + 'static,
) -> Result<Timeout> {
    let book = state(lp)?.timers.clone();
    if book.has_dropped() {
        reclaim(lp, &book);
    }
    let delay = clamp(delay);
    let timer = Timer::new(lp)?;
    // the closure captures only `f` (no allocation when `f` captures nothing)
    arm(lp, timer, delay, move |lp, s, t| {
        // settled even if `f` panics, so that an unheld timeout is still freed
        let res = panic::catch_unwind(AssertUnwindSafe(|| f(lp, s).into_result()));
        // the next poll waits from when the callback returned, not from the phase's start
        lp.update_time();
        settle(lp, t);
        res.unwrap_or_else(|payload| panic::resume_unwind(payload))
    })?;
    book.hold(timer);
    Ok(Timeout {
        timer,
        delay,
        book: Some(book),
    })
}

/// Runs `f` every `delay` ms until cleared (Node's `setInterval`). Each run is due `delay`
/// ms after the previous run *started* (read when its callback starts, as Node does). `f`
/// gets the interval (to clear or refresh it) and may return `()` or `Result<()>`; after an
/// error the interval is re-armed all the same (Node re-arms in a `finally`).
///
/// # Errors
/// Only if ruv-node's handles cannot be installed on first use.
#[track_caller]
pub fn set_interval<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    delay: u64,
    mut f: impl FnMut(&mut Loop<S>, &mut S, &Timeout) -> R + 'static,
) -> Result<Timeout> {
    let book = state(lp)?.timers.clone();
    if book.has_dropped() {
        reclaim(lp, &book);
    }
    let delay = clamp(delay);
    let timer = Timer::new(lp)?;
    let view = Timeout {
        timer,
        delay,
        book: None,
    };
    arm(lp, timer, delay, move |lp, s, t| {
        lp.update_time();
        let start = lp.now();
        let res = f(lp, s, &view).into_result();
        lp.update_time();
        if t.is_closing(lp) == Ok(false) {
            // due at start + delay, or at once if the callback took longer than that
            let due_in = start.saturating_add(delay).saturating_sub(lp.now());
            let _ = t.restart(lp, due_in, 0);
        }
        res
    })?;
    book.hold(timer);
    Ok(Timeout {
        timer,
        delay,
        book: Some(book),
    })
}

/// Cancels a timeout and frees its timer. Clearing one that already fired or was cleared
/// does nothing more, as in Node.
pub fn clear_timeout<S: 'static>(lp: &mut Loop<S>, t: &Timeout) {
    if t.timer.is_closing(lp) != Ok(false) {
        return;
    }
    if let Some(st) = lp.extension::<NodeState<S>>() {
        let book = st.timers.clone();
        free(lp, t.timer, &book);
    }
}

/// Cancels an interval (the same as [`clear_timeout`], as in Node).
pub fn clear_interval<S: 'static>(lp: &mut Loop<S>, t: &Timeout) {
    clear_timeout(lp, t)
}

/// How many timeouts and intervals hold a loop timer: armed ones, and fired one-shot
/// timeouts the program still holds (it may refresh them). The timers of fired timeouts the
/// program dropped are freed first.
pub fn timer_count<S: 'static>(lp: &mut Loop<S>) -> usize {
    let Some(st) = lp.extension::<NodeState<S>>() else {
        return 0;
    };
    let book = st.timers.clone();
    reclaim(lp, &book);
    let live = book.0.borrow().live;
    live
}

impl Timeout {
    /// Restarts the countdown from now with the original delay (Node's `timeout.refresh()`),
    /// also after a one-shot timeout fired: its callback runs again.
    ///
    /// # Errors
    /// `EBADF` if it was cleared (Node ignores that silently; ruv tells you).
    pub fn refresh<S: 'static>(&self, lp: &mut Loop<S>) -> Result<()> {
        lp.update_time();
        self.timer.restart(lp, self.delay, 0)?;
        if let Some(st) = lp.extension::<NodeState<S>>() {
            st.timers.mark(self.timer, false);
        }
        Ok(())
    }

    /// The timeout no longer keeps the loop alive. A no-op once it was cleared.
    pub fn unref<S: 'static>(&self, lp: &mut Loop<S>) {
        self.timer.set_ref(lp, false);
    }

    /// The timeout keeps the loop alive again (the default). A no-op once it was cleared.
    pub fn ref_<S: 'static>(&self, lp: &mut Loop<S>) {
        self.timer.set_ref(lp, true);
    }

    /// Whether the timeout keeps the loop alive; `false` once it fired or was cleared.
    pub fn has_ref<S: 'static>(&self, lp: &Loop<S>) -> bool {
        self.timer.has_ref(lp).unwrap_or(false) && self.timer.is_active(lp).unwrap_or(false)
    }

    /// The delay in ms, after clamping.
    pub fn delay(&self) -> u64 {
        self.delay
    }

    /// The underlying loop timer (for inspection; clear the timeout with [`clear_timeout`],
    /// which keeps [`timer_count`] right).
    pub fn timer(&self) -> Timer {
        self.timer
    }
}
