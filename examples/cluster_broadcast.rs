//! A primary that computes and broadcasts, workers that serve what it computed: every
//! `--every-ms` the primary computes the next value (round N: the N-th Fibonacci number,
//! wrapping at 2^64, a stand-in for a periodic job such as a cache or config refresh) and
//! sends it to every worker with [`Supervisor::broadcast`]; each worker answers every
//! request with the latest value it got: `value V (round N) from worker ID (pid PID)`.
//! A worker forked later (a restart, a rolling restart) gets the current value as soon as
//! it is online, before it listens.
//!
//! ```sh
//! cargo run --release --example cluster_broadcast -- --port 3000 --workers 4 --every-ms 1000
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once the first worker listens (with
//! `--port 0`, the port the primary bound). The primary's Supervisor restarts crashed
//! workers, rolls them on SIGUSR2 and shuts down gracefully on SIGINT/SIGTERM. `--help`
//! lists the flags; a bad flag exits with 2, a failure (`cluster_broadcast: EADDRINUSE:
//! ...`) with 1.

use ruv::cluster::worker::{self, WorkerEvent};
use ruv::cluster::{ClusterEvent, Supervisor, SupervisorEvent, SupervisorOptions};
use ruv::core::{Loop, RunMode, Timer};
use ruv::http::{Server, ServerEvent, ServerOptions};
use serde::{Deserialize, Serialize};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};
#[path = "common/cluster.rs"]
#[allow(dead_code)] // each cluster example uses part of it
mod cluster_common;

const NAME: &str = "cluster_broadcast";

const USAGE: &str = "\
usage: cluster_broadcast [--port PORT] [--workers N] [--every-ms MS]

A primary supervising N worker processes that share one port. Every MS milliseconds the
primary computes the next value (round R: the R-th Fibonacci number, wrapping at 2^64) and
broadcasts it to every worker; workers answer each request with the latest value:
`value V (round R) from worker ID (pid PID)`. Prints `listening on http://127.0.0.1:PORT`
once the first worker listens. Signals to the primary (from its Supervisor): SIGUSR2 is a
rolling restart (one worker at a time, the port always served); SIGINT or SIGTERM a
graceful shutdown (workers finish their open requests, then the primary exits with 0).
Crashed workers are restarted with PM2's backoff.

  --port PORT     the port to listen on, 0 for any free port (default: 3000)
  --workers N     how many worker processes (default: CPUs)
  --every-ms MS   how often the primary computes and broadcasts (default: 10000)
  -h, --help      print this help
";

/// What the primary broadcasts.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct Computed {
    round: u64,
    value: u64,
}

impl Computed {
    /// The next round's value (the Fibonacci pair moves one step).
    fn next(self, prev: u64) -> Computed {
        Computed {
            round: self.round + 1,
            value: if self.round == 0 {
                1
            } else {
                self.value.wrapping_add(prev)
            },
        }
    }
}

/// The primary's state.
#[derive(Default)]
struct Primary {
    flags: cluster_common::Flags,
    /// The latest value, and the one before it.
    latest: Computed,
    prev: u64,
}

impl Primary {
    fn compute(&mut self) {
        let next = self.latest.next(self.prev);
        self.prev = self.latest.value;
        self.latest = next;
    }
}

fn main() {
    let mut args = Args::from_env(NAME, USAGE);
    let mut every = 10_000u64;
    let opts = cluster_common::parse(&mut args, false, |args, a| match a {
        Arg::Flag(f) if f == "--every-ms" => {
            every = args.value(&f, "a number of milliseconds, at least 1");
            if every == 0 {
                args.bad("--every-ms must be at least 1");
            }
        }
        other => args.unexpected(other),
    });
    let run = if ruv::cluster::is_primary() {
        primary(opts.workers, every)
    } else {
        serve(opts.port)
    };
    match run {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => common::fail(NAME, e),
    }
}

/// The supervisor and the broadcasting timer; `Ok(false)` when it ended because the
/// workers could not serve.
fn primary(workers: usize, every: u64) -> ruv::core::Result<bool> {
    let mut lp: Loop<Primary> = Loop::new()?;
    let opts = SupervisorOptions {
        workers,
        ..SupervisorOptions::default()
    };
    let sup = Supervisor::new(&mut lp, opts, |lp, st: &mut Primary, sup, ev| {
        match ev {
            // a new worker gets the current value before it listens
            SupervisorEvent::Cluster(ClusterEvent::Online(w)) => {
                w.send(lp, &st.latest)?;
            }
            ev => cluster_common::on_event(NAME, lp, &mut st.flags, sup, &ev)?,
        }
        Ok::<(), ruv::core::Error>(())
    })?;
    let timer = Timer::new(&mut lp)?;
    timer.start(&mut lp, every, every, move |lp, st: &mut Primary, _| {
        st.compute();
        sup.broadcast(lp, &st.latest);
    })?;
    // the workers keep the primary alive, not the timer: after a shutdown the loop ends
    timer.set_ref(&mut lp, false);
    let mut st = Primary::default();
    st.compute();
    lp.run(RunMode::Default, &mut st)?;
    Ok(!st.flags.failed)
}

/// A worker: keeps the latest broadcast value and answers it with its id and pid.
fn serve(port: u16) -> ruv::core::Result<bool> {
    let mut lp: Loop<Option<Computed>> = Loop::new()?;
    worker::setup(&mut lp, |_, latest: &mut Option<Computed>, ev| {
        if let WorkerEvent::Message(m) = ev {
            *latest = Some(m.deserialize()?);
        }
        Ok::<(), ruv::core::Error>(())
    })?;
    let id = ruv::cluster::worker_id().unwrap_or(0);
    let pid = std::process::id();
    let server = Server::create(
        &mut lp,
        ServerOptions::default(),
        move |lp, latest: &mut Option<Computed>, _, ev| match ev {
            ServerEvent::Request(_, res) => {
                res.set_header(lp, "Content-Type", "text/plain")?;
                let text = match latest {
                    Some(v) => format!("value {} (round {})", v.value, v.round),
                    None => "no value yet".to_string(),
                };
                res.end(lp, format!("{text} from worker {id} (pid {pid})\n"))
            }
            ServerEvent::Error(e) => {
                // an accept error (EMFILE …): reported, the server goes on
                eprintln!("{NAME}: worker {id}: {e}");
                Ok(())
            }
            _ => Ok(()),
        },
    )?;
    cluster_common::listen(&mut lp, server, port)?;
    lp.run(RunMode::Default, &mut None)?;
    Ok(true)
}
