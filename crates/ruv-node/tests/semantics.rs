//! Node's timer, immediate and queue semantics, each test named after the guarantee.

use ruv_core::{Code, Loop, RunMode};
use ruv_node as node;

type Log = Vec<String>;

fn run(f: impl FnOnce(&mut Loop<Log>, &mut Log) -> ruv_core::Result<()>) -> Log {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let mut log = Vec::new();
    node::enter(&mut lp, &mut log, f).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    log
}

fn push(l: &mut Log, s: &str) {
    l.push(s.to_string());
}

#[test]
fn ticks_drain_before_microtasks_and_repeat_until_both_empty() {
    let log = run(|lp, _| {
        node::queue_microtask(lp, |lp, l| {
            push(l, "m1");
            node::next_tick(lp, |_, l| push(l, "t-from-m")).unwrap();
        })?;
        node::next_tick(lp, |lp, l| {
            push(l, "t1");
            node::queue_microtask(lp, |_, l| push(l, "m-from-t")).unwrap();
        })?;
        Ok(())
    });
    assert_eq!(log, ["t1", "m1", "m-from-t", "t-from-m"]);
}

#[test]
fn zero_and_negative_like_delays_clamp_to_one_ms_and_keep_creation_order() {
    let log = run(|lp, _| {
        node::set_timeout(lp, 1, |_, l| push(l, "1ms"))?;
        node::set_timeout(lp, 0, |_, l| push(l, "0ms"))?;
        Ok(())
    });
    // 0 becomes 1: the same deadline, so creation order decides
    assert_eq!(log, ["1ms", "0ms"]);
}

#[test]
fn overflowing_delay_becomes_one_ms_like_node() {
    let log = run(|lp, _| {
        node::set_timeout(lp, node::TIMEOUT_MAX + 1, |_, l| push(l, "overflow"))?;
        node::set_timeout(lp, 2, |_, l| push(l, "2ms"))?;
        Ok(())
    });
    assert_eq!(log, ["overflow", "2ms"]);
}

#[test]
fn clear_timeout_after_fire_or_twice_is_a_no_op() {
    let log = run(|lp, _| {
        let t = node::set_timeout(lp, 1, |_, l| push(l, "fired"))?;
        node::set_timeout(lp, 5, move |lp, l| {
            node::clear_timeout(lp, &t);
            node::clear_timeout(lp, &t);
            push(l, "cleared after fire");
        })?;
        Ok(())
    });
    assert_eq!(log, ["fired", "cleared after fire"]);
}

#[test]
fn cleared_timeout_never_runs_and_does_not_hold_the_loop() {
    let log = run(|lp, _| {
        let t = node::set_timeout(lp, 60_000, |_, l| push(l, "never"))?;
        node::clear_timeout(lp, &t);
        Ok(())
    });
    assert!(log.is_empty());
}

#[test]
fn refresh_restarts_the_countdown_and_rearms_after_fire() {
    let log = run(|lp, _| {
        let t = node::set_timeout(lp, 30, |_, l| push(l, "late"))?;
        node::set_timeout(lp, 20, move |lp, l| {
            // restart 30 ms from now: "late" comes after "early" at 40
            t.refresh(lp).unwrap();
            push(l, "refreshed");
        })?;
        node::set_timeout(lp, 40, |_, l| push(l, "early"))?;
        let once = node::set_timeout(lp, 1, |_, l| push(l, "once"))?;
        node::set_timeout(lp, 2, move |lp, l| {
            // Node re-arms a fired timeout the program still holds: it runs again
            once.refresh(lp).unwrap();
            push(l, "refresh after fire re-arms");
        })?;
        let cleared = node::set_timeout(lp, 1, |_, l| push(l, "cleared: never"))?;
        node::clear_timeout(lp, &cleared);
        let err = cleared.refresh(lp).unwrap_err();
        assert_eq!(err.code(), Code::EBADF);
        Ok(())
    });
    assert_eq!(
        log,
        [
            "once",
            "refresh after fire re-arms",
            "once",
            "refreshed",
            "early",
            "late"
        ]
    );
}

#[test]
fn unref_timeout_does_not_keep_loop_alive_and_ref_restores_it() {
    let log = run(|lp, _| {
        let t = node::set_timeout(lp, 60_000, |_, l| push(l, "never"))?;
        t.unref(lp);
        assert!(!t.has_ref(lp));
        let u = node::set_timeout(lp, 3, |_, l| push(l, "ref'd again"))?;
        u.unref(lp);
        u.ref_(lp);
        assert!(u.has_ref(lp));
        Ok(())
    });
    assert_eq!(log, ["ref'd again"]);
}

