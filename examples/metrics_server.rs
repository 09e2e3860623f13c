//! An HTTP server that exposes its own metrics for Prometheus at `/metrics` (ruv-metrics:
//! the loop with its event-loop delay histogram (ruv-perf's `monitor_event_loop_delay`, as
//! Node's `perf_hooks`), the worker pool with its per-class queue-wait and run-time
//! histograms, and the process), and a `/work?ms=N` route that runs N ms of CPU work on the worker pool, so the
//! pool's figures move.
//!
//! ```sh
//! cargo run --release --example metrics_server -- --port 9000
//! curl -s 'http://127.0.0.1:9000/work?ms=200' &   # five at once on a 4-thread pool:
//! curl -s http://127.0.0.1:9000/metrics | grep ruv_pool_queue_wait
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections (`--port 0`: any
//! free port). A pool job that waited longer than `--warn-ms` in the queue is reported on
//! stderr, at most once a second per work class (the pool's rate-limited warning; the
//! library itself prints nothing). `--help` lists the flags; a bad flag exits with 2, a
//! failure (`metrics_server: EADDRINUSE: ...`) with 1.

use std::time::{Duration, Instant};

use ruv::core::{Error, Loop, RunMode};
use ruv::http::{Response, Server, ServerEvent, ServerOptions};
use ruv::metrics::{Registry, Snapshot, CONTENT_TYPE};
use ruv::perf::{monitor_event_loop_delay, DelayOptions};
use ruv::pool::{current_job, Pool, WaitWarning, WorkClass};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

/// What `/` answers.
const ROUTES: &str = "routes: /metrics, /work?ms=N\n";

/// The most work one request may ask for.
const MAX_WORK_MS: u64 = 60_000;

const USAGE: &str = "\
usage: metrics_server [--port PORT] [--threads N] [--warn-ms MS]

An HTTP server exposing its loop (with its delay histogram), worker-pool and process metrics in Prometheus's text
format. Prints `listening on http://127.0.0.1:PORT` once it accepts connections.

  GET /             this list of routes
  GET /metrics      the metrics (text/plain; version=0.0.4)
  GET /work?ms=N    N ms (0-60000) of CPU work on the worker pool, then `worked N ms`

  --port PORT    the port to listen on, 0 for any free port (default: 3000)
  --threads N    worker pool threads (default: UV_THREADPOOL_SIZE, else 4)
  --warn-ms MS   report on stderr a pool job that waited more than MS ms to start,
                 0 for never (default: 100)
  -h, --help     print this help
";

fn main() {
    let mut args = Args::from_env("metrics_server", USAGE);
    let mut port = 3000u16;
    let mut warn_ms = 100u64;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            Arg::Flag(f) if f == "--threads" => {
                let n: usize = args.value(&f, "a number of threads, 1-1024");
                if !(1..=ruv::pool::MAX_THREADS).contains(&n) {
                    args.bad(format!("--threads must be 1-1024, got {n}"));
                }
                if let Err(e) = Pool::set_global_threads(n) {
                    common::fail("metrics_server", e);
                }
            }
            Arg::Flag(f) if f == "--warn-ms" => warn_ms = args.value(&f, "milliseconds"),
            other => args.unexpected(other),
        }
    }
    if let Err(e) = serve(port, warn_ms) {
        common::fail("metrics_server", e);
    }
}

/// Keeps a core busy for `ms` milliseconds; returns a value so the work is not optimised out.
fn burn(ms: u64) -> u64 {
    let end = Instant::now() + Duration::from_millis(ms);
    let mut acc = 0u64;
    while Instant::now() < end {
        for i in 0..10_000u64 {
            acc = std::hint::black_box(acc.wrapping_mul(31).wrapping_add(i));
        }
    }
    acc
}

/// The `ms` of a `/work` query string, or why it is not acceptable.
fn work_ms(query: &str) -> Result<u64, String> {
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("ms="))
        .ok_or("ms is missing: /work?ms=N")?;
    match raw.parse::<u64>() {
        Ok(ms) if ms <= MAX_WORK_MS => Ok(ms),
        _ => Err(format!(
            "ms must be a whole number 0-{MAX_WORK_MS}, got {raw:?}"
        )),
    }
}

