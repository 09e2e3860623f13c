//! The pool experiment: N `pbkdf2('secret', 'salt', 100000, 512, 'sha512')` calls queued at
//! once on the worker pool, each printing its completion time in ms since start — ruv's
//! version of Node's `tests/data/pbkdf2.js`.
//!
//! ```text
//! UV_THREADPOOL_SIZE=4 cargo run --release --example pbkdf2 -- 5
//! cargo run --release --example pbkdf2 -- 5 --json
//! cargo run --release --example pbkdf2 -- 5 --timeline pbkdf2.svg
//! cargo run --release --example pbkdf2 -- 5 --lanes
//! ```
//!
//! Lines `Hash:  <ms>` come in completion order, exactly as Node prints them; a footer (lines
//! starting with `#`) names the pool size and core count, the kernel and its cost, and reads
//! the pattern (see [`pattern`]). With `--json`, one JSON object per task replaces both.
//!
//! By default each hash derives the key's 8 output blocks one after the other, as OpenSSL
//! does: the same work per hash as Node. `--lanes` uses ruv-crypto's fastest path (the 8
//! blocks side by side in AVX-512 lanes, where the CPU has them), several times faster; the
//! footer gives the measured factor either way. `--serial`, once the way to ask for Node's
//! work, is still accepted and changes nothing. `--timeline FILE.svg` also draws a Gantt
//! chart: one row per task, waiting and running in two colours, on a white background.

use ruv::core::{Loop, RunMode, WorkClass};
use ruv::crypto::Pbkdf2Params;
use std::fmt::Write as _;
use std::time::Instant;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: pbkdf2 [N] [--lanes] [--json] [--timeline FILE.svg]

Queues N pbkdf2('secret', 'salt', 100000, 512, 'sha512') calls at once on the worker pool
(UV_THREADPOOL_SIZE threads, default 4) and prints `Hash:  <ms>` as each completes, then a
footer (lines starting with #) that says whether the pool's pattern held.

  N                   hashes to queue, 1..=4096 (default: 5)
  --lanes             derive the key's 8 blocks side by side in SIMD lanes (AVX-512), several
                      times faster than Node (default: off: one block after another, as
                      OpenSSL, Node's work per hash)
  --serial            the default kernel; accepted for old scripts, changes nothing
  --json              one JSON object per task instead of the lines and footer (default: off)
  --timeline FILE.svg also write a Gantt chart of the run to FILE.svg (default: none)
  -h, --help          print this help
";

/// One task's life, in ms since the start.
#[derive(Clone, Copy, Debug)]
struct Task {
    index: usize,
    queued_ms: f64,
    start_ms: f64,
    end_ms: f64,
    /// CPU time the hash took on its worker thread.
    cpu_ms: f64,
    worker: usize,
}

struct Options {
    n: usize,
    json: bool,
    timeline: Option<std::path::PathBuf>,
    /// ruv-crypto's lane-parallel kernel instead of OpenSSL's one block at a time.
    lanes: bool,
}

fn parse_args() -> Options {
    let mut args = Args::from_env("pbkdf2", USAGE);
    let mut opts = Options {
        n: 5,
        json: false,
        timeline: None,
        lanes: false,
    };
    let count = |args: &Args, n: &str| -> usize {
        n.parse()
            .ok()
            .filter(|n| (1..=4096).contains(n))
            .unwrap_or_else(|| args.bad(format!("N must be a number in 1..=4096, got {n:?}")))
    };
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--json" => opts.json = true,
            Arg::Flag(f) if f == "--lanes" => opts.lanes = true,
            Arg::Flag(f) if f == "--serial" => {}
            Arg::Flag(f) if f == "--timeline" => opts.timeline = Some(args.value_os(&f).into()),
            // a negative count reads like a flag: say what N must be
            Arg::Flag(f) if f.parse::<i64>().is_ok() => opts.n = count(&args, &f),
            Arg::Positional(n) => {
                let n = args.text(n, "N");
                opts.n = count(&args, &n);
            }
            other => args.unexpected(other),
        }
    }
    opts
}

/// CPU time of the calling thread, in ms.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux
    // and the BSDs, and the call only writes `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Derives one key with the chosen kernel; returns it and the CPU ms it took.
