//! The loop's clock: the system's monotonic clock, or a manual one for tests.
//!
//! Loop time ([`Loop::now`](crate::Loop::now)) is read from the coarse monotonic clock where
//! its resolution is 1 ms or better (libuv's `UV_CLOCK_FAST`, what Node's timers read), from
//! the precise one otherwise. A [`ManualClock`] replaces both for tests: time moves only
//! when the test advances it, or — when the loop would otherwise sleep until a timer — by
//! itself, straight to that timer's deadline (so a test of a 5 s timeout takes no time and
//! never sleeps):
//!
//! ```
//! use ruv_core::{Clock, Loop, ManualClock, RunMode, Timer};
//!
//! let clock = ManualClock::new();
//! let mut lp: Loop<Vec<u64>> = Loop::with_clock(Clock::Manual(clock.clone()))?;
//! Timer::new(&mut lp)?.start(&mut lp, 5_000, 0, |lp, log, _| log.push(lp.now()))?;
//! let mut log = Vec::new();
//! lp.run(RunMode::Default, &mut log)?;
//! assert_eq!(log, [5_000]);
//! assert_eq!(clock.now_ms(), 5_000);
//! # Ok::<(), ruv_core::Error>(())
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Where a loop reads time from.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The system's monotonic clock (coarse for loop time where that is 1 ms-precise).
    #[default]
    System,
    /// A clock that only moves when told to (and, in a loop waiting for a timer, jumps to
    /// the timer's deadline).
    Manual(ManualClock),
}

/// A manual clock, shared by clones: [`advance`](ManualClock::advance) moves every loop
/// that reads it. Time starts at 0.
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    ns: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at 0.
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// Moves the clock forward by `ms` milliseconds (what a callback that "busy-waits" for
    /// `ms` does to the clock in a test).
    pub fn advance(&self, ms: u64) {
        self.ns
            .fetch_add(ms.saturating_mul(1_000_000), Ordering::Relaxed);
    }

    /// Moves the clock forward by `ns` nanoseconds.
    pub fn advance_ns(&self, ns: u64) {
        self.ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The time in ns.
    pub fn now_ns(&self) -> u64 {
        self.ns.load(Ordering::Relaxed)
    }

    /// The time in ms.
    pub fn now_ms(&self) -> u64 {
        self.now_ns() / 1_000_000
    }
}

/// The clock state a loop keeps: its source and epoch.
#[derive(Debug)]
pub(crate) struct LoopClock {
    pub(crate) source: Clock,
    /// The cached loop time, read lazily: `mark_stale` only marks it and the first reader of
    /// the iteration refreshes it (one clock read per iteration that needs one).
    cached: std::cell::Cell<u64>,
    stale: std::cell::Cell<bool>,
    epoch: Instant,
    /// The coarse clock's reading at `epoch`, in ns (0 when the coarse clock is not used).
    coarse_epoch: u64,
}

impl LoopClock {
    pub(crate) fn new(source: Clock) -> LoopClock {
        let epoch = Instant::now();
        let coarse_epoch = coarse_ns().unwrap_or(0);
        LoopClock {
            source,
            cached: std::cell::Cell::new(0),
            stale: std::cell::Cell::new(false),
            epoch,
            coarse_epoch,
        }
    }

    pub(crate) fn epoch(&self) -> Instant {
        self.epoch
    }

    /// The cached loop time, refreshed first if marked stale.
    #[inline]
    pub(crate) fn cached_ms(&self) -> u64 {
        if self.stale.get() {
            self.cached.set(self.now_ms());
            self.stale.set(false);
        }
        self.cached.get()
    }

    /// Marks the cached loop time stale.
    #[inline]
    pub(crate) fn mark_stale(&self) {
        self.stale.set(true);
    }

    /// Loop time in ms since the loop's creation (the fast clock).
    #[inline]
    pub(crate) fn now_ms(&self) -> u64 {
        match &self.source {
            Clock::System => match coarse_ns() {
                Some(ns) => ns.saturating_sub(self.coarse_epoch) / 1_000_000,
                None => self.epoch.elapsed().as_millis() as u64,
            },
            Clock::Manual(m) => m.now_ms(),
        }
    }

    /// High-resolution time in ns since the loop's creation.
    #[inline]
    pub(crate) fn hrtime(&self) -> u64 {
        match &self.source {
            Clock::System => self.epoch.elapsed().as_nanos() as u64,
            Clock::Manual(m) => m.now_ns(),
        }
    }

    pub(crate) fn manual(&self) -> Option<&ManualClock> {
        match &self.source {
            Clock::Manual(m) => Some(m),
            Clock::System => None,
        }
    }
}

/// `CLOCK_MONOTONIC_COARSE` in ns where its resolution is 1 ms or better (checked once, as
/// libuv does for `UV_CLOCK_FAST`); `None` where it is coarser or missing.
#[inline]
fn coarse_ns() -> Option<u64> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        static USABLE: OnceLock<bool> = OnceLock::new();
        let usable = *USABLE.get_or_init(|| {
            let mut res = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: `res` is a valid, writable timespec for the duration of the call.
            let rc = unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut res) };
            rc == 0 && res.tv_sec == 0 && res.tv_nsec <= 1_000_000
        });
        if !usable {
            return None;
        }
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
        if rc != 0 {
            return None;
        }
        Some(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = OnceLock::<bool>::new;
        None
    }
}
