//! An HTTP/1.1 server on ruv-http that streams every request body back as its response:
//! any size in constant memory (the request is paused while the response is backed up,
//! and TCP's flow control slows the client).
//!
//! ```sh
//! cargo run --release --example http_echo -- --port 8080
//! curl --data-binary @big.file http://127.0.0.1:8080/ > copy
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections (`--port 0`: any
//! free port; `--help` lists the flags). The response copies the request's `Content-Type`;
//! it is chunked (HTTP/1.1) unless the request had a `Content-Length`, which it then
//! repeats.

use ruv::core::stream::pipeline;
use ruv::core::{Loop, RunMode};
use ruv::http::{Server, ServerEvent, ServerOptions};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: http_echo [--port PORT]

An HTTP/1.1 server streaming each request body back as the response body, in constant
memory whatever its size. Prints `listening on http://127.0.0.1:PORT` once it accepts
connections.

  --port PORT   the port to listen on, 0 for any free port (default: 3000)
  -h, --help    print this help
";

fn main() {
    let mut args = Args::from_env("http_echo", USAGE);
    let mut port = 3000u16;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            other => args.unexpected(other),
        }
    }
    if let Err(e) = serve(port) {
        common::fail("http_echo", e);
    }
}

fn serve(port: u16) -> ruv::core::Result<()> {
    let mut lp: Loop<()> = Loop::new()?;
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, _, ev| {
        match ev {
            ServerEvent::Request(req, res) => {
                let head = req.head(lp)?;
                let kind = head.headers().get("content-type").map(|v| v.into_owned());
                let length = head.headers().get("content-length").map(|v| v.into_owned());
                if let Some(kind) = kind {
                    res.set_header(lp, "Content-Type", kind)?;
                }
                if let Some(length) = length {
                    res.set_header(lp, "Content-Length", length)?;
                }
                // body -> response with backpressure; a failure (the client went away)
                // is reported and ends only this exchange
                pipeline(lp, req, res, |_, _, r: ruv::core::Result<()>| {
                    if let Err(e) = r {
                        eprintln!("http_echo: {e}");
                    }
                })?;
            }
            ServerEvent::Error(e) => eprintln!("http_echo: {e}"),
            _ => {}
        }
        Ok::<(), ruv::core::Error>(())
    })?;
    server.listen(&mut lp, ([127, 0, 0, 1], port).into())?;
    println!(
        "listening on http://127.0.0.1:{}",
        server.address(&lp)?.port()
    );
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}
