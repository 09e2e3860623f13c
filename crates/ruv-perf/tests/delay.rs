//! The delay monitor behaves as Node's `monitorEventLoopDelay`: whole intervals between its
//! fires, in ns; enable/disable say whether they changed anything; reset forgets the values
//! and the last fire; it never keeps the loop alive; its histogram is readable (and
//! resettable) from other threads. Loops here run on a manual clock: time moves only when a
//! callback advances it (or jumps to the next timer), so the intervals are exact.

use ruv_core::{Clock, Code, Loop, ManualClock, RunMode, Timer};
use ruv_perf::{monitor_event_loop_delay, DelayOptions, DelayReader, Histogram};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const MS: u64 = 1_000_000;

fn manual() -> (ManualClock, Loop<()>) {
    let clock = ManualClock::new();
    let lp = Loop::with_clock(Clock::Manual(clock.clone())).unwrap();
    (clock, lp)
}

/// A referenced timer at `at` ms running `f` (the monitor's own timer does not keep the
/// loop alive).
fn at(lp: &mut Loop<()>, at: u64, f: impl FnMut(&mut Loop<()>, &mut (), Timer) + 'static) {
    Timer::new(lp).unwrap().start(lp, at, 0, f).unwrap();
}

/// Whether `v` is `ms` milliseconds to within HdrHistogram's 0.1%.
fn about(v: u64, ms: u64) -> bool {
    (v as f64 - (ms * MS) as f64).abs() <= (ms * MS) as f64 * 0.001
}

#[test]
fn a_free_loop_records_intervals_of_the_resolution_in_ns() {
    let (_clock, mut lp) = manual();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions { resolution: 10 }).unwrap();
    assert!(m.enable(&mut lp));
    at(&mut lp, 95, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    let h = m.snapshot();
    // fires at 10, 20 … 90: the first only notes the time, each later one its interval
    assert_eq!(h.count(), 8);
    assert!(about(h.min(), 10) && about(h.max(), 10), "{h:?}");
}

#[test]
fn a_blocked_callback_shows_as_the_whole_interval_not_the_interval_less_the_resolution() {
    let (clock, mut lp) = manual();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions { resolution: 10 }).unwrap();
    m.enable(&mut lp);
    let c = clock.clone();
    // the fire at 20 ms is the last before the block; the clock then stands at 320 ms
    at(&mut lp, 20, move |_, _, _| c.advance(300));
    at(&mut lp, 400, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    let h = m.snapshot();
    assert!(h.max() >= 300 * MS, "{h:?}");
    assert!(h.max() <= 311 * MS, "{h:?}"); // 20 → the first fire after 320
    assert_eq!(h.percentile(100.0).unwrap(), h.max());
    assert!(about(h.percentile(50.0).unwrap(), 10), "{h:?}");
}

#[test]
fn resolution_zero_or_beyond_max_safe_integer_is_err_out_of_range() {
    let (_clock, mut lp) = manual();
    for r in [0, 1 << 53] {
        let e = monitor_event_loop_delay(&mut lp, DelayOptions { resolution: r }).unwrap_err();
        assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
        assert_eq!(
            e.to_string(),
            format!(
                "ERR_OUT_OF_RANGE: The value of \"options.resolution\" is out of range. \
                 It must be >= 1 && <= 9007199254740991. Received {}",
                ruv_core::node_integer(r.into())
            )
        );
    }
    assert!(monitor_event_loop_delay(&mut lp, DelayOptions { resolution: 1 }).is_ok());
    assert_eq!(DelayOptions::default().resolution, 10);
}

#[test]
fn enable_and_disable_report_whether_they_changed_anything() {
    let (_clock, mut lp) = manual();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions::default()).unwrap();
    assert!(!m.is_enabled(&lp));
    assert!(!m.disable(&mut lp));
    assert!(m.enable(&mut lp));
    assert!(!m.enable(&mut lp));
    assert!(m.is_enabled(&lp));
    assert!(m.disable(&mut lp));
    assert!(!m.disable(&mut lp));
}

