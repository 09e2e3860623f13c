//! Node's `cluster` hello world in Rust: the same `main` runs as the primary and as each
//! worker. The primary runs a [`Supervisor`] that forks `--workers` workers sharing one
//! port (round-robin: the primary accepts and hands each connection to the next worker);
//! every worker serves HTTP and answers `hello from worker ID (pid PID)`.
//!
//! ```sh
//! cargo run --release --example cluster_hello -- --port 3000 --workers 4
//! kill -USR2 <primary pid>   # rolling restart, one worker at a time, no request lost
//! kill -TERM <primary pid>   # graceful shutdown: workers finish their requests, then exit
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once the first worker listens (with
//! `--port 0`, the port the primary bound). Workers that crash are restarted with PM2's
//! backoff. `--help` lists the flags; a bad flag exits with 2, a failure
//! (`cluster_hello: EADDRINUSE: ...`) with 1.

use ruv::cluster::worker;
use ruv::cluster::{ClusterEvent, Supervisor, SupervisorEvent, SupervisorOptions};
use ruv::core::{Loop, RunMode};
use ruv::http::{Server, ServerEvent, ServerOptions};
use std::net::SocketAddr;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const NAME: &str = "cluster_hello";

const USAGE: &str = "\
usage: cluster_hello [--port PORT] [--workers N] [--crash P]

Node's cluster hello world: a primary supervising N worker processes that share one port;
each answers `hello from worker ID (pid PID)`. Prints `listening on http://127.0.0.1:PORT`
once the first worker listens. Signals to the primary (from its Supervisor): SIGUSR2 is a
rolling restart (one worker at a time, the port always served); SIGINT or SIGTERM a
graceful shutdown (workers finish their open requests, then the primary exits with 0).
Crashed workers are restarted with PM2's backoff.

  --port PORT    the port to listen on, 0 for any free port (default: 3000)
  --workers N    how many worker processes (default: CPUs)
  --crash P      the probability per request that the worker exits (code 1) before
                 answering, to test crash recovery (default: 0)
  -h, --help     print this help
";

/// The primary's state.
#[derive(Default)]
struct Primary {
    announced: bool,
    failed: bool,
}

fn main() {
    let mut args = Args::from_env(NAME, USAGE);
    let mut port = 3000u16;
    let mut workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut crash = 0f64;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            Arg::Flag(f) if f == "--workers" => {
                workers = args.value(&f, "a number of workers, at least 1");
                if workers == 0 {
                    args.bad("--workers must be at least 1");
                }
            }
            Arg::Flag(f) if f == "--crash" => {
                crash = args.value(&f, "a probability, 0 to 1");
                if !(0.0..=1.0).contains(&crash) {
                    args.bad("--crash must be between 0 and 1");
                }
            }
            other => args.unexpected(other),
        }
    }
    let run = if ruv::cluster::is_primary() {
        primary(workers)
    } else {
        serve(port, crash)
    };
    match run {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => common::fail(NAME, e),
    }
}

/// The supervisor; `Ok(false)` when it ended because the workers could not serve.
fn primary(workers: usize) -> ruv::core::Result<bool> {
    let mut lp: Loop<Primary> = Loop::new()?;
    let opts = SupervisorOptions {
        workers,
        ..SupervisorOptions::default()
    };
    Supervisor::new(&mut lp, opts, |lp, st: &mut Primary, sup, ev| {
        match ev {
            SupervisorEvent::Cluster(ClusterEvent::Listening(_, a)) if !st.announced => {
                st.announced = true;
                println!("listening on http://127.0.0.1:{}", a.port);
            }
            SupervisorEvent::Cluster(ClusterEvent::Message(w, m)) => {
                // a worker's listen failed (EADDRINUSE …): the same for every worker
                let v: serde_json::Value = m.deserialize()?;
                if let Some(e) = v.get("fatal").and_then(|e| e.as_str()) {
                    if !st.failed {
                        eprintln!("{NAME}: worker {}: {e}", w.id());
                        st.failed = true;
                        sup.shutdown(lp, |_, _, _| {});
                    }
                }
            }
            SupervisorEvent::Cluster(ClusterEvent::Error(_, e)) => eprintln!("{NAME}: {e}"),
            SupervisorEvent::Restarting { slot, exited, .. } => {
                eprintln!(
                    "{NAME}: worker {} (slot {slot}) exited: restarting",
                    exited.id()
                );
            }
            SupervisorEvent::GaveUp { slot, unstable } => {
                eprintln!("{NAME}: worker slot {slot} crashed {unstable} times in a row: given up");
                st.failed = true;
            }
            _ => {}
        }
        Ok::<(), ruv::core::Error>(())
    })?;
    let mut st = Primary::default();
    lp.run(RunMode::Default, &mut st)?;
    Ok(!st.failed)
}

/// A worker: answers every request with its id and pid.
fn serve(port: u16, crash: f64) -> ruv::core::Result<bool> {
    let mut lp: Loop<()> = Loop::new()?;
    worker::setup(&mut lp, |_, _, _| {})?;
    let id = ruv::cluster::worker_id().unwrap_or(0);
    let pid = std::process::id();
    let mut dice = Dice::new(pid);
    let server = Server::create(&mut lp, ServerOptions::default(), move |lp, _, _, ev| {
        match ev {
            ServerEvent::Request(_, res) => {
                if crash > 0.0 && dice.next() < crash {
                    // `--crash`: a simulated crash mid-request, before any answer
                    std::process::exit(1);
                }
                res.set_header(lp, "Content-Type", "text/plain")?;
                res.end(lp, format!("hello from worker {id} (pid {pid})\n"))
            }
            ServerEvent::Error(e) => {
                // an accept error (EMFILE …): reported, the server goes on
                eprintln!("{NAME}: worker {id}: {e}");
                Ok(())
            }
            _ => Ok(()),
        }
    })?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    worker::listen(&mut lp, server, addr, |lp, _, r| match r {
        Ok(_) => Ok(()),
        // the primary reports it and shuts down (this worker exits once disconnected)
        Err(e) => worker::send(lp, &serde_json::json!({ "fatal": e.to_string() })).map(drop),
    })?;
    lp.run(RunMode::Default, &mut ())?;
    Ok(true)
}

/// A small xorshift generator for `--crash`: uniform in `[0, 1)`, seeded per process.
struct Dice(u64);

impl Dice {
    fn new(pid: u32) -> Dice {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Dice((t ^ (u64::from(pid) << 32)) | 1)
    }

    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
