//! The "don't block the event loop" guide's experiments on ruv, one per subcommand, each
//! printing JSON lines (`benches/dont_block.sh` runs them beside Node's versions in
//! `bench-ref/node/dont_block.js`; docs/guide-dont-block.md has the figures):
//!
//! * `average N`: the average of 0..N computed in one callback (`blocking`) or one chunk
//!   of 1e6 per callback with `set_immediate` between chunks (`partitioned`); a 1 ms timer
//!   meanwhile reports the loop's worst delay.
//! * `regex K…`: `(a+)+$` against `"a" × K + "!"` with the `regex` crate (linear time; the
//!   backtracking engines of JavaScript take exponential time here).
//! * `json MB`: a JSON array of about MB megabytes parsed on the loop (`blocking`) or on the
//!   pool with a size limit (`pool`, and a body over the limit refused), the 1 ms timer
//!   reporting the loop's worst delay.
//! * `pools SECS`: an `fs.stat` while four CPU tasks of SECS seconds hold the pool: with one
//!   shared pool of four threads, and with a compute pool beside the I/O pool
//!   (`Loop::set_compute_pool`).
//!
//! ```sh
//! cargo run --release --example dont_block -- average 1000000000
//! ```

use ruv::core::{Loop, Result, RunMode, Timer, WorkClass};
use ruv::node::set_immediate;
use ruv::pool::{Pool, PoolConfig};
use serde_json::json;
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const NAME: &str = "dont_block";
const USAGE: &str = "\
usage: dont_block average N | regex K... | json MB | pools SECS

The don't-block-the-loop guide's experiments; each prints JSON lines.

  average N    the average of 0..N in one callback, then partitioned in chunks of 1e6 with
               set_immediate; the loop's worst delay under a 1 ms timer for each
  regex K...   (a+)+$ against \"a\"×K + \"!\" with the regex crate, time per match
  json MB      a JSON array of ~MB MiB parsed on the loop, then on the pool with a size
               limit (and a body over the limit refused); the loop's worst delay for each
  pools SECS   an fs.stat while four CPU tasks of SECS s hold the pool: one shared pool of
               four threads, then a compute pool beside the I/O pool
  -h, --help   print this help
";

fn main() {
    let mut args = Args::from_env(NAME, USAGE);
    let mut words = Vec::new();
    while let Some(a) = args.next() {
        match a {
            Arg::Positional(p) => words.push(args.text(p, "argument")),
            other => args.unexpected(other),
        }
    }
    let Some((cmd, rest)) = words.split_first() else {
        args.bad("which experiment? average, regex, json or pools")
    };
    let num = |i: usize, what: &str| -> u64 {
        match rest.get(i) {
            Some(v) => args.parse(v, what, "a positive number"),
            None => args.bad(format!("{cmd} needs {what}")),
        }
    };
    let res = match cmd.as_str() {
        "average" => average(num(0, "N")),
        "regex" => {
            let ks: Vec<u64> = (0..rest.len().max(1)).map(|i| num(i, "K")).collect();
            regex_times(&ks);
            Ok(())
        }
        "json" => json_parse(num(0, "MB")),
        "pools" => pools(num(0, "SECS")),
        other => args.bad(format!("unknown experiment '{other}'")),
    };
    if let Err(e) = res {
        common::fail(NAME, e);
    }
}

/// What a run saw: the loop's worst gap between 1 ms timer ticks, and when the work ended.
#[derive(Default)]
struct Watch {
    last: Option<Instant>,
    worst: Duration,
    done: Option<Instant>,
}