#[test]
fn a_disabled_monitor_records_nothing() {
    let (_clock, mut lp) = manual();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions::default()).unwrap();
    at(&mut lp, 200, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(m.snapshot().count(), 0);
    // and after disable, nothing more
    m.enable(&mut lp);
    at(&mut lp, 55, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    let n = m.snapshot().count();
    assert_eq!(n, 4); // 10 … 50 after the clock's 200
    m.disable(&mut lp);
    at(&mut lp, 100, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(m.snapshot().count(), n);
}

#[test]
fn the_monitor_does_not_keep_the_loop_alive() {
    let (clock, mut lp) = manual();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions::default()).unwrap();
    m.enable(&mut lp);
    assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
    assert_eq!(clock.now_ms(), 0);
}

#[test]
fn re_enabling_keeps_the_last_fire_as_node_20_does_unless_reset() {
    for reset in [false, true] {
        let (_clock, mut lp) = manual();
        let m = Arc::new(monitor_event_loop_delay(&mut lp, DelayOptions::default()).unwrap());
        m.enable(&mut lp);
        let m2 = m.clone();
        at(&mut lp, 35, move |lp, _, _| {
            m2.disable(lp);
        });
        let m3 = m.clone();
        at(&mut lp, 100, move |lp, _, _| {
            if reset {
                m3.reset();
            }
            m3.enable(lp);
        });
        at(&mut lp, 135, |_, _, _| {});
        lp.run(RunMode::Default, &mut ()).unwrap();
        let h = m.snapshot();
        if reset {
            // fires at 110 (notes the time), 120, 130
            assert_eq!(h.count(), 2, "{h:?}");
            assert!(about(h.max(), 10), "{h:?}");
        } else {
            // 10, 20, 30; then 110 records 110 - 30
            assert_eq!(h.count(), 5, "{h:?}");
            assert!(about(h.max(), 80), "{h:?}");
        }
    }
}

#[test]
fn reset_forgets_the_values_and_the_last_fire() {
    let (_clock, mut lp) = manual();
    let m = Arc::new(monitor_event_loop_delay(&mut lp, DelayOptions::default()).unwrap());
    m.enable(&mut lp);
    let m2 = m.clone();
    at(&mut lp, 45, move |_, _, _| {
        assert_eq!(m2.snapshot().count(), 3);
        m2.reset();
        assert_eq!(m2.snapshot().count(), 0);
    });
    at(&mut lp, 75, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    // 50 notes the time; 60, 70 record
    assert_eq!(m.snapshot().count(), 2);
}

fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}

#[test]
fn the_histogram_is_read_from_another_thread() {
    assert_send_sync_clone::<DelayReader>();
    assert_send_sync_clone::<Histogram>();
    let (_clock, mut lp) = manual();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions::default()).unwrap();
    m.enable(&mut lp);
    at(&mut lp, 55, |_, _, _| {});
    lp.run(RunMode::Default, &mut ()).unwrap();
    let reader = m.reader();
    let (count, p50) = std::thread::spawn(move || {
        (
            reader.snapshot().count(),
            reader.read(|h| h.percentile(50.0).unwrap()),
        )
    })
    .join()
    .unwrap();
    assert_eq!(count, 4);
    assert!(about(p50, 10));
}

#[test]
fn resetting_from_another_thread_while_the_loop_records_is_safe() {
    let mut lp: Loop<u64> = Loop::new().unwrap();
    let m = monitor_event_loop_delay(&mut lp, DelayOptions { resolution: 1 }).unwrap();
    m.enable(&mut lp);
    let reader = m.reader();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let resetter = std::thread::spawn(move || {
        // at least one reset however the threads are scheduled
        let mut resets = 0u64;
        loop {
            reader.reset();
            let h = reader.snapshot();
            assert!(h.count() <= 1_000);
            resets += 1;
            if d.load(Ordering::Relaxed) {
                return resets;
            }
        }
    });
    // 100 fires of a 1 ms timer, the loop recording all the while
    let t = Timer::new(&mut lp).unwrap();
    t.start(&mut lp, 1, 1, |lp, n, t| {
        *n += 1;
        if *n == 100 {
            t.stop(lp);
        }
    })
    .unwrap();
    let mut n = 0;
    lp.run(RunMode::Default, &mut n).unwrap();
    done.store(true, Ordering::Relaxed);
    assert!(resetter.join().unwrap() > 0);
    assert!(m.snapshot().count() <= 100);
}
