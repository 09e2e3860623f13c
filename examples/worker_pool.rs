//! A worker pool for CPU work (what Node programs take piscina for): M tasks, each a busy
//! loop of N steps, on a pool of worker threads, while the main loop keeps a 10 ms interval
//! running — and prints each result, the pool's metrics, and the interval's worst delay.
//!
//! ```sh
//! cargo run --release --example worker_pool -- --threads 4 --tasks 16 --work 50000000
//! cargo run --release --example worker_pool -- --tasks 8 --cancel 3
//! cargo run --release --example worker_pool -- --threads 1 --tasks 5 --max-queue 2
//! ```
//!
//! One line per task as it is answered (`task 3: 0x… on worker 1, ran 41.2 ms, answered
//! after 83.0 ms`), a summary, the pool's counters and wait/run times, and the interval's
//! worst delay (the main loop stays responsive: the work runs on the pool's threads), then
//! the pool is closed. A task that failed or was rejected (queue full) goes to stderr and the
//! exit status is 1; a bad flag exits with 2.

use ruv::core::{Loop, Result, RunMode, Timer};
use ruv::worker::{PoolMetrics, PoolOptions, TaskId, WorkerPool};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const NAME: &str = "worker_pool";
const INTERVAL_MS: u64 = 10;

fn usage(cpus: usize) -> String {
    format!(
        "\
usage: worker_pool [--threads N] [--tasks M] [--work STEPS] [--cancel K] [--max-queue Q]

Runs M CPU-bound tasks (a busy loop of STEPS steps each) on a pool of N worker threads,
printing each result as its callback runs on the main loop, then the pool's metrics and
the worst delay of a {INTERVAL_MS} ms interval timer that kept running on the main loop.

  --threads N      worker threads, at least 1 (default: CPUs, {cpus} here)
  --tasks M        tasks to run, at least 1 (default: 16)
  --work STEPS     busy-loop steps per task (default: 20000000)
  --cancel K       cancel the last K tasks while they are still queued (default: 0)
  --max-queue Q    reject a task when Q tasks already wait for a worker (default: no limit)
  -h, --help       print this help
"
    )
}

struct Config {
    threads: usize,
    tasks: u64,
    work: u64,
    cancel: u64,
    max_queue: Option<usize>,
}

/// The work: a loop the compiler cannot remove or shorten.
fn spin(steps: u64, seed: u64) -> u64 {
    let mut acc = seed;
    for i in 0..steps {
        acc = std::hint::black_box(acc.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
    }
    acc
}

/// What a task answers: its value, the worker that ran it, how long it ran there.
type Answer = (u64, usize, Duration);

/// The main loop's state.
struct App {
    started: Instant,
    /// Tasks whose callback has not run yet.
    pending: u64,
    ok: u64,
    failed: u64,
    cancelled: u64,
    ticker: Option<Timer>,
    last_tick: Instant,
    ticks: u64,
    worst_delay: Duration,
}

fn main() {
    let cpus = ruv::worker::pool::default_threads();
    let mut args = Args::from_env(NAME, usage(cpus));
    let mut cfg = Config {
        threads: cpus,
        tasks: 16,
        work: 20_000_000,
        cancel: 0,
        max_queue: None,
    };
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--threads" => cfg.threads = args.value(&f, "a number >= 1"),
            Arg::Flag(f) if f == "--tasks" => cfg.tasks = args.value(&f, "a number >= 1"),
            Arg::Flag(f) if f == "--work" => cfg.work = args.value(&f, "a number of steps"),
            Arg::Flag(f) if f == "--cancel" => cfg.cancel = args.value(&f, "a number of tasks"),
            Arg::Flag(f) if f == "--max-queue" => {
                cfg.max_queue = Some(args.value(&f, "a number of tasks"))
            }
            other => args.unexpected(other),
        }
    }
    if cfg.threads == 0 {
        args.bad("--threads must be at least 1, got 0");
    }
    if cfg.tasks == 0 {
        args.bad("--tasks must be at least 1, got 0");
    }
    match run(&cfg) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => common::fail(NAME, e),
    }
}

