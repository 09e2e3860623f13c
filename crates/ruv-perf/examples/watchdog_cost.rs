//! The watchdog's cost, one process per measurement: runs one of the loop benches
//! (`loop_count`, `check_callback`, `node_chain`, `node_batch`) for `--iters` iterations,
//! unwatched (`--watch off`) or with a watchdog sampling the loop (`--watch on`), and prints
//! the wall time per iteration. `benches/watchdog_cost.sh` runs it under callgrind
//! (instructions per iteration, repeatable on a busy machine) and in interleaved timed rounds.
//!
//! ```text
//! cargo run --release -p ruv-perf --example watchdog_cost -- --bench node_chain --watch on
//! ```

use ruv_core::{Check, Idle, Loop, RunMode};
use ruv_perf::{watchdog, Watchdog, WatchdogOptions};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: watchdog_cost [--bench NAME] [--watch on|off] [--iters N]

  --bench NAME   loop_count | check_callback | node_chain | node_batch (default: loop_count)
  --watch MODE   on: a watchdog (100 ms threshold) samples the loop; off: none (default: off)
  --iters N      iterations (default: 1000000)
  --help         this text

Prints `BENCH WATCH ns_per_iter` on stdout.";

struct Args {
    bench: String,
    watch: bool,
    iters: u64,
}

fn parse() -> Result<Option<Args>, String> {
    let mut a = Args {
        bench: "loop_count".into(),
        watch: false,
        iters: 1_000_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--bench" => a.bench = value()?,
            "--watch" => {
                a.watch = match value()?.as_str() {
                    "on" => true,
                    "off" => false,
                    v => return Err(format!("--watch takes on or off, not {v:?}")),
                }
            }
            "--iters" => {
                let v = value()?;
                a.iters = match v.parse() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("--iters takes a positive integer, not {v:?}")),
                }
            }
            _ => return Err(format!("unknown flag {flag:?} (see --help)")),
        }
    }
    Ok(Some(a))
}

/// A watchdog on `lp` when `on` (threshold 100 ms: it samples every 25 ms and never fires).
fn maybe_watch<S>(lp: &mut Loop<S>, on: bool) -> ruv_core::Result<Option<Watchdog>> {
    if !on {
        return Ok(None);
    }
    let opts = WatchdogOptions::new(Duration::from_millis(100));
    watchdog(lp, opts, |r| eprintln!("{r}")).map(Some)
}

fn loop_count(iters: u64, on: bool) -> ruv_core::Result<Duration> {
    let mut lp: Loop<u64> = Loop::new()?;
    let _dog = maybe_watch(&mut lp, on)?;
    Idle::new(&mut lp)?.start(&mut lp, move |lp, n, me| {
        *n += 1;
        if *n == iters {
            me.stop(lp);
        }
    })?;
    let mut n = 0;
    let t0 = Instant::now();
    lp.run(RunMode::Default, &mut n)?;
    Ok(t0.elapsed())
}

fn check_callback(iters: u64, on: bool) -> ruv_core::Result<Duration> {
    let mut lp: Loop<u64> = Loop::new()?;
    let _dog = maybe_watch(&mut lp, on)?;
    let idle = Idle::new(&mut lp)?;
    idle.start(&mut lp, |_, _, _| {})?;
    Check::new(&mut lp)?.start(&mut lp, move |lp, n, me| {
        *n += 1;
        if *n == iters {
            me.stop(lp);
            idle.stop(lp);
        }
    })?;
    let mut n = 0;
    let t0 = Instant::now();
    lp.run(RunMode::Default, &mut n)?;
    Ok(t0.elapsed())
}

fn node_chain(iters: u64, on: bool) -> ruv_core::Result<Duration> {
    fn step(lp: &mut Loop<(u64, u64)>, st: &mut (u64, u64)) {
        st.0 += 1;
        if st.0 < st.1 {
            if let Err(e) = ruv_node::set_immediate(lp, step) {
                eprintln!("watchdog_cost: {e}");
            }
        }
    }
    let mut lp: Loop<(u64, u64)> = Loop::new()?;
    let _dog = maybe_watch(&mut lp, on)?;
    let mut st = (0, iters);
    let t0 = Instant::now();
    ruv_node::enter(&mut lp, &mut st, |lp, _| {
        ruv_node::set_immediate(lp, step).map(drop)
    })?;
    lp.run(RunMode::Default, &mut st)?;
    Ok(t0.elapsed())
}

fn node_batch(iters: u64, on: bool) -> ruv_core::Result<Duration> {
    let mut lp: Loop<u64> = Loop::new()?;
    let _dog = maybe_watch(&mut lp, on)?;
    let mut n = 0;
    let t0 = Instant::now();
    ruv_node::enter(&mut lp, &mut n, |lp, _| {
        for _ in 0..iters {
            ruv_node::set_immediate(lp, |_, n| *n += 1)?;
        }
        Ok(())
    })?;
    lp.run(RunMode::Default, &mut n)?;
    Ok(t0.elapsed())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("watchdog_cost: {e}");
            return ExitCode::from(2);
        }
    };
    let run = match args.bench.as_str() {
        "loop_count" => loop_count,
        "check_callback" => check_callback,
        "node_chain" => node_chain,
        "node_batch" => node_batch,
        other => {
            eprintln!("watchdog_cost: unknown bench {other:?} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run(args.iters, args.watch) {
        Ok(t) => {
            let ns = t.as_nanos() as f64 / args.iters as f64;
            let watch = if args.watch { "on" } else { "off" };
            println!("{} {watch} {ns:.2}", args.bench);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("watchdog_cost: {e}");
            ExitCode::FAILURE
        }
    }
}
