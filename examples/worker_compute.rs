//! The talk's closing example: a 10 ms interval keeps ticking on the main loop while 4 s of
//! CPU work runs — first on the main loop itself (the interval starves), then in a worker
//! thread with a loop of its own (the interval stays on time).
//!
//! ```sh
//! cargo run --release --example worker_compute
//! cargo run --release --example worker_compute -- --ms 1000 --interval 5 --mode worker
//! ```
//!
//! The work is a fixed number of rounds of a multiply-add chain behind
//! [`std::hint::black_box`] (the compiler cannot fold it away), sized at start so that it
//! takes about `--ms` on this machine. The same rounds run in each mode, so each run prints the
//! same result. For each run the example prints how many times the interval fired and its
//! worst delay: the longest time between two ticks, the first measured from when the interval
//! was started. On the main loop that is about the whole computation (no tick can run until
//! the work returns); with a worker ([`ruv::worker::Worker`]) it stays near the interval.
//!
//! Output (numbers vary; the result does not change between the two runs of one invocation):
//!
//! ```text
//! work: 2114 rounds of 65536 steps (about 4000 ms here)
//! main loop: result 5d1c0e6f4c1b9a77 after 4002 ms; interval 10 ms: 1 ticks, worst delay 4003.1 ms
//! worker: result 5d1c0e6f4c1b9a77 after 3998 ms; interval 10 ms: 400 ticks, worst delay 10.9 ms
//! same result: yes; worst delay 4003.1 ms on the main loop, 10.9 ms with a worker
//! ```

use ruv::core::{Loop, RunMode, Timer};
use ruv::worker::{Worker, WorkerEvent, WorkerOptions};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const NAME: &str = "worker_compute";

const USAGE: &str = "\
usage: worker_compute [--ms N] [--interval N] [--mode both|main|worker]

Keeps a repeating interval timer on the main loop while a CPU-bound computation of about N ms
runs, on the main loop (the interval starves) and in a worker thread (it keeps ticking), and
prints for each the computation's result, how often the interval fired, and its worst delay
(the longest time between two ticks).

  --ms N         how long the computation takes, in ms, 1 or more (default: 4000)
  --interval N   the interval's period, in ms, 1 or more (default: 10)
  --mode MODE    both, main or worker: where the computation runs (default: both)
  -h, --help     print this help
";

/// Steps per round of the computation.
const STEPS: u64 = 1 << 16;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Both,
    Main,
    Worker,
}

fn main() {
    let mut args = Args::from_env(NAME, USAGE);
    let mut ms = 4000u64;
    let mut interval = 10u64;
    let mut mode = Mode::Both;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--ms" => ms = args.value(&f, "a number of ms, 1 or more"),
            Arg::Flag(f) if f == "--interval" => {
                interval = args.value(&f, "a number of ms, 1 or more")
            }
            Arg::Flag(f) if f == "--mode" => {
                mode = match args.value_str(&f).as_str() {
                    "both" => Mode::Both,
                    "main" => Mode::Main,
                    "worker" => Mode::Worker,
                    other => args.bad(format!(
                        "--mode must be both, main or worker, got '{other}'"
                    )),
                }
            }
            other => args.unexpected(other),
        }
    }
    if ms == 0 {
        args.bad("--ms must be a number of ms, 1 or more, got \"0\"");
    }
    if interval == 0 {
        args.bad("--interval must be a number of ms, 1 or more, got \"0\"");
    }
    if let Err(e) = run(ms, interval, mode) {
        common::fail(NAME, e);
    }
}

fn run(ms: u64, interval: u64, mode: Mode) -> ruv::core::Result<()> {
    let rounds = calibrate(ms);
    println!("work: {rounds} rounds of {STEPS} steps (about {ms} ms here)");
    let main = if mode != Mode::Worker {
        Some(report(
            "main loop",
            measure(rounds, interval, false)?,
            interval,
        ))
    } else {
        None
    };
    let worker = if mode != Mode::Main {
        Some(report("worker", measure(rounds, interval, true)?, interval))
    } else {
        None
    };
    if let (Some(m), Some(w)) = (main, worker) {
        if m.result != w.result {
            return Err(
                ruv::core::Error::new(ruv::core::Code::EINVAL).with_detail(format!(
                    "the two runs disagree: {:016x} on the main loop, {:016x} in the worker",
                    m.result, w.result
                )),
            );
        }
        println!(
            "same result: yes; worst delay {:.1} ms on the main loop, {:.1} ms with a worker",
            ms_f(m.worst),
            ms_f(w.worst)
        );
    }
    Ok(())
}