/// Runs the tasks; `Ok(false)` if one failed or was rejected.
fn run(cfg: &Config) -> Result<bool> {
    let mut lp: Loop<App> = Loop::new()?;
    let mut opts = PoolOptions::new().threads(cfg.threads).name_prefix("pool");
    if let Some(q) = cfg.max_queue {
        opts = opts.max_queue(q);
    }
    let pool: WorkerPool<(u64, u64), Answer> = WorkerPool::with_state(
        &mut lp,
        opts,
        // each worker's state: its index in the pool
        |_: &mut Loop<usize>, info| Ok(info.index),
        |_, index: &mut usize, (steps, seed): (u64, u64), reply| {
            let t = Instant::now();
            let v = spin(steps, seed);
            reply.send((v, *index, t.elapsed()));
        },
    )?;
    println!(
        "{NAME}: {}, {} tasks of {} steps",
        plural(cfg.threads, "thread"),
        cfg.tasks,
        cfg.work
    );
    let now = Instant::now();
    let mut app = App {
        started: now,
        pending: 0,
        ok: 0,
        failed: 0,
        cancelled: 0,
        ticker: None,
        last_tick: now,
        ticks: 0,
        worst_delay: Duration::ZERO,
    };
    let mut rejected = 0u64;
    let mut ids: Vec<TaskId> = Vec::new();
    for i in 0..cfg.tasks {
        match pool.run(&mut lp, (cfg.work, i), move |lp, app: &mut App, res| {
            answered(lp, app, i, res)
        }) {
            Ok(id) => {
                ids.push(id);
                app.pending += 1;
            }
            Err(e) => {
                eprintln!("{NAME}: task {i} rejected: {e}");
                rejected += 1;
            }
        }
    }
    // the last tasks are still queued: the workers start taking tasks once the loop runs
    for id in ids
        .iter()
        .rev()
        .take(usize::try_from(cfg.cancel).unwrap_or(usize::MAX))
    {
        pool.cancel(&mut lp, *id)?;
    }
    if app.pending > 0 {
        let t = Timer::new(&mut lp)?;
        t.start(&mut lp, INTERVAL_MS, INTERVAL_MS, tick)?;
        app.ticker = Some(t);
    }
    lp.run(RunMode::Default, &mut app)?;
    let elapsed = app.started.elapsed();
    println!(
        "done: {} tasks in {:.1} ms ({} ok, {} failed, {} cancelled, {rejected} rejected)",
        cfg.tasks,
        ms(elapsed),
        app.ok,
        app.failed,
        app.cancelled
    );
    print_metrics(&pool.metrics(&lp)?);
    println!(
        "main loop: a {INTERVAL_MS} ms interval fired {} times, worst delay {:.1} ms",
        app.ticks,
        ms(app.worst_delay)
    );
    pool.close(&mut lp, |_, _: &mut App, res| match res {
        Ok(()) => println!("pool closed"),
        Err(e) => eprintln!("{NAME}: closing the pool: {e}"),
    })?;
    lp.run(RunMode::Default, &mut app)?;
    Ok(app.failed == 0 && rejected == 0)
}

fn answered(lp: &mut Loop<App>, app: &mut App, i: u64, res: Result<Answer>) -> Result<()> {
    let after = ms(app.started.elapsed());
    match res {
        Ok((v, worker, ran)) => {
            app.ok += 1;
            println!(
                "task {i}: {v:#018x} on worker {worker}, ran {:.1} ms, answered after {after:.1} ms",
                ms(ran)
            );
        }
        Err(e) if e.code() == ruv::core::Code::ECANCELED => {
            app.cancelled += 1;
            println!("task {i}: cancelled ({e})");
        }
        Err(e) => {
            app.failed += 1;
            eprintln!("{NAME}: task {i} failed: {e}");
        }
    }
    app.pending -= 1;
    if app.pending == 0 {
        // the pool is idle now and does not keep the loop alive: stop the interval and
        // the loop ends
        if let Some(t) = app.ticker.take() {
            t.close(lp)?;
        }
    }
    Ok(())
}

/// The interval: how late did it fire?
fn tick(_: &mut Loop<App>, app: &mut App, _: Timer) {
    let now = Instant::now();
    let late = now
        .duration_since(app.last_tick)
        .saturating_sub(Duration::from_millis(INTERVAL_MS));
    app.worst_delay = app.worst_delay.max(late);
    app.last_tick = now;
    app.ticks += 1;
}

fn print_metrics(m: &PoolMetrics) {
    println!(
        "pool: {}, queued {}, running {}, submitted {}, completed {}, failed {}, \
         cancelled {}, rejected {}, workers replaced {}",
        plural(m.threads, "thread"),
        m.queued,
        m.running,
        m.submitted,
        m.completed,
        m.failed,
        m.cancelled,
        m.rejected,
        m.workers_replaced
    );
    let q = |p: f64| m.wait_quantile(p).map_or(0.0, ms);
    println!(
        "wait for a worker: mean {:.3} ms, max {:.3} ms, p50 <= {:.3} ms, p99 <= {:.3} ms",
        ms(m.wait_mean),
        ms(m.wait_max),
        q(0.5),
        q(0.99)
    );
    println!(
        "run on a worker: mean {:.3} ms, max {:.3} ms",
        ms(m.run_mean),
        ms(m.run_max)
    );
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
