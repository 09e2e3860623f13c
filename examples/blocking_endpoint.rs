//! The "blocking endpoint" article's server on ruv-http: `GET /ping` answers `pong` at once,
//! `GET /slow` sums 0..1,000,000 again and again, as many passes as take `--slow-ms`
//! (default 800) on this machine (measured once at start), and answers `SUM MS` (the sum,
//! always `499999500000`, and the milliseconds from the request to the answer) — served
//! four ways:
//!
//! * `--mode blocking`: the sum runs on the loop thread, so while one `/slow` computes no
//!   `/ping` is answered (the article's problem);
//! * `--mode fork`: each `/slow` forks this program with `--child`, sends it the job over
//!   the IPC channel and answers when the child's result comes back: `/ping` stays fast
//!   (the article's first fix);
//! * `--mode worker`: each `/slow` starts a worker thread ([`ruv::worker::Worker`], a loop of
//!   its own on a thread of this process) that sums and posts the sum back to its parent;
//!   the request is answered from the worker's message, and `/ping` stays fast (the
//!   article's second fix). As the article does — and as the fork mode forks per request —
//!   it starts one worker per `/slow` request rather than keeping one long-lived worker.
//!   The job travels as the worker's `worker_data`, moved, not serialized.
//!
//! * `--mode partition`: the passes run on the loop thread, one pass per callback, with
//!   `set_immediate` between passes (the guide's partitioning): a `/ping` waits at most one
//!   pass (~1 ms), and concurrent `/slow`s share the loop (the article's third fix).
//!
//! `benches/blocking.sh` measures all four beside Node's versions (docs/experiments/blocking.md).
//!
//! ```sh
//! cargo run --release --example blocking_endpoint -- --mode worker --port 3000
//! curl http://127.0.0.1:3000/slow & curl http://127.0.0.1:3000/ping
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections.

use ruv::core::Result;
use ruv::core::{Loop, RunMode};
use ruv::http::Response;
use ruv::http::{Server, ServerEvent, ServerOptions};
use ruv::node::set_immediate;
use ruv::perf::{watchdog, WatchdogOptions};
use ruv::process::fork::{fork, ForkEvent, ForkOptions};
use ruv::process::ipc::{self, ChannelEvent};
use ruv::worker::{Worker, WorkerEvent, WorkerOptions};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

/// The numbers summed per pass.
const N: u64 = 1_000_000;

/// A `/slow` job, as the parent sends it to a forked child (or hands it to a worker): `passes`
/// sums of 0..n.
#[derive(Clone, Copy, Serialize, Deserialize)]
struct Job {
    n: u64,
    passes: u64,
}

/// One pass: the sum of 0..n, computed (not folded away by the compiler).
fn pass(n: u64) -> u64 {
    let mut s = 0u64;
    for i in 0..n {
        s = std::hint::black_box(s + i);
    }
    s
}

/// The whole job in one go.
fn run_job(job: Job) -> u64 {
    let mut s = 0;
    for _ in 0..job.passes {
        s = pass(job.n);
    }
    s
}

/// How many passes take `ms` on this machine: the fastest of five rounds of 20 passes
/// (a round another process slowed down does not count), at least 1.
fn calibrate(ms: u64) -> u64 {
    let per_pass = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(pass(std::hint::black_box(N)));
            }
            t.elapsed().as_secs_f64() / 20.0
        })
        .fold(f64::MAX, f64::min);
    ((ms as f64 / 1000.0) / per_pass).ceil().max(1.0) as u64
}

/// The `/slow` answer: the sum and the milliseconds since the request came.
fn slow_body(sum: u64, since: Instant) -> String {
    format!("{sum} {}", since.elapsed().as_millis())
}

/// Partitioning: one pass per callback, then `set_immediate` for the next, so other
/// callbacks (a `/ping`) run between passes.
fn partition_step(
    lp: &mut Loop<()>,
    job: Job,
    done: u64,
    res: Response,
    since: Instant,
) -> Result<()> {
    let sum = pass(job.n);
    if done + 1 >= job.passes {
        return res.end(lp, slow_body(sum, since));
    }
    set_immediate(lp, move |lp, _| {
        partition_step(lp, job, done + 1, res, since)
    })?;
    Ok(())
}

