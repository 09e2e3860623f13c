//! # ruv-node: Node.js's callback ordering on ruv-core's loop
//!
//! `set_timeout`, `set_interval`, `set_immediate`, `next_tick` and `queue_microtask` with the
//! ordering Node guarantees: after every callback the next-tick queue drains, then the
//! microtask queue, repeating until both are empty; immediates run in the check phase, one
//! snapshot per iteration; timers are clamped to at least 1 ms and armed from a fresh clock
//! reading, as Node arms them.
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_node as node;
//!
//! let mut lp: Loop<Vec<&'static str>> = Loop::new()?;
//! let mut log = Vec::new();
//! node::enter(&mut lp, &mut log, |lp, log| {
//!     node::set_timeout(lp, 0, |_, log| log.push("timeout"))?;
//!     node::set_immediate(lp, |_, log| log.push("immediate"))?;
//!     node::queue_microtask(lp, |_, log| log.push("microtask"))?;
//!     node::next_tick(lp, |_, log| log.push("tick"))?;
//!     log.push("sync");
//!     Ok(())
//! })?;
//! lp.run(RunMode::Default, &mut log)?;
//! // from the main script, the 1 ms timeout may fire before or after the immediate (as in
//! // Node); ticks and microtasks always come first.
//! assert_eq!(log[..3], ["sync", "tick", "microtask"]);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! Every callback may return `()` or `Result<()>`: an error it returns is the program's
//! uncaught error (see `docs/architecture.md`, "The error path").
//!
//! The queues live in the loop (as a [`Loop`] extension), so every callback, which gets
//! `&mut Loop<S>` and `&mut S`, can schedule more work. Installing them is automatic on first
//! use; it sets the loop's after-callback hook.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod immediate;
mod queues;
mod timers;

pub use immediate::{clear_immediate, set_immediate, Immediate};
pub use queues::{enter, next_tick, queue_microtask, run_queues};
pub use timers::{
    clear_interval, clear_timeout, set_interval, set_timeout, timer_count, Timeout, TIMEOUT_MAX,
};

use ruv_core::registry::Callback;
use ruv_core::{Check, Idle, Loop, Result};
use std::any::Any;
use std::collections::VecDeque;

/// A queued one-shot task (a tick, a microtask or an immediate) and where it was queued.
pub(crate) type Task<S> = Callback<Box<dyn FnOnce(&mut Loop<S>, &mut S) -> Result<()>>>;

/// Node's per-loop state, kept as a loop extension.
pub(crate) struct NodeState<S> {
    pub(crate) ticks: VecDeque<Task<S>>,
    pub(crate) microtasks: VecDeque<Task<S>>,
    pub(crate) immediates: immediate::Queue<S>,
    /// Active while referenced immediates are queued: keeps the loop alive and poll from
    /// blocking (Node's `immediate_idle_handle`).
    pub(crate) idle: Idle,
    /// Which timeouts the program still holds (see `timers.rs`).
    pub(crate) timers: timers::SharedBook,
    /// An unwind (an uncaught error or a panic) caught in the check callback, resumed by the
    /// after-callback hook once the check callback is back in its slot.
    pub(crate) unwind: Option<Box<dyn Any + Send>>,
}

/// The Node state of `lp`, installed on first use.
pub(crate) fn state<S: 'static>(lp: &mut Loop<S>) -> Result<&mut NodeState<S>> {
    if !lp.has_extension::<NodeState<S>>() {
        install(lp)?;
    }
    Ok(lp.extension_mut::<NodeState<S>>().expect("installed above"))
}

fn install<S: 'static>(lp: &mut Loop<S>) -> Result<()> {
    // The check handle runs the immediate queue; unreferenced, it never keeps the loop alive.
    let check = Check::new(lp)?;
    check.start(lp, |lp, s, _| immediate::run_immediates(lp, s))?;
    check.set_ref(lp, false);
    let idle = Idle::new(lp)?;
    lp.insert_extension(NodeState::<S> {
        ticks: VecDeque::new(),
        microtasks: VecDeque::new(),
        immediates: immediate::Queue::new(),
        idle,
        timers: timers::SharedBook::default(),
        unwind: None,
    });
    lp.set_after_callback(Some(queues::run_queues::<S>));
    Ok(())
}
