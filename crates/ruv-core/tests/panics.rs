#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! A panicking callback propagates out of `run`, and the loop stays usable: the handle whose
//! callback panicked is stopped, everything else that was due still runs on the next `run`,
//! close callbacks still run.
//!
//! (The panics print their message on stderr; that is expected.)

use ruv_core::{Async, Check, Idle, Interest, IoWatcher, Loop, RunMode, Timer, WorkClass};
use ruv_testkit::{bounded, Trace};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs the loop and expects a panic with `msg`.
fn run_expect_panic<S>(lp: &mut Loop<S>, s: &mut S, msg: &str) {
    let r = catch_unwind(AssertUnwindSafe(|| lp.run(RunMode::Default, s)));
    let payload = match r {
        Err(p) => p,
        Ok(res) => panic!("run returned {res:?} instead of panicking"),
    };
    let got = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert_eq!(got, msg, "the callback's own panic propagates");
}

#[test]
fn panicking_timer_callback_propagates_and_loop_stays_usable() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        // closed before run: its close callback is still queued when the panic happens
        let c = Check::new(&mut lp).unwrap();
        c.close(&mut lp)
            .unwrap()
            .then(|_, tr: &mut Trace| tr.push("check closed"));
        let bad = Timer::new(&mut lp).unwrap();
        bad.start(&mut lp, 0, 1, |_, _, _| -> () { panic!("timer boom") })
            .unwrap();
        // due in the same pass as `bad`, after it: collected, not run yet at the panic
        let same_pass = Timer::new(&mut lp).unwrap();
        same_pass
            .start(&mut lp, 0, 0, |_, tr: &mut Trace, _| tr.push("same pass"))
            .unwrap();
        let later = Timer::new(&mut lp).unwrap();
        later
            .start(&mut lp, 5, 0, |_, tr: &mut Trace, _| tr.push("later"))
            .unwrap();

        let mut tr = Trace::new();
        run_expect_panic(&mut lp, &mut tr, "timer boom");
        tr.assert_eq(&[]);
        assert_eq!(
            bad.is_active(&lp),
            Ok(false),
            "the panicked timer is stopped"
        );
        assert_eq!(same_pass.is_active(&lp), Ok(true));

        // usable again: not "already running", the rest still happens
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["same pass", "check closed", "later"]);

        // the panicked timer can be started again with a new callback
        bad.start(&mut lp, 0, 0, |_, tr: &mut Trace, _| {
            tr.push("bad restarted")
        })
        .unwrap();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        assert_eq!(tr.events().last().unwrap(), "bad restarted");
        bad.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
    });
}

#[test]
fn panicking_close_callback_leaves_other_close_callbacks_queued() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let a = Idle::new(&mut lp).unwrap();
        let b = Idle::new(&mut lp).unwrap();
        a.close(&mut lp)
            .unwrap()
            .then(|_, tr: &mut Trace| tr.push("a closed"));
        // closed last, so its close callback runs first (LIFO)
        b.close(&mut lp)
            .unwrap()
            .then(|_, _| -> () { panic!("close boom") });
        let mut tr = Trace::new();
        run_expect_panic(&mut lp, &mut tr, "close boom");
        tr.assert_eq(&[]);
        assert!(lp.alive());
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["a closed"]);
    });
}

#[test]
fn panicking_check_callback_leaves_other_checks_running() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let ok = Check::new(&mut lp).unwrap();
        ok.start(&mut lp, |lp, tr: &mut Trace, me| {
            tr.push("ok");
            me.close(lp).unwrap();
        })
        .unwrap();
        let bad = Check::new(&mut lp).unwrap();
        bad.start(&mut lp, |_, _, _| -> () { panic!("check boom") })
            .unwrap();
        // keep poll from blocking on the checks
        let idle = Idle::new(&mut lp).unwrap();
        idle.start(&mut lp, |_, _, _| {}).unwrap();
        idle.set_ref(&mut lp, false);
        let mut tr = Trace::new();
        run_expect_panic(&mut lp, &mut tr, "check boom");
        assert_eq!(bad.is_active(&lp), Ok(false));
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["ok"]);
    });
}

