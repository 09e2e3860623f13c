//! An HTTP/1.1 server on ruv-http that answers `hello` to every request: Node's `http`
//! semantics (keep-alive, pipelining with answers in order, strict parsing, 400/431/408
//! for bad or slow clients, Node's timeouts), the server of `benches/http.sh`.
//!
//! ```sh
//! cargo run --release --example http_hello -- --port 8080   # --port 0: an ephemeral port
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections (the default port
//! is 3000; `--help` lists the flags; a bad flag exits with 2, a failure such as
//! `http_hello: EADDRINUSE: ...` with 1). A malformed request gets `400 Bad Request` and its
//! connection is closed; other connections are not affected. A client that does not read
//! its answers is paused (reading stops) until its output drains.

use ruv::core::{Loop, RunMode};
use ruv::http::{Server, ServerEvent, ServerOptions};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: http_hello [--port PORT] [--keep-alive-timeout MS]

An HTTP/1.1 server answering `hello` to every request (ruv-http: keep-alive, pipelining).
Prints `listening on http://127.0.0.1:PORT` once it accepts connections.

  --port PORT                the port to listen on, 0 for any free port (default: 3000)
  --keep-alive-timeout MS    idle keep-alive connections close after MS ms (default: 5000)
  -h, --help                 print this help
";

fn main() {
    let mut args = Args::from_env("http_hello", USAGE);
    let mut port = 3000u16;
    let mut opts = ServerOptions::default();
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            Arg::Flag(f) if f == "--keep-alive-timeout" => {
                opts.keep_alive_timeout = args.value(&f, "milliseconds")
            }
            other => args.unexpected(other),
        }
    }
    let run = || -> ruv::core::Result<()> {
        let mut lp: Loop<()> = Loop::new()?;
        let server = Server::create(&mut lp, opts, |lp, _, _, ev| match ev {
            ServerEvent::Request(_, res) => {
                res.set_header(lp, "Content-Type", "text/plain")?;
                res.end(lp, "hello")
            }
            ServerEvent::Error(e) => {
                // an accept error (EMFILE …): reported, the server goes on
                eprintln!("http_hello: {e}");
                Ok(())
            }
            _ => Ok(()),
        })?;
        server.listen(&mut lp, ([127, 0, 0, 1], port).into())?;
        println!(
            "listening on http://127.0.0.1:{}",
            server.address(&lp)?.port()
        );
        lp.run(RunMode::Default, &mut ())?;
        Ok(())
    };
    if let Err(e) = run() {
        common::fail("http_hello", e);
    }
}
