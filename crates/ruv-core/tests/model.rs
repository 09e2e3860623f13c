//! The one handle model: the error path, close tokens, the manual clock, stale ids, the
//! registry's ids and the callback sites it records, and the hostile-input defects of
//! issue #8 (signal numbers, timers whose callback panicked).
#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic

use ruv_core::registry::{Callback, Handle};
use ruv_core::{Check, Clock, Code, Error, Loop, ManualClock, RunMode, Signal, Timer};
use std::panic::{self, AssertUnwindSafe};

#[test]
fn an_error_returned_by_a_callback_ends_run_and_the_loop_stays_usable() {
    let mut lp: Loop<Vec<&str>> = Loop::new().unwrap();
    let bad = Timer::new(&mut lp).unwrap();
    bad.start(&mut lp, 0, 0, |_, log, _| {
        log.push("bad");
        Err(Error::op(Code::EINVAL, "parse"))
    })
    .unwrap();
    let later = Timer::new(&mut lp).unwrap();
    later
        .start(&mut lp, 5, 0, |_, log, _| log.push("later"))
        .unwrap();
    let mut log = Vec::new();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.to_string(), "EINVAL: invalid argument, parse");
    assert_eq!(log, ["bad"], "nothing runs after the uncaught error");
    // the loop goes on where it stopped
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, ["bad", "later"]);
}

#[test]
fn an_installed_error_handler_keeps_the_loop_going() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    lp.set_error_handler(Some(Box::new(|_, log: &mut Vec<String>, e| {
        log.push(format!("caught {e}"));
        Ok(())
    })));
    // an idle handle: it runs every iteration and keeps poll from blocking
    let c = ruv_core::Idle::new(&mut lp).unwrap();
    let mut n = 0;
    c.start(&mut lp, move |lp, log: &mut Vec<String>, me| {
        n += 1;
        log.push(format!("check {n}"));
        if n == 2 {
            me.close(lp)?;
            return Err(Error::new(Code::EIO));
        }
        Ok(())
    })
    .unwrap();
    let t = Timer::new(&mut lp).unwrap();
    t.start(&mut lp, 0, 0, |_, _, _| {}).unwrap();
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, ["check 1", "check 2", "caught EIO: i/o error"]);
}

#[test]
fn a_failing_error_handler_hands_its_own_error_to_run() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    lp.set_error_handler(Some(Box::new(|_, _, e| {
        Err(Error::new(Code::EPIPE).with_detail(format!("handler saw {}", e.code())))
    })));
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |_, _, _| Err(Error::new(Code::EIO)))
        .unwrap();
    let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(err.to_string(), "EPIPE: handler saw EIO");
}

#[test]
fn callbacks_can_use_question_mark_on_io_errors() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |_, _, _| {
            std::fs::File::open("/nope/not/here")?;
            Ok(())
        })
        .unwrap();
    let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(err.code(), Code::ENOENT);
}

#[test]
fn close_callback_is_optional_and_runs_once_after_the_handle_is_freed() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let a = Check::new(&mut lp).unwrap();
    let b = Check::new(&mut lp).unwrap();
    a.close(&mut lp).unwrap();
    b.close(&mut lp)
        .unwrap()
        .then(move |lp, log: &mut Vec<String>| {
            log.push(format!("b closed, stale: {}", b.is_active(lp).is_err()));
        });
    assert_eq!(a.close(&mut lp).unwrap_err().code(), Code::EINVAL);
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, ["b closed, stale: true"]);
    assert_eq!(a.close(&mut lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn idempotent_operations_on_stale_ids_are_no_ops_and_start_is_ebadf() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let t = Timer::new(&mut lp).unwrap();
    t.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    t.stop(&mut lp);
    t.set_ref(&mut lp, false);
    t.set_ref(&mut lp, true);
    assert_eq!(
        t.start(&mut lp, 0, 0, |_, _, _| {}).unwrap_err().code(),
        Code::EBADF
    );
    assert!(!lp.alive());
}

#[test]
fn a_manual_clock_jumps_to_the_next_timer_instead_of_sleeping() {
    let clock = ManualClock::new();
    let mut lp: Loop<Vec<(u64, &str)>> = Loop::with_clock(Clock::Manual(clock.clone())).unwrap();
    let day = 24 * 3600 * 1000;
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, day, 0, |lp, log, _| log.push((lp.now(), "a day")))
        .unwrap();
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 10, 0, move |lp, log, _| {
            log.push((lp.now(), "10 ms"));
        })
        .unwrap();
    let started = std::time::Instant::now();
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, [(10, "10 ms"), (day, "a day")]);
    assert_eq!(clock.now_ms(), day);
    // a day of loop time, in far less than a day (no sleep happened)
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn time_advanced_inside_a_callback_is_seen_after_update_time() {
    let clock = ManualClock::new();
    let mut lp: Loop<Vec<u64>> = Loop::with_clock(Clock::Manual(clock.clone())).unwrap();
    let c2 = clock.clone();
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 1, 0, move |lp, log, _| {
            let before = lp.now();
            c2.advance(20); // a callback that "busy-waits" 20 ms
            log.push(lp.now() - before); // cached for the callback, as libuv's
            lp.update_time();
            log.push(lp.now() - before);
        })
        .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [0, 20]);
}

#[test]
fn signal_numbers_outside_1_to_64_are_einval_not_an_abort() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let sig = Signal::new(&mut lp).unwrap();
    for bad in [-1, 0, 65, 128, 9999, i32::MIN, i32::MAX] {
        let err = sig.start(&mut lp, bad, |_, _, _, _| {}).unwrap_err();
        assert_eq!(err.code(), Code::EINVAL, "{bad}");
        assert!(err.to_string().contains("is not a signal number"), "{err}");
    }
    sig.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
}

