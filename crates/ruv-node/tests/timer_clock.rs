//! Node's timer clock: every timer is armed from a fresh clock reading, and an interval is
//! re-armed from the reading taken when its callback started. Time is a manual clock: a
//! callback "busy-waits" by advancing it, and the loop jumps to the next timer instead of
//! sleeping, so these tests never sleep.

use ruv_core::{Clock, Loop, ManualClock, RunMode};
use ruv_node as node;

type Log = Vec<String>;

/// Runs `f` as the main script of a loop on a manual clock, then runs the loop.
fn run_manual(f: impl FnOnce(&mut Loop<Log>, &mut Log, ManualClock)) -> Log {
    let clock = ManualClock::new();
    let mut lp: Loop<Log> = Loop::with_clock(Clock::Manual(clock.clone())).unwrap();
    let mut log = Vec::new();
    node::enter(&mut lp, &mut log, |lp, log| {
        f(lp, log, clock);
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    log
}

fn at(lp: &Loop<Log>, what: &str) -> String {
    format!("{what} at {}", lp.now())
}

#[test]
fn a_timeout_set_after_slow_synchronous_work_counts_from_when_it_was_set() {
    // Node: in an immediate, setTimeout(15), busy-wait 20 ms, setTimeout(5): the 15 ms one
    // fires first (due at 15, the other at 25).
    let log = run_manual(|lp, _, clock| {
        node::set_immediate(lp, move |lp, _| {
            node::set_timeout(lp, 15, |lp, l| l.push(at(lp, "15 ms"))).unwrap();
            clock.advance(20);
            node::set_timeout(lp, 5, |lp, l| l.push(at(lp, "5 ms"))).unwrap();
        })
        .unwrap();
    });
    assert_eq!(log, ["15 ms at 20", "5 ms at 25"]);
}

#[test]
fn a_timeout_set_by_the_main_script_after_slow_start_up_counts_from_when_it_was_set() {
    let log = run_manual(|lp, _, clock| {
        clock.advance(50);
        node::set_timeout(lp, 10, |lp, l| l.push(at(lp, "10 ms"))).unwrap();
    });
    assert_eq!(log, ["10 ms at 60"]);
}

#[test]
fn timers_created_in_one_callback_as_the_clock_advances_fire_in_deadline_order() {
    let log = run_manual(|lp, _, clock| {
        node::set_timeout(lp, 1, move |lp, _| {
            node::set_timeout(lp, 10, |lp, l| l.push(at(lp, "a (10 ms)"))).unwrap();
            clock.advance(8);
            node::set_timeout(lp, 5, |lp, l| l.push(at(lp, "b (5 ms, 8 ms later)"))).unwrap();
            clock.advance(1);
            node::set_interval(lp, 3, |lp, l, me| {
                l.push(at(lp, "c (3 ms interval, 9 ms later)"));
                node::clear_interval(lp, me);
            })
            .unwrap();
        })
        .unwrap();
    });
    // set at 1: a due 11; b due 9 + 5 = 14; c due 10 + 3 = 13
    assert_eq!(
        log,
        [
            "a (10 ms) at 11",
            "c (3 ms interval, 9 ms later) at 13",
            "b (5 ms, 8 ms later) at 14"
        ]
    );
}

#[test]
fn a_slow_interval_callback_does_not_drift_by_its_own_duration() {
    // Node's listOnTimeout re-arms from `start`, read before the callback ran
    let log = run_manual(|lp, _, clock| {
        let mut n = 0;
        node::set_interval(lp, 100, move |lp, l, me| {
            l.push(at(lp, "interval"));
            clock.advance(30);
            n += 1;
            if n == 3 {
                node::clear_interval(lp, me);
            }
        })
        .unwrap();
    });
    assert_eq!(
        log,
        ["interval at 100", "interval at 200", "interval at 300"]
    );
}

#[test]
fn an_interval_delayed_by_a_slower_timer_of_its_phase_rearms_from_its_own_start() {
    // Node (measured with busy-waits): a 100 ms timeout that works for 40 ms, then a 100 ms
    // interval created after it (30 ms of work a run): the interval runs at 141, 241, 341,
    // i.e. from its own start, not from the phase's 100 nor its end.
    let log = run_manual(|lp, _, clock| {
        let slow = clock.clone();
        node::set_timeout(lp, 100, move |lp, l| {
            l.push(at(lp, "slow timeout"));
            slow.advance(40);
        })
        .unwrap();
        let mut n = 0;
        node::set_interval(lp, 100, move |lp, l, me| {
            l.push(format!("interval at {}", clock.now_ms()));
            clock.advance(30);
            n += 1;
            if n == 3 {
                node::clear_interval(lp, me);
            }
        })
        .unwrap();
    });
    assert_eq!(
        log,
        [
            "slow timeout at 100",
            "interval at 140",
            "interval at 240",
            "interval at 340"
        ]
    );
}

#[test]
fn an_interval_callback_that_fails_is_rearmed_and_its_error_reaches_run() {
    let clock = ManualClock::new();
    let mut lp: Loop<Log> = Loop::with_clock(Clock::Manual(clock)).unwrap();
    let mut log = Vec::new();
    node::enter(&mut lp, &mut log, |lp, _| {
        let mut n = 0;
        let t = node::set_interval(lp, 10, move |lp, l, me| {
            n += 1;
            l.push(at(lp, "interval"));
            if n == 2 {
                node::clear_interval(lp, me);
            }
            if n == 1 {
                return Err(ruv_core::Error::new(ruv_core::Code::EINVAL));
            }
            Ok(())
        })?;
        drop(t); // an interval whose handle is dropped keeps running
        Ok(())
    })
    .unwrap();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.code(), ruv_core::Code::EINVAL);
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["interval at 10", "interval at 20"]);
}

#[test]
fn a_slow_timer_callback_does_not_delay_the_next_timer() {
    // Node (measured): a 100 ms timeout working for 30 ms, a 150 ms timeout: the second
    // fires at 150 — the wait after the first counts from when its callback returned.
    let log = run_manual(|lp, _, clock| {
        node::set_timeout(lp, 100, move |lp, l| {
            l.push(at(lp, "slow"));
            clock.advance(30);
        })
        .unwrap();
        node::set_timeout(lp, 150, |lp, l| l.push(at(lp, "next"))).unwrap();
    });
    assert_eq!(log, ["slow at 100", "next at 150"]);
}
