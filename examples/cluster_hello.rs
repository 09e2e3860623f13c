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

use ruv::cluster::supervisor::{count_request, report_metrics};
use ruv::cluster::worker;
use ruv::core::{Loop, RunMode};
use ruv::http::{Server, ServerEvent, ServerOptions};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};
#[path = "common/cluster.rs"]
#[allow(dead_code)] // each cluster example uses part of it
mod cluster_common;
use cluster_common::Dice;

const NAME: &str = "cluster_hello";

const USAGE: &str = "\
usage: cluster_hello [--port PORT] [--workers N] [--crash P] [--stats]

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
  --stats        the primary prints each worker's metrics (open connections, requests,
                 event-loop utilization, RSS) on stderr every second
  -h, --help     print this help
";

fn main() {
    let mut args = Args::from_env(NAME, USAGE);
    let mut stats = false;
    let opts = cluster_common::parse(&mut args, true, |args, a| match a {
        Arg::Flag(f) if f == "--stats" => stats = true,
        other => args.unexpected(other),
    });
    let run = if ruv::cluster::is_primary() {
        cluster_common::primary(NAME, opts.workers, stats)
    } else {
        serve(opts.port, opts.crash)
    };
    match run {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => common::fail(NAME, e),
    }
}

/// A worker: answers every request with its id and pid.
fn serve(port: u16, crash: f64) -> ruv::core::Result<bool> {
    let mut lp: Loop<()> = Loop::new()?;
    worker::setup(&mut lp, |_, _, _| {})?;
    // one message a second to the primary: its --stats and its view of this worker's load
    report_metrics(&mut lp, 1000)?;
    let id = ruv::cluster::worker_id().unwrap_or(0);
    let pid = std::process::id();
    let mut dice = Dice::new(pid);
    let server = Server::create(&mut lp, ServerOptions::default(), move |lp, _, _, ev| {
        match ev {
            ServerEvent::Request(_, res) => {
                count_request(lp);
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
    cluster_common::listen(&mut lp, server, port)?;
    lp.run(RunMode::Default, &mut ())?;
    Ok(true)
}
