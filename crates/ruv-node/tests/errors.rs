//! Node callbacks may return `()` or `Result<()>`: an error they return is the program's
//! uncaught error (out of `run`, or out of `enter` for the main script's ticks); one-shot
//! tasks record where they were registered; stale immediates are no-ops.

use ruv_core::{Code, Error, Loop, RunMode};
use ruv_node as node;

type Log = Vec<String>;

fn fail() -> ruv_core::Result<()> {
    Err(Error::new(Code::EINVAL).with_detail("from a callback"))
}

fn new_loop() -> (Loop<Log>, Log) {
    (Loop::new().unwrap(), Vec::new())
}

#[test]
fn an_error_returned_by_an_immediate_reaches_run_and_the_loop_goes_on() {
    let (mut lp, mut log) = new_loop();
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_immediate(lp, |_, l: &mut Log| {
            l.push("failing".into());
            fail()
        })?;
        node::set_immediate(lp, |_, l: &mut Log| l.push("next".into()))?;
        Ok(())
    })
    .unwrap();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.code(), Code::EINVAL);
    assert_eq!(log, ["failing"], "nothing else ran");
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["failing", "next"]);
}

#[test]
fn an_error_returned_by_a_timeout_reaches_run() {
    let (mut lp, mut log) = new_loop();
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_timeout(lp, 1, |_, _| fail())?;
        Ok(())
    })
    .unwrap();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.code(), Code::EINVAL);
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        node::timer_count(&mut lp),
        0,
        "a failed timeout is freed too"
    );
}

#[test]
fn errors_of_ticks_and_microtasks_reach_the_error_handler_and_the_rest_run() {
    let (mut lp, mut log) = new_loop();
    lp.set_error_handler(Some(Box::new(|_, l: &mut Log, e| {
        l.push(format!("handled {}", e.code()));
        Ok(())
    })));
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_immediate(lp, |lp, _| {
            node::next_tick(lp, |_, _| fail()).unwrap();
            node::queue_microtask(lp, |_, _| fail()).unwrap();
            node::next_tick(lp, |_, l: &mut Log| l.push("tick".into())).unwrap();
        })?;
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["handled EINVAL", "tick", "handled EINVAL"]);
}

#[test]
fn enter_returns_the_uncaught_error_left_by_the_main_scripts_ticks() {
    let (mut lp, mut log) = new_loop();
    let err = node::enter(&mut lp, &mut log, |lp, _| {
        node::next_tick(lp, |_, _| fail())?;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err.code(), Code::EINVAL);
    assert!(lp.take_uncaught_error().is_none(), "taken by enter");
    lp.run(RunMode::Default, &mut log).unwrap();
}

#[test]
fn an_immediate_runs_as_a_top_level_callback_with_its_registration_site() {
    let (mut lp, mut log) = new_loop();
    let line = line!() + 2;
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_immediate(lp, |lp, l: &mut Log| {
            let info = lp.current_callback().expect("running a callback");
            l.push(format!(
                "{} {}:{}",
                info.kind,
                info.site.file(),
                info.site.line()
            ));
        })?;
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [format!("immediate {}:{line}", file!())]);
}

#[test]
fn clear_ref_and_unref_of_a_stale_immediate_do_nothing() {
    let (mut lp, mut log) = new_loop();
    let im = node::enter(&mut lp, &mut log, |lp, _| {
        node::set_immediate(lp, |_, l: &mut Log| l.push("ran".into()))
    })
    .unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    // a later immediate reuses the slot; the stale id must not touch it
    let later = node::set_immediate(&mut lp, |_, l: &mut Log| l.push("later".into())).unwrap();
    assert_eq!(im.id().index(), later.id().index());
    node::clear_immediate(&mut lp, im);
    im.unref(&mut lp);
    im.ref_(&mut lp);
    assert!(!im.has_ref(&lp));
    assert!(later.has_ref(&lp));
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["ran", "later"]);
}

#[test]
fn a_panicking_immediate_leaves_the_later_ones_queued_and_immediates_working() {
    let (mut lp, mut log) = new_loop();
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_immediate(lp, |_, _: &mut Log| -> () {
            panic!("immediate panicked on purpose")
        })?;
        node::set_immediate(lp, |_, l: &mut Log| l.push("next".into()))?;
        Ok(())
    })
    .unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lp.run(RunMode::Default, &mut log)
    }));
    assert!(res.is_err(), "the panic propagates out of run");
    lp.run(RunMode::Default, &mut log).unwrap();
    node::set_immediate(&mut lp, |_, l: &mut Log| l.push("later".into())).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["next", "later"]);
}

#[test]
fn an_error_of_a_tick_queued_by_an_immediate_reaches_run_and_immediates_keep_running() {
    let (mut lp, mut log) = new_loop();
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_immediate(lp, |lp, _: &mut Log| node::next_tick(lp, |_, _| fail()))?;
        node::set_immediate(lp, |_, l: &mut Log| l.push("next".into()))?;
        Ok(())
    })
    .unwrap();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.code(), Code::EINVAL);
    assert!(log.is_empty());
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["next"]);
}
