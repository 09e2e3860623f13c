//! The pool experiment: N `pbkdf2('secret', 'salt', 100000, 512, 'sha512')` calls queued at
//! once on the worker pool, each printing its completion time in ms since start — ruv's
//! version of Node's `tests/data/pbkdf2.js`.
//!
//! ```text
//! UV_THREADPOOL_SIZE=4 cargo run --release --example pbkdf2 -- 5
//! cargo run --release --example pbkdf2 -- 5 --json
//! cargo run --release --example pbkdf2 -- 5 --timeline pbkdf2.svg
//! ```
//!
//! Lines `Hash:  <ms>` come in completion order, exactly as Node prints them; a footer (lines
//! starting with `#`) names the pool size and core count and reads the pattern. With
//! `--json`, one JSON object per task replaces both. `--serial` derives one output block at a
//! time, as OpenSSL does, so each hash costs what Node's costs (by default ruv-crypto computes
//! the key's 8 blocks side by side and is several times faster). `--timeline FILE.svg` also draws a Gantt
//! chart: one row per task, waiting and running in two colours.

use ruv::core::{Loop, RunMode, WorkClass};
use ruv::crypto::Pbkdf2Params;
use std::fmt::Write as _;
use std::time::Instant;

const USAGE: &str = "usage: pbkdf2 [N] [--json] [--timeline FILE.svg] [--serial]";

/// One task's life, in ms since the start.
#[derive(Clone, Copy, Debug)]
struct Task {
    index: usize,
    queued_ms: f64,
    start_ms: f64,
    end_ms: f64,
    worker: usize,
}

struct Args {
    n: usize,
    json: bool,
    timeline: Option<String>,
    /// One output block at a time, as OpenSSL (and so Node) computes it: the same work per
    /// hash as Node, for a like-for-like timing. Default: ruv-crypto's fastest path.
    serial: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        n: 5,
        json: false,
        timeline: None,
        serial: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => args.json = true,
            "--serial" => args.serial = true,
            "--timeline" => args.timeline = Some(it.next().ok_or("--timeline needs a file")?),
            "-h" | "--help" => return Err(USAGE.into()),
            n => {
                args.n = n
                    .parse()
                    .ok()
                    .filter(|&n| (1..=4096).contains(&n))
                    .ok_or_else(|| format!("N must be a number in 1..=4096, got {n:?}\n{USAGE}"))?;
            }
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let pool = match ruv::pool::Pool::global() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("pbkdf2: cannot start the worker pool: {e}");
            std::process::exit(1);
        }
    };
    let params = Pbkdf2Params::validate(6, 4, 100_000, 512, "sha512").expect("valid parameters");
    let mut lp: Loop<Vec<Task>> = Loop::new().expect("event loop");
    let t0 = Instant::now();
    let ms = move |t: Instant| t.duration_since(t0).as_secs_f64() * 1e3;
    for index in 0..args.n {
        let queued = Instant::now();
        let (json, serial) = (args.json, args.serial);
        lp.queue_work(
            WorkClass::Cpu,
            move || {
                let job = ruv::pool::current_job().expect("runs on a pool thread");
                let key = if serial {
                    let mut out = vec![0u8; params.keylen()];
                    params.derive_serial_into(b"secret", b"salt", &mut out);
                    Ok(out)
                } else {
                    params.derive(b"secret", b"salt")
                };
                (key, job.started_at, job.worker)
            },
            move |_, tasks, res| {
                let end = Instant::now();
                let (key, started, worker) = res.expect("pbkdf2 job ran");
                key.expect("pbkdf2 derived the key");
                let task = Task {
                    index,
                    queued_ms: ms(queued),
                    start_ms: ms(started),
                    end_ms: ms(end),
                    worker,
                };
                if !json {
                    // Node's `console.log('Hash: ', Date.now() - start)`: whole ms
                    println!("Hash:  {}", task.end_ms as u64);
                }
                tasks.push(task);
            },
        )
        .expect("queue pbkdf2");
    }
    let mut tasks = Vec::with_capacity(args.n);
    lp.run(RunMode::Default, &mut tasks).expect("loop runs");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if args.json {
        for t in &tasks {
            println!(
                "{{\"index\":{},\"queued_ms\":{:.3},\"start_ms\":{:.3},\"end_ms\":{:.3},\"worker\":{}}}",
                t.index, t.queued_ms, t.start_ms, t.end_ms, t.worker
            );
        }
    } else {
        print!("{}", footer(&tasks, pool.threads(), cores));
    }
    if let Some(path) = args.timeline {
        if let Err(e) = std::fs::write(&path, timeline_svg(&tasks, pool.threads(), cores)) {
            eprintln!("pbkdf2: cannot write {path}: {e}");
            std::process::exit(1);
        }
        eprintln!("timeline written to {path}");
    }
}

