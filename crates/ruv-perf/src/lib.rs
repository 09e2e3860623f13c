//! # ruv-perf: don't block the loop
//!
//! Seeing a blocked loop, and naming what blocks it:
//!
//! * [`monitor_event_loop_delay`]: Node's `perf_hooks.monitorEventLoopDelay`, a timer that
//!   records the interval between its fires in a [`Histogram`] (HdrHistogram, Node's
//!   bounds and statistics), readable from any thread ([`DelayReader`]).
//! * [`event_loop_utilization`]: Node's `performance.eventLoopUtilization` (the loop's
//!   [`Metrics`]).
//! * [`watchdog`]: what neither Node, libuv nor tokio has: a thread that notices, while it
//!   happens, that one callback has run longer than a threshold and reports which one (its
//!   kind, handle, registration site, the label the program set with
//!   [`Loop::set_label`](ruv_core::Loop::set_label), and how long it has run), with a
//!   summary of the worst offenders. The loop reads no clock for it: it bumps an epoch in
//!   its callback beacon, which the watchdog thread samples.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! use ruv_perf::{monitor_event_loop_delay, watchdog, DelayOptions, WatchdogOptions};
//! use std::time::Duration;
//!
//! let mut lp: Loop<()> = Loop::new()?;
//! let delay = monitor_event_loop_delay(&mut lp, DelayOptions::default())?;
//! delay.enable(&mut lp);
//! let dog = watchdog(&mut lp, WatchdogOptions::new(Duration::from_millis(50)), |report| {
//!     eprintln!("{report}"); // loop blocked for 150.2 ms by timer registered at src/main.rs:12:40
//! })?;
//! Timer::new(&mut lp)?.start(&mut lp, 30, 0, |_, _, _| {
//!     std::thread::sleep(Duration::from_millis(200)); // blocks the loop
//! })?;
//! Timer::new(&mut lp)?.start(&mut lp, 300, 0, |_, _, _| {})?; // the monitor fires once more
//! lp.run(RunMode::Default, &mut ())?;
//! assert!(delay.snapshot().max() >= 200_000_000); // one interval spans the blocked time
//! assert_eq!(dog.summary().len(), 1); // one site blocked
//! let elu = ruv_perf::event_loop_utilization(&lp).utilization(None);
//! assert!(elu.utilization > 0.0);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! The design (the epoch beacon, what each callback kind reports, the measured cost) is in
//! `docs/perf.md`.
#![warn(missing_docs)]

mod delay;
mod histogram;
mod watchdog;

pub use delay::{monitor_event_loop_delay, DelayMonitor, DelayOptions, DelayReader};
pub use histogram::Histogram;
pub use ruv_core::{Elu, EluSample, Label, Metrics};
pub use watchdog::{
    watchdog, BlockedReport, SiteSummary, Watchdog, WatchdogOptions, MIN_THRESHOLD,
};

/// The loop's event loop utilization (Node's `performance.eventLoopUtilization`): call
/// [`Metrics::utilization`] on it with `None` for the loop's lifetime, or with an earlier
/// [`Metrics::sample`] for the time since. `Send + Sync`: read it from any thread.
pub fn event_loop_utilization<S>(lp: &ruv_core::Loop<S>) -> Metrics {
    lp.metrics()
}