#[test]
fn interval_repeats_until_cleared_in_its_own_callback() {
    let log = run(|lp, _| {
        let mut n = 0;
        node::set_interval(lp, 1, move |lp, l, me| {
            n += 1;
            l.push(format!("tick {n}"));
            if n == 4 {
                node::clear_interval(lp, me);
            }
        })?;
        Ok(())
    });
    assert_eq!(log, ["tick 1", "tick 2", "tick 3", "tick 4"]);
}

#[test]
fn immediates_run_snapshot_with_queues_drained_between_each() {
    let log = run(|lp, _| {
        node::set_immediate(lp, |lp, l| {
            push(l, "i1");
            node::next_tick(lp, |_, l| push(l, "tick after i1")).unwrap();
            node::queue_microtask(lp, |_, l| push(l, "micro after i1")).unwrap();
            node::set_immediate(lp, |_, l| push(l, "i3 next iteration")).unwrap();
        })?;
        node::set_immediate(lp, |_, l| push(l, "i2"))?;
        Ok(())
    });
    assert_eq!(
        log,
        [
            "i1",
            "tick after i1",
            "micro after i1",
            "i2",
            "i3 next iteration"
        ]
    );
}

#[test]
fn clear_immediate_cancels_a_queued_sibling_and_is_idempotent() {
    let log = run(|lp, _| {
        let b = node::set_immediate(lp, |_, l| push(l, "b must not run"))?;
        node::clear_immediate(lp, b);
        node::clear_immediate(lp, b);
        node::set_immediate(lp, |_, l| push(l, "a"))?;
        Ok(())
    });
    assert_eq!(log, ["a"]);
}

#[test]
fn unref_immediate_does_not_keep_loop_alive() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let mut log = Vec::new();
    node::enter(&mut lp, &mut log, |lp, _| {
        let im = node::set_immediate(lp, |_, l| push(l, "unref'd immediate"))?;
        im.unref(lp);
        assert!(!im.has_ref(lp));
        Ok(())
    })
    .unwrap();
    assert!(!lp.alive(), "only an unref'd immediate is queued");
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.is_empty());
}

#[test]
fn pending_immediate_keeps_poll_from_blocking() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let mut log = Vec::new();
    node::enter(&mut lp, &mut log, |lp, _| {
        node::set_timeout(lp, 60_000, |_, _| {})?.unref(lp);
        node::set_immediate(lp, |_, l| push(l, "imm"))?;
        Ok(())
    })
    .unwrap();
    assert_eq!(lp.backend_timeout(), Some(0));
    // one ONCE iteration runs the immediate without waiting for the (unref'd) timer
    lp.run(RunMode::Once, &mut log).unwrap();
    assert_eq!(log, ["imm"]);
}

#[test]
fn from_io_like_pool_callback_immediate_beats_zero_timeout() {
    let log = run(|lp, _| {
        lp.queue_work(
            ruv_core::WorkClass::FastIo,
            || (),
            |lp, l, _| {
                node::set_timeout(lp, 0, |_, l| push(l, "timeout")).unwrap();
                node::set_immediate(lp, |_, l| push(l, "immediate")).unwrap();
                push(l, "pool callback");
            },
        )?;
        Ok(())
    });
    assert_eq!(log, ["pool callback", "immediate", "timeout"]);
}

#[test]
fn a_cleared_immediate_never_runs_and_later_ones_keep_queue_order() {
    let log = run(|lp, _| {
        node::set_immediate(lp, |_, l| push(l, "a"))?;
        let b = node::set_immediate(lp, |_, l| push(l, "b (cleared)"))?;
        node::set_immediate(lp, |_, l| push(l, "c"))?;
        node::clear_immediate(lp, b);
        assert!(!b.has_ref(lp));
        b.ref_(lp); // a no-op on a cleared immediate
        assert!(!b.has_ref(lp));
        node::set_immediate(lp, move |lp, l| {
            push(l, "d");
            node::clear_immediate(lp, b);
            node::set_immediate(lp, |_, l| push(l, "e (next iteration)")).unwrap();
        })?;
        Ok(())
    });
    assert_eq!(log, ["a", "c", "d", "e (next iteration)"]);
}
