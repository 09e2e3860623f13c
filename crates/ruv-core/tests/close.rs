#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Two-phase close: libuv's `close_order`, closing inside a handle's own callback, closing a
//! handle that is already due, and what close callbacks may do.

use ruv_core::{Async, Check, Code, Idle, Interest, IoWatcher, Loop, Prepare, RunMode, Timer};
use ruv_testkit::{bounded, Trace};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;

// ---------------------------------------------------------------------------------------------
// close_order (test-close-order.c)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct CloseOrder {
    trace: Trace,
    timer_calls: u32,
    check_calls: u32,
    closes: u32,
    timer2: Option<Timer>,
}

#[test]
fn close_callbacks_run_after_check_in_reverse_close_order() {
    bounded(|| {
        let mut lp: Loop<CloseOrder> = Loop::new().unwrap();
        let check = Check::new(&mut lp).unwrap();
        check
            .start(&mut lp, |lp, st: &mut CloseOrder, me| {
                assert_eq!(st.check_calls, 0);
                assert_eq!(st.timer_calls, 1, "timer1 fired before the check");
                assert_eq!(st.closes, 0, "close callbacks run after check");
                me.close(lp).unwrap().then(|_, st: &mut CloseOrder| {
                    st.closes += 1;
                    st.trace.push("check closed");
                });
                st.timer2
                    .unwrap()
                    .close(lp)
                    .unwrap()
                    .then(|_, st: &mut CloseOrder| {
                        st.closes += 1;
                        st.trace.push("timer2 closed");
                    });
                st.check_calls += 1;
            })
            .unwrap();
        let timer1 = Timer::new(&mut lp).unwrap();
        timer1
            .start(&mut lp, 0, 0, |lp, st: &mut CloseOrder, me| {
                st.timer_calls += 1;
                me.close(lp).unwrap().then(|_, st: &mut CloseOrder| {
                    st.closes += 1;
                    st.trace.push("timer1 closed");
                });
            })
            .unwrap();
        // 100 s: the loop must end without waiting for it
        let timer2 = Timer::new(&mut lp).unwrap();
        timer2
            .start(&mut lp, 100_000, 0, |_, _, _| -> () {
                panic!("timer2 fired")
            })
            .unwrap();
        let mut st = CloseOrder {
            timer2: Some(timer2),
            ..Default::default()
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.check_calls, 1);
        assert_eq!(st.closes, 3);
        assert_eq!(st.timer_calls, 1);
        // LIFO: the last handle closed gets its close callback first
        st.trace
            .assert_eq(&["timer2 closed", "check closed", "timer1 closed"]);
    });
}

// ---------------------------------------------------------------------------------------------
// Closing a handle from its own callback
// ---------------------------------------------------------------------------------------------

#[test]
fn close_in_own_callback_timer() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 1, |lp, tr: &mut Trace, me| {
            tr.push("timer");
            me.close(lp)
                .unwrap()
                .then(|_, tr: &mut Trace| tr.push("closed"));
            assert_eq!(me.is_closing(lp), Ok(true));
            assert_eq!(me.is_active(lp), Ok(false));
            // a repeating timer closed in its callback is not re-armed afterwards
        })
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["timer", "closed"]);
        assert_eq!(t.is_active(&lp).unwrap_err().code(), Code::EBADF);
    });
}

#[test]
fn close_in_own_callback_watchers() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let i = Idle::new(&mut lp).unwrap();
        i.start(&mut lp, |lp, tr: &mut Trace, me| {
            tr.push("idle");
            me.close(lp)
                .unwrap()
                .then(|_, tr: &mut Trace| tr.push("idle closed"));
        })
        .unwrap();
        let p = Prepare::new(&mut lp).unwrap();
        p.start(&mut lp, |lp, tr: &mut Trace, me| {
            tr.push("prepare");
            me.close(lp)
                .unwrap()
                .then(|_, tr: &mut Trace| tr.push("prepare closed"));
        })
        .unwrap();
        let c = Check::new(&mut lp).unwrap();
        c.start(&mut lp, |lp, tr: &mut Trace, me| {
            tr.push("check");
            me.close(lp)
                .unwrap()
                .then(|_, tr: &mut Trace| tr.push("check closed"));
        })
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&[
            "idle",
            "prepare",
            "check",
            "check closed",
            "prepare closed",
            "idle closed",
        ]);
    });
}

#[test]
fn close_in_own_callback_async() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, tr: &mut Trace, me| {
            tr.push("async");
            me.close(lp)
                .unwrap()
                .then(|_, tr: &mut Trace| tr.push("closed"));
        })
        .unwrap();
        let sender = a.sender(&lp).unwrap();
        sender.send().unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["async", "closed"]);
        assert_eq!(sender.send().unwrap_err().code(), Code::EBADF);
    });
}

