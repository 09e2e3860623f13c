//! Idle, prepare and check handles: libuv's `loop_handles`, `idle_check`, `idle_starvation` and
//! `queue_foreach_delete`, plus the snapshot rules of the watcher phases.

use ruv_core::{Check, Code, Idle, Loop, Prepare, RunMode, Timer};
use ruv_testkit::{bounded, Trace};

// ---------------------------------------------------------------------------------------------
// loop_handles (test-loop-handles.c)
// ---------------------------------------------------------------------------------------------

const ITERATIONS: u32 = 21;
const IDLE_COUNT: usize = 7;
/// libuv's keep-polling timer runs every 100 ms. Scaled down: it only wakes poll when no idle
/// handle is active, and no assert depends on its period.
const KEEP_POLLING_MS: u64 = 5;

struct LoopHandles {
    iteration: u32,
    prepare_1: Prepare,
    prepare_2: Prepare,
    check: Check,
    idle_1: [Idle; IDLE_COUNT],
    idle_2: Option<Idle>,
    /// Set when idle_2 is started, cleared by its close callback (libuv's `idle_2_is_active`).
    idle_2_alive: bool,
    idles_1_active: i32,
    prepare_1_calls: u32,
    prepare_1_closes: u32,
    prepare_2_calls: u32,
    prepare_2_closes: u32,
    check_calls: u32,
    check_closes: u32,
    idle_1_calls: u32,
    idle_1_closes: u32,
    idle_2_calls: u32,
    idle_2_closes: u32,
    idle_2_starts: u32,
}

fn lh_prepare_1(lp: &mut Loop<LoopHandles>, st: &mut LoopHandles, _: Prepare) {
    if st.iteration.is_multiple_of(2) {
        st.prepare_2.start(lp, lh_prepare_2).unwrap();
    }
    st.prepare_1_calls += 1;
    st.iteration += 1;
}

fn lh_prepare_2(lp: &mut Loop<LoopHandles>, st: &mut LoopHandles, me: Prepare) {
    // prepare_1 starts prepare_2 on even iterations; a handle started during its own phase
    // first runs in the next iteration, so this never sees an even iteration number.
    assert_ne!(
        st.iteration % 2,
        0,
        "prepare_2 ran in the iteration that started it"
    );
    me.stop(lp);
    st.prepare_2_calls += 1;
}

fn lh_check(lp: &mut Loop<LoopHandles>, st: &mut LoopHandles, _: Check) {
    if st.iteration < ITERATIONS {
        for i in 0..1 + (st.iteration as usize % IDLE_COUNT) {
            st.idle_1[i].start(lp, lh_idle_1).unwrap();
            st.idles_1_active += 1;
        }
    } else {
        st.prepare_1
            .close(lp)
            .unwrap()
            .then(|_, st: &mut LoopHandles| st.prepare_1_closes += 1);
        st.check
            .close(lp)
            .unwrap()
            .then(|_, st: &mut LoopHandles| st.check_closes += 1);
        st.prepare_2
            .close(lp)
            .unwrap()
            .then(|_, st: &mut LoopHandles| st.prepare_2_closes += 1);
        for i in 0..IDLE_COUNT {
            st.idle_1[i]
                .close(lp)
                .unwrap()
                .then(|_, st: &mut LoopHandles| st.idle_1_closes += 1);
        }
        // idle_2 is closed and re-created all the time: close it only if it is started and
        // not closing already (it may have closed itself earlier in this iteration).
        if let Some(idle_2) = st.idle_2 {
            if st.idle_2_alive && idle_2.is_closing(lp) == Ok(false) {
                idle_2.close(lp).unwrap().then(lh_idle_2_closed);
            }
        }
    }
    st.check_calls += 1;
}

fn lh_idle_1(lp: &mut Loop<LoopHandles>, st: &mut LoopHandles, me: Idle) {
    assert!(st.idles_1_active > 0);
    // (Re-)create idle_2 lazily when it is neither started nor closing. In ruv a fully closed
    // handle is a stale id, so "closed" means "create a new one".
    let closing = st.idle_2.is_some_and(|h| h.is_closing(lp) == Ok(true));
    if !st.idle_2_alive && !closing {
        let idle_2 = Idle::new(lp).unwrap();
        idle_2.start(lp, lh_idle_2).unwrap();
        st.idle_2 = Some(idle_2);
        st.idle_2_alive = true;
        st.idle_2_starts += 1;
    }
    st.idle_1_calls += 1;
    if st.idle_1_calls.is_multiple_of(5) {
        me.stop(lp);
        st.idles_1_active -= 1;
    }
}