/// The footer: pool size, cores, and what the completion times show.
fn footer(tasks: &[Task], threads: usize, cores: usize) -> String {
    let mut out = String::new();
    let env = std::env::var("UV_THREADPOOL_SIZE").unwrap_or_else(|_| "unset".into());
    let _ = writeln!(
        out,
        "# pool: {threads} threads (UV_THREADPOOL_SIZE={env}), cores: {cores}, tasks: {}",
        tasks.len()
    );
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
    let _ = writeln!(
        out,
        "# {first_wave} started at once and finished between {lo:.0} and {hi:.0} ms; \
         {} waited in the queue for a free worker",
        waited.len()
    );
    if let Some(last) = waited.iter().map(|t| t.end_ms).reduce(f64::max) {
        let mean = wave1.iter().sum::<f64>() / wave1.len() as f64;
        let _ = writeln!(
            out,
            "# the last queued task finished at {last:.0} ms, {:.2}x the first wave's mean",
            last / mean
        );
    }
    let running_at_once = threads.min(tasks.len());
    let _ = writeln!(
        out,
        "# {running_at_once} hashes shared {} core(s): each ran at ~{:.0}% of a core",
        cores.min(running_at_once),
        100.0 * (cores.min(running_at_once) as f64) / running_at_once as f64
    );
    out
}

/// A Gantt chart: one row per task (in queue order), waiting in amber, running in blue.
fn timeline_svg(tasks: &[Task], threads: usize, cores: usize) -> String {
    let mut rows: Vec<&Task> = tasks.iter().collect();
    rows.sort_by_key(|t| t.index);
    let end = tasks.iter().map(|t| t.end_ms).fold(1.0, f64::max);
    let (left, top, row_h, width) = (110.0, 50.0, 26.0, 760.0);
    let scale = width / end;
    let height = top + row_h * rows.len() as f64 + 50.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" font-family="sans-serif" font-size="13">"#,
        w = left + width + 70.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="22" font-size="15">pbkdf2 sha512 x{}: pool of {threads} on {cores} core(s)</text>"#,
        tasks.len()
    );
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="30" width="12" height="10" fill="#f0b429"/><text x="{}" y="40">waiting</text><rect x="{}" y="30" width="12" height="10" fill="#2f6fdb"/><text x="{}" y="40">running</text>"##,
        left + 16.0,
        left + 90.0,
        left + 106.0
    );
    for (row, t) in rows.iter().enumerate() {
        let y = top + row as f64 * row_h;
        let _ = writeln!(
            s,
            r#"<text x="8" y="{}">task {} (w{})</text>"#,
            y + 17.0,
            t.index,
            t.worker
        );
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{y}" width="{:.1}" height="20" fill="#f0b429"/>"##,
            left + t.queued_ms * scale,
            ((t.start_ms - t.queued_ms) * scale).max(0.5)
        );
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{y}" width="{:.1}" height="20" fill="#2f6fdb"/>"##,
            left + t.start_ms * scale,
            ((t.end_ms - t.start_ms) * scale).max(0.5)
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{}" font-size="11">{:.0} ms</text>"#,
            left + t.end_ms * scale + 3.0,
            y + 15.0,
            t.end_ms
        );
    }
    let axis_y = top + row_h * rows.len() as f64 + 10.0;
    let _ = writeln!(
        s,
        r#"<line x1="{left}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="black"/>"#,
        left + width
    );
    let step = nice_step(end);
    let mut tick = 0.0;
    while tick <= end {
        let x = left + tick * scale;
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{axis_y}" x2="{x:.1}" y2="{}" stroke="black"/><text x="{x:.1}" y="{}" text-anchor="middle" font-size="11">{tick:.0}</text>"#,
            axis_y + 5.0,
            axis_y + 18.0
        );
        tick += step;
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">ms since start</text>"#,
        left + width / 2.0,
        axis_y + 36.0
    );
    s.push_str("</svg>\n");
    s
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
