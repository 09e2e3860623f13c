//! Work on the worker pool, with its result back on the loop: libuv's `uv_queue_work`.
//!
//! ```
//! use ruv_core::{Loop, RunMode, WorkClass};
//! let mut lp: Loop<u64> = Loop::new()?;
//! lp.queue_work(WorkClass::Cpu, || (1..=10u64).product::<u64>(), |_lp, out, res| {
//!     *out = res.unwrap();
//! })?;
//! let mut out = 0;
//! lp.run(RunMode::Default, &mut out)?;
//! assert_eq!(out, 3_628_800);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! `work` runs on a pool thread; `after` runs on the loop thread, in the poll phase, with the
//! result. A request keeps the loop alive until `after` has run. Completions from the pool
//! travel through the loop's inbox and one coalesced wake-up (see `wake.rs`), so a burst of
//! completions costs one eventfd write and one poll event.
//!
//! * A `work` that panics reaches `after` as an `EPANIC` error; the worker survives.
//! * [`Loop::cancel`] removes queued work: `after` later gets `ECANCELED` (never inline).
//!   Running or finished work answers `EBUSY`.
//! * Several loops on several threads share the process-global pool; each gets its own
//!   completions. Dropping a loop with work in flight is safe: its queued work is cancelled
//!   (never run), running work finishes on its thread and its result is dropped.

use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use crate::wake::Msg;
use ruv_pool::{Pool, Ticket, WorkClass};
use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// A request id returned by [`Loop::queue_work`], for [`Loop::cancel`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WorkReq(pub(crate) ReqKey);

/// A request's id in the loop's request registry.
pub(crate) type ReqKey = crate::registry::HandleId;

pub(crate) use ruv_pool::Job;

type After<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<Box<dyn Any + Send>>) -> Result<()>>;

/// The work part of the loop: requests in flight, the loop's pool, and the submissions
/// batched from callbacks (handed to the pool in one go by `flush_work`).
pub(crate) struct WorkQueue<S> {
    pub(crate) reqs: crate::registry::Registry<Req<S>>,
    pub(crate) pool: Option<Pool>,
    /// [`Loop::set_compute_pool`]: where `WorkClass::Cpu` goes instead of `pool`.
    pub(crate) compute: Option<Pool>,
    pub(crate) outbox: Vec<(WorkClass, Job)>,
    pub(crate) outbox_reqs: Vec<ReqKey>,
    pub(crate) tickets: Vec<Ticket>,
}

impl<S> WorkQueue<S> {
    pub(crate) fn new() -> Self {
        WorkQueue {
            reqs: crate::registry::Registry::new(),
            pool: None,
            compute: None,
            outbox: Vec::new(),
            outbox_reqs: Vec::new(),
            tickets: Vec::new(),
        }
    }
}

pub(crate) struct Req<S> {
    pub(crate) ticket: Option<Ticket>,
    /// Whether it went to the compute pool.
    pub(crate) compute: bool,
    after: After<S>,
    site: &'static std::panic::Location<'static>,
}

