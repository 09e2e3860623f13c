//! The blocked-loop watchdog and the delay monitor (ruv-perf) on a loop whose timer blocks.
//!
//! ```sh
//! cargo run --example watchdog -- --threshold 50 --block 300
//! ```
//!
//! A timer blocks the loop for `--block` ms (a busy loop, labelled `"busy work"`); the
//! watchdog, started with `--threshold` ms, prints on stderr, while the timer still blocks:
//!
//! ```text
//! watchdog: loop blocked for 60.6 ms by timer (handle 1) registered at examples/watchdog.rs:74:21 (label "busy work")
//! watchdog: loop was blocked for 279.5 ms by timer (handle 1) registered at examples/watchdog.rs:74:21 (label "busy work")
//! ```
//!
//! and, once the loop has run, the worst offenders and the delay monitor's figures on stdout.

use ruv::core::{Loop, RunMode, Timer};
use ruv::perf::{monitor_event_loop_delay, watchdog, DelayOptions, WatchdogOptions};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: watchdog [--threshold MS] [--block MS]

Starts ruv-perf's blocked-loop watchdog and delay monitor, then runs a timer that blocks the
loop. The watchdog's reports go to stderr while the timer blocks (and once more when it
returns); the worst offenders and the loop delay histogram are printed on stdout at the end.

  --threshold MS   report a callback that runs longer than MS ms (default: 50)
  --block MS       how long the timer blocks the loop (default: 300)
  -h, --help       print this help
";

fn main() {
    let mut args = Args::from_env("watchdog", USAGE);
    let (mut threshold, mut block) = (50u64, 300u64);
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--threshold" => threshold = args.value(&f, "milliseconds"),
            Arg::Flag(f) if f == "--block" => block = args.value(&f, "milliseconds"),
            other => args.unexpected(other),
        }
    }
    let mut lp: Loop<()> = Loop::new().unwrap_or_else(|e| common::fail("watchdog", e));
    let opts = WatchdogOptions {
        report_end: true,
        ..WatchdogOptions::new(Duration::from_millis(threshold))
    };
    let dog = watchdog(&mut lp, opts, |report| eprintln!("watchdog: {report}"))
        .unwrap_or_else(|e| args.bad(e));
    if let Err(e) = run(&mut lp, block) {
        common::fail("watchdog", e);
    }
    for s in dog.summary() {
        println!(
            "worst: {} at {}: {} blocked, longest {:.1} ms, total {:.1} ms",
            s.kind,
            s.site,
            s.count,
            s.max.as_secs_f64() * 1e3,
            s.total.as_secs_f64() * 1e3
        );
    }
}

fn run(lp: &mut Loop<()>, block: u64) -> ruv::core::Result<()> {
    let delay = monitor_event_loop_delay(lp, DelayOptions::default())?;
    delay.enable(lp);
    let busy = Duration::from_millis(block);
    Timer::new(lp)?.start(lp, 20, 0, move |lp, _, _| {
        lp.set_label("busy work");
        let t0 = Instant::now();
        while t0.elapsed() < busy {
            std::hint::spin_loop();
        }
    })?;
    // a later timer, so that the monitor fires after the block too
    Timer::new(lp)?.start(lp, 40 + block, 0, |_, _, _| {})?;
    lp.run(RunMode::Default, &mut ())?;
    let h = delay.snapshot();
    let ms = |ns: u64| ns as f64 / 1e6;
    println!(
        "loop delay: {} intervals, min {:.1} ms, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        h.count(),
        ms(h.min()),
        ms(h.percentile(50.0)?),
        ms(h.percentile(99.0)?),
        ms(h.max())
    );
    Ok(())
}