/// Answers with `status` and a plain-text `body`; a failure is said on stderr and the server
/// serves on.
fn answer(lp: &mut Loop<()>, res: Response, status: u16, body: &str) {
    let sent = res
        .set_status_code(lp, status)
        .and_then(|()| res.set_header(lp, "Content-Type", "text/plain"))
        .and_then(|()| res.end(lp, body));
    if let Err(e) = sent {
        eprintln!("metrics_server: answer not sent: {e}");
    }
}

fn serve(port: u16, warn_ms: u64) -> ruv::core::Result<()> {
    let mut lp: Loop<()> = Loop::new()?;
    // the pool the loop's queue_work uses
    let pool =
        Pool::global().map_err(|e| Error::from_io(&e, "pool_start").with_detail(e.to_string()))?;
    if warn_ms > 0 {
        let warning = WaitWarning::new(Duration::from_millis(warn_ms))
            .on_warning(|w| eprintln!("metrics_server: {w}"));
        pool.set_wait_warning(Some(warning));
    }
    // Node's monitorEventLoopDelay at its default 10 ms resolution, exported as a histogram
    let delay = monitor_event_loop_delay(&mut lp, DelayOptions::default())?;
    delay.enable(&mut lp);
    let delay_reader = delay.reader();
    let mut registry = Registry::new();
    registry
        .event_loop("main", lp.metrics())
        .add(move |s: &mut Snapshot| {
            let h = delay_reader.snapshot();
            s.histogram_ns(
                "ruv_event_loop_delay_seconds",
                "Intervals between the fires of a 10 ms timer (Node's monitorEventLoopDelay).",
                &[("loop", "main")],
                h.hdr(),
                None,
            )?;
            Ok(())
        })
        .pool("global", pool.observer())
        .process();

    let server = Server::create(&mut lp, ServerOptions::default(), move |lp, _, _, ev| {
        let ServerEvent::Request(req, res) = ev else {
            if let ServerEvent::Error(e) = ev {
                // an accept error (EMFILE …): reported, the server goes on
                eprintln!("metrics_server: {e}");
            }
            return Ok(());
        };
        let url = req.head(lp)?.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        match path {
            "/metrics" => match registry.render() {
                Ok(text) => {
                    res.set_header(lp, "Content-Type", CONTENT_TYPE)?;
                    res.end(lp, text)?;
                }
                Err(e) => {
                    eprintln!("metrics_server: /metrics: {e}");
                    answer(lp, res, 500, "metrics failed\n");
                }
            },
            "/work" => match work_ms(query) {
                Ok(ms) => {
                    let queued = lp.queue_work(
                        WorkClass::Cpu,
                        move || {
                            let waited = current_job().map(|j| j.started_at - j.queued_at);
                            std::hint::black_box(burn(ms));
                            waited.unwrap_or_default()
                        },
                        move |lp, _, done| match done {
                            Ok(waited) => {
                                let body = format!("worked {ms} ms (waited {waited:?} to start)\n");
                                answer(lp, res, 200, &body);
                            }
                            Err(e) => {
                                eprintln!("metrics_server: /work: {e}");
                                answer(lp, res, 500, "work failed\n");
                            }
                        },
                    );
                    if let Err(e) = queued {
                        eprintln!("metrics_server: /work: {e}");
                        answer(lp, res, 503, "no worker pool\n");
                    }
                }
                Err(why) => answer(lp, res, 400, &format!("{why}\n")),
            },
            "/" => answer(lp, res, 200, ROUTES),
            _ => answer(lp, res, 404, &format!("not found; {ROUTES}")),
        }
        Ok::<(), Error>(())
    })?;
    server.listen(&mut lp, ([127, 0, 0, 1], port).into())?;
    println!(
        "listening on http://127.0.0.1:{}",
        server.address(&lp)?.port()
    );
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}
