#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Timers: libuv's `timer`, `timer_order`, `timer_again`, `timer_zero_timeout`,
//! `timer_run_once`, `timer_no_double_call_once`/`_nowait`, `timer_from_check`, plus the
//! same-pass rules (collect-then-run, no busy loop from 0 ms restarts) and huge timeouts.
//!
//! Durations: libuv's tests use 50–1000 ms steps. Where a guarantee does not depend on the
//! absolute duration (only on order or on "not before its deadline"), steps are scaled down by
//! 10 to keep the suite fast; the loop-time lower bounds are scaled with them.

use ruv_core::{Check, Code, Loop, Prepare, RunMode, Timer};
use ruv_testkit::{bounded, Trace};

// ---------------------------------------------------------------------------------------------
// timer (test-timer.c)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct TimerCounts {
    once_calls: u32,
    once_closes: u32,
    repeat_calls: u32,
    repeat_closes: u32,
}

#[test]
fn timer_oneshots_repeat_and_stopped_timer() {
    // libuv: one-shots at 0, 50, …, 450 ms and a 100 ms repeat; scaled by 1/10.
    bounded(|| {
        let mut lp: Loop<TimerCounts> = Loop::new().unwrap();
        let start = lp.now();
        for i in 0..10u64 {
            let t = Timer::new(&mut lp).unwrap();
            t.start(&mut lp, i * 5, 0, |lp, st: &mut TimerCounts, me| {
                assert_eq!(
                    me.is_active(lp),
                    Ok(false),
                    "a one-shot is inactive in its callback"
                );
                st.once_calls += 1;
                me.close(lp).unwrap().then(move |lp, st: &mut TimerCounts| {
                    // in ruv the id is already stale in its close callback: never active
                    assert_ne!(me.is_active(lp), Ok(true));
                    st.once_closes += 1;
                });
                // calling it at random, as libuv's test does
                lp.update_time();
            })
            .unwrap();
        }
        let repeat = Timer::new(&mut lp).unwrap();
        repeat
            .start(&mut lp, 10, 10, |lp, st: &mut TimerCounts, me| {
                assert_eq!(
                    me.is_active(lp),
                    Ok(true),
                    "a repeating timer is re-armed before its callback"
                );
                st.repeat_calls += 1;
                if st.repeat_calls == 5 {
                    me.close(lp)
                        .unwrap()
                        .then(|_, st: &mut TimerCounts| st.repeat_closes += 1);
                }
            })
            .unwrap();
        let never = Timer::new(&mut lp).unwrap();
        never
            .start(&mut lp, 10, 10, |_, _, _| -> () {
                panic!("a stopped timer fired")
            })
            .unwrap();
        never.stop(&mut lp);
        never.set_ref(&mut lp, false);

        let mut st = TimerCounts::default();
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.once_calls, 10);
        assert_eq!(st.once_closes, 10);
        assert_eq!(st.repeat_calls, 5);
        assert_eq!(st.repeat_closes, 1);
        // libuv's bound (500 ms), scaled: the 5th repeat is due at 50 ms
        assert!(
            lp.now() - start >= 50,
            "timers fired early: {} ms",
            lp.now() - start
        );
    });
}

// ---------------------------------------------------------------------------------------------
// timer_order (test-timer.c)
// ---------------------------------------------------------------------------------------------

#[test]
fn timer_fifo_equal_deadline() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let a = Timer::new(&mut lp).unwrap();
        let b = Timer::new(&mut lp).unwrap();
        let mut t = Trace::new();

        a.start(&mut lp, 0, 0, |_, t: &mut Trace, _| t.push("a"))
            .unwrap();
        b.start(&mut lp, 0, 0, |_, t: &mut Trace, _| t.push("b"))
            .unwrap();
        assert!(!lp.run(RunMode::Default, &mut t).unwrap());
        t.assert_eq(&["a", "b"]);

        // same deadline, reverse start order: start order wins, not handle identity
        t.take();
        a.stop(&mut lp);
        b.stop(&mut lp);
        b.start(&mut lp, 0, 0, |_, t: &mut Trace, _| t.push("b"))
            .unwrap();
        a.start(&mut lp, 0, 0, |_, t: &mut Trace, _| t.push("a"))
            .unwrap();
        assert!(!lp.run(RunMode::Default, &mut t).unwrap());
        t.assert_eq(&["b", "a"]);
    });
}