fn hash(params: &Pbkdf2Params, lanes: bool) -> (Vec<u8>, f64) {
    let cpu0 = thread_cpu_ms();
    let mut out = vec![0u8; params.keylen()];
    if lanes {
        params.derive_into(b"secret", b"salt", &mut out);
    } else {
        params.derive_serial_into(b"secret", b"salt", &mut out);
    }
    (out, thread_cpu_ms() - cpu0)
}

fn main() {
    let args = parse_args();
    let pool = ruv::pool::Pool::global()
        .unwrap_or_else(|e| common::fail("pbkdf2", format!("cannot start the worker pool: {e}")));
    let params = Pbkdf2Params::validate(6, 4, 100_000, 512, "sha512")
        .unwrap_or_else(|e| common::fail("pbkdf2", e));
    let mut lp: Loop<Vec<Task>> = Loop::new().unwrap_or_else(|e| common::fail("pbkdf2", e));
    let t0 = Instant::now();
    let ms = move |t: Instant| t.duration_since(t0).as_secs_f64() * 1e3;
    for index in 0..args.n {
        let queued = Instant::now();
        let (json, lanes) = (args.json, args.lanes);
        let submitted = lp.queue_work(
            WorkClass::Cpu,
            move || {
                let job = ruv::pool::current_job().expect("runs on a pool thread");
                let (key, cpu_ms) = hash(&params, lanes);
                (key, cpu_ms, job.started_at, job.worker)
            },
            move |_, tasks, res| {
                let end = Instant::now();
                let Ok((key, cpu_ms, started, worker)) = res else {
                    common::fail("pbkdf2", "a hash job did not run");
                };
                assert_eq!(key.len(), 512, "pbkdf2 derived the whole key");
                let task = Task {
                    index,
                    queued_ms: ms(queued),
                    start_ms: ms(started),
                    end_ms: ms(end),
                    cpu_ms,
                    worker,
                };
                if !json {
                    // Node's `console.log('Hash: ', Date.now() - start)`: whole ms
                    println!("Hash:  {}", task.end_ms as u64);
                }
                tasks.push(task);
            },
        );
        if let Err(e) = submitted {
            common::fail("pbkdf2", e);
        }
    }
    let mut tasks = Vec::with_capacity(args.n);
    if let Err(e) = lp.run(RunMode::Default, &mut tasks) {
        common::fail("pbkdf2", e);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if args.json {
        for t in &tasks {
            println!(
                "{{\"index\":{},\"queued_ms\":{:.3},\"start_ms\":{:.3},\"end_ms\":{:.3},\"cpu_ms\":{:.3},\"worker\":{}}}",
                t.index, t.queued_ms, t.start_ms, t.end_ms, t.cpu_ms, t.worker
            );
        }
    } else {
        // the other kernel's cost, one hash alone on this thread, for the footer (without
        // AVX-512 both are the same code: nothing to measure)
        let other_cpu_ms = avx512().then(|| hash(&params, !args.lanes).1);
        print!(
            "{}",
            footer(&tasks, pool.threads(), cores, args.lanes, other_cpu_ms)
                .expect("writing to a String cannot fail")
        );
    }
    if let Some(path) = args.timeline {
        if let Err(e) = std::fs::write(
            &path,
            timeline_svg(&tasks, pool.threads(), cores).expect("writing to a String cannot fail"),
        ) {
            let e = ruv::core::Error::from_io(&e, "open").with_path(&path);
            common::fail("pbkdf2", e);
        }
        eprintln!("timeline written to {}", path.display());
    }
}

/// `1 thread`, `4 threads`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Whether the pool's pattern held: with pool size P and N tasks, "the first min(P, N)
/// finish together and the rest a round later" (pool 4, N = 5: four together, the fifth a
/// round later). Completion times sorted; the first wave is the first min(P, N) of them.
///
/// * Together: the first wave's slowest is within 1.25x its fastest.
/// * A round later (only when N > P): every later completion is at least
///   `1 + 0.5 * min(1, cores / P)` times the first wave's median. A round is one hash run
///   alone; the first wave's P hashes share the cores, so each takes `max(1, P / cores)`
///   rounds and the next task, alone, finishes one round after them: at
///   `1 + min(1, cores / P)` times the first wave (2x on P or more cores, 1.5x for pool 4 on
///   2 cores, 1.25x on one core). Needed: at least half of that round.
///
/// Returns (held, the figures behind it).
fn pattern(tasks: &[Task], threads: usize, cores: usize) -> (bool, String) {
    let mut ends: Vec<f64> = tasks.iter().map(|t| t.end_ms).collect();
    ends.sort_by(f64::total_cmp);
    let k = threads.min(ends.len());
    let wave = &ends[..k];
    let (lo, hi) = (wave[0], wave[wave.len() - 1]);
    let spread = hi / lo.max(1e-9);
    let together = spread <= 1.25;
    let mut why = if ends.len() <= threads {
        format!(
            "all {} ran at once and finished within {spread:.2}x of each other, needed <= 1.25x",
            ends.len()
        )
    } else {
        format!(
            "the first {k} of {} finished within {spread:.2}x of each other, needed <= 1.25x",
            ends.len()
        )
    };
    let mut held = together;
    if ends.len() > k {
        let med = median(wave);
        let first_later = ends[k] / med.max(1e-9);
        let need = 1.0 + 0.5 * (cores as f64 / threads as f64).min(1.0);
        held &= first_later >= need;
        why.push_str(&format!(
            "; the other {} at >= {first_later:.2}x their median, needed >= {need:.2}x \
             (1 + 0.5 * min(1, cores / pool))",
            ends.len() - k
        ));
    }
    (held, why)
}

/// The footer: pool size, cores, the kernel, and what the completion times show.
fn footer(
    tasks: &[Task],
    threads: usize,
    cores: usize,
    lanes: bool,
    other_cpu_ms: Option<f64>,
) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    let env = std::env::var("UV_THREADPOOL_SIZE").unwrap_or_else(|_| "unset".into());
    writeln!(
        out,
        "# pool: {} (UV_THREADPOOL_SIZE={env}), cores: {cores}, tasks: {}",
        plural(threads, "thread", "threads"),
        tasks.len()
    )?;
    let cpu = median(&tasks.iter().map(|t| t.cpu_ms).collect::<Vec<_>>());
    let kernel = match (lanes, other_cpu_ms) {
        (false, Some(lanes_ms)) => format!(
            "# kernel: one block after another, as OpenSSL (Node's work per hash): {cpu:.0} ms \
             of CPU per hash; --lanes (8 blocks side by side in AVX-512 lanes) takes \
             {lanes_ms:.0} ms here, {:.1}x faster",
            cpu / lanes_ms
        ),
        (true, Some(serial_ms)) => format!(
            "# kernel: --lanes (8 blocks side by side in AVX-512 lanes): {cpu:.0} ms of CPU per \
             hash, {:.1}x faster than one block after another (Node's work: \
             {serial_ms:.0} ms here)",
            serial_ms / cpu
        ),
        (false, None) => format!(
            "# kernel: one block after another, as OpenSSL (Node's work per hash): {cpu:.0} ms \
             of CPU per hash; --lanes is no faster here (no AVX-512 on this CPU: it falls back \
             to this kernel)"
        ),
        (true, None) => format!(
            "# kernel: --lanes, but this CPU has no AVX-512: one block after another as \
             without it, {cpu:.0} ms of CPU per hash"
        ),
    };
    writeln!(out, "{kernel}")?;
    let first_wave = tasks.len().min(threads);
    // a task waited for a free worker if it sat in the queue for more than half of the
    // shortest hash (a worker that was free would have started it within microseconds)
    let shortest = tasks
        .iter()
        .map(|t| t.end_ms - t.start_ms)
        .fold(f64::INFINITY, f64::min);
    let waited: Vec<&Task> = tasks
        .iter()
        .filter(|t| t.start_ms - t.queued_ms > shortest / 2.0)
        .collect();
    let wave1: Vec<f64> = {
        let mut by_start: Vec<&Task> = tasks.iter().collect();
        by_start.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        by_start[..first_wave].iter().map(|t| t.end_ms).collect()
    };
    let lo = wave1.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = wave1.iter().copied().fold(0.0, f64::max);
    let wave = if first_wave == 1 {
        format!(
            "# 1 started first and finished at {hi:.0} ms; {} waited in the queue for a free \
             worker",
            waited.len()
        )
    } else {
        format!(
            "# {first_wave} started at once and finished between {lo:.0} and {hi:.0} ms; {} \
             waited in the queue for a free worker",
            waited.len()
        )
    };
    writeln!(out, "{wave}")?;
    if let Some(last) = waited.iter().map(|t| t.end_ms).reduce(f64::max) {
        let mean = wave1.iter().sum::<f64>() / wave1.len() as f64;
        writeln!(
            out,
            "# the last queued task finished at {last:.0} ms, {:.2}x the first wave's mean",
            last / mean
        )?;
    }
    let running_at_once = threads.min(tasks.len());
    let shared = cores.min(running_at_once);
    writeln!(
        out,
        "# {} at a time on {}: each ran at ~{:.0}% of a core",
        plural(running_at_once, "hash", "hashes"),
        plural(cores, "core", "cores"),
        100.0 * shared as f64 / running_at_once as f64
    )?;
    let (held, why) = pattern(tasks, threads, cores);
    writeln!(
        out,
        "# pattern: {} ({why})",
        if held { "held" } else { "NOT held" }
    )?;
    Ok(out)
}

