//! Who frees a timeout: a fired one-shot `Timeout` the program holds can be refreshed (its
//! callback runs again); its timer is freed once it fired and the program dropped it, or on
//! clear. Dropping an unfired `Timeout` never cancels it.

use ruv_core::{Clock, Loop, ManualClock, RunMode};
use ruv_node::{self as node, Timeout};

#[derive(Default)]
struct St {
    log: Vec<String>,
    held: Option<Timeout>,
    many: Vec<Timeout>,
}

fn manual_loop() -> Loop<St> {
    Loop::with_clock(Clock::Manual(ManualClock::new())).unwrap()
}

fn at(lp: &Loop<St>, what: &str) -> String {
    format!("{what} at {}", lp.now())
}

#[test]
fn refresh_in_its_own_callback_runs_the_callback_twice() {
    // Node's test-timers-refresh-in-callback
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, st| {
        let mut called = false;
        let t = node::set_timeout(lp, 1, move |lp, st: &mut St| {
            st.log.push(at(lp, "callback"));
            if !called {
                called = true;
                st.held.as_ref().expect("held").refresh(lp).unwrap();
            }
        })?;
        st.held = Some(t);
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log, ["callback at 1", "callback at 2"]);
    assert_eq!(node::timer_count(&mut lp), 1, "still held, fired");
    st.held = None;
    assert_eq!(node::timer_count(&mut lp), 0);
}

#[test]
fn refresh_after_fire_rearms_with_the_original_delay() {
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, st| {
        st.held = Some(node::set_timeout(lp, 10, |lp, st: &mut St| {
            st.log.push(at(lp, "timeout"))
        })?);
        node::set_timeout(lp, 50, |lp, st: &mut St| {
            let t = st.held.as_ref().expect("held");
            assert!(!t.has_ref(lp), "a fired timeout does not hold the loop");
            t.refresh(lp).unwrap();
            assert!(t.has_ref(lp));
            st.log.push(at(lp, "refresh"));
        })?;
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log, ["timeout at 10", "refresh at 50", "timeout at 60"]);
}

#[test]
fn clear_after_fire_is_a_no_op_and_frees_the_timer() {
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, st| {
        st.held = Some(node::set_timeout(lp, 1, |lp, st: &mut St| {
            st.log.push(at(lp, "fired"))
        })?);
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(node::timer_count(&mut lp), 1);
    let t = st.held.take().unwrap();
    node::clear_timeout(&mut lp, &t);
    node::clear_timeout(&mut lp, &t);
    assert_eq!(node::timer_count(&mut lp), 0, "clear frees it");
    t.unref(&mut lp);
    t.ref_(&mut lp);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log, ["fired at 1"]);
    assert!(!lp.alive());
    drop(t);
    assert_eq!(node::timer_count(&mut lp), 0);
}

#[test]
fn dropping_an_unfired_timeout_does_not_cancel_it() {
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, _| {
        let t = node::set_timeout(lp, 5, |lp, st: &mut St| st.log.push(at(lp, "still fires")))?;
        drop(t);
        Ok(())
    })
    .unwrap();
    assert!(lp.alive(), "a dropped pending timeout keeps the loop alive");
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log, ["still fires at 5"]);
    assert_eq!(node::timer_count(&mut lp), 0);
}

#[test]
fn fired_and_dropped_timeouts_free_their_timers() {
    const N: u64 = 1000;
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, st| {
        for i in 0..N {
            // half dropped at once, half held until after they fired
            let t = node::set_timeout(lp, 1 + i % 10, |_, st: &mut St| st.log.push("f".into()))?;
            if i % 2 == 0 {
                st.many.push(t);
            }
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(node::timer_count(&mut lp), N as usize);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log.len(), N as usize);
    assert_eq!(node::timer_count(&mut lp), N as usize / 2, "the held ones");
    // dropped from a callback: the after-callback hook frees them
    node::set_timeout(&mut lp, 1, |_, st: &mut St| st.many.clear()).unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(node::timer_count(&mut lp), 0);
    assert!(!lp.alive());
}

#[test]
fn a_timeout_dropped_in_its_own_callback_is_freed_after_it() {
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, st| {
        st.held = Some(node::set_timeout(lp, 3, |lp, st: &mut St| {
            st.held = None;
            st.log.push(at(lp, "fired"));
        })?);
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log, ["fired at 3"]);
    assert_eq!(node::timer_count(&mut lp), 0);
}

#[test]
fn a_panicking_timeout_the_program_dropped_is_freed() {
    let mut lp = manual_loop();
    let mut st = St::default();
    node::enter(&mut lp, &mut st, |lp, _| {
        node::set_timeout(lp, 1, |_, _: &mut St| -> () {
            panic!("timeout panicked on purpose")
        })?;
        node::set_timeout(lp, 2, |lp, st: &mut St| st.log.push(at(lp, "next")))?;
        Ok(())
    })
    .unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lp.run(RunMode::Default, &mut st)
    }));
    assert!(res.is_err(), "the panic propagates out of run");
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.log, ["next at 2"]);
    assert_eq!(node::timer_count(&mut lp), 0);
}
