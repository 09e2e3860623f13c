//! Node.js's `dns.lookup` and `dns.lookupService` for ruv: the system resolver
//! (`getaddrinfo`/`getnameinfo`) run on the worker pool, answers back on the loop.
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_dns::{lookup, lookup_service, LookupAddress, LookupOptions};
//! use std::net::IpAddr;
//!
//! #[derive(Default)]
//! struct Found {
//!     localhost: Vec<LookupAddress>,
//!     numeric: Vec<LookupAddress>,
//!     service: Option<(String, String)>,
//! }
//!
//! let mut lp: Loop<Found> = Loop::new()?;
//! // Like dns.lookup('localhost', {family: 4, all: true}, cb): through getaddrinfo on the pool.
//! let opts = LookupOptions { family: 4, all: true, ..LookupOptions::default() };
//! lookup(&mut lp, "localhost", opts, |_lp, found, res| found.localhost = res.unwrap())?;
//! // A numeric address is answered without the resolver (and without the pool).
//! lookup(&mut lp, "::1", LookupOptions::default(), |_lp, found, res| found.numeric = res.unwrap())?;
//! // Like dns.lookupService('127.0.0.1', 80, cb): getnameinfo on the pool.
//! let addr: IpAddr = [127, 0, 0, 1].into();
//! lookup_service(&mut lp, addr, 80, |_lp, found, res| found.service = res.ok())?;
//!
//! let mut found = Found::default();
//! lp.run(RunMode::Default, &mut found)?;
//! assert!(found.localhost.contains(&LookupAddress::new([127, 0, 0, 1].into())));
//! assert_eq!(found.numeric, [LookupAddress::new("::1".parse().unwrap())]);
//! # let _ = found.service;
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! # What happens, and where it differs from Node 20
//!
//! - **Where it runs.** Both calls run in the pool's [`WorkClass::SlowIo`] class, which never
//!   holds more than `(threads + 1) / 2` workers (libuv's rule for DNS), so slow lookups cannot
//!   starve file system work. [`lookup`] and [`lookup_service`] return the [`WorkReq`]; while
//!   it is still queued, [`Loop::cancel`] cancels it and the callback gets `EAI_CANCELED`, as
//!   libuv reports a cancelled `uv_getaddrinfo`/`uv_getnameinfo`.
//! - **Numeric hosts** (`"127.0.0.1"`, `"::1"`; whatever [`IpAddr`]'s parser accepts) are
//!   answered without `getaddrinfo` or the pool, as Node 20 answers them without a request:
//!   [`lookup`] returns `Ok(None)` and the callback runs in the next pending phase. Like Node,
//!   the address comes back as it is, whatever `family` asked for. So does an IPv6 literal
//!   with a zone (`"fe80::1%lo"`, `"fe80::1%2"`), which keeps its scope id
//!   ([`LookupAddress::scope_id`], the index of `lo`); a zone that names no interface is
//!   `ENOTFOUND`, where Node hands the string back unchecked.
//! - **Arguments** are checked as Node checks them, synchronously, with Node's
//!   `ERR_INVALID_ARG_VALUE` messages: `family` must be 0, 4 or 6; `hints` may only combine
//!   [`ADDRCONFIG`], [`V4MAPPED`] and [`ALL`]. Two checks are ruv's own: an empty host (Node
//!   20 calls back with a `null` address and a deprecation warning, DEP0118) and a host with a
//!   NUL byte (Node 20 passes it to the resolver, which stops at the NUL: `"localhost\0evil"`
//!   resolves as `localhost`) are `ERR_INVALID_ARG_VALUE`.
//! - **Errors** have Node's codes ([`ruv_dns::codes::ENOTFOUND`](crate::codes::ENOTFOUND),
//!   `EAI_AGAIN`, `EAI_FAIL`, …) and display as the code and Node's `err.message`:
//!   `ENOTFOUND: getaddrinfo ENOTFOUND nonexistent.invalid`. The syscall (`getaddrinfo` or
//!   `getnameinfo`) is the message's first word; it is not recorded apart (`err.syscall()` is
//!   `None`), since ruv-core's `Display` would print it a second time. The table is in
//!   `docs/dns.md`.
//! - **Identical lookups queued together share one call** (see [`set_coalescing`]).
//!
//! See `docs/dns.md` for the option semantics, the error table and the benchmark against Node.

