//! The loop delay monitor: Node's `perf_hooks.monitorEventLoopDelay({ resolution })`.
//!
//! A timer of `resolution` ms, not keeping the loop alive (Node unrefs it), records at each
//! fire the whole interval since its previous fire, in ns (Node's `RecordDelta`: the delta
//! itself, not the delta less the resolution; the first fire after creation or
//! [`reset`](DelayMonitor::reset) only notes the time). A loop that runs freely records
//! about `resolution` ms per fire; a callback that blocks for 300 ms shows up as one interval
//! of about 300 ms. As in Node 20, [`enable`](DelayMonitor::enable) after
//! [`disable`](DelayMonitor::disable) does not forget the last fire: the first interval
//! after re-enabling spans the disabled time (reset first to leave it out).
//!
//! ```
//! use ruv_core::{Clock, Loop, ManualClock, RunMode, Timer};
//! use ruv_perf::{monitor_event_loop_delay, DelayOptions};
//!
//! let clock = ManualClock::new(); // the monitor reads the loop's clock
//! let mut lp: Loop<()> = Loop::with_clock(Clock::Manual(clock.clone()))?;
//! let monitor = monitor_event_loop_delay(&mut lp, DelayOptions { resolution: 10 })?;
//! assert!(monitor.enable(&mut lp));
//! let reader = monitor.reader(); // Send + Sync: read it from any thread
//! let c = clock.clone();
//! Timer::new(&mut lp)?.start(&mut lp, 25, 0, move |_, _, _| c.advance(40))?; // blocks 40 ms
//! Timer::new(&mut lp)?.start(&mut lp, 100, 0, |_, _, _| {})?;
//! lp.run(RunMode::Default, &mut ())?;
//! let h = reader.snapshot();
//! // 10 ms intervals while the loop ran freely (to within HdrHistogram's 0.1%), and one
//! // from the fire at 20 ms to the first after the block: the whole interval, >= 45 ms
//! assert!((9_990_000..=10_010_000).contains(&h.min()));
//! assert!(h.max() >= 44_950_000);
//! # Ok::<(), ruv_core::Error>(())
//! ```

use crate::histogram::Histogram;
use parking_lot::Mutex;
use ruv_core::{Error, Loop, Result, Timer};
use std::sync::{Arc, Weak};

/// Options of [`monitor_event_loop_delay`] (Node's `{ resolution }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayOptions {
    /// The sampling rate in ms (Node's default: 10). At least 1.
    pub resolution: u64,
}

impl Default for DelayOptions {
    fn default() -> DelayOptions {
        DelayOptions { resolution: 10 }
    }
}

/// Node's `Number.MAX_SAFE_INTEGER`, the largest resolution Node takes.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

struct State {
    hist: Histogram,
    /// The loop's hrtime at the previous fire (`None`: not yet, or reset since).
    prev: Option<u64>,
}

/// A running delay monitor, made by [`monitor_event_loop_delay`]; disabled until
/// [`enable`](DelayMonitor::enable)d. Dropping it (or [`close`](DelayMonitor::close)) ends
/// the timer (a dropped monitor's timer closes itself at its next fire); its
/// [`DelayReader`]s keep what was recorded.
pub struct DelayMonitor {
    timer: Timer,
    resolution: u64,
    state: Arc<Mutex<State>>,
    /// The timer's callback holds a `Weak` of this: gone, it closes the timer.
    alive: Arc<()>,
}

/// A `Send + Sync` clonable view of a monitor's histogram, for any thread. Each read takes
/// the histogram's lock only for as long as the read itself.
#[derive(Clone)]
pub struct DelayReader {
    state: Arc<Mutex<State>>,
}