fn lh_idle_2(lp: &mut Loop<LoopHandles>, st: &mut LoopHandles, me: Idle) {
    assert_eq!(st.idle_2, Some(me));
    st.idle_2_calls += 1;
    me.close(lp).unwrap().then(lh_idle_2_closed);
}

fn lh_idle_2_closed(_: &mut Loop<LoopHandles>, st: &mut LoopHandles) {
    assert!(st.idle_2_alive);
    st.idle_2_closes += 1;
    st.idle_2_alive = false;
}

#[test]
fn loop_handles_21_iterations() {
    bounded(|| {
        let mut lp: Loop<LoopHandles> = Loop::new().unwrap();
        let prepare_1 = Prepare::new(&mut lp).unwrap();
        prepare_1.start(&mut lp, lh_prepare_1).unwrap();
        let check = Check::new(&mut lp).unwrap();
        check.start(&mut lp, lh_check).unwrap();
        // created only: prepare_1 starts prepare_2, the check starts the idle_1 handles
        let prepare_2 = Prepare::new(&mut lp).unwrap();
        let idle_1 = std::array::from_fn(|_| Idle::new(&mut lp).unwrap());
        // keeps the loop polling without keeping it alive
        let timer = Timer::new(&mut lp).unwrap();
        timer
            .start(&mut lp, KEEP_POLLING_MS, KEEP_POLLING_MS, |_, _, _| {})
            .unwrap();
        timer.set_ref(&mut lp, false);

        let mut st = LoopHandles {
            iteration: 0,
            prepare_1,
            prepare_2,
            check,
            idle_1,
            idle_2: None,
            idle_2_alive: false,
            idles_1_active: 0,
            prepare_1_calls: 0,
            prepare_1_closes: 0,
            prepare_2_calls: 0,
            prepare_2_closes: 0,
            check_calls: 0,
            check_closes: 0,
            idle_1_calls: 0,
            idle_1_closes: 0,
            idle_2_calls: 0,
            idle_2_closes: 0,
            idle_2_starts: 0,
        };
        let alive = lp.run(RunMode::Default, &mut st).unwrap();
        assert!(!alive, "run returns 0");

        assert_eq!(st.iteration, ITERATIONS);
        assert_eq!(st.prepare_1_calls, ITERATIONS);
        assert_eq!(st.prepare_1_closes, 1);
        assert_eq!(st.prepare_2_calls, ITERATIONS / 2);
        assert_eq!(st.prepare_2_closes, 1);
        assert_eq!(st.check_calls, ITERATIONS);
        assert_eq!(st.check_closes, 1);
        assert!(st.idle_1_calls > 0, "idle_1 is called a lot");
        assert_eq!(st.idle_1_closes, IDLE_COUNT as u32);
        assert!(st.idle_2_starts > 0);
        assert_eq!(st.idle_2_closes, st.idle_2_starts);
        assert!(st.idle_2_calls <= st.idle_2_starts);
        assert!(!st.idle_2_alive);
        // every closed handle is now a stale id
        assert_eq!(prepare_1.is_active(&lp).unwrap_err().code(), Code::EBADF);
        assert_eq!(
            st.idle_2.unwrap().is_active(&lp).unwrap_err().code(),
            Code::EBADF
        );
        // the unref'd timer is still there and still active
        assert_eq!(timer.is_active(&lp), Ok(true));
    });
}

// ---------------------------------------------------------------------------------------------
// idle_check / idle_starvation (test-idle.c)
// ---------------------------------------------------------------------------------------------

#[test]
fn idle_check_once_does_not_block() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let idle = Idle::new(&mut lp).unwrap();
        idle.start(&mut lp, |lp, t, me| {
            t.push("idle");
            me.stop(lp);
        })
        .unwrap();
        let check = Check::new(&mut lp).unwrap();
        check.start(&mut lp, |_, t, _| t.push("check")).unwrap();
        let mut t = Trace::new();
        // The idle handle was active when the iteration began, so poll used timeout 0 even
        // though the idle callback stopped it: ONCE returns instead of blocking on the check.
        assert!(lp.run(RunMode::Once, &mut t).unwrap());
        t.assert_eq(&["idle", "check"]);

        idle.close(&mut lp)
            .unwrap()
            .then(|_, t| t.push("idle closed"));
        check
            .close(&mut lp)
            .unwrap()
            .then(|_, t| t.push("check closed"));
        assert!(!lp.run(RunMode::Once, &mut t).unwrap());
        assert_eq!(t.count_prefix("check"), 2);
        t.assert_count("idle closed", 1);
        t.assert_count("check closed", 1);
    });
}

#[derive(Default)]
struct Starvation {
    idle_calls: u32,
    check_calls: u32,
    timer_calls: u32,
    closes: u32,
    handles: Option<(Idle, Check)>,
}