#![warn(missing_docs)]

mod coalesce;
pub mod codes;
mod error;
mod options;
mod sys;

pub use options::{
    inspect_addresses, LookupAddress, LookupOptions, Order, ADDRCONFIG, ALL, V4MAPPED,
};

use coalesce::{Key, GLOBAL};
use error::{inspect_str, invalid_arg, to_error, work_error, Failure};
use options::Zoned;
use ruv_core::{Error, Loop, WorkClass, WorkReq};
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// libuv copies the host name into a 256-byte buffer: a name of this many bytes or more fails
/// with `EINVAL`, as in Node.
const MAX_HOST_LEN: usize = 256;

/// Resolves `host` to its addresses, like Node's `dns.lookup(host, options, cb)`: `cb` gets
/// every address (`opts.all`) or the first one, in `opts.order`, or an error.
///
/// Returns `Ok(Some(req))` when the lookup went to the pool (cancellable with
/// [`Loop::cancel`] while queued) and `Ok(None)` when it was answered without it (a numeric
/// host, with or without a zone, or a name too long to resolve); in both cases `cb` runs later, never inside this
/// call. Failures reach `cb` as errors with Node's message (`getaddrinfo ENOTFOUND host`).
///
/// # Errors
/// Synchronously, `ERR_INVALID_ARG_VALUE` for a `family` other than 0, 4 or 6, for `hints`
/// with other bits than [`ADDRCONFIG`] | [`V4MAPPED`] | [`ALL`], for an empty host and for a
/// host containing a NUL byte; and the pool's start-up error.
pub fn lookup<S: 'static>(
    lp: &mut Loop<S>,
    host: &str,
    opts: LookupOptions,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<LookupAddress>, Error>) + 'static,
) -> Result<Option<WorkReq>, Error> {
    opts.validate()?;
    check_host(host)?;
    if let Ok(ip) = host.parse::<IpAddr>() {
        let found = vec![LookupAddress::new(ip)];
        lp.defer(move |lp, s| cb(lp, s, Ok(found)));
        return Ok(None);
    }
    if let Some((ip, zone)) = zoned_literal(host) {
        let res = match zone_scope(zone) {
            Some(scope) => Ok(vec![LookupAddress::scoped(ip.into(), scope)]),
            // No interface of that name: what getaddrinfo answers for it.
            None => Err(to_error(
                Failure::Eai {
                    eai: libc::EAI_NONAME,
                    errno: 0,
                },
                "getaddrinfo",
                host,
            )),
        };
        lp.defer(move |lp, s| cb(lp, s, res));
        return Ok(None);
    }
    if host.len() >= MAX_HOST_LEN {
        let err = to_error(Failure::TooLong, "getaddrinfo", host);
        lp.defer(move |lp, s| cb(lp, s, Err(err)));
        return Ok(None);
    }
    let key = Key {
        host: sys::c_host(host),
        family: opts.ai_family(),
        flags: opts.hints,
    };
    let ticket = GLOBAL.ticket();
    let (order, all) = (opts.order, opts.all);
    let name: Box<str> = host.into();
    let req = lp.queue_work(
        WorkClass::SlowIo,
        move || resolve(&key, ticket, order, all),
        move |lp, s, res| {
            let res = res.unwrap_or_else(|e| Err(work_error(e, "getaddrinfo", &name)));
            cb(lp, s, res)
        },
    )?;
    Ok(Some(req))
}

/// The pool side of [`lookup`]: resolve (or share a fresh answer), then order and pick.
fn resolve(key: &Key, ticket: u64, order: Order, all: bool) -> Result<Vec<LookupAddress>, Error> {
    let outcome = GLOBAL.resolve(key, ticket, || {
        sys::getaddrinfo(&key.host, key.family, key.flags)
    });
    let host = key.host.to_str().unwrap_or_default();
    match &*outcome {
        Ok(ips) => {
            let found = options::arrange(ips, order, all);
            if found.is_empty() {
                Err(to_error(Failure::NoAddress, "getaddrinfo", host))
            } else {
                Ok(found)
            }
        }
        Err(f) => Err(to_error(*f, "getaddrinfo", host)),
    }
}

