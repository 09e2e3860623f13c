//! # ruv-core: libuv's event loop, in Rust, on mio
//!
//! One thread runs callbacks in libuv's phases. A handle is a `Copy` id into its loop;
//! callbacks get `&mut Loop<S>` and the embedder's `&mut S`, so they can start, stop and close
//! anything without `RefCell`.
//!
//! ```
//! use ruv_core::{Check, Loop, RunMode, Timer};
//!
//! let mut lp: Loop<Vec<String>> = Loop::new()?;
//! let timer = Timer::new(&mut lp)?;
//! timer.start(&mut lp, 5, 0, |lp, log, _| {
//!     log.push(format!("timer at >= 5 ms (now = {})", lp.now() >= 5));
//! })?;
//! let check = Check::new(&mut lp)?;
//! check.start(&mut lp, |lp, log, me| {
//!     log.push("check".into());
//!     me.close(lp)?.then(|_, log| log.push("closed".into()));
//!     Ok(())
//! })?;
//! let mut log = Vec::new();
//! let still_alive = lp.run(RunMode::Default, &mut log)?;
//! assert!(!still_alive);
//! assert_eq!(log, ["check", "closed", "timer at >= 5 ms (now = true)"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! ## Phases (libuv ≥ 1.45, the order Node 20 runs)
//! ```text
//! run(Default): update time, run due timers once, then per iteration:
//!   pending → idle → prepare → poll (I/O, signals, async, pool completions)
//!           → check → closing → update time → timers
//! ```
//! Poll blocks until the nearest timer unless an idle handle is active, callbacks are pending,
//! handles are closing or a stop was requested. See `docs/event-loop.md` for every ordering
//! guarantee and the libuv test it comes from.
//!
//! ## Handles
//! [`Timer`], [`Idle`], [`Prepare`], [`Check`], [`Async`] (+ [`AsyncSender`] for other
//! threads), [`IoWatcher`] (fd readiness), [`Signal`]. Each has `close(cb)`, `set_ref`,
//! `has_ref`, `is_active`, `is_closing`. Stale ids, double close and starting a closed handle
//! are typed errors ([`Error`] with libuv's code names), never panics.
//!
//! ## Watching the loop
//! [`Loop::callback_beacon`] publishes the running callback for another thread (ruv-perf's
//! blocked-loop watchdog samples it); [`Loop::set_label`] names the work a callback does. The
//! optional `tracing` feature adds a span per phase and per callback (see `docs/perf.md`).
//!
//! ## Work
//! [`Loop::queue_work`] runs a closure on the worker pool (`ruv-pool`) and its result
//! callback back on the loop; [`Loop::cancel`] cancels queued work.
#![warn(missing_docs)]

mod async_handle;
mod beacon;
mod callback;
mod clock;
pub mod error;
mod event_loop;
mod halt;
mod handle;
mod io;
mod metrics;
mod poll;
pub mod registry;
mod signal;
pub mod stream;
mod timer;
mod trace;
mod wake;
mod watcher;
mod work;

pub use async_handle::{Async, AsyncSender};
pub use beacon::{Beacon, BeaconSample, Label};
pub use callback::{CallbackResult, CloseToken, ErrorHandler};
pub use clock::{Clock, ManualClock};
pub use error::{node_inspect_str, node_inspect_str_for_error, node_integer, Code, Error, Result};
pub use event_loop::{Loop, RunMode, SPIN_BEFORE_BLOCK};
pub use halt::Halt;
pub use handle::HandleId;
pub use io::{Interest, IoWatcher, Ready};
pub use metrics::{Elu, EluSample, Metrics};
pub use ruv_pool::{Pool, WorkClass};
pub use signal::Signal;
pub use timer::Timer;
pub use watcher::{Check, Idle, Prepare};
pub use work::WorkReq;
