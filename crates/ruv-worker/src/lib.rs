//! # ruv-worker: Node's `worker_threads` for ruv
//!
//! CPU work moved to a thread with its own event loop, so the main loop keeps answering:
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! use ruv_worker::{PortEvent, Worker, WorkerEvent, WorkerOptions};
//!
//! let mut lp: Loop<Option<u64>> = Loop::new()?;
//! let w = Worker::spawn(
//!     &mut lp,
//!     WorkerOptions::new().name("summer"),
//!     |wlp: &mut Loop<()>, ctx| {
//!         // the worker's own loop: answer each request on the parent's port
//!         ctx.parent_port.attach(wlp, |wlp, _, port, ev| {
//!             if let PortEvent::Message(n) = ev {
//!                 let sum: u64 = (0..n).sum();
//!                 port.post_message(wlp, sum);
//!                 port.close(wlp)?; // done: the worker's loop ends, the worker exits
//!             }
//!             Ok(())
//!         })?;
//!         Ok(())
//!     },
//!     |_lp, out, _w, ev| {
//!         if let WorkerEvent::Message(sum) = ev {
//!             *out = Some(sum);
//!         }
//!     },
//! )?;
//! assert!(w.post_message(&lp, 1_000_000));
//! let mut out = None;
//! lp.run(RunMode::Default, &mut out)?;
//! assert_eq!(out, Some(499_999_500_000));
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! * [`Worker`] — a thread running a `Loop<S2>` of its own (Node's `new Worker`), with
//!   Node's events in Node's order ([`WorkerEvent`]), `post_message`, `terminate` (at the next
//!   callback boundary; [`should_stop`] for callbacks that run long), exit codes.
//! * [`MessageChannel`] / [`PortEnd`] / [`MessagePort`] — typed, entangled ports; messages are
//!   moved (a 64 MiB `Vec` in O(1)), FIFO, delivered in the poll phase with one wake-up per
//!   burst; ports move between loops.
//! * [`BroadcastChannel`] — by name, to every other member in the process.
//! * [`SharedBuffer`] — `SharedArrayBuffer` with `Atomics.wait` / `notify` / `waitAsync`.
//! * [`WorkerPool`] — N workers and a task queue for CPU work (what Node users take piscina
//!   for), with queue metrics and cancellation.
//!
//! docs/worker.md has the design and the decisions (typed ports, terminate's limits, when to
//! use the worker pool rather than ruv-pool's compute class).
#![warn(missing_docs)]

pub mod broadcast;
pub mod codes;
mod interrupt;
pub mod pool;
pub mod port;
mod queue;
pub mod shared;
pub mod worker;

pub use broadcast::BroadcastChannel;
pub use pool::{PoolMetrics, PoolOptions, Reply, TaskId, WorkerInfo, WorkerPool};
pub use port::{MessageChannel, MessagePort, PortEnd, PortEvent, PortSender};
pub use shared::{SharedBuffer, WaitAsync, WaitResult};
pub use worker::{
    exit, is_main_thread, set_exit_code, thread_id, Env, PoolChoice, Worker, WorkerContext,
    WorkerEvent, WorkerOptions,
};

/// Whether this thread is a worker whose [`terminate`] was requested: a long callback that
/// cannot be pre-empted checks it and returns early. `false` outside a worker thread.
///
/// [`terminate`]: https://nodejs.org/api/worker_threads.html#workerterminate
#[inline]
pub fn should_stop() -> bool {
    interrupt::requested()
}
