//! `setTimeout` / `setInterval` with Node's rules.
//!
//! * A delay below 1 ms, or above [`TIMEOUT_MAX`], becomes 1 ms (Node's clamp; Node also
//!   prints a `TimeoutOverflowWarning` for the latter, ruv stays silent).
//! * Equal deadlines fire in creation order; ticks and microtasks drain after each timer.
//! * `unref`'d timers do not keep the loop alive; `refresh` restarts the countdown.
//!
//! Each timeout is one ruv-core [`Timer`]. A one-shot timeout's handle is freed when it fires,
//! so its [`Timeout`] id goes stale: `clear_timeout` on it does nothing (as in Node), while
//! `refresh` answers `EBADF` (Node would re-arm it; see docs/event-loop.md).

use crate::state;
use ruv_core::{Loop, Result, Timer};

/// The largest delay Node accepts, 2^31 - 1 ms; larger delays become 1 ms.
pub const TIMEOUT_MAX: u64 = (1 << 31) - 1;

/// A timeout or interval, for clearing, refreshing and ref/unref. `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timeout {
    timer: Timer,
    delay: u64,
    repeat: bool,
}

fn clamp(delay: u64) -> u64 {
    if (1..=TIMEOUT_MAX).contains(&delay) {
        delay
    } else {
        1
    }
}

/// Runs `f` once, `delay` ms from now (Node's `setTimeout`).
pub fn set_timeout<S: 'static>(
    lp: &mut Loop<S>,
    delay: u64,
    f: impl FnOnce(&mut Loop<S>, &mut S) + 'static,
) -> Result<Timeout> {
    state(lp)?;
    let delay = clamp(delay);
    let timer = Timer::new(lp)?;
    let mut f = Some(f);
    timer.start(lp, delay, 0, move |lp, s, t| {
        // freed first: a fired timeout is gone, as in Node once it is unreachable
        let _ = t.close(lp);
        if let Some(f) = f.take() {
            f(lp, s);
        }
    })?;
    Ok(Timeout {
        timer,
        delay,
        repeat: false,
    })
}

/// Runs `f` every `delay` ms until cleared (Node's `setInterval`).
pub fn set_interval<S: 'static>(
    lp: &mut Loop<S>,
    delay: u64,
    mut f: impl FnMut(&mut Loop<S>, &mut S, Timeout) + 'static,
) -> Result<Timeout> {
    state(lp)?;
    let delay = clamp(delay);
    let timer = Timer::new(lp)?;
    let me = Timeout {
        timer,
        delay,
        repeat: true,
    };
    timer.start(lp, delay, delay, move |lp, s, _| f(lp, s, me))?;
    Ok(me)
}

/// Cancels a timeout. Clearing one that already fired or was cleared does nothing.
pub fn clear_timeout<S: 'static>(lp: &mut Loop<S>, t: Timeout) {
    if t.timer.is_closing(lp) == Ok(false) {
        let _ = t.timer.close(lp);
    }
}

/// Cancels an interval (the same as [`clear_timeout`], as in Node).
pub fn clear_interval<S: 'static>(lp: &mut Loop<S>, t: Timeout) {
    clear_timeout(lp, t)
}

impl Timeout {
    /// Restarts the countdown from now with the original delay (Node's `timeout.refresh()`).
    ///
    /// # Errors
    /// `EBADF` if the timeout already fired (one-shot) or was cleared.
    pub fn refresh<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let repeat = if self.repeat { self.delay } else { 0 };
        self.timer.restart(lp, self.delay, repeat)
    }

    /// The timeout no longer keeps the loop alive.
    pub fn unref<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.timer.set_ref(lp, false);
        Ok(())
    }

    /// The timeout keeps the loop alive again (the default).
    pub fn ref_<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.timer.set_ref(lp, true);
        Ok(())
    }

    /// Whether the timeout keeps the loop alive; `false` once it fired or was cleared.
    pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> bool {
        self.timer.has_ref(lp).unwrap_or(false) && self.timer.is_active(lp).unwrap_or(false)
    }

    /// The underlying loop timer.
    pub fn timer(self) -> Timer {
        self.timer
    }
}
