//! What the cluster examples share: their common flags, the primary's handling of its
//! supervisor's events, the worker's listen that reports a failure to the primary, and
//! `--crash`'s dice.

use crate::common::{Arg, Args};
use ruv::cluster::worker;
use ruv::cluster::{ClusterEvent, Supervisor, SupervisorEvent, SupervisorOptions};
use ruv::core::{Loop, Result, RunMode};
use ruv::http::Server;
use std::net::SocketAddr;

/// The flags the cluster examples share, as given or their defaults.
pub struct Options {
    /// `--port PORT` (default: 3000; 0 for any free port).
    pub port: u16,
    /// `--workers N` (default: the CPUs; at least 1).
    pub workers: usize,
    /// `--crash P`, where the example takes it (default: 0).
    pub crash: f64,
}

/// Reads the command line: `--port`, `--workers` and (with `crash`) `--crash` here, every
/// other item to `own`, which takes the example's own flags or calls [`Args::unexpected`].
pub fn parse(args: &mut Args, crash: bool, mut own: impl FnMut(&mut Args, Arg)) -> Options {
    let mut o = Options {
        port: 3000,
        workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
        crash: 0.0,
    };
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => o.port = args.value(&f, "a port number, 0-65535"),
            Arg::Flag(f) if f == "--workers" => {
                o.workers = args.value(&f, "a number of workers, at least 1");
                if o.workers == 0 {
                    args.bad("--workers must be at least 1");
                }
            }
            Arg::Flag(f) if crash && f == "--crash" => {
                o.crash = args.value(&f, "a probability, 0 to 1");
                if !(0.0..=1.0).contains(&o.crash) {
                    args.bad("--crash must be between 0 and 1");
                }
            }
            other => own(args, other),
        }
    }
    o
}

/// What every cluster example's primary keeps.
#[derive(Default)]
pub struct Flags {
    /// `listening on …` was printed.
    pub announced: bool,
    /// The workers could not serve (a listen error, a slot given up): exit with 1.
    pub failed: bool,
    /// `--stats`: print each worker's metrics as it reports them (every second).
    pub stats: bool,
}

/// The primary's answer to the events every cluster example handles alike: the listening
/// line once, a worker's fatal listen error (printed once, then a shutdown), cluster errors,
/// restarts and given-up slots on stderr.
pub fn on_event<S: 'static>(
    name: &str,
    lp: &mut Loop<S>,
    flags: &mut Flags,
    sup: Supervisor,
    ev: &SupervisorEvent<'_>,
) -> Result<()> {
    match ev {
        SupervisorEvent::Cluster(ClusterEvent::Listening(_, a)) if !flags.announced => {
            flags.announced = true;
            println!("listening on http://127.0.0.1:{}", a.port);
        }
        SupervisorEvent::Cluster(ClusterEvent::Message(w, m)) => {
            // a worker's listen failed (EADDRINUSE …): the same for every worker
            let v: serde_json::Value = m.deserialize()?;
            if let Some(e) = v.get("fatal").and_then(|e| e.as_str()) {
                if !flags.failed {
                    eprintln!("{name}: worker {}: {e}", w.id());
                    flags.failed = true;
                    sup.shutdown(lp, |_, _, _| {});
                }
            }
        }
        SupervisorEvent::Cluster(ClusterEvent::Error(_, e)) => eprintln!("{name}: {e}"),
        SupervisorEvent::Restarting { slot, exited, .. } => {
            eprintln!(
                "{name}: worker {} (slot {slot}) exited: restarting",
                exited.id()
            );
        }
        SupervisorEvent::Replaced { slot, old, new } => {
            eprintln!(
                "{name}: slot {slot}: worker {} replaced by worker {} (rolling restart)",
                old.id(),
                new.id()
            );
        }
        SupervisorEvent::ReloadDone { replaced } => {
            eprintln!("{name}: rolling restart done: {replaced} replaced");
        }
        SupervisorEvent::ReloadAborted {
            slot, kept, error, ..
        } => {
            eprintln!(
                "{name}: slot {slot}: rolling restart stopped ({error}), worker {} kept",
                kept.id()
            );
        }
        SupervisorEvent::Metrics(w, m) if flags.stats => {
            eprintln!(
                "{name}: stats: worker {}: {} connections open, {} requests, elu {:.2}, rss {} KiB",
                w.id(),
                m.conns,
                m.requests,
                m.elu,
                m.rss / 1024
            );
        }
        SupervisorEvent::GaveUp { slot, unstable } => {
            eprintln!("{name}: worker slot {slot} crashed {unstable} times in a row: given up");
            flags.failed = true;
        }
        _ => {}
    }
    Ok(())
}

/// A primary that only supervises `workers` workers (printing their metrics with `stats`);
/// `Ok(false)` when it ended because the workers could not serve.
pub fn primary(name: &'static str, workers: usize, stats: bool) -> Result<bool> {
    let mut lp: Loop<Flags> = Loop::new()?;
    let opts = SupervisorOptions {
        workers,
        ..SupervisorOptions::default()
    };
    Supervisor::new(&mut lp, opts, move |lp, flags: &mut Flags, sup, ev| {
        on_event(name, lp, flags, sup, &ev)
    })?;
    let mut flags = Flags {
        stats,
        ..Flags::default()
    };
    lp.run(RunMode::Default, &mut flags)?;
    Ok(!flags.failed)
}

/// The worker's `listen` on 127.0.0.1:`port`; a failure goes to the primary, which reports
/// it and shuts down (this worker exits once disconnected).
pub fn listen<S: 'static>(lp: &mut Loop<S>, server: Server, port: u16) -> Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    worker::listen(lp, server, addr, |lp, _, r| match r {
        Ok(_) => Ok(()),
        Err(e) => worker::send(lp, &serde_json::json!({ "fatal": e.to_string() })).map(drop),
    })
}

/// A small xorshift generator for `--crash`: uniform in `[0, 1)`, seeded per process.
pub struct Dice(u64);

impl Dice {
    /// Seeded from the clock and `pid`.
    pub fn new(pid: u32) -> Dice {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Dice((t ^ (u64::from(pid) << 32)) | 1)
    }

    /// The next draw.
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
