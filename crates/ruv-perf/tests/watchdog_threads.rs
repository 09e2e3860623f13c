//! A watchdog's thread ends with it: dropping the watchdog joins the thread, and dropping the
//! loop ends the thread by itself. (Counts the process's threads: its own test binary, one
//! test.)

use ruv_core::{Loop, RunMode, Timer};
use ruv_perf::{watchdog, WatchdogOptions};
use ruv_testkit::{wait_until, LIMIT};
use std::time::Duration;

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

#[test]
fn the_watchdog_thread_ends_on_drop_and_when_the_loop_is_dropped() {
    if threads() == 0 {
        eprintln!("SKIP: /proc/self/task is not readable here");
        return;
    }
    let before = threads();

    // dropped watchdog: joined at once, even with a long sampling period
    let mut lp: Loop<()> = Loop::new().unwrap();
    let w = watchdog(
        &mut lp,
        WatchdogOptions::new(Duration::from_secs(3600)),
        |_| {},
    )
    .unwrap();
    assert!(w.is_running());
    assert_eq!(threads(), before + 1);
    drop(w);
    assert_eq!(threads(), before);
    // the loop runs on, no longer watched
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |_, _, _| {})
        .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();

    // dropped loop: the thread notices at its next sample and ends
    let w = watchdog(
        &mut lp,
        WatchdogOptions::new(Duration::from_millis(4)),
        |_| {},
    )
    .unwrap();
    assert_eq!(threads(), before + 1);
    drop(lp);
    assert!(
        wait_until(LIMIT, || !w.is_running()),
        "the thread outlived the loop"
    );
    drop(w);
    assert_eq!(threads(), before);
}