/// An IPv6 literal with a zone, as Node's `net.isIP` accepts it: `fe80::1%lo`, `fe80::1%2`
/// (the zone is one or more of `0-9`, `a-z`, `A-Z`, `-`, `.`, `:`). The address and the zone.
fn zoned_literal(host: &str) -> Option<(Ipv6Addr, &str)> {
    let (addr, zone) = host.split_once('%')?;
    let zone_ok = !zone.is_empty()
        && zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':'));
    if !zone_ok {
        return None;
    }
    Some((addr.parse().ok()?, zone))
}

/// The scope id a zone names: a number is the scope id itself (`%2`), a name the index of
/// the interface of that name (`%lo`). `None` for an unknown interface or a number past
/// `u32::MAX` (glibc's `getaddrinfo` rejects both too).
fn zone_scope(zone: &str) -> Option<u32> {
    if zone.bytes().all(|b| b.is_ascii_digit()) {
        zone.parse().ok()
    } else {
        sys::interface_index(zone)
    }
}

/// The host checks Node does not do (see the crate docs).
fn check_host(host: &str) -> Result<(), Error> {
    if host.is_empty() {
        return Err(invalid_arg(
            "The argument 'hostname' is invalid. Received ''".into(),
        ));
    }
    if host.contains('\0') {
        return Err(invalid_arg(format!(
            "The argument 'hostname' must be a string without null bytes. Received {}",
            inspect_str(host)
        )));
    }
    Ok(())
}

/// Finds the host name and service name of `addr` and `port`, like Node's
/// `dns.lookupService(address, port, cb)`: `getnameinfo` with `NI_NAMEREQD`, so an address
/// without a name is an error (`getnameinfo ENOTFOUND ::1`), and the service is the TCP one
/// from the services database (`"ssh"` for 22, `"http"` for 80), or the port number as text.
/// For a scoped IPv6 address (Node's `'fe80::1%lo'`), use [`lookup_service_addr`].
///
/// The typed arguments leave nothing to check: Node's `ERR_INVALID_ARG_VALUE` (address) and
/// `ERR_SOCKET_BAD_PORT` cannot happen. The request can be cancelled with [`Loop::cancel`]
/// while queued (`EAI_CANCELED`).
///
/// # Errors
/// The pool's start-up error.
pub fn lookup_service<S: 'static>(
    lp: &mut Loop<S>,
    addr: IpAddr,
    port: u16,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(String, String), Error>) + 'static,
) -> Result<WorkReq, Error> {
    lookup_service_addr(lp, SocketAddr::new(addr, port), cb)
}

/// [`lookup_service`] for a socket address: an IPv6 one keeps its scope id (and flow info)
/// for `getnameinfo`, as Node's `dns.lookupService('fe80::1%lo', 22, cb)` keeps the zone;
/// the error messages write the zone too (`getnameinfo ENOTFOUND fe80::1%lo`).
/// [`LookupAddress::socket_addr`] makes one from a [`lookup`] answer.
///
/// # Errors
/// The pool's start-up error.
pub fn lookup_service_addr<S: 'static>(
    lp: &mut Loop<S>,
    addr: SocketAddr,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(String, String), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let scope = match addr {
        SocketAddr::V6(a) => a.scope_id(),
        SocketAddr::V4(_) => 0,
    };
    let shown = Zoned(addr.ip(), scope).to_string();
    let shown_too = shown.clone();
    lp.queue_work(
        WorkClass::SlowIo,
        move || sys::getnameinfo(addr).map_err(|f| to_error(f, "getnameinfo", &shown)),
        move |lp, s, res| {
            let res = res.unwrap_or_else(|e| Err(work_error(e, "getnameinfo", &shown_too)));
            cb(lp, s, res)
        },
    )
}

/// Turns the sharing of resolver answers between identical queued lookups on (the default)
/// or off, process-wide.
///
/// When on, a lookup that reaches a worker may take the answer of an identical `getaddrinfo`
/// call (same host, family and hints) **that started after the lookup was submitted**, instead
/// of making its own call. Every answer still comes from a call made after the caller asked:
/// nothing is cached across time. It saves the repeated work of a burst of lookups of one name
/// (many connections to one host); the one visible difference is that such concurrent lookups
/// all see the same answer and order. Turning it off makes every lookup its own call, as in
/// Node.
pub fn set_coalescing(on: bool) {
    GLOBAL.set_enabled(on);
}