#[test]
fn panicking_async_callback_keeps_other_deliveries() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let bad = Async::new(&mut lp, |_, _, _| -> () { panic!("async boom") }).unwrap();
        let good = Async::new(&mut lp, |lp, tr: &mut Trace, me| {
            tr.push("good");
            me.close(lp).unwrap();
        })
        .unwrap();
        lp.queue_work(
            WorkClass::Cpu,
            || 7,
            |_, tr: &mut Trace, r| tr.push(format!("work {}", r.unwrap())),
        )
        .unwrap();
        // bad is delivered first (sent first), before good and the completion
        bad.sender(&lp).unwrap().send().unwrap();
        good.sender(&lp).unwrap().send().unwrap();
        let mut tr = Trace::new();
        run_expect_panic(&mut lp, &mut tr, "async boom");
        assert_eq!(
            bad.is_active(&lp),
            Ok(false),
            "the panicked async is stopped"
        );
        bad.close(&mut lp).unwrap();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        assert_eq!(tr.count("good"), 1);
        assert_eq!(tr.count("work 7"), 1);
    });
}

#[test]
fn panicking_work_callback_keeps_other_completions() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        lp.queue_work(
            WorkClass::Cpu,
            || 1,
            |_, _: &mut Trace, _| -> () { panic!("after boom") },
        )
        .unwrap();
        lp.queue_work(
            WorkClass::Cpu,
            || 2,
            |_, tr: &mut Trace, r| tr.push(format!("work {}", r.unwrap())),
        )
        .unwrap();
        let mut tr = Trace::new();
        // the two completions may arrive in one poll phase or two: whichever way, the panic
        // propagates and the other completion is still delivered
        let r = catch_unwind(AssertUnwindSafe(|| {
            lp.run(RunMode::Default, &mut tr).unwrap()
        }));
        assert!(r.is_err());
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["work 2"]);
        assert_eq!(lp.active_requests(), 0);
    });
}

#[test]
fn panicking_io_callback_leaves_loop_usable() {
    bounded(|| {
        let (a, _pa) = UnixStream::pair().unwrap();
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(&mut lp, Interest::WRITABLE, |_, _, _, _| -> () {
            panic!("io boom")
        })
        .unwrap();
        let mut tr = Trace::new();
        run_expect_panic(&mut lp, &mut tr, "io boom");
        assert_eq!(
            w.is_active(&lp),
            Ok(false),
            "the panicked watcher is stopped"
        );
        // a later blocking poll works
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 1, 0, |_, tr: &mut Trace, _| tr.push("timer"))
            .unwrap();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["timer"]);
    });
}

#[test]
fn panicking_io_callback_does_not_lose_other_io_events() {
    // Two watchers are ready in the same poll; the first one called panics. The other's
    // readiness (edge-triggered: reported once) must still reach it on the next run.
    bounded(|| {
        let (a, _pa) = UnixStream::pair().unwrap();
        let (b, _pb) = UnixStream::pair().unwrap();
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        for sock in [&a, &b] {
            let w = IoWatcher::new(&mut lp, sock.as_raw_fd()).unwrap();
            w.start(&mut lp, Interest::WRITABLE, |lp, tr: &mut Trace, me, _| {
                if tr.is_empty() {
                    tr.push("panicked");
                    panic!("io boom");
                }
                tr.push("other");
                me.close(lp).unwrap();
            })
            .unwrap();
        }
        let mut tr = Trace::new();
        run_expect_panic(&mut lp, &mut tr, "io boom");
        tr.assert_eq(&["panicked"]);
        // the panicked watcher is stopped; the other one still gets its event
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["panicked", "other"]);
    });
}
