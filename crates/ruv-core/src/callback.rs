//! What callbacks return, and where the errors they return go.
//!
//! Every callback may return `()` or [`Result<()>`](crate::Result), so it can use `?`:
//!
//! ```
//! use ruv_core::{Code, Error, Loop, RunMode, Timer};
//!
//! let mut lp: Loop<()> = Loop::new()?;
//! Timer::new(&mut lp)?.start(&mut lp, 0, 0, |_lp, _s, _t| {
//!     let n: u32 = "x".parse().map_err(|_| Error::new(Code::EINVAL))?;
//!     println!("{n}");
//!     Ok(())
//! })?;
//! // No handler is installed: `run` returns the error, as Node's default
//! // 'uncaughtException' ends the process; the loop stays usable.
//! let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
//! assert_eq!(err.code(), Code::EINVAL);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! An error a callback returns is the program's *uncaught error* (Node's
//! `'uncaughtException'`): if a handler is installed with [`Loop::set_error_handler`], it
//! gets the error and the loop goes on; otherwise [`Loop::run`] stops at once (nothing else
//! runs) and returns the error, with the loop left consistent: what was queued stays
//! queued, and a later `run` goes on from there.

use crate::error::{Error, Result};
use crate::event_loop::Loop;
use crate::registry::{CallbackInfo, CallbackKind, HandleId};
use std::panic::Location;

/// The return type of a callback: `()` or `Result<()>` (so a callback can use `?`).
pub trait CallbackResult {
    /// The callback's outcome.
    fn into_result(self) -> Result<()>;
}

impl CallbackResult for () {
    #[inline]
    fn into_result(self) -> Result<()> {
        Ok(())
    }
}

impl CallbackResult for Result<()> {
    #[inline]
    fn into_result(self) -> Result<()> {
        self
    }
}

/// An uncaught-error handler (see [`Loop::set_error_handler`]).
pub type ErrorHandler<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, Error) -> Result<()>>;

/// The unwind payload that carries an uncaught error out of `run` (never seen by users: the
/// error itself is kept in the loop and returned by `run`).
pub(crate) struct Uncaught;

/// A boxed close callback.
pub(crate) type CloseFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S) -> Result<()>>;

/// A handle that is closing: it was stopped when `close` was called; in the closing phase
/// its owner's `finish` frees its slot (running what the owner must run first, such as
/// cancelled requests' callbacks) and then its close callback runs.
pub(crate) struct Closing<S> {
    pub(crate) id: HandleId,
    pub(crate) free: fn(&mut Loop<S>, &mut S, HandleId),
    pub(crate) cb: Option<(CloseFn<S>, &'static Location<'static>)>,
}

/// Returned by every `close`: the handle is closing; [`then`](Closing::then) attaches the
/// close callback (optional), which runs in the loop's closing phase after the handle is
/// freed.
///
/// ```
/// # use ruv_core::{Check, Loop, RunMode};
/// # let mut lp: Loop<Vec<&str>> = Loop::new()?;
/// let a = Check::new(&mut lp)?;
/// let b = Check::new(&mut lp)?;
/// a.close(&mut lp)?; // no callback
/// b.close(&mut lp)?.then(|_lp, log| log.push("b closed"));
/// # let mut log = Vec::new();
/// # lp.run(RunMode::Default, &mut log)?;
/// # assert_eq!(log, ["b closed"]);
/// # Ok::<(), ruv_core::Error>(())
/// ```
pub struct CloseToken<'a, S> {
    pub(crate) lp: &'a mut Loop<S>,
    pub(crate) index: usize,
}

impl<S> std::fmt::Debug for CloseToken<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloseToken").finish_non_exhaustive()
    }
}

impl<'a, S> CloseToken<'a, S> {
    /// Runs `cb` in the closing phase, once the handle is freed (its id is stale by then).
    #[track_caller]
    pub fn then<R: CallbackResult>(self, cb: impl FnOnce(&mut Loop<S>, &mut S) -> R + 'static) {
        let site = Location::caller();
        let entry = &mut self.lp.closing.queue[self.index];
        entry.cb = Some((Box::new(move |lp, s| cb(lp, s).into_result()), site));
    }
}

/// The closing-phase queue (libuv's closing list) and its running batch.
pub(crate) struct ClosingQueue<S> {
    pub(crate) queue: Vec<Closing<S>>,
    pub(crate) batch: Vec<Closing<S>>,
}

impl<S> ClosingQueue<S> {
    pub(crate) fn new() -> Self {
        ClosingQueue {
            queue: Vec::new(),
            batch: Vec::new(),
        }
    }
}

impl<S> Loop<S> {
    /// Installs the handler for errors that callbacks return (Node's
    /// `process.on('uncaughtException')`): it runs instead of stopping the loop, and the
    /// loop goes on. If the handler itself returns an error, `run` returns that one.
    /// `None` removes it (the default: `run` returns the first uncaught error).
    pub fn set_error_handler(&mut self, handler: Option<ErrorHandler<S>>) {
        self.error_handler = handler;
    }

    /// An uncaught error left by code that ran outside [`Loop::run`] (for example the main
    /// script of `ruv_node::enter`): taking it clears it. `run` returns it first otherwise.
    pub fn take_uncaught_error(&mut self) -> Option<Error> {
        self.uncaught.take()
    }

    /// Routes an error a callback returned: to the handler if one is installed, else out of
    /// `run` (or, outside `run`, into [`Loop::take_uncaught_error`]).
    pub fn report_error(&mut self, s: &mut S, err: Error) {
        let err = match self.error_handler.take() {
            Some(mut handler) => {
                let res = handler(self, s, err);
                if self.error_handler.is_none() {
                    self.error_handler = Some(handler);
                }
                match res {
                    Ok(()) => return,
                    Err(e) => e,
                }
            }
            None => err,
        };
        if self.uncaught.is_none() {
            self.uncaught = Some(err);
        }
        if self.is_running() {
            // Unwind to `run`, which returns the error; the panic-safety of every phase
            // keeps what has not run queued. The callback that failed was put back, so
            // nothing is stopped on the way.
            self.clear_current();
            std::panic::resume_unwind(Box::new(Uncaught));
        }
    }

    /// Runs a one-shot callback as a top-level callback: records it as the current
    /// callback, routes its error, then runs the after-callback hook.
    #[inline]
    pub fn run_callback(
        &mut self,
        s: &mut S,
        kind: CallbackKind,
        id: Option<HandleId>,
        site: &'static Location<'static>,
        f: impl FnOnce(&mut Loop<S>, &mut S) -> Result<()>,
    ) {
        let prev = self.save_current();
        let info = CallbackInfo { kind, id, site };
        self.enter_callback(info);
        let res = {
            crate::trace::callback_span!(info);
            f(self, s)
        };
        self.leave_callback(prev);
        if let Err(e) = res {
            self.report_error(s, e);
        }
        self.after_callback(s, site);
    }
}