#[test]
fn timer_fifo_equal_deadline_many() {
    bounded(|| {
        let mut lp: Loop<Vec<usize>> = Loop::new().unwrap();
        let timers: Vec<Timer> = (0..64).map(|_| Timer::new(&mut lp).unwrap()).collect();
        // start in a scrambled order; all share one deadline
        let order: Vec<usize> = (0..64).map(|i| (i * 37) % 64).collect();
        for &i in &order {
            timers[i]
                .start(&mut lp, 1, 0, move |_, log: &mut Vec<usize>, _| log.push(i))
                .unwrap();
        }
        let mut log = Vec::new();
        assert!(!lp.run(RunMode::Default, &mut log).unwrap());
        assert_eq!(log, order);
    });
}

#[test]
fn timer_earlier_deadline_first() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        for (name, ms) in [("c", 6u64), ("a", 2), ("b", 4)] {
            Timer::new(&mut lp)
                .unwrap()
                .start(&mut lp, ms, 0, move |_, t: &mut Trace, _| t.push(name))
                .unwrap();
        }
        let mut t = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut t).unwrap());
        t.assert_eq(&["a", "b", "c"]);
    });
}

// ---------------------------------------------------------------------------------------------
// timer_again (test-timer-again.c)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Again {
    repeat_1: Option<Timer>,
    repeat_2: Option<Timer>,
    repeat_1_calls: u32,
    repeat_2_calls: u32,
    repeat_2_allowed: bool,
    closes: u32,
}

#[test]
fn timer_again_rearms_from_now_and_set_repeat_is_lazy() {
    // libuv: repeat_1 every 50 ms, repeat_2 at 100 ms; scaled by 1/10.
    bounded(|| {
        let mut lp: Loop<Again> = Loop::new().unwrap();

        let dummy = Timer::new(&mut lp).unwrap();
        assert_eq!(dummy.again(&mut lp).unwrap_err().code(), Code::EINVAL);
        dummy.close(&mut lp).unwrap();

        let start = lp.now();
        let repeat_1 = Timer::new(&mut lp).unwrap();
        repeat_1
            .start(&mut lp, 5, 0, |lp, st: &mut Again, me| {
                assert_eq!(me.repeat(lp), Ok(5));
                st.repeat_1_calls += 1;
                // pushes repeat_2 out to now + its repeat
                st.repeat_2.unwrap().again(lp).unwrap();
                if st.repeat_1_calls == 10 {
                    me.close(lp)
                        .unwrap()
                        .then(|_, st: &mut Again| st.closes += 1);
                    st.repeat_2_allowed = true;
                }
            })
            .unwrap();
        // set after the start: takes effect when repeat_1 is re-armed
        repeat_1.set_repeat(&mut lp, 5).unwrap();
        assert_eq!(repeat_1.repeat(&lp), Ok(5));

        let repeat_2 = Timer::new(&mut lp).unwrap();
        repeat_2
            .start(&mut lp, 10, 10, |lp, st: &mut Again, me| {
                assert!(st.repeat_2_allowed, "again() did not push repeat_2 out");
                st.repeat_2_calls += 1;
                if me.repeat(lp).unwrap() == 0 {
                    // set_repeat(0) in the previous call did not stop the re-arm that had
                    // already happened; this call is the last, and the timer is not re-armed
                    assert_eq!(me.is_active(lp), Ok(false));
                    me.close(lp)
                        .unwrap()
                        .then(|_, st: &mut Again| st.closes += 1);
                    return;
                }
                assert_eq!(me.repeat(lp), Ok(10));
                // lazy: does not take effect at once
                me.set_repeat(lp, 0).unwrap();
                assert_eq!(me.is_active(lp), Ok(true));
            })
            .unwrap();

        let mut st = Again {
            repeat_1: Some(repeat_1),
            repeat_2: Some(repeat_2),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.repeat_1_calls, 10);
        assert_eq!(st.repeat_2_calls, 2);
        assert_eq!(st.closes, 2);
        assert!(st.repeat_1.is_some());
        // libuv: ≥ 700 ms; scaled: repeat_1 ends at ≥ 50, then repeat_2 runs at +10 and +20
        assert!(lp.now() - start >= 70, "elapsed {} ms", lp.now() - start);
    });
}

#[test]
fn timer_again_on_started_non_repeating_timer_does_nothing() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 5, 0, |_, n, _| *n += 1).unwrap();
        let due = t.due_in(&lp).unwrap();
        t.again(&mut lp).unwrap();
        assert_eq!(t.is_active(&lp), Ok(true));
        assert_eq!(t.due_in(&lp).unwrap(), due);
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 1);
        // and after it fired (inactive, never repeating) it still does nothing
        t.again(&mut lp).unwrap();
        assert_eq!(t.is_active(&lp), Ok(false));
    });
}