#[test]
fn close_in_own_callback_io() {
    bounded(|| {
        let (a, _b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let w = IoWatcher::new(&mut lp, a.as_raw_fd()).unwrap();
        w.start(
            &mut lp,
            Interest::WRITABLE,
            |lp, tr: &mut Trace, me, ready| {
                assert!(ready.is_writable());
                tr.push("writable");
                me.close(lp)
                    .unwrap()
                    .then(|_, tr: &mut Trace| tr.push("closed"));
            },
        )
        .unwrap();
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["writable", "closed"]);
        // the watcher never owned the fd
        assert!(a.peer_addr().is_ok());
    });
}

// ---------------------------------------------------------------------------------------------
// Closing another handle that is already due
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Due {
    trace: Trace,
    other: Option<Check>,
}

#[test]
fn check_closed_by_earlier_check_in_same_pass_never_runs() {
    // Node's setImmediate lives in the check phase: an immediate cleared by an earlier one of
    // the same pass must not run.
    bounded(|| {
        let mut lp: Loop<Due> = Loop::new().unwrap();
        let second = Check::new(&mut lp).unwrap();
        second
            .start(&mut lp, |_, st: &mut Due, _| st.trace.push("second"))
            .unwrap();
        let first = Check::new(&mut lp).unwrap();
        // newest first: `first` runs before `second`
        first
            .start(&mut lp, |lp, st: &mut Due, me| {
                st.trace.push("first");
                st.other
                    .unwrap()
                    .close(lp)
                    .unwrap()
                    .then(|_, st: &mut Due| st.trace.push("second closed"));
                me.close(lp).unwrap();
            })
            .unwrap();
        let mut st = Due {
            trace: Trace::new(),
            other: Some(second),
        };
        // an idle handle keeps poll from blocking on the checks, unref'd so it does not keep
        // the loop alive
        let idle = Idle::new(&mut lp).unwrap();
        idle.start(&mut lp, |_, _, _| {}).unwrap();
        idle.set_ref(&mut lp, false);
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        st.trace.assert_eq(&["first", "second closed"]);
    });
}

// ---------------------------------------------------------------------------------------------
// What close callbacks see and may do
// ---------------------------------------------------------------------------------------------

#[test]
fn closing_keeps_loop_alive_until_close_callback() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        // unref'd and inactive: still, a closing handle keeps the loop alive
        t.set_ref(&mut lp, false);
        assert!(!lp.alive());
        t.close(&mut lp)
            .unwrap()
            .then(|_, tr: &mut Trace| tr.push("closed"));
        assert!(lp.alive());
        assert_eq!(t.is_closing(&lp), Ok(true));
        assert_eq!(lp.backend_timeout(), Some(0));
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::NoWait, &mut tr).unwrap());
        tr.assert_eq(&["closed"]);
        assert!(!lp.alive());
    });
}

#[test]
fn never_started_handle_close_callback_runs_in_first_iteration() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        for name in ["a", "b", "c"] {
            let c = Check::new(&mut lp).unwrap();
            c.close(&mut lp)
                .unwrap()
                .then(move |_, tr: &mut Trace| tr.push(name));
        }
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["c", "b", "a"]);
    });
}

#[test]
fn handle_closed_in_close_callback_closes_next_iteration() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let second = Idle::new(&mut lp).unwrap();
        let first = Idle::new(&mut lp).unwrap();
        first
            .close(&mut lp)
            .unwrap()
            .then(move |lp, tr: &mut Trace| {
                tr.push("first closed");
                second
                    .close(lp)
                    .unwrap()
                    .then(|_, tr: &mut Trace| tr.push("second closed"));
            });
        let tick = Prepare::new(&mut lp).unwrap();
        tick.start(&mut lp, |_, tr: &mut Trace, _| tr.push("|"))
            .unwrap();
        tick.set_ref(&mut lp, false);
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["|", "first closed", "|", "second closed"]);
    });
}

#[test]
fn close_callback_may_start_new_handles() {
    bounded(|| {
        let mut lp: Loop<Trace> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.close(&mut lp).unwrap().then(|lp, tr: &mut Trace| {
            tr.push("closed");
            let t2 = Timer::new(lp).unwrap();
            t2.start(lp, 1, 0, |_, tr: &mut Trace, _| tr.push("new timer"))
                .unwrap();
        });
        let mut tr = Trace::new();
        assert!(!lp.run(RunMode::Default, &mut tr).unwrap());
        tr.assert_eq(&["closed", "new timer"]);
    });
}

#[test]
fn close_silently_frees_the_handle() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 1000, 0, |_, _, _| -> () { panic!("fired") })
            .unwrap();
        t.close(&mut lp).unwrap();
        assert_eq!(t.is_closing(&lp), Ok(true));
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
        assert_eq!(t.is_closing(&lp).unwrap_err().code(), Code::EBADF);
    });
}
