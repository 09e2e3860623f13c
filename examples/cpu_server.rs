//! An HTTP server that does CPU work on the loop thread: for every request a busy loop of
//! 10,000,000 steps, then it answers with its process id (`handled by process PID`).
//!
//! **It blocks the event loop on purpose**: while one request computes, no other connection
//! is read, accepted or answered. It is the server of the articles on Node's `cluster`
//! module: run several of them on one port (the listener sets `SO_REUSEPORT`) and the
//! kernel spreads connections over the processes, so a core each computes in parallel.
//!
//! ```sh
//! cargo run --release --example cpu_server -- --port 8000
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` on stdout once it accepts connections
//! (`--port 0`: any free port), and its pid on stderr. `--help` lists the flags; a bad flag
//! exits with 2, a failure (`cpu_server: EADDRINUSE: ...`) with 1.

use ruv::core::{Loop, RunMode};
use ruv::http::{Server, ServerEvent, ServerOptions};
use ruv::net::{BindOptions, Tcp};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const STEPS: u64 = 10_000_000;

/// The work per request: deliberately on the loop thread.
fn busy() -> u64 {
    let mut acc = 0u64;
    for i in 0..STEPS {
        acc = std::hint::black_box(acc.wrapping_add(i));
    }
    acc
}

const USAGE: &str = "\
usage: cpu_server [--port PORT]

An HTTP server that runs a 10,000,000-step busy loop on the loop thread for every request
(blocking the loop on purpose) and answers `handled by process PID`. The listener sets
SO_REUSEPORT, so several processes can share the port. Prints
`listening on http://127.0.0.1:PORT` once it accepts connections.

  --port PORT   the port to listen on, 0 for any free port (default: 8000)
  -h, --help    print this help
";

fn main() {
    let mut args = Args::from_env("cpu_server", USAGE);
    let mut port = 8000u16;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            other => args.unexpected(other),
        }
    }
    if let Err(e) = serve(port) {
        common::fail("cpu_server", e);
    }
}

fn serve(port: u16) -> ruv::core::Result<()> {
    let mut lp: Loop<()> = Loop::new()?;
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, _, ev| match ev {
        ServerEvent::Request(_, res) => {
            busy();
            res.set_header(lp, "Content-Type", "text/plain")?;
            res.end(lp, format!("handled by process {}\n", std::process::id()))
        }
        ServerEvent::Error(e) => {
            // an accept error (EMFILE …) is reported; the server goes on
            eprintln!("cpu_server: {e}");
            Ok(())
        }
        _ => Ok(()),
    })?;
    // the listener is bound here with SO_REUSEPORT and handed to the server
    let opts = BindOptions {
        reuse_port: true,
        ..Default::default()
    };
    let tcp = Tcp::bind_with(&mut lp, ([127, 0, 0, 1], port).into(), opts)?;
    server.listen_on(&mut lp, tcp, ruv::http::server::DEFAULT_BACKLOG)?;
    let port = server.address(&lp)?.port();
    eprintln!(
        "cpu_server: pid {}; every request blocks the loop",
        std::process::id()
    );
    println!("listening on http://127.0.0.1:{port}");
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}
