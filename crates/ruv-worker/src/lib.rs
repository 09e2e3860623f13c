//! # ruv-worker: Node's `worker_threads` for ruv
//!
//! (Module documentation is written with the API: see docs/worker.md.)
#![warn(missing_docs)]

mod interrupt;
pub mod shared;

pub use shared::{SharedBuffer, WaitAsync, WaitResult};

/// Whether this thread is a worker whose [`terminate`] was requested: a long callback that
/// cannot be pre-empted checks it and returns early. `false` outside a worker thread.
///
/// [`terminate`]: https://nodejs.org/api/worker_threads.html#workerterminate
#[inline]
pub fn should_stop() -> bool {
    interrupt::requested()
}