/// The computation: `rounds` rounds of a multiply-add chain the compiler cannot remove.
fn compute(rounds: u64) -> u64 {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..rounds * STEPS {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
    }
    x
}

/// How many rounds take about `ms` here: rounds are timed until 50 ms (or `ms`, if less)
/// have passed, and scaled.
fn calibrate(ms: u64) -> u64 {
    let budget = Duration::from_millis(ms.min(50));
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < budget {
        std::hint::black_box(compute(1));
        done += 1;
    }
    let per_ms = done as f64 / start.elapsed().as_secs_f64() / 1000.0;
    ((per_ms * ms as f64).round() as u64).max(1)
}

/// One run's figures.
struct Outcome {
    result: u64,
    took: Duration,
    ticks: u64,
    worst: Duration,
}

/// The main loop's state during one run.
struct Run {
    /// When the interval last fired (or was started).
    last: Instant,
    ticks: u64,
    worst: Duration,
    /// The computation's result and how long it took, once it is done.
    done: Option<(u64, Duration)>,
}

/// Runs the computation once, on the main loop or in a worker, with the interval ticking;
/// the interval stops at its first tick after the result is in.
fn measure(rounds: u64, interval: u64, in_worker: bool) -> ruv::core::Result<Outcome> {
    let mut lp: Loop<Run> = Loop::new()?;
    if in_worker {
        Worker::spawn(
            &mut lp,
            WorkerOptions::new().name("compute").worker_data(rounds),
            // on the worker's thread, on its own loop: compute, post the result, end
            |_wlp: &mut Loop<()>, ctx| {
                let start = Instant::now();
                let result = compute(ctx.worker_data);
                // `false` only if the parent is gone: nobody is left to tell
                ctx.parent_port.post_message((result, start.elapsed()));
                Ok(())
            },
            |_lp, run: &mut Run, _w, ev| match ev {
                WorkerEvent::Message(r) => {
                    run.done = Some(r);
                    Ok(())
                }
                WorkerEvent::Error(e) => Err(e),
                WorkerEvent::Exit(0) | WorkerEvent::Online => Ok(()),
                WorkerEvent::Exit(code) => Err(ruv::core::Error::new(ruv::core::Code::EINVAL)
                    .with_detail(format!("the worker exited with code {code}"))),
                WorkerEvent::Stuck => Ok(()),
            },
        )?;
    } else {
        // on the main loop: a 0 ms timer runs the whole computation in its callback
        let work = Timer::new(&mut lp)?;
        work.start(&mut lp, 0, 0, move |lp, run: &mut Run, t| {
            let start = Instant::now();
            let result = compute(rounds);
            run.done = Some((result, start.elapsed()));
            t.close(lp).map(drop)
        })?;
    }
    lp.update_time();
    let tick = Timer::new(&mut lp)?;
    tick.start(&mut lp, interval, interval, |lp, run: &mut Run, t| {
        let now = Instant::now();
        run.worst = run.worst.max(now - run.last);
        run.last = now;
        run.ticks += 1;
        if run.done.is_some() {
            t.close(lp)?;
        }
        Ok::<(), ruv::core::Error>(())
    })?;
    let mut run = Run {
        last: Instant::now(),
        ticks: 0,
        worst: Duration::ZERO,
        done: None,
    };
    lp.run(RunMode::Default, &mut run)?;
    let Some((result, took)) = run.done else {
        return Err(ruv::core::Error::new(ruv::core::Code::EINVAL)
            .with_detail("the computation ended without a result"));
    };
    Ok(Outcome {
        result,
        took,
        ticks: run.ticks,
        worst: run.worst,
    })
}

/// Prints one run's line and hands its figures on.
fn report(label: &str, o: Outcome, interval: u64) -> Outcome {
    println!(
        "{label}: result {:016x} after {} ms; interval {interval} ms: {} ticks, worst delay {:.1} ms",
        o.result,
        o.took.as_millis(),
        o.ticks,
        ms_f(o.worst)
    );
    o
}

fn ms_f(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
