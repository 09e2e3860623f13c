//! Fetches a URL with ruv's HTTP client (Node's `http.request`) and prints the response:
//! the status line, the headers as received, an empty line, then the body as it arrives.
//!
//! ```text
//! cargo run --example http_get -- http://127.0.0.1:3000/
//! cargo run --example http_get -- http://localhost:8080/echo --method POST --data 'hi' \
//!     --header 'Content-Type: text/plain'
//! ```
//!
//! ```text
//! HTTP/1.1 200 OK
//! Content-Type: text/plain
//! Content-Length: 5
//!
//! hello
//! ```
//!
//! `--help` lists the flags and their defaults. A bad URL or flag exits with status 2
//! (`http_get: ERR_INVALID_URL: Invalid URL: nope`, then a hint); a failed request prints
//! the error in Node's format (`http_get: ECONNREFUSED: connection refused, connect`,
//! `http_get: ECONNRESET: socket hang up`) and exits with 1. Any response, whatever its
//! status, exits with 0.

use ruv::core::{Code, Error, Loop, RunMode};
use ruv::http::client::{self, ClientEvent, RequestOptions};
use std::io::Write;
use std::process::ExitCode;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: http_get URL [--method METHOD] [--header 'NAME: VALUE']... [--data BODY] [--timeout MS]

Sends one request with ruv's HTTP client and prints the status line, the headers and the
body of the response.

  URL                    an http:// URL (required)
  --method METHOD        the request method (default: GET)
  --header 'NAME: VALUE' a request header, repeatable (default: none)
  --data BODY            the request body, sent with Content-Length (default: none)
  --timeout MS           give up after MS ms without socket activity, 0 for never
                         (default: 0)
  -h, --help             print this help
";

struct Options {
    request: RequestOptions,
    data: Option<Vec<u8>>,
}

fn parse_args() -> Options {
    let mut args = Args::from_env("http_get", USAGE);
    let mut url = None;
    let mut method = None;
    let mut headers = Vec::new();
    let mut data = None;
    let mut timeout = 0u64;
    while let Some(arg) = args.next() {
        match arg {
            Arg::Flag(f) if f == "--method" => method = Some(args.value_str(&f)),
            Arg::Flag(f) if f == "--header" => headers.push(args.value_str(&f)),
            Arg::Flag(f) if f == "--data" => data = Some(args.value_str(&f).into_bytes()),
            Arg::Flag(f) if f == "--timeout" => timeout = args.value(&f, "a number of ms"),
            Arg::Positional(u) if url.is_none() => url = Some(args.text(u, "URL")),
            other => args.unexpected(other),
        }
    }
    let url = url.unwrap_or_else(|| args.bad("URL is missing"));
    let mut request = RequestOptions::from_url(&url).unwrap_or_else(|e| args.bad(e));
    if let Some(m) = method {
        request.method = m;
    }
    for h in headers {
        let Some((name, value)) = h.split_once(':') else {
            args.bad(format!("--header must be 'NAME: VALUE', got {h:?}"));
        };
        let (name, value) = (name.trim().to_string(), value.trim().to_string());
        request
            .headers
            .append(name, value)
            .unwrap_or_else(|e| args.bad(e));
    }
    // 0 turns off the agent's own idle timeout too
    request.timeout = Some(timeout);
    Options { request, data }
}

/// The request's failure, if it failed.
type Outcome = Option<Error>;

fn on_event(
    lp: &mut Loop<Outcome>,
    failed: &mut Outcome,
    req: client::ClientRequest,
    ev: ClientEvent<'_>,
) -> ruv::core::Result<()> {
    let mut out = std::io::stdout().lock();
    match ev {
        ClientEvent::Response(head) => {
            let status = head.status_code();
            writeln!(
                out,
                "HTTP/{} {status} {}",
                head.http_version(),
                head.status_message()
            )?;
            for (name, value) in head.headers().iter() {
                out.write_all(name.as_bytes())?;
                out.write_all(b": ")?;
                out.write_all(value)?;
                out.write_all(b"\n")?;
            }
            out.write_all(b"\n")?;
        }
        ClientEvent::Data(d) => out.write_all(d)?,
        ClientEvent::End => out.flush()?,
        ClientEvent::Timeout => {
            let e = Error::new(Code::ETIMEDOUT).with_detail("no answer within --timeout");
            req.destroy(lp, Some(e));
        }
        ClientEvent::Error(e) => *failed = Some(e),
        _ => {}
    }
    Ok(())
}

fn main() -> ExitCode {
    let opts = parse_args();
    let mut lp: Loop<Outcome> = Loop::new().unwrap_or_else(|e| common::fail("http_get", e));
    let started = client::request(&mut lp, opts.request, on_event)
        .and_then(|req| req.end(&mut lp, opts.data));
    if let Err(e) = started {
        // refused before it started: the method, path or a header
        eprintln!("http_get: {e}");
        eprintln!("try 'http_get --help' for usage");
        return ExitCode::from(common::USAGE_ERROR as u8);
    }
    let mut failed = None;
    if let Err(e) = lp.run(RunMode::Default, &mut failed) {
        common::fail("http_get", e);
    }
    match failed {
        Some(e) => common::fail("http_get", e),
        None => ExitCode::SUCCESS,
    }
}