#[test]
fn idle_does_not_starve_timers() {
    // libuv: a 50 ms timer; scaled to 10 ms (the guarantee is that it fires at all).
    bounded(|| {
        let mut lp: Loop<Starvation> = Loop::new().unwrap();
        let idle = Idle::new(&mut lp).unwrap();
        idle.start(&mut lp, |_, st, _| st.idle_calls += 1).unwrap();
        let check = Check::new(&mut lp).unwrap();
        check
            .start(&mut lp, |_, st, _| st.check_calls += 1)
            .unwrap();
        let timer = Timer::new(&mut lp).unwrap();
        timer
            .start(&mut lp, 10, 0, |lp, st: &mut Starvation, me| {
                let (idle, check) = st.handles.unwrap();
                idle.close(lp)
                    .unwrap()
                    .then(|_, st: &mut Starvation| st.closes += 1);
                check
                    .close(lp)
                    .unwrap()
                    .then(|_, st: &mut Starvation| st.closes += 1);
                me.close(lp)
                    .unwrap()
                    .then(|_, st: &mut Starvation| st.closes += 1);
                st.timer_calls += 1;
            })
            .unwrap();
        let mut st = Starvation {
            handles: Some((idle, check)),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert!(st.idle_calls > 0);
        assert!(st.check_calls > 0);
        assert_eq!(st.timer_calls, 1);
        assert_eq!(st.closes, 3);
    });
}

// ---------------------------------------------------------------------------------------------
// queue_foreach_delete (test-queue-foreach-delete.c)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct ForeachDelete {
    trace: Trace,
    idle: Vec<Idle>,
    prepare: Vec<Prepare>,
    check: Vec<Check>,
}

#[test]
fn watcher_closed_by_earlier_callback_in_same_phase_is_skipped() {
    bounded(|| {
        let mut lp: Loop<ForeachDelete> = Loop::new().unwrap();
        let mut st = ForeachDelete::default();
        for i in 0..3 {
            let h = Idle::new(&mut lp).unwrap();
            h.start(&mut lp, move |lp, st: &mut ForeachDelete, _| {
                st.trace.push(format!("idle{i}"));
                if i == 2 {
                    st.idle[2].close(lp).unwrap();
                    st.idle[1].close(lp).unwrap();
                }
            })
            .unwrap();
            st.idle.push(h);
        }
        for i in 0..3 {
            let h = Prepare::new(&mut lp).unwrap();
            h.start(&mut lp, move |lp, st: &mut ForeachDelete, _| {
                st.trace.push(format!("prepare{i}"));
                if i == 2 {
                    st.prepare[2].close(lp).unwrap();
                    st.prepare[1].close(lp).unwrap();
                }
            })
            .unwrap();
            st.prepare.push(h);
        }
        for i in 0..3 {
            let h = Check::new(&mut lp).unwrap();
            h.start(&mut lp, move |lp, st: &mut ForeachDelete, _| {
                st.trace.push(format!("check{i}"));
                if i == 2 {
                    st.check[2].close(lp).unwrap();
                    st.check[1].close(lp).unwrap();
                }
            })
            .unwrap();
            st.check.push(h);
        }
        assert!(lp.run(RunMode::NoWait, &mut st).unwrap());
        // newest-started (#2) first; #1 was closed by #2 before its turn; #0 still runs
        st.trace
            .assert_eq(&["idle2", "idle0", "prepare2", "prepare0", "check2", "check0"]);
        for k in ["idle", "prepare", "check"] {
            st.trace.assert_count(&format!("{k}1"), 0);
            st.trace.assert_count(&format!("{k}0"), 1);
            st.trace.assert_count(&format!("{k}2"), 1);
        }
        let (i0, p0, c0) = (st.idle[0], st.prepare[0], st.check[0]);
        i0.close(&mut lp).unwrap();
        p0.close(&mut lp).unwrap();
        c0.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_count("idle1", 0);
    });
}

// ---------------------------------------------------------------------------------------------
// Snapshot rules of the watcher phases
// ---------------------------------------------------------------------------------------------

#[test]
fn watchers_run_newest_started_first() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let checks: Vec<Check> = (0..3).map(|_| Check::new(&mut lp).unwrap()).collect();
        // start order 1, 0, 2 (not creation order): run order is 2, 0, 1
        for &i in &[1usize, 0, 2] {
            checks[i]
                .start(&mut lp, move |lp, t: &mut Trace, me| {
                    t.push(format!("check{i}"));
                    me.close(lp).unwrap();
                })
                .unwrap();
        }
        let mut t = Trace::new();
        // NOWAIT: a loop whose only handles are checks would block in poll (as libuv's)
        assert!(!lp.run(RunMode::NoWait, &mut t).unwrap());
        t.assert_eq(&["check2", "check0", "check1"]);
    });
}

