//! The parent of an IPC ping-pong: forks `fork_child` (the example beside this one) and
//! sends it `--count` messages of `--size` bytes one after the other, each answered before
//! the next goes; prints the round trips per second, then disconnects, and the child exits.
//!
//! ```sh
//! cargo build --release --example fork_child --example fork_parent
//! target/release/examples/fork_parent --count 10000 --size 64
//! ```
//!
//! `--serialization ruv` uses ruv's binary framing instead of Node's JSON (both ends are ruv
//! programs); `--child PATH` forks another program (which must answer each message, as
//! `fork_child` does; `--node SCRIPT` runs a node script as the child instead).

use ruv::core::{Loop, RunMode};
use ruv::process::fork::{fork, ForkEvent, ForkOptions};
use ruv::process::ipc::Serialization;
use std::time::Instant;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: fork_parent [--count N] [--size BYTES] [--serialization json|ruv] [--child PATH | --node SCRIPT]

Forks a child with an IPC channel and plays ping-pong with it: COUNT messages of SIZE
bytes, each answered before the next is sent; prints the round trips per second.

  --count N          round trips (default: 1000)
  --size BYTES       the payload of each message (default: 64)
  --serialization S  json (Node's, the default) or ruv (binary, ruv children only)
  --child PATH       the child program (default: fork_child beside this program)
  --node SCRIPT      run `node SCRIPT` as the child instead
  -h, --help         print this help
";

struct Run {
    left: u64,
    payload: String,
    t0: Option<Instant>,
    rtt: u64,
}

fn main() {
    let mut args = Args::from_env("fork_parent", USAGE);
    let (mut count, mut size) = (1000u64, 64usize);
    let mut serialization = Serialization::Json;
    let mut child: Option<std::ffi::OsString> = None;
    let mut node: Option<std::ffi::OsString> = None;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--count" => count = args.value(&f, "a number >= 1"),
            Arg::Flag(f) if f == "--size" => size = args.value(&f, "a byte count"),
            Arg::Flag(f) if f == "--serialization" => {
                let v = args.value_str(&f);
                serialization = Serialization::from_name(&v).unwrap_or_else(|e| args.bad(e));
            }
            Arg::Flag(f) if f == "--child" => child = Some(args.value_os(&f)),
            Arg::Flag(f) if f == "--node" => node = Some(args.value_os(&f)),
            other => args.unexpected(other),
        }
    }
    if count == 0 {
        args.bad("--count must be >= 1");
    }
    if let Err(e) = run(count, size, serialization, child, node) {
        common::fail("fork_parent", e);
    }
}

fn run(
    count: u64,
    size: usize,
    serialization: Serialization,
    child: Option<std::ffi::OsString>,
    node: Option<std::ffi::OsString>,
) -> ruv::core::Result<()> {
    let mut lp: Loop<Run> = Loop::new()?;
    let mut opts = ForkOptions {
        serialization,
        ..ForkOptions::default()
    };
    let module = match (node, child) {
        (Some(script), _) => {
            opts.exec_path = Some("node".into());
            script
        }
        (None, Some(path)) => path,
        (None, None) => std::env::current_exe()
            .map_err(|e| ruv::core::Error::from_io(&e, "readlink"))?
            .with_file_name("fork_child")
            .into_os_string(),
    };
    fork(
        &mut lp,
        &module,
        &[] as &[&str],
        opts,
        |lp, run: &mut Run, me, ev| {
            match ev {
                ForkEvent::Spawn => {
                    run.t0 = Some(Instant::now());
                    me.send(lp, &run.payload)?;
                }
                ForkEvent::Message(_) => {
                    run.rtt += 1;
                    run.left -= 1;
                    if run.left == 0 {
                        me.disconnect(lp)?;
                    } else {
                        me.send(lp, &run.payload)?;
                    }
                }
                ForkEvent::Error(e) => return Err(e),
                ForkEvent::Exit { code, signal } if code != Some(0) => {
                    eprintln!("fork_parent: the child ended with code {code:?}, signal {signal:?}");
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    let mut run_state = Run {
        left: count,
        payload: "x".repeat(size),
        t0: None,
        rtt: 0,
    };
    lp.run(RunMode::Default, &mut run_state)?;
    let secs = run_state.t0.map_or(0.0, |t| t.elapsed().as_secs_f64());
    println!(
        "{} round trips of {size} bytes ({}) in {:.3} s: {:.0} per second",
        run_state.rtt,
        serialization.name(),
        secs,
        run_state.rtt as f64 / secs.max(1e-9)
    );
    Ok(())
}