/// Whether the CPU has the AVX-512 lanes ruv-crypto's `--lanes` kernel uses.
fn avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// A Gantt chart on white: one row per task (in queue order), waiting in amber, running in
/// blue.
fn timeline_svg(tasks: &[Task], threads: usize, cores: usize) -> Result<String, std::fmt::Error> {
    let mut rows: Vec<&Task> = tasks.iter().collect();
    rows.sort_by_key(|t| t.index);
    let end = tasks.iter().map(|t| t.end_ms).fold(1.0, f64::max);
    let (left, top, row_h, width) = (110.0, 50.0, 26.0, 760.0);
    let scale = width / end;
    let height = top + row_h * rows.len() as f64 + 50.0;
    let mut s = String::new();
    writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" font-family="sans-serif" font-size="13">"#,
        w = left + width + 70.0
    )?;
    // opaque, so the chart reads the same on a dark page
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    writeln!(
        s,
        r#"<text x="{left}" y="22" font-size="15">pbkdf2 sha512 x{}: pool of {threads} on {}</text>"#,
        tasks.len(),
        plural(cores, "core", "cores")
    )?;
    writeln!(
        s,
        r##"<rect x="{left}" y="30" width="12" height="10" fill="#f0b429"/><text x="{}" y="40">waiting</text><rect x="{}" y="30" width="12" height="10" fill="#2f6fdb"/><text x="{}" y="40">running</text>"##,
        left + 16.0,
        left + 90.0,
        left + 106.0
    )?;
    for (row, t) in rows.iter().enumerate() {
        let y = top + row as f64 * row_h;
        writeln!(
            s,
            r#"<text x="8" y="{}">task {} (w{})</text>"#,
            y + 17.0,
            t.index,
            t.worker
        )?;
        writeln!(
            s,
            r##"<rect x="{:.1}" y="{y}" width="{:.1}" height="20" fill="#f0b429"/>"##,
            left + t.queued_ms * scale,
            ((t.start_ms - t.queued_ms) * scale).max(0.5)
        )?;
        writeln!(
            s,
            r##"<rect x="{:.1}" y="{y}" width="{:.1}" height="20" fill="#2f6fdb"/>"##,
            left + t.start_ms * scale,
            ((t.end_ms - t.start_ms) * scale).max(0.5)
        )?;
        writeln!(
            s,
            r#"<text x="{:.1}" y="{}" font-size="11">{:.0} ms</text>"#,
            left + t.end_ms * scale + 3.0,
            y + 15.0,
            t.end_ms
        )?;
    }
    let axis_y = top + row_h * rows.len() as f64 + 10.0;
    writeln!(
        s,
        r#"<line x1="{left}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="black"/>"#,
        left + width
    )?;
    let step = nice_step(end);
    let mut tick = 0.0;
    while tick <= end {
        let x = left + tick * scale;
        writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{axis_y}" x2="{x:.1}" y2="{}" stroke="black"/><text x="{x:.1}" y="{}" text-anchor="middle" font-size="11">{tick:.0}</text>"#,
            axis_y + 5.0,
            axis_y + 18.0
        )?;
        tick += step;
    }
    writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">ms since start</text>"#,
        left + width / 2.0,
        axis_y + 36.0
    )?;
    s.push_str("</svg>\n");
    Ok(s)
}

/// A round tick step giving 5 to 10 ticks.
fn nice_step(end: f64) -> f64 {
    let raw = end / 8.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| end / s <= 10.0)
        .unwrap_or(10.0 * mag)
}