/// Runs NOWAIT iterations until the loop is no longer alive (at most 100). Used where only
/// prepare/check handles are active: run(DEFAULT) would block in poll, as libuv's does.
fn run_nowait_until_done<S>(lp: &mut Loop<S>, s: &mut S) {
    for _ in 0..100 {
        if !lp.run(RunMode::NoWait, s).unwrap() {
            return;
        }
    }
    panic!("the loop is still alive after 100 iterations");
}

#[derive(Default)]
struct StartedInOwnPhase {
    trace: Trace,
    late: Option<Idle>,
}

#[test]
fn watcher_started_in_its_own_phase_runs_next_iteration() {
    bounded(|| {
        let mut lp: Loop<StartedInOwnPhase> = Loop::new().unwrap();
        let late = Idle::new(&mut lp).unwrap();
        let first = Idle::new(&mut lp).unwrap();
        first
            .start(&mut lp, |lp, st: &mut StartedInOwnPhase, me| {
                st.trace.push("first");
                if st.trace.count("first") == 1 {
                    st.late
                        .unwrap()
                        .start(lp, |lp, st: &mut StartedInOwnPhase, me| {
                            st.trace.push("late");
                            me.close(lp).unwrap();
                        })
                        .unwrap();
                } else {
                    me.close(lp).unwrap();
                }
            })
            .unwrap();
        // marks the end of each iteration
        let tick = Check::new(&mut lp).unwrap();
        tick.start(&mut lp, |lp, st: &mut StartedInOwnPhase, me| {
            st.trace.push("|");
            if st.trace.count("first") == 2 {
                me.close(lp).unwrap();
            }
        })
        .unwrap();
        let mut st = StartedInOwnPhase {
            late: Some(late),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        // late is newest-started, so in iteration 2 it runs before first
        st.trace.assert_eq(&["first", "|", "late", "first", "|"]);
    });
}

#[test]
fn watcher_stopped_and_restarted_in_phase_waits_for_next_iteration() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let a = Prepare::new(&mut lp).unwrap();
        let b = Prepare::new(&mut lp).unwrap();
        b.start(&mut lp, |lp, t: &mut Trace, me| {
            t.push("b");
            if t.count("b") == 2 {
                me.close(lp).unwrap();
            }
        })
        .unwrap();
        a.start(&mut lp, move |lp, t: &mut Trace, me| {
            t.push("a");
            if t.count("a") == 1 {
                // b is later in this snapshot: a stop + start makes it a new start, which
                // waits for the next iteration (and now runs before a: newest first)
                b.stop(lp);
                b.start(lp, |lp, t: &mut Trace, me| {
                    t.push("b'");
                    me.close(lp).unwrap();
                })
                .unwrap();
            } else {
                me.close(lp).unwrap();
            }
        })
        .unwrap();
        let mut t = Trace::new();
        run_nowait_until_done(&mut lp, &mut t);
        t.assert_eq(&["a", "b'", "a"]);
    });
}

#[test]
fn start_on_active_watcher_replaces_callback_and_keeps_place() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let a = Check::new(&mut lp).unwrap();
        let b = Check::new(&mut lp).unwrap();
        a.start(&mut lp, |_, t: &mut Trace, _| t.push("a-old"))
            .unwrap();
        b.start(&mut lp, |_, t: &mut Trace, _| t.push("b")).unwrap();
        // a keeps its (older) place: b still runs first
        a.start(&mut lp, move |lp, t: &mut Trace, me| {
            t.push("a-new");
            me.close(lp).unwrap();
            b.close(lp).unwrap();
        })
        .unwrap();
        let mut t = Trace::new();
        run_nowait_until_done(&mut lp, &mut t);
        t.assert_eq(&["b", "a-new"]);
    });
}

#[test]
fn idle_runs_before_prepare_before_check() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let c = Check::new(&mut lp).unwrap();
        c.start(&mut lp, |lp, t: &mut Trace, me| {
            t.push("check");
            me.close(lp).unwrap();
        })
        .unwrap();
        let p = Prepare::new(&mut lp).unwrap();
        p.start(&mut lp, |lp, t: &mut Trace, me| {
            t.push("prepare");
            me.close(lp).unwrap();
        })
        .unwrap();
        let i = Idle::new(&mut lp).unwrap();
        i.start(&mut lp, |lp, t: &mut Trace, me| {
            t.push("idle");
            me.close(lp).unwrap();
        })
        .unwrap();
        lp.defer(|_, t| t.push("pending"));
        let mut t = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut t).unwrap());
        t.assert_eq(&["pending", "idle", "prepare", "check"]);
    });
}
