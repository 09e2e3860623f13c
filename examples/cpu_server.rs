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

use ruv::core::stream::StreamEvent;
use ruv::core::{Loop, RunMode};
use ruv::net::{BindOptions, Tcp};
use std::collections::HashMap;

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

#[derive(Default)]
struct Server {
    partial: HashMap<Tcp, Vec<u8>>,
}

fn on_read(lp: &mut Loop<Server>, srv: &mut Server, c: Tcp, ev: StreamEvent<'_>) {
    let data = match ev {
        StreamEvent::Data(d) => d,
        // the end: half-close once the answers are written (`Finish` then destroys it)
        StreamEvent::End => {
            srv.partial.remove(&c);
            if c.end(lp).is_err() {
                c.destroy(lp, None);
            }
            return;
        }
        StreamEvent::Error(_) | StreamEvent::Finish => {
            srv.partial.remove(&c);
            c.destroy(lp, None);
            return;
        }
        _ => return,
    };
    let mut buf = srv.partial.remove(&c).unwrap_or_default();
    buf.extend_from_slice(data);
    let mut used = 0;
    let mut out = Vec::new();
    let mut bad = false;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf[used..]) {
            Ok(httparse::Status::Complete(n)) => {
                used += n;
                busy();
                let body = format!("handled by process {}\n", std::process::id());
                out.extend_from_slice(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
            Ok(httparse::Status::Partial) => break,
            Err(_) => {
                bad = true;
                break;
            }
        }
    }
    if bad {
        out.extend_from_slice(
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        );
    }
    if !out.is_empty() && c.write(lp, out).is_err() {
        c.destroy(lp, None);
        return;
    }
    if bad {
        // answered 400: half-close once it is written, then `Finish` destroys it
        c.pause(lp);
        if c.end(lp).is_err() {
            c.destroy(lp, None);
        }
    } else if used < buf.len() {
        buf.drain(..used);
        srv.partial.insert(c, buf);
    }
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
    let mut lp: Loop<Server> = Loop::new()?;
    let opts = BindOptions {
        reuse_port: true,
        ..Default::default()
    };
    let server = Tcp::bind_with(&mut lp, ([127, 0, 0, 1], port).into(), opts)?;
    server.listen(&mut lp, 511, |lp, _, server, r| {
        // a failed accept (EMFILE …) is reported; the server goes on
        if let Err(e) = r.and_then(|()| server.accept(lp)?.on_event(lp, on_read)) {
            eprintln!("cpu_server: accept: {e}");
        }
    })?;
    let port = server.local_addr(&lp)?.port();
    eprintln!(
        "cpu_server: pid {}; every request blocks the loop",
        std::process::id()
    );
    println!("listening on http://127.0.0.1:{port}");
    lp.run(RunMode::Default, &mut Server::default())?;
    Ok(())
}
