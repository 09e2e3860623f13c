//! One-shot completion callbacks (write, shutdown, connect, send) and what `close` does
//! with the ones still pending: each gets `ECANCELED`, exactly once, before the close
//! callback.
//!
//! The closing phase runs close callbacks newest-closed first, so nothing queued there by
//! `close` itself can run before the close callback it hands back. The cancellations are
//! delivered instead by one unreferenced [`Check`] handle per loop, armed while some are
//! waiting: the check phase comes right before the closing phase. A close made inside a
//! check callback that runs after that handle's (or inside a close callback, whose handles
//! wait for the next closing phase anyway) still gets its cancellations: the socket's own
//! watcher, whose close callback runs after the user's, delivers whatever is left.

use ruv_core::registry::{Callback, CallbackKind};
use ruv_core::{Check, Code, Error, HandleId, Loop, Result};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// The stored form of a one-shot completion callback.
pub(crate) type DoneFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<()>) -> Result<()>>;

/// Wraps a one-shot callback that returns `()` or `Result<()>`, recording the program's
/// line (the caller's caller must be `#[track_caller]` too).
#[track_caller]
pub(crate) fn done<S: 'static, R: ruv_core::CallbackResult>(
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
) -> Callback<DoneFn<S>> {
    let f: DoneFn<S> = Box::new(move |lp, s, r| cb(lp, s, r).into_result());
    Callback::new(f)
}

/// A one-shot completion callback, with the kind it is reported as.
pub(crate) struct OneShot<S> {
    kind: CallbackKind,
    cb: Callback<DoneFn<S>>,
}

impl<S: 'static> OneShot<S> {
    /// Wraps a completion callback registered at `cb.site`.
    pub(crate) fn new(kind: CallbackKind, cb: Callback<DoneFn<S>>) -> OneShot<S> {
        OneShot { kind, cb }
    }

    /// Runs it now, as a top-level callback of handle `id`.
    pub(crate) fn run(self, lp: &mut Loop<S>, s: &mut S, id: HandleId, res: Result<()>) {
        let Callback { f, site } = self.cb;
        lp.run_callback(s, self.kind, Some(id), site, move |lp, s| f(lp, s, res));
    }

    /// Runs it from the loop's next pending phase.
    pub(crate) fn defer(self, lp: &mut Loop<S>, id: HandleId, res: Result<()>) {
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| self.run(lp, s, id, res));
    }
}

/// The callbacks one `close` cancelled, not yet delivered.
pub(crate) struct Cancelled<S> {
    id: HandleId,
    cbs: VecDeque<OneShot<S>>,
}

/// Shared by the check hook and the watcher's close callback: whichever runs first
/// delivers (one at a time, so an error returned by one leaves the rest queued).
pub(crate) type CancelSet<S> = Rc<RefCell<Cancelled<S>>>;

struct Hook<S> {
    queue: VecDeque<CancelSet<S>>,
    check: Option<Check>,
    armed: bool,
}

fn hook<S: 'static>(lp: &mut Loop<S>) -> &mut Hook<S> {
    lp.extension_or_insert_with(|| Hook::<S> {
        queue: VecDeque::new(),
        check: None,
        armed: false,
    })
}

/// Queues `cbs` (cancelled by closing handle `id`) for delivery with `ECANCELED` before
/// the close callback.
pub(crate) fn cancel_on_close<S: 'static>(
    lp: &mut Loop<S>,
    id: HandleId,
    cbs: VecDeque<OneShot<S>>,
) -> CancelSet<S> {
    let empty = cbs.is_empty();
    let set = Rc::new(RefCell::new(Cancelled { id, cbs }));
    if !empty {
        hook(lp).queue.push_back(set.clone());
        arm(lp);
    }
    set
}

/// Delivers what is left of `set`.
pub(crate) fn deliver<S: 'static>(lp: &mut Loop<S>, s: &mut S, set: &CancelSet<S>) {
    loop {
        let (id, next) = {
            let mut c = set.borrow_mut();
            (c.id, c.cbs.pop_front())
        };
        let Some(cb) = next else { return };
        cb.run(lp, s, id, Err(Error::new(Code::ECANCELED)));
    }
}

fn arm<S: 'static>(lp: &mut Loop<S>) {
    if hook(lp).armed {
        return;
    }
    let check = match hook(lp).check {
        Some(c) => c,
        None => {
            let Ok(c) = Check::new(lp) else { return };
            c.set_ref(lp, false);
            hook(lp).check = Some(c);
            c
        }
    };
    if check.start(lp, run_hook::<S>).is_ok() {
        hook(lp).armed = true;
    }
}

fn run_hook<S: 'static>(lp: &mut Loop<S>, s: &mut S, me: Check) {
    while let Some(set) = hook(lp).queue.pop_front() {
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deliver(lp, s, &set)));
        if let Err(payload) = res {
            // The unwind takes the check's own callback with it: give it a new one, and
            // keep what is left of this set at the front.
            let h = hook(lp);
            if !set.borrow().cbs.is_empty() {
                h.queue.push_front(set);
            }
            h.armed = false;
            arm(lp);
            std::panic::resume_unwind(payload);
        }
    }
    me.stop(lp);
    hook(lp).armed = false;
}