const USAGE: &str = "\
usage: blocking_endpoint [--mode blocking|fork|worker|partition] [--port PORT] [--slow-ms MS]
                         [--watchdog MS]

An HTTP server with a fast /ping and a CPU-heavy /slow (as many passes of summing 0..1e6 as
take --slow-ms here), the blocking endpoint of the articles: `blocking` computes on the loop
thread (pings wait), `fork` runs each /slow in a forked child over IPC, `worker` runs each
/slow in a worker thread of its own, `partition` runs one pass per callback with
set_immediate between them (pings stay fast with the last three). /slow answers `SUM MS`.
Prints `listening on http://127.0.0.1:PORT` once it accepts connections.

  --mode MODE     blocking, fork, worker or partition (default: blocking)
  --port PORT     the port to listen on, 0 for any free port (default: 3000)
  --slow-ms MS    the /slow job's length on this machine, in ms (default: 800)
  --watchdog MS   report on stderr, while it happens, any callback that blocks the loop
                  longer than MS ms, naming its source line and route (default: 0, off)
  -h, --help      print this help
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Blocking,
    Fork,
    Worker,
    Partition,
}

fn main() {
    let mut args = Args::from_env("blocking_endpoint", USAGE);
    let mut port = 3000u16;
    let mut mode = Mode::Blocking;
    let mut child = false;
    let mut slow_ms = 800u64;
    let mut watch_ms = 0u64;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            Arg::Flag(f) if f == "--mode" => {
                mode = match args.value_str(&f).as_str() {
                    "blocking" => Mode::Blocking,
                    "fork" => Mode::Fork,
                    "worker" => Mode::Worker,
                    "partition" => Mode::Partition,
                    other => args.bad(format!(
                        "--mode must be blocking, fork, worker or partition, got '{other}'"
                    )),
                }
            }
            Arg::Flag(f) if f == "--slow-ms" => {
                slow_ms = args.value(&f, "a number of milliseconds, at least 1");
                if slow_ms == 0 {
                    args.bad("--slow-ms must be at least 1");
                }
            }
            Arg::Flag(f) if f == "--watchdog" => watch_ms = args.value(&f, "milliseconds"),
            // the forked child's side (not for users: the server passes it)
            Arg::Flag(f) if f == "--child" => child = true,
            other => args.unexpected(other),
        }
    }
    let res = if child {
        run_child()
    } else {
        serve(mode, port, calibrate(slow_ms), watch_ms)
    };
    if let Err(e) = res {
        common::fail("blocking_endpoint", e);
    }
}

/// The forked child: one job from the channel, its sum back, then disconnect (and exit).
fn run_child() -> ruv::core::Result<()> {
    let mut lp: Loop<()> = Loop::new()?;
    let Some(channel) = ipc::channel(&mut lp)? else {
        return Err(ruv::core::Error::new(ruv::core::Code::EINVAL)
            .with_detail("--child needs a parent's IPC channel (NODE_CHANNEL_FD)"));
    };
    channel.on_event(&mut lp, move |lp, _, me, ev| {
        if let ChannelEvent::Message(m) = ev {
            let job: Job = m.deserialize()?;
            let sum = run_job(job);
            me.send_cb(lp, &sum, move |lp, _, r: ruv::core::Result<()>| {
                r?;
                me.disconnect(lp)
            })?;
        }
        Ok::<(), ruv::core::Error>(())
    })?;
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}

/// Answers `/slow` for a worker with `status` and `body`, unless it was answered already; an
/// answer that cannot be sent is said on stderr, and the server serves on.
fn answer(lp: &mut Loop<()>, res: ruv::http::Response, status: u16, body: String) {
    if res.headers_sent(lp) {
        return;
    }
    let sent = res
        .set_status_code(lp, status)
        .and_then(|()| res.end(lp, body));
    if let Err(e) = sent {
        eprintln!("blocking_endpoint: /slow not answered: {e}");
    }
}