impl<S> Loop<S> {
    /// Queues `work` on the worker pool (the loop's own, or the process-global one) in `class`,
    /// and runs `after(loop, state, result)` on this loop when it is done.
    ///
    /// # Errors
    /// The pool's start-up error (its threads could not be spawned), with the OS's code.
    #[track_caller]
    pub fn queue_work<T: Send + 'static, R: crate::CallbackResult>(
        &mut self,
        class: WorkClass,
        work: impl FnOnce() -> T + Send + 'static,
        after: impl FnOnce(&mut Loop<S>, &mut S, Result<T>) -> R + 'static,
    ) -> Result<WorkReq> {
        let site = std::panic::Location::caller();
        self.ensure_pool()?;
        let boxed_after: After<S> = Box::new(move |lp, s, res| {
            let res = match res {
                Ok(any) => match any.downcast::<T>() {
                    Ok(t) => Ok(*t),
                    // the job boxes a `T` (see below): a mismatch cannot happen
                    Err(_) => Err(Error::new(Code::EINVAL).with_detail("work result type")),
                },
                Err(e) => Err(e),
            };
            after(lp, s, res).into_result()
        });
        let compute = class == WorkClass::Cpu && self.work.compute.is_some();
        let key = self.work.reqs.insert(Req {
            ticket: None,
            compute,
            after: boxed_after,
            site,
        });
        let inbox = self.inbox.clone();
        let job: Job = Box::new(move || {
            let res = panic::catch_unwind(AssertUnwindSafe(work))
                .map(|t| Box::new(t) as Box<dyn Any + Send>)
                .map_err(|p| panic_error(&*p));
            inbox.send(Msg::Done(key, res));
        });
        if self.is_running() && !compute {
            // Inside a callback: batch, so a burst of submissions costs one pool lock and one
            // wake-up (flushed at the end of the poll phase's drain and before poll blocks).
            self.work.outbox.push((class, job));
            self.work.outbox_reqs.push(key);
        } else {
            let pool = self.work.pool_for(compute).expect("ensured above");
            let ticket = pool.submit_boxed(class, job);
            if let Some(req) = self.work.reqs.get_mut(key) {
                req.ticket = Some(ticket);
            }
        }
        Ok(WorkReq(key))
    }

    /// Hands the batched submissions to the pool (one lock, one wake-up).
    pub(crate) fn flush_work(&mut self) {
        if self.work.outbox.is_empty() {
            return;
        }
        let w = &mut self.work;
        let pool = w.pool.as_ref().expect("a pool exists once work was queued");
        pool.submit_batch(&mut w.outbox, &mut w.tickets);
        for (key, ticket) in w.outbox_reqs.drain(..).zip(w.tickets.drain(..)) {
            if let Some(req) = w.reqs.get_mut(key) {
                req.ticket = Some(ticket);
            }
        }
    }

    /// Cancels queued work: its `after` callback runs later (in the poll phase) with
    /// `ECANCELED`.
    ///
    /// # Errors
    /// `EBUSY` if the work is running or done (including a request whose callback already
    /// ran).
    pub fn cancel(&mut self, req: WorkReq) -> Result<()> {
        let busy = || Error::op(Code::EBUSY, "cancel").with_detail("work is running or done");
        let key = req.0;
        let ticket = match self.work.reqs.get(key) {
            Some(r) => r.ticket,
            None => return Err(busy()),
        };
        if let Some(pos) = self.work.outbox_reqs.iter().position(|&k| k == key) {
            // batched, not yet handed to the pool
            self.work.outbox_reqs.remove(pos);
            drop(self.work.outbox.remove(pos));
        } else {
            let compute = self.work.reqs.get(key).is_some_and(|r| r.compute);
            let (Some(ticket), Some(pool)) = (ticket, self.work.pool_for(compute)) else {
                return Err(busy());
            };
            pool.cancel(ticket).map_err(|_| busy())?;
        }
        if let Some(req) = self.work.reqs.get_mut(key) {
            req.ticket = None;
        }
        self.inbox.send(Msg::Done(
            key,
            Err(Error::op(Code::ECANCELED, "queue_work")),
        ));
        Ok(())
    }

    /// Runs the `after` callback of a finished request.
    pub(crate) fn complete_work(
        &mut self,
        s: &mut S,
        key: ReqKey,
        res: Result<Box<dyn Any + Send>>,
    ) {
        let Some(req) = self.work.reqs.remove(key) else {
            return;
        };
        let after = req.after;
        self.run_callback(s, "work", Some(key), req.site, move |lp, s| {
            after(lp, s, res)
        });
    }

    fn ensure_pool(&mut self) -> Result<()> {
        if self.work.pool.is_none() {
            let p = Pool::global()
                .map_err(|e| Error::from_io(&e, "pool_start").with_detail(e.to_string()))?;
            self.work.pool = Some(p.clone());
        }
        Ok(())
    }

    /// Sends this loop's [`WorkClass::Cpu`] work to `pool` instead of the loop's pool (the
    /// guide's "a compute pool beside the I/O pool"): slow CPU tasks then queue only behind
    /// each other, and file-system and DNS calls keep the I/O pool's threads. Work already
    /// queued stays where it is.
    pub fn set_compute_pool(&mut self, pool: Pool) {
        self.work.compute = Some(pool);
    }

    /// How many pool requests of this loop are in flight (queued, running, or done but not
    /// yet delivered).
    pub fn active_requests(&self) -> usize {
        self.work.reqs.len()
    }
}

impl<S> WorkQueue<S> {
    /// The pool a request went to.
    pub(crate) fn pool_for(&self, compute: bool) -> Option<&Pool> {
        if compute {
            self.compute.as_ref()
        } else {
            self.pool.as_ref()
        }
    }
}

/// Turns a panic payload into an `EPANIC` error carrying the panic message.
pub(crate) fn panic_error(payload: &(dyn Any + Send)) -> Error {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_string());
    Error::new(Code::EPANIC).with_detail(format!("work panicked: {msg}"))
}
