#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Timers, continued (split from `timers.rs` to keep files short): huge timeouts, deadlines
//! never early, restarts, and churn.

use ruv_core::{Async, Clock, Loop, ManualClock, RunMode, Timer};
use ruv_testkit::{bounded, Trace};

// ---------------------------------------------------------------------------------------------
// Huge timeouts
// ---------------------------------------------------------------------------------------------

#[test]
fn huge_timeout_unrefd_timer_lets_loop_exit() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, u64::MAX, u64::MAX, |_, _, _| -> () {
            panic!("a u64::MAX timer fired")
        })
        .unwrap();
        assert_eq!(t.due_in(&lp).unwrap(), u64::MAX - lp.now());
        // referenced: alive, NOWAIT returns without firing
        assert!(lp.run(RunMode::NoWait, &mut ()).unwrap());
        assert!(lp.backend_timeout().unwrap() > 1 << 40);
        t.set_ref(&mut lp, false);
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
        assert_eq!(t.is_active(&lp), Ok(true));
        // a deadline near the top saturates instead of wrapping around to "due now"
        lp.update_time();
        t.start(&mut lp, u64::MAX - 1, 0, |_, _, _| -> () {
            panic!("wrapped")
        })
        .unwrap();
        t.set_ref(&mut lp, true);
        let now = lp.now();
        assert_eq!(
            t.due_in(&lp).unwrap(),
            now.saturating_add(u64::MAX - 1) - now
        );
        assert!(lp.run(RunMode::NoWait, &mut ()).unwrap());
        assert!(lp.run(RunMode::NoWait, &mut ()).unwrap());
        t.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
    });
}

#[test]
fn huge_timeout_does_not_hide_nearer_timer() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let huge = Timer::new(&mut lp).unwrap();
        huge.start(&mut lp, u64::MAX, 0, |_, _, _| -> () { panic!("fired") })
            .unwrap();
        let near = Timer::new(&mut lp).unwrap();
        near.start(&mut lp, 1, 0, move |lp, tr: &mut Trace, _| {
            tr.push("near");
            huge.close(lp).unwrap();
        })
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["near"]);
    });
}

#[test]
fn huge_timeout_blocks_until_woken() {
    // The poll timeout for a u64::MAX deadline is clamped (epoll takes an int): blocking on it
    // must neither panic nor spin, and a wake-up from another thread still gets through.
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let huge = Timer::new(&mut lp).unwrap();
        huge.start(&mut lp, u64::MAX, 0, |_, _, _| -> () { panic!("fired") })
            .unwrap();
        let wake = Async::new(&mut lp, move |lp, n, me| {
            *n += 1;
            me.close(lp).unwrap();
            huge.close(lp).unwrap();
        })
        .unwrap();
        let sender = wake.sender(&lp).unwrap();
        let th = std::thread::spawn(move || sender.send().unwrap());
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 1);
        th.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// timer_early_check / timer_start_twice (test-timer.c)
// ---------------------------------------------------------------------------------------------

#[test]
fn timer_never_fires_before_its_deadline() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        const TIMEOUT_MS: u64 = 10;
        // loop time and hrtime share an epoch, so the deadline can be checked on the clock
        let expected = lp.now() + TIMEOUT_MS;
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, TIMEOUT_MS, 0, move |lp, n, _| {
            let hr_ms = lp.hrtime() / 1_000_000;
            assert!(
                hr_ms >= expected,
                "fired at {hr_ms} ms, due at {expected} ms"
            );
            assert!(lp.now() >= expected);
            *n += 1;
        })
        .unwrap();
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 1);
    });
}

#[test]
fn timer_started_twice_fires_once_with_latest_callback() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 5, 0, |_, tr: &mut Trace, _| tr.push("first"))
            .unwrap();
        t.start(&mut lp, 5, 0, |_, tr: &mut Trace, _| tr.push("second"))
            .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["second"]);
    });
}

// ---------------------------------------------------------------------------------------------
// Start/stop churn (the heap drops stale entries lazily and compacts)
// ---------------------------------------------------------------------------------------------

#[test]
fn timer_churn_keeps_order_and_liveness() {
    bounded(|| {
        // a manual clock: the exact backend timeout below must not depend on how long 15,000
        // starts take on a loaded machine
        let mut lp: Loop<Vec<usize>> = Loop::with_clock(Clock::Manual(ManualClock::new())).unwrap();
        let timers: Vec<Timer> = (0..3000).map(|_| Timer::new(&mut lp).unwrap()).collect();
        // many restarts and stops leave many stale heap entries behind (enough to compact)
        for round in 0..5u64 {
            for (i, t) in timers.iter().enumerate() {
                t.start(
                    &mut lp,
                    1000 + round,
                    0,
                    move |_, log: &mut Vec<usize>, _| log.push(i),
                )
                .unwrap();
            }
        }
        for t in &timers[100..] {
            t.stop(&mut lp);
        }
        assert_eq!(lp.backend_timeout(), Some(1004));
        // the survivors, restarted in reverse order with one deadline: fire in that order
        for (i, t) in timers[..100].iter().enumerate().rev() {
            t.start(&mut lp, 1, 0, move |_, log: &mut Vec<usize>, _| log.push(i))
                .unwrap();
        }
        let mut log = Vec::new();
        assert!(!lp.run(RunMode::Default, &mut log).unwrap());
        assert_eq!(log, (0..100).rev().collect::<Vec<_>>());
        assert!(!lp.alive());
        for t in &timers {
            assert_eq!(t.is_active(&lp), Ok(false));
        }
    });
}
