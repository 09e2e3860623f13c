//! JavaScript's timers and immediates on one loop timer and one immediate per iteration.
//!
//! The prelude (src/js/timers.js) keeps every `Timeout` in a list per duration and every
//! `Immediate` in one queue, as Node does; the loop sees only ONE [`Timer`], armed for the
//! earliest list's expiry, and at most one ruv-node [`Immediate`] per iteration, which runs
//! the whole queue. When the loop timer fires (or the immediate runs), the prelude's
//! `runTimers` (`runImmediates`) runs the due callbacks; after a callback that left ticks,
//! promise jobs, rejections or ops behind, it returns `true`, and [`run`] drains ruv-node's
//! queues and calls it again: Node's ticks-and-microtasks between any two callbacks, with
//! no loop entry per callback otherwise.

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::{Ctx, Function, Object, Persistent};
use ruv_core::{Loop, Timer};
use ruv_node::Immediate;

use crate::host::{Host, Op, Ops, Rejections};
use crate::natives::func;

/// What the prelude asks of the loop timer and the immediate.
pub(crate) enum TimerOp {
    /// Arm (or re-arm) the loop timer to fire in this many ms.
    Arm(u64),
    /// Whether the loop timer keeps the loop alive (some referenced timer is pending).
    Ref(bool),
    /// Queue the immediate for the next check phase; referenced or not.
    ImmArm(bool),
    /// Whether the queued immediate keeps the loop alive.
    ImmRef(bool),
}

/// The prelude's two runners.
struct Runners {
    timers: Persistent<Function<'static>>,
    immediates: Persistent<Function<'static>>,
}

/// The host's timer state: the one loop timer, the queued immediate, the runners.
pub(crate) struct TimerHost {
    timer: Option<Timer>,
    timer_ref: bool,
    immediate: Option<Immediate>,
    /// Set by `native.timersInit` (shared with that native).
    runners: Rc<RefCell<Option<Runners>>>,
}

impl TimerHost {
    /// Nothing armed yet; the runners come from the prelude through `install`'s native.
    pub(crate) fn new(runners: TimerRunners) -> TimerHost {
        TimerHost {
            timer: None,
            timer_ref: true,
            immediate: None,
            runners: runners.0,
        }
    }
}

impl Drop for TimerHost {
    fn drop(&mut self) {
        // the JavaScript functions go before the context does (see `Host`'s field order)
        self.runners.borrow_mut().take();
    }
}

/// The cell `native.timersInit` fills, for [`TimerHost::new`].
pub(crate) struct TimerRunners(Rc<RefCell<Option<Runners>>>);

/// Adds the timer natives to `n`: `timerNow`, `timerArm`, `timerRef`, `immediateArm`,
/// `immediateRef`, `pending` and `timersInit`.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    n: &Object<'js>,
    ops: &Ops,
    rejections: &Rejections,
) -> rquickjs::Result<TimerRunners> {
    let start = std::time::Instant::now();
    // whole ms, as Node's timers read the loop's clock (getLibuvNow)
    func(ctx, n, "timerNow", move || {
        start.elapsed().as_millis() as f64
    })?;
    let o = ops.clone();
    func(ctx, n, "timerArm", move |ms: f64| {
        o.borrow_mut()
            .push(Op::Timers(TimerOp::Arm(ms.max(1.0) as u64)))
    })?;
    let o = ops.clone();
    func(ctx, n, "timerRef", move |on: bool| {
        o.borrow_mut().push(Op::Timers(TimerOp::Ref(on)))
    })?;
    let o = ops.clone();
    func(ctx, n, "immediateArm", move |on: bool| {
        o.borrow_mut().push(Op::Timers(TimerOp::ImmArm(on)))
    })?;
    let o = ops.clone();
    func(ctx, n, "immediateRef", move |on: bool| {
        o.borrow_mut().push(Op::Timers(TimerOp::ImmRef(on)))
    })?;
    let (o, r) = (ops.clone(), rejections.clone());
    func(ctx, n, "pending", move |ctx: Ctx<'js>| {
        !o.borrow().is_empty() || !r.borrow().is_empty() || jobs_pending(&ctx)
    })?;
    let runners = Rc::new(RefCell::new(None));
    let cell = runners.clone();
    func(
        ctx,
        n,
        "timersInit",
        move |ctx: Ctx<'js>, timers: Function<'js>, immediates: Function<'js>| {
            *cell.borrow_mut() = Some(Runners {
                timers: Persistent::save(&ctx, timers),
                immediates: Persistent::save(&ctx, immediates),
            });
        },
    )?;
    Ok(TimerRunners(runners))
}

/// Whether the engine has promise jobs queued.
fn jobs_pending(ctx: &Ctx<'_>) -> bool {
    // SAFETY: the context is live (a native function of it is running, on its thread), so
    // its runtime pointer is valid; JS_IsJobPending only reads the runtime's job list.
    unsafe {
        let rt = rquickjs::qjs::JS_GetRuntime(ctx.as_raw().as_ptr());
        rquickjs::qjs::JS_IsJobPending(rt)
    }
}

/// Applies a timer op.
pub(crate) fn apply(lp: &mut Loop<Host>, h: &mut Host, op: TimerOp) -> ruv_core::Result<()> {
    match op {
        TimerOp::Arm(ms) => {
            // from a fresh clock reading, as Node arms its timer
            lp.update_time();
            match h.tm.timer {
                Some(t) => t.restart(lp, ms, 0)?,
                None => {
                    let t = Timer::new(lp)?;
                    t.start(lp, ms, 0, |lp, h: &mut Host, _| run(lp, h, false))?;
                    t.set_ref(lp, h.tm.timer_ref);
                    h.tm.timer = Some(t);
                }
            }
        }
        TimerOp::Ref(on) => {
            h.tm.timer_ref = on;
            if let Some(t) = h.tm.timer {
                t.set_ref(lp, on);
            }
        }
        TimerOp::ImmArm(on) => {
            let im = ruv_node::set_immediate(lp, |lp, h: &mut Host| {
                h.tm.immediate = None;
                run(lp, h, true)
            })?;
            if !on {
                im.unref(lp);
            }
            h.tm.immediate = Some(im);
        }
        TimerOp::ImmRef(on) => {
            if let Some(im) = h.tm.immediate {
                if on {
                    im.ref_(lp)
                } else {
                    im.unref(lp)
                }
            }
        }
    }
    Ok(())
}

/// Runs the prelude's timer (or immediate) runner until it is done: between two of its
/// calls, the ticks and promise jobs its last callback left. A callback that threw went to
/// `uncaughtException`; the run then goes on with the rest, as Node's does.
fn run(lp: &mut Loop<Host>, h: &mut Host, immediates: bool) {
    loop {
        let f = match h.tm.runners.borrow().as_ref() {
            Some(r) if immediates => r.immediates.clone(),
            Some(r) => r.timers.clone(),
            None => return,
        };
        let mut again = true;
        h.js(lp, |ctx, _| {
            again = f.restore(ctx)?.call(())?;
            Ok(())
        });
        if !again || ruv_worker::should_stop() {
            return;
        }
        ruv_node::run_queues(lp, h);
    }
}
