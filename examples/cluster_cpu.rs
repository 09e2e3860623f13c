//! The CPU-bound server of the articles on Node's `cluster`, as a ruv cluster: every
//! request runs a 10,000,000-step loop on the worker's loop thread (blocking that worker
//! on purpose) and is answered with the result and the worker's id:
//! `result R from worker ID (pid PID)`. One worker computes one request at a time; with
//! `--workers` workers (default: the CPUs) that many requests compute in parallel, the
//! primary handing each connection to the next free worker (round-robin).
//!
//! ```sh
//! cargo run --release --example cluster_cpu -- --port 3000 --workers 4
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once the first worker listens (with
//! `--port 0`, the port the primary bound). The primary's Supervisor restarts crashed
//! workers, rolls them on SIGUSR2 and shuts down gracefully on SIGINT/SIGTERM. `--help`
//! lists the flags; a bad flag exits with 2, a failure (`cluster_cpu: EADDRINUSE: ...`)
//! with 1.

use ruv::cluster::worker;
use ruv::core::{Loop, RunMode};
use ruv::http::{Server, ServerEvent, ServerOptions};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::Args;
#[path = "common/cluster.rs"]
#[allow(dead_code)] // each cluster example uses part of it
mod cluster_common;
use cluster_common::Dice;

const NAME: &str = "cluster_cpu";

const STEPS: u64 = 10_000_000;

/// The work per request, on the loop thread: the same loop as `cpu_server`'s, so the two
/// compare; `black_box` keeps the compiler from folding the loop away.
fn busy() -> u64 {
    let mut acc = 0u64;
    for i in 0..STEPS {
        acc = std::hint::black_box(acc.wrapping_add(i));
    }
    acc
}

const USAGE: &str = "\
usage: cluster_cpu [--port PORT] [--workers N] [--crash P]

A CPU-bound HTTP server as a cluster: a primary supervising N worker processes that share
one port; for every request a worker runs a 10,000,000-step loop on its loop thread
(blocking it on purpose) and answers `result R from worker ID (pid PID)`. Prints `listening on http://127.0.0.1:PORT`
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

fn main() {
    let mut args = Args::from_env(NAME, USAGE);
    let opts = cluster_common::parse(&mut args, true, |args, a| args.unexpected(a));
    let run = if ruv::cluster::is_primary() {
        cluster_common::primary(NAME, opts.workers, false)
    } else {
        serve(opts.port, opts.crash)
    };
    match run {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => common::fail(NAME, e),
    }
}

/// A worker: computes, then answers the result with its id and pid.
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
                let r = busy();
                res.set_header(lp, "Content-Type", "text/plain")?;
                res.end(lp, format!("result {r} from worker {id} (pid {pid})\n"))
            }
            ServerEvent::Error(e) => {
                // an accept error (EMFILE …): reported, the server goes on
                eprintln!("{NAME}: worker {id}: {e}");
                Ok(())
            }
            _ => Ok(()),
        }
    })?;
    cluster_common::listen(&mut lp, server, port)?;
    lp.run(RunMode::Default, &mut ())?;
    Ok(true)
}