/// Runs `start` 5 ms into a loop whose 1 ms timer records the worst gap between its ticks,
/// until `start`'s work sets `done`. Returns (work ms, worst gap ms).
fn watched(
    start: impl FnOnce(&mut Loop<Watch>, &mut Watch) -> Result<()> + 'static,
) -> Result<(f64, f64)> {
    let mut lp: Loop<Watch> = Loop::new()?;
    let tick = Timer::new(&mut lp)?;
    tick.start(&mut lp, 1, 1, |lp, w: &mut Watch, me| {
        let now = Instant::now();
        if let Some(last) = w.last {
            w.worst = w.worst.max(now - last);
        }
        w.last = Some(now);
        if w.done.is_some() {
            me.stop(lp);
        }
    })?;
    let begin = Timer::new(&mut lp)?;
    let t0 = std::rc::Rc::new(std::cell::Cell::new(None));
    let t = t0.clone();
    // a timer callback may run again: the work is taken out of an Option, once
    let mut start = Some(start);
    begin.start(&mut lp, 5, 0, move |lp, w, _| {
        t.set(Some(Instant::now()));
        match start.take() {
            Some(f) => f(lp, w),
            None => Ok(()),
        }
    })?;
    let mut w = Watch::default();
    lp.run(RunMode::Default, &mut w)?;
    let began = t0.get().unwrap_or_else(Instant::now);
    let done = w.done.unwrap_or_else(Instant::now);
    Ok((ms(done - began), ms(w.worst)))
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

const CHUNK: u64 = 1_000_000;

fn sum_range(from: u64, to: u64) -> u64 {
    let mut s = 0u64;
    for i in from..to {
        s = std::hint::black_box(s.wrapping_add(i));
    }
    s
}

fn average(n: u64) -> Result<()> {
    let (work, worst) = watched(move |_, w| {
        let avg = sum_range(0, n) as f64 / n as f64;
        std::hint::black_box(avg);
        w.done = Some(Instant::now());
        Ok(())
    })?;
    println!(
        "{}",
        json!({"exp": "average", "variant": "blocking", "n": n, "workMs": work, "worstDelayMs": worst})
    );
    let (work, worst) = watched(move |lp, w| step(lp, w, n, 0, 0))?;
    println!(
        "{}",
        json!({"exp": "average", "variant": "partitioned", "n": n, "workMs": work, "worstDelayMs": worst})
    );
    Ok(())
}

/// One chunk of the average, then the next one after I/O (`set_immediate`).
fn step(lp: &mut Loop<Watch>, w: &mut Watch, n: u64, at: u64, acc: u64) -> Result<()> {
    let to = (at + CHUNK).min(n);
    let acc = acc.wrapping_add(sum_range(at, to));
    if to >= n {
        std::hint::black_box(acc as f64 / n as f64);
        w.done = Some(Instant::now());
        return Ok(());
    }
    set_immediate(lp, move |lp, w| step(lp, w, n, to, acc))?;
    Ok(())
}

fn regex_times(ks: &[u64]) {
    let re = regex::Regex::new("(a+)+$").expect("a valid pattern");
    for &k in ks {
        let input = format!("{}!", "a".repeat(k as usize));
        let t = Instant::now();
        let matched = re.is_match(&input);
        let took = t.elapsed();
        let us = (took.as_secs_f64() * 1e9).round() / 1e3;
        println!(
            "{}",
            json!({"exp": "regex", "k": k, "matched": matched, "us": us})
        );
    }
}

/// One element of the JSON body, parsed into its Rust type (what a Rust server does, rather
/// than building a dynamic `serde_json::Value`).
#[derive(serde::Deserialize)]
#[allow(dead_code)] // parsed, not read
struct Item {
    id: u64,
    name: String,
    tags: Vec<String>,
    score: f64,
}

/// About `mb` MiB of JSON: an array of small objects.
fn make_json(mb: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity((mb << 20) as usize + 64);
    out.push(b'[');
    let mut i = 0u64;
    while (out.len() as u64) < mb << 20 {
        if i > 0 {
            out.push(b',');
        }
        let item = json!({"id": i, "name": format!("item {i}"), "tags": ["a", "b"], "score": i as f64 / 7.0});
        serde_json::to_writer(&mut out, &item).expect("writing to a Vec");
        i += 1;
    }
    out.push(b']');
    out
}

fn json_parse(mb: u64) -> Result<()> {
    let body = std::sync::Arc::new(make_json(mb));
    let size = body.len();
    let b = body.clone();
    let (work, worst) = watched(move |_, w| {
        let v: Vec<Item> = serde_json::from_slice(&b).map_err(bad_json)?;
        std::hint::black_box(v);
        w.done = Some(Instant::now());
        Ok(())
    })?;
    println!(
        "{}",
        json!({"exp": "json", "variant": "blocking", "bytes": size, "workMs": work, "worstDelayMs": worst})
    );
    // on the pool, with a limit the body is under, then one it is over
    for (variant, limit) in [("pool", size + 1), ("pool, over the limit", size / 2)] {
        let b = body.clone();
        let (work, worst) = watched(move |lp, w| parse_on_pool(lp, w, b, limit))?;
        println!(
            "{}",
            json!({"exp": "json", "variant": variant, "bytes": size, "limit": limit, "workMs": work, "worstDelayMs": worst})
        );
    }
    Ok(())
}

fn bad_json(e: serde_json::Error) -> ruv::core::Error {
    ruv::core::Error::new(ruv::core::Code::EINVAL).with_detail(format!("invalid JSON: {e}"))
}

/// Parses `body` on the pool if it is within `limit` bytes; a larger one is refused at once
/// (what a server answers with 413), without parsing.
fn parse_on_pool(
    lp: &mut Loop<Watch>,
    w: &mut Watch,
    body: std::sync::Arc<Vec<u8>>,
    limit: usize,
) -> Result<()> {
    if body.len() > limit {
        eprintln!(
            "{NAME}: json: a body of {} bytes is over the {limit}-byte limit: refused",
            body.len()
        );
        w.done = Some(Instant::now());
        return Ok(());
    }
    lp.queue_work(
        WorkClass::Cpu,
        move || serde_json::from_slice::<Vec<Item>>(&body).map(|v| v.len()),
        |_, w: &mut Watch, r| -> Result<()> {
            r?.map_err(bad_json)?;
            w.done = Some(Instant::now());
            Ok(())
        },
    )?;
    Ok(())
}

fn pools(secs: u64) -> Result<()> {
    for variant in ["one shared pool", "compute pool beside"] {
        let pool = |p: &str| {
            Pool::new(PoolConfig::new(4).name_prefix(p))
                .map_err(|e| ruv::core::Error::from_io(&e, "pool_start"))
        };
        let mut lp: Loop<Option<f64>> = Loop::with_pool(pool("io")?)?;
        if variant == "compute pool beside" {
            lp.set_compute_pool(pool("cpu")?);
        }
        for _ in 0..4 {
            lp.queue_work(
                WorkClass::Cpu,
                move || {
                    let end = Instant::now() + Duration::from_secs(secs);
                    while Instant::now() < end {
                        std::hint::black_box(sum_range(0, 10_000));
                    }
                },
                |_, _, r| r,
            )?;
        }
        let t = Timer::new(&mut lp)?;
        t.start(&mut lp, 10, 0, |lp, _, _| -> Result<()> {
            let asked = Instant::now();
            ruv::fs::stat(lp, "/", move |_, out: &mut Option<f64>, r| {
                if r.is_ok() {
                    *out = Some(ms(asked.elapsed()));
                }
            })?;
            Ok(())
        })?;
        let mut stat_ms = None;
        lp.run(RunMode::Default, &mut stat_ms)?;
        println!(
            "{}",
            json!({"exp": "pools", "variant": variant, "cpuTasks": 4, "cpuSecs": secs, "statMs": stat_ms})
        );
    }
    Ok(())
}