/// Creates a delay monitor on `lp` (Node's `perf_hooks.monitorEventLoopDelay(options)`).
///
/// # Errors
/// `ERR_OUT_OF_RANGE` for a resolution of 0 or above `2^53 - 1` (Node's message).
pub fn monitor_event_loop_delay<S: 'static>(
    lp: &mut Loop<S>,
    opts: DelayOptions,
) -> Result<DelayMonitor> {
    if opts.resolution < 1 || opts.resolution > MAX_SAFE_INTEGER {
        return Err(Error::out_of_range(
            "options.resolution",
            ">= 1 && <= 9007199254740991",
            opts.resolution,
        ));
    }
    let timer = Timer::new(lp)?;
    timer.set_ref(lp, false);
    Ok(DelayMonitor {
        timer,
        resolution: opts.resolution,
        state: Arc::new(Mutex::new(State {
            hist: Histogram::new(),
            prev: None,
        })),
        alive: Arc::new(()),
    })
}

impl DelayMonitor {
    /// Starts recording (Node's `enable()`): `true` if it was disabled, `false` if it was
    /// already enabled or is closed.
    pub fn enable<S: 'static>(&self, lp: &mut Loop<S>) -> bool {
        if self.is_enabled(lp) {
            return false;
        }
        let state = Arc::downgrade(&self.state);
        let alive: Weak<()> = Arc::downgrade(&self.alive);
        let res = self
            .timer
            .start(lp, self.resolution, self.resolution, move |lp, _, t| {
                let (Some(state), Some(_)) = (state.upgrade(), alive.upgrade()) else {
                    // the monitor was dropped: end its timer (closing twice is an error only)
                    return t.close(lp).map(drop);
                };
                let now = lp.hrtime();
                let mut st = state.lock();
                if let Some(prev) = st.prev {
                    st.hist.record(now.saturating_sub(prev));
                }
                st.prev = Some(now);
                Ok(())
            });
        if res.is_err() {
            return false;
        }
        self.timer.set_ref(lp, false);
        true
    }

    /// Stops recording (Node's `disable()`): `true` if it was enabled.
    pub fn disable<S: 'static>(&self, lp: &mut Loop<S>) -> bool {
        if !self.is_enabled(lp) {
            return false;
        }
        self.timer.stop(lp);
        true
    }

    /// Whether it is recording.
    pub fn is_enabled<S: 'static>(&self, lp: &Loop<S>) -> bool {
        self.timer.is_active(lp).unwrap_or(false)
    }

    /// Forgets every interval recorded and the last fire (Node's `reset()`); safe at any
    /// time, from any thread through a reader too.
    pub fn reset(&self) {
        reset(&self.state);
    }

    /// A copy of the histogram now (see [`Histogram`]).
    pub fn snapshot(&self) -> Histogram {
        self.state.lock().hist.clone()
    }

    /// A view for other threads.
    pub fn reader(&self) -> DelayReader {
        DelayReader {
            state: self.state.clone(),
        }
    }

    /// The resolution in ms.
    pub fn resolution(&self) -> u64 {
        self.resolution
    }

    /// Stops and closes the timer.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) {
        // an error means it is closed already: nothing left to do
        self.timer.close(lp).ok();
    }
}

fn reset(state: &Mutex<State>) {
    let mut st = state.lock();
    st.hist.reset();
    st.prev = None;
}

impl DelayReader {
    /// A copy of the histogram now (about 360 KiB; see [`DelayReader::read`] to avoid it).
    pub fn snapshot(&self) -> Histogram {
        self.state.lock().hist.clone()
    }

    /// Runs `f` on the histogram under its lock (the loop's next fire waits for `f`: keep it
    /// short), without copying it.
    pub fn read<R>(&self, f: impl FnOnce(&Histogram) -> R) -> R {
        f(&self.state.lock().hist)
    }

    /// As [`DelayMonitor::reset`].
    pub fn reset(&self) {
        reset(&self.state);
    }
}

impl std::fmt::Debug for DelayMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelayMonitor")
            .field("resolution", &self.resolution)
            .field("histogram", &self.state.lock().hist)
            .finish()
    }
}

impl std::fmt::Debug for DelayReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelayReader")
            .field("histogram", &self.state.lock().hist)
            .finish()
    }
}
