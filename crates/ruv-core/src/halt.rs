//! Halting a loop from another thread: the stop a worker's `terminate` needs.
//!
//! ```
//! use ruv_core::{Loop, RunMode, Timer};
//! let mut lp: Loop<u32> = Loop::new()?;
//! let halt = lp.halt_handle();
//! let t = Timer::new(&mut lp)?;
//! // a repeating timer would keep the loop alive for ever; the halt ends `run`
//! t.start(&mut lp, 0, 1, move |_, n, _| {
//!     *n += 1;
//!     if *n == 3 {
//!         halt.halt(); // from any thread; here, from inside a callback
//!     }
//! })?;
//! let mut n = 0;
//! assert!(lp.run(RunMode::Default, &mut n)?); // still alive, but halted
//! assert_eq!(n, 3);
//! assert!(lp.is_halted());
//! assert!(lp.run(RunMode::Default, &mut n)?); // runs nothing any more
//! assert_eq!(n, 3);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! [`Loop::stop`] asks `run` to return at the end of the iteration, from the loop thread, and a
//! later `run` goes on. A halt is for good and comes from any thread: `run` returns at the
//! next callback boundary (after the callback running now returns, before the next one starts
//! — ticks and microtasks queued by it do not run), and every later `run` returns at once.
//! Nothing is lost from the loop's bookkeeping (the same unwinding that carries an uncaught
//! error out of `run` keeps it consistent); the loop is meant to be dropped next, which closes
//! its handles and cancels its queued pool work.

use crate::event_loop::Loop;
use crate::wake::Inbox;
use std::sync::Arc;

/// Halts one loop from any thread (`Send + Sync + Clone`): see the module docs.
#[derive(Clone)]
pub struct Halt {
    inbox: Arc<Inbox>,
}

impl std::fmt::Debug for Halt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Halt")
            .field("halted", &self.inbox.is_halted())
            .finish()
    }
}

impl Halt {
    /// Halts the loop: its `run` returns `Ok(true)` at the next callback boundary (waking it
    /// from the poller if it sleeps) and every later `run` returns at once. Idempotent.
    pub fn halt(&self) {
        self.inbox.halt();
    }

    /// Whether the loop was halted.
    pub fn is_halted(&self) -> bool {
        self.inbox.is_halted()
    }
}

impl<S> Loop<S> {
    /// A handle that halts this loop from any thread (see [`Halt`]). From the first call on,
    /// the loop checks for a halt after every callback (one load); a loop that never handed
    /// one out makes no such check.
    pub fn halt_handle(&mut self) -> Halt {
        self.halt_armed = true;
        Halt {
            inbox: self.inbox.clone(),
        }
    }

    /// Whether [`Halt::halt`] was called for this loop.
    #[inline]
    pub fn is_halted(&self) -> bool {
        self.halted()
    }

    /// The hot-path form: a plain field first, the shared flag only if a `Halt` exists.
    #[inline]
    pub(crate) fn halted(&self) -> bool {
        self.halt_armed && self.inbox.is_halted()
    }
}