#[test]
fn a_timer_whose_callback_panicked_cannot_be_restarted_without_a_new_callback() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let t = Timer::new(&mut lp).unwrap();
    t.start(&mut lp, 0, 0, |_, _, _| -> () { panic!("boom") })
        .unwrap();
    let res = panic::catch_unwind(AssertUnwindSafe(|| lp.run(RunMode::Default, &mut ())));
    assert!(res.is_err());
    assert_eq!(t.restart(&mut lp, 0, 0).unwrap_err().code(), Code::EINVAL);
    assert_eq!(t.again(&mut lp).unwrap_err().code(), Code::EINVAL);
    // with nothing armed the loop is not alive: it does not spin
    assert!(!lp.alive());
    // a new callback makes it usable again
    t.start(&mut lp, 0, 0, |_, _, _| {}).unwrap();
    assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
}

#[test]
fn dispatch_records_the_kind_and_the_program_line_that_registered_the_callback() {
    let mut lp: Loop<Vec<(String, u32)>> = Loop::new().unwrap();
    let t = Timer::new(&mut lp).unwrap();
    let cb = |lp: &mut Loop<Vec<(String, u32)>>, log: &mut Vec<(String, u32)>, _| {
        let info = lp.current_callback().expect("inside a callback");
        log.push((info.kind.to_string(), info.site.line()));
    };
    let line = line!() + 1;
    t.start(&mut lp, 0, 0, cb).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [("timer".to_string(), line)]);
    assert_eq!(file!(), "crates/ruv-core/tests/model.rs");
}

type PokeFn = Box<dyn FnMut(&mut Loop<Vec<String>>, &mut Vec<String>) -> ruv_core::Result<()>>;

/// A handle type of "another crate", following the recipe in docs/architecture.md.
struct Thing {
    on_poke: Option<Callback<PokeFn>>,
}

#[test]
fn a_crate_handle_type_gets_liveness_dispatch_and_two_phase_close_from_core() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let id = lp.handles::<Thing>().insert(Handle::new(Thing {
        on_poke: Some(Callback::new(Box::new(
            |lp: &mut Loop<Vec<String>>, log: &mut Vec<String>| {
                log.push(format!("poked ({})", lp.current_callback().unwrap().kind));
                Ok(())
            },
        ))),
    }));
    assert!(!lp.alive());
    lp.handle_set_active::<Thing>(id, true);
    assert!(lp.alive());
    lp.handle_set_ref::<Thing>(id, false);
    assert!(!lp.alive());
    lp.handle_set_ref::<Thing>(id, true);
    let mut log = Vec::new();
    lp.dispatch_handle::<Thing, _>(
        &mut log,
        id,
        "thing.poke",
        |t| &mut t.on_poke,
        |f, lp, s| f(lp, s),
    );
    lp.dispatch_handle::<Thing, _>(
        &mut log,
        id,
        "thing.poke",
        |t| &mut t.on_poke,
        |f, lp, s| f(lp, s),
    );
    assert_eq!(
        log,
        ["poked (thing.poke)", "poked (thing.poke)"],
        "the callback is put back"
    );
    lp.close_handle::<Thing>(id)
        .unwrap()
        .then(|_, log: &mut Vec<String>| log.push("closed".into()));
    assert_eq!(
        lp.close_handle::<Thing>(id).unwrap_err().code(),
        Code::EINVAL
    );
    // closing: no dispatch
    lp.dispatch_handle::<Thing, _>(
        &mut log,
        id,
        "thing.poke",
        |t| &mut t.on_poke,
        |f, lp, s| f(lp, s),
    );
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.last().map(String::as_str), Some("closed"));
    assert!(lp.handle::<Thing>(id).is_err(), "freed: the id is stale");
    assert_eq!(lp.handles::<Thing>().len(), 0);
    lp.handle_set_ref::<Thing>(id, false); // a no-op
    assert!(!lp.alive());
}

#[test]
fn close_handle_with_runs_the_owners_finish_before_the_close_callback() {
    fn finish(lp: &mut Loop<Vec<String>>, log: &mut Vec<String>, id: ruv_core::HandleId) {
        let thing = lp.handles::<Thing>().remove(id);
        log.push(format!("finish (slot freed: {})", thing.is_some()));
    }
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let id = lp
        .handles::<Thing>()
        .insert(Handle::new(Thing { on_poke: None }));
    lp.close_handle_with::<Thing>(id, finish)
        .unwrap()
        .then(|_, log: &mut Vec<String>| log.push("close callback".into()));
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, ["finish (slot freed: true)", "close callback"]);
}

#[test]
fn an_uncaught_error_in_a_nested_callback_keeps_the_outer_handles_callback() {
    // ruv-node runs immediates inside its check handle's callback: an immediate's error must
    // not cost the check handle its callback.
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let inner = lp.handles::<Thing>().insert(Handle::new(Thing {
        on_poke: Some(Callback::new(Box::new(
            |_: &mut Loop<Vec<String>>, log: &mut Vec<String>| {
                log.push("inner fails".into());
                Err(Error::new(Code::EIO))
            },
        ))),
    }));
    let outer = ruv_core::Idle::new(&mut lp).unwrap();
    let mut n = 0;
    outer
        .start(&mut lp, move |lp, log: &mut Vec<String>, me| {
            n += 1;
            log.push(format!("outer {n}"));
            if n == 1 {
                lp.dispatch_handle::<Thing, _>(
                    log,
                    inner,
                    "thing.poke",
                    |t| &mut t.on_poke,
                    |f, lp, s| f(lp, s),
                );
            } else {
                me.stop(lp);
            }
        })
        .unwrap();
    let mut log = Vec::new();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.code(), Code::EIO);
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log, ["outer 1", "inner fails", "outer 2"]);
}
