//! Resolves a host name and prints every address, as Node prints them.
//!
//! ```text
//! cargo run --example lookup -- localhost
//! cargo run --example lookup -- localhost --family 4 --order ipv6first
//! cargo run --example lookup -- 127.0.0.1 --service 22
//! ```
//!
//! The output is exactly what
//! `node -e "require('dns').lookup(HOST, {all: true}, (e, a) => console.log(a))"` prints for the
//! same answer: the array of `{ address, family }` objects on one line when it fits Node's
//! 80-column rule, else one object per line (see `ruv::dns::inspect_addresses`), e.g.
//!
//! ```text
//! [ { address: '127.0.0.1', family: 4 } ]
//! ```
//!
//! `--family 0|4|6`, `--order verbatim|ipv4first|ipv6first` and `--hints N` are Node's options.
//! `--service PORT` runs `dns.lookupService(HOST, PORT)` instead (HOST must be an IP address)
//! and prints `hostname service`. On failure the error goes to stderr as `Error: …` (its text
//! holds Node's message, e.g. `getaddrinfo ENOTFOUND nonexistent.invalid`) and the exit
//! status is 1; a bad argument exits with status 2.

use ruv::core::{Error, Loop, RunMode};
use ruv::dns::{inspect_addresses, lookup, lookup_service, LookupOptions};
use std::net::IpAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: lookup HOST [--family 0|4|6] [--order verbatim|ipv4first|ipv6first] \
                     [--hints N] [--service PORT]";

struct Args {
    host: String,
    opts: LookupOptions,
    service: Option<u16>,
}

fn parse_args() -> Result<Args, String> {
    let mut host = None;
    let mut opts = LookupOptions {
        all: true,
        ..LookupOptions::default()
    };
    let mut service = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--family" => {
                let v = value("--family")?;
                opts.family = v.parse().map_err(|_| format!("bad --family {v:?}"))?;
            }
            "--order" => {
                opts.order = value("--order")?
                    .parse()
                    .map_err(|e: Error| e.to_string())?
            }
            "--hints" => {
                let v = value("--hints")?;
                opts.hints = v.parse().map_err(|_| format!("bad --hints {v:?}"))?;
            }
            "--service" => {
                let v = value("--service")?;
                service = Some(v.parse().map_err(|_| format!("bad --service port {v:?}"))?);
            }
            "-h" | "--help" => return Err(String::new()),
            _ if host.is_none() && !arg.starts_with("--") => host = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let host = host.ok_or("HOST is missing")?;
    Ok(Args {
        host,
        opts,
        service,
    })
}

/// What the callback leaves for `main` to print.
type Outcome = Option<Result<String, Error>>;

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut lp: Loop<Outcome> = Loop::new().expect("event loop");
    let queued = match args.service {
        Some(port) => match args.host.parse::<IpAddr>() {
            Ok(addr) => lookup_service(&mut lp, addr, port, |_, out, res| {
                *out = Some(res.map(|(host, service)| format!("{host} {service}")));
            })
            .map(|_| ()),
            Err(_) => {
                eprintln!("--service needs an IP address, not {:?}", args.host);
                return ExitCode::from(2);
            }
        },
        None => lookup(&mut lp, &args.host, args.opts, |_, out, res| {
            *out = Some(res.map(|found| inspect_addresses(&found)));
        })
        .map(|_| ()),
    };
    if let Err(e) = queued {
        eprintln!("Error: {e}");
        return ExitCode::from(2);
    }
    let mut out = None;
    lp.run(RunMode::Default, &mut out).expect("loop run");
    match out.expect("the callback ran") {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}