fn serve(mode: Mode, port: u16, passes: u64, watch_ms: u64) -> Result<()> {
    let job = Job { n: N, passes };
    let mut lp: Loop<()> = Loop::new()?;
    // `--watchdog`: a thread that names a callback while it blocks the loop
    let dog = if watch_ms > 0 {
        let opts = WatchdogOptions::new(Duration::from_millis(watch_ms));
        Some(watchdog(&mut lp, opts, |report| {
            eprintln!("blocking_endpoint: watchdog: {report}");
        })?)
    } else {
        None
    };
    let me = std::env::current_exe().map_err(|e| ruv::core::Error::from_io(&e, "readlink"))?;
    let server = Server::create(&mut lp, ServerOptions::default(), move |lp, _, _, ev| {
        let ServerEvent::Request(req, res) = ev else {
            return Ok(());
        };
        let since = Instant::now();
        let route = match req.head(lp)?.url() {
            "/ping" => "/ping",
            "/slow" => "/slow",
            _ => "other",
        };
        // the route names the work in watchdog reports
        lp.set_label(route);
        match route {
            "/ping" => res.end(lp, "pong"),
            "/slow" if mode == Mode::Blocking => res.end(lp, slow_body(run_job(job), since)),
            "/slow" if mode == Mode::Partition => partition_step(lp, job, 0, res, since),
            "/slow" if mode == Mode::Worker => {
                // a worker thread per request: the job is its `worker_data`, the sum its
                // message back
                let opts = WorkerOptions::new().name("slow").worker_data(job);
                let spawned = Worker::spawn(
                    lp,
                    opts,
                    |_wlp: &mut Loop<()>, ctx| {
                        let job = ctx.worker_data;
                        // `false` only if the server is gone: nobody is left to answer
                        ctx.parent_port.post_message(run_job(job));
                        Ok(())
                    },
                    move |lp, _, _w, ev: WorkerEvent<u64>| match ev {
                        WorkerEvent::Message(sum) => answer(lp, res, 200, slow_body(sum, since)),
                        WorkerEvent::Error(e) => {
                            eprintln!("blocking_endpoint: worker: {e}");
                            answer(lp, res, 500, "worker failed".into());
                        }
                        _ => {}
                    },
                );
                if let Err(e) = spawned {
                    // no thread to be had (ERR_WORKER_INIT_FAILED): this request fails, the
                    // server serves on
                    eprintln!("blocking_endpoint: worker: {e}");
                    answer(lp, res, 503, "no worker".into());
                }
                Ok(())
            }
            "/slow" => {
                // the job goes to a child; the answer comes back as its message
                fork(
                    lp,
                    &me,
                    &["--child"],
                    ForkOptions::default(),
                    move |lp, _, child, ev| {
                        match ev {
                            ForkEvent::Spawn => {
                                child.send(lp, &job)?;
                            }
                            ForkEvent::Message(m) => {
                                let sum: u64 = m.deserialize()?;
                                res.end(lp, slow_body(sum, since))?;
                            }
                            ForkEvent::Error(e) => {
                                eprintln!("blocking_endpoint: child: {e}");
                                if !res.headers_sent(lp) {
                                    res.set_status_code(lp, 500)?;
                                    res.end(lp, "child failed")?;
                                }
                            }
                            _ => {}
                        }
                        Ok::<(), ruv::core::Error>(())
                    },
                )?;
                Ok(())
            }
            _ => {
                res.set_status_code(lp, 404)?;
                res.end(lp, "not found")
            }
        }
    })?;
    server.listen(&mut lp, ([127, 0, 0, 1], port).into())?;
    println!(
        "listening on http://127.0.0.1:{}",
        server.address(&lp)?.port()
    );
    lp.run(RunMode::Default, &mut ())?;
    drop(dog);
    Ok(())
}
