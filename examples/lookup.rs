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
//! status is 1; a bad argument exits with status 2 (`--help` lists the flags and defaults).

use ruv::core::{Error, Loop, RunMode};
use ruv::dns::{inspect_addresses, lookup, lookup_service, LookupOptions};
use std::net::IpAddr;
use std::process::ExitCode;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: lookup HOST [--family 0|4|6] [--order verbatim|ipv4first|ipv6first] [--hints N]
       lookup IP --service PORT

Resolves HOST with dns.lookup(HOST, {all: true}) and prints the addresses as Node does, or
with --service runs dns.lookupService(IP, PORT) and prints `hostname service`.

  HOST                 the name (or address) to resolve (required)
  --family 0|4|6       address family, 0 for both (default: 0)
  --order ORDER        verbatim, ipv4first or ipv6first (default: verbatim)
  --hints N            getaddrinfo flags, e.g. 1024 for AI_ADDRCONFIG (default: 0)
  --service PORT       look up the host name and service of IP:PORT instead (default: off)
  -h, --help           print this help
";

struct Options {
    host: String,
    opts: LookupOptions,
    service: Option<u16>,
}

fn parse_args() -> Options {
    let mut args = Args::from_env("lookup", USAGE);
    let mut host = None;
    let mut opts = LookupOptions {
        all: true,
        ..LookupOptions::default()
    };
    let mut service = None;
    while let Some(arg) = args.next() {
        match arg {
            Arg::Flag(f) if f == "--family" => opts.family = args.value(&f, "0, 4 or 6"),
            Arg::Flag(f) if f == "--order" => {
                let v = args.value_str(&f);
                opts.order = v.parse().unwrap_or_else(|e: Error| args.bad(e));
            }
            Arg::Flag(f) if f == "--hints" => opts.hints = args.value(&f, "an integer"),
            Arg::Flag(f) if f == "--service" => {
                service = Some(args.value(&f, "a port number, 0-65535"))
            }
            Arg::Positional(h) if host.is_none() => host = Some(args.text(h, "HOST")),
            other => args.unexpected(other),
        }
    }
    let host = host.unwrap_or_else(|| args.bad("HOST is missing"));
    if service.is_some() && host.parse::<IpAddr>().is_err() {
        args.bad(format!("--service needs an IP address, not {host:?}"));
    }
    Options {
        host,
        opts,
        service,
    }
}

/// What the callback leaves for `main` to print.
type Outcome = Option<Result<String, Error>>;

fn main() -> ExitCode {
    let args = parse_args();
    let mut lp: Loop<Outcome> = Loop::new().unwrap_or_else(|e| common::fail("lookup", e));
    let queued = match args.service {
        Some(port) => {
            let addr = args.host.parse::<IpAddr>().expect("checked by parse_args");
            lookup_service(&mut lp, addr, port, |_, out, res| {
                *out = Some(res.map(|(host, service)| format!("{host} {service}")));
            })
            .map(|_| ())
        }
        None => lookup(&mut lp, &args.host, args.opts, |_, out, res| {
            *out = Some(res.map(|found| inspect_addresses(&found)));
        })
        .map(|_| ()),
    };
    if let Err(e) = queued {
        // refused before it started: Node's argument checks (--family 5, --hints 3)
        eprintln!("lookup: {e}");
        eprintln!("try 'lookup --help' for usage");
        return ExitCode::from(common::USAGE_ERROR as u8);
    }
    let mut out = None;
    if let Err(e) = lp.run(RunMode::Default, &mut out) {
        common::fail("lookup", e);
    }
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