// ---------------------------------------------------------------------------------------------
// timer_zero_timeout (test-timer.c)
// ---------------------------------------------------------------------------------------------

#[test]
fn timer_zero_timeout_no_same_pass_rerun() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        fn zero(lp: &mut Loop<u32>, calls: &mut u32, me: Timer) {
            me.start(lp, 0, 0, zero).unwrap();
            lp.stop();
            *calls += 1;
        }
        t.start(&mut lp, 0, 0, zero).unwrap();
        let mut calls = 0;
        assert!(
            lp.run(RunMode::Default, &mut calls).unwrap(),
            "stopped while alive"
        );
        assert_eq!(calls, 1);
        t.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut calls).unwrap());
        assert_eq!(calls, 1);
    });
}

#[test]
fn zero_ms_timer_started_in_timer_callback_waits_next_iteration() {
    // libuv#4245: restarting a 0 ms timer from its callback must not busy-loop the timers
    // phase; each restart runs one iteration later.
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        fn again(lp: &mut Loop<Trace>, tr: &mut Trace, me: Timer) {
            tr.push("timer");
            if tr.count("timer") < 3 {
                me.start(lp, 0, 0, again).unwrap();
            }
        }
        t.start(&mut lp, 0, 0, again).unwrap();
        let idle = ruv_core::Idle::new(&mut lp).unwrap();
        idle.start(&mut lp, |_, tr: &mut Trace, _| tr.push("idle"))
            .unwrap();
        idle.set_ref(&mut lp, false);
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        // one timer call per iteration: the idle phase runs between them
        tr.assert_eq(&["timer", "idle", "timer", "idle", "timer"]);
    });
}

#[derive(Default)]
struct SamePass {
    trace: Trace,
    second: Option<Timer>,
}

#[test]
fn timer_closed_by_earlier_timer_in_same_pass_never_runs() {
    bounded(|| {
        let mut lp: Loop<SamePass> = Loop::new().unwrap();
        let first = Timer::new(&mut lp).unwrap();
        let second = Timer::new(&mut lp).unwrap();
        first
            .start(&mut lp, 1, 0, |lp, st: &mut SamePass, _| {
                st.trace.push("first");
                st.second
                    .unwrap()
                    .close(lp)
                    .unwrap()
                    .then(|_, st: &mut SamePass| st.trace.push("second closed"));
            })
            .unwrap();
        second
            .start(&mut lp, 1, 0, |_, st: &mut SamePass, _| {
                st.trace.push("second")
            })
            .unwrap();
        let mut st = SamePass {
            second: Some(second),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["first", "second closed"]);
    });
}

#[test]
fn timer_stopped_by_earlier_timer_in_same_pass_never_runs() {
    bounded(|| {
        let mut lp: Loop<SamePass> = Loop::new().unwrap();
        let first = Timer::new(&mut lp).unwrap();
        let second = Timer::new(&mut lp).unwrap();
        first
            .start(&mut lp, 0, 0, |lp, st: &mut SamePass, _| {
                st.trace.push("first");
                st.second.unwrap().stop(lp);
            })
            .unwrap();
        second
            .start(&mut lp, 0, 0, |_, st: &mut SamePass, _| {
                st.trace.push("second")
            })
            .unwrap();
        let mut st = SamePass {
            second: Some(second),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["first"]);
        assert_eq!(second.is_active(&lp), Ok(false));
    });
}

#[test]
fn timer_restarted_by_earlier_timer_in_same_pass_waits_for_new_deadline() {
    bounded(|| {
        let mut lp: Loop<SamePass> = Loop::new().unwrap();
        let first = Timer::new(&mut lp).unwrap();
        let second = Timer::new(&mut lp).unwrap();
        first
            .start(&mut lp, 0, 0, |lp, st: &mut SamePass, _| {
                st.trace.push("first");
                // second is due in this pass too; restarting it makes it a new start
                st.second.unwrap().restart(lp, 0, 0).unwrap();
            })
            .unwrap();
        second
            .start(&mut lp, 0, 0, |_, st: &mut SamePass, _| {
                st.trace.push("second")
            })
            .unwrap();
        let check = Check::new(&mut lp).unwrap();
        check
            .start(&mut lp, |_, st: &mut SamePass, _| st.trace.push("|"))
            .unwrap();
        check.set_ref(&mut lp, false);
        let mut st = SamePass {
            second: Some(second),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["first", "|", "second"]);
    });
}

#[test]
fn repeating_timer_rearmed_before_callback() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 7, |lp, n, me| {
            *n += 1;
            assert_eq!(me.is_active(lp), Ok(true));
            // re-armed from the current loop time
            assert_eq!(me.due_in(lp), Ok(7));
            if *n == 3 {
                me.stop(lp);
            }
        })
        .unwrap();
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 3);
    });
}

#[test]
fn timer_start_in_own_callback_replaces_callback() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 1, |lp, tr: &mut Trace, me| {
            tr.push("old");
            me.start(lp, 1, 0, |_, tr: &mut Trace, _| tr.push("new"))
                .unwrap();
        })
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["old", "new"]);
        // restart reuses the latest callback
        t.restart(&mut lp, 0, 0).unwrap();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["old", "new", "new"]);
    });
}

#[test]
fn timer_restart_in_own_callback_keeps_callback() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 0, |lp, n, me| {
            *n += 1;
            if *n < 3 {
                me.restart(lp, 1, 0).unwrap();
            }
        })
        .unwrap();
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 3);
    });
}

// ---------------------------------------------------------------------------------------------
// timer_run_once / timer_no_double_call_once / _nowait (test-timer.c)
// ---------------------------------------------------------------------------------------------

#[test]
fn timer_run_once() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        let mut n = 0;
        t.start(&mut lp, 0, 0, |_, n, _| *n += 1).unwrap();
        assert!(!lp.run(RunMode::Once, &mut n).unwrap());
        assert_eq!(n, 1);

        // ONCE blocks until the 1 ms timer fires
        t.start(&mut lp, 1, 0, |_, n, _| *n += 1).unwrap();
        assert!(!lp.run(RunMode::Once, &mut n).unwrap());
        assert_eq!(n, 2);

        t.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Once, &mut n).unwrap());
        assert_eq!(n, 2);
    });
}

fn no_double_call(mode: RunMode) {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    let t = Timer::new(&mut lp).unwrap();
    const TIMEOUT_MS: u64 = 10;
    t.start(&mut lp, TIMEOUT_MS, TIMEOUT_MS, |_, n, _| *n += 1)
        .unwrap();
    // the scenario itself: time passes (two periods) without the loop updating its time
    std::thread::sleep(std::time::Duration::from_millis(TIMEOUT_MS * 2));
    let mut n = 0;
    assert!(lp.run(mode, &mut n).unwrap());
    assert_eq!(
        n, 1,
        "a late repeating timer runs once, not once per missed period"
    );
    assert_eq!(t.is_active(&lp), Ok(true));
}

#[test]
fn timer_no_double_call_once() {
    bounded(|| no_double_call(RunMode::Once));
}

#[test]
fn timer_no_double_call_nowait() {
    bounded(|| no_double_call(RunMode::NoWait));
}

// ---------------------------------------------------------------------------------------------
// timer_from_check (test-timer-from-check.c)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct FromCheck {
    trace: Trace,
    timer: Option<Timer>,
    prepare: Option<Prepare>,
}

#[test]
fn timer_restarted_from_check_runs_after_next_prepare() {
    // libuv: 50 ms; scaled to 10 ms (only the order matters)
    bounded(|| {
        let mut lp: Loop<FromCheck> = Loop::new().unwrap();
        let prepare = Prepare::new(&mut lp).unwrap();
        let check = Check::new(&mut lp).unwrap();
        let timer = Timer::new(&mut lp).unwrap();
        fn timer_cb(lp: &mut Loop<FromCheck>, st: &mut FromCheck, me: Timer) {
            me.stop(lp);
            st.trace.push("timer");
        }
        check
            .start(&mut lp, |lp, st: &mut FromCheck, me| {
                me.stop(lp);
                let timer = st.timer.unwrap();
                timer.stop(lp); // runs before the timer's callback
                timer.start(lp, 10, 0, timer_cb).unwrap();
                st.prepare
                    .unwrap()
                    .start(lp, |lp, st: &mut FromCheck, me| {
                        me.stop(lp);
                        st.trace.push("prepare");
                    })
                    .unwrap();
                st.trace.push("check");
            })
            .unwrap();
        timer.start(&mut lp, 10, 0, timer_cb).unwrap();
        let mut st = FromCheck {
            timer: Some(timer),
            prepare: Some(prepare),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["check", "prepare", "timer"]);
    });
}
