//! IPv6 zones (`fe80::1%lo`): a literal with a zone is answered like Node's `net.isIP`
//! literals, without the resolver, and keeps its scope id; `lookup_service_addr` passes a
//! scope id to `getnameinfo` and writes the zone in its messages. Also: errors display as
//! the code and Node's `err.message`, nothing repeated.

use ruv_core::{Error, Loop, RunMode, Timer};
use ruv_dns::{lookup, lookup_service_addr, LookupAddress, LookupOptions};
use ruv_pool::{Pool, PoolConfig};
use std::net::{IpAddr, SocketAddr, SocketAddrV6, ToSocketAddrs};

type Found = Result<Vec<LookupAddress>, Error>;

/// The scope id glibc's `getaddrinfo` gives `fe80::1%lo` (through std): the index of `lo`.
fn lo_index() -> u32 {
    match ("fe80::1%lo", 0).to_socket_addrs().unwrap().next() {
        Some(SocketAddr::V6(a)) => a.scope_id(),
        other => panic!("{other:?}"),
    }
}

/// Looks `hosts` up on a fresh one-thread pool; returns the answers and how many pool jobs
/// ran.
fn lookups(hosts: &[&str], family: u8) -> (Vec<Found>, u64) {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut lp: Loop<Vec<Option<Found>>> = Loop::with_pool(pool.clone()).unwrap();
    let opts = LookupOptions {
        family,
        all: true,
        ..LookupOptions::default()
    };
    for (i, host) in hosts.iter().enumerate() {
        let req = lookup(&mut lp, host, opts, move |_, out, res| out[i] = Some(res)).unwrap();
        assert!(req.is_none(), "{host}: a literal needs no request");
    }
    let mut out = vec![None; hosts.len()];
    lp.run(RunMode::Default, &mut out).unwrap();
    let found = out.into_iter().map(|r| r.expect("callback ran")).collect();
    (found, pool.metrics().completed)
}

#[test]
fn a_literal_with_a_zone_keeps_its_scope_id() {
    let lo = lo_index();
    assert_ne!(lo, 0);
    let fe80: IpAddr = "fe80::1".parse().unwrap();
    // Node: dns.lookup('fe80::1%lo') -> 'fe80::1%lo', family 6, whatever family asked for.
    let (found, jobs) = lookups(&["fe80::1%lo", "fe80::1%7", "FE80::1%lo", "::1%lo"], 4);
    assert_eq!(jobs, 0, "zone literals are answered without the resolver");
    let want = |ip: IpAddr, scope| vec![LookupAddress::scoped(ip, scope)];
    assert_eq!(found[0].as_ref().unwrap(), &want(fe80, lo));
    assert_eq!(found[1].as_ref().unwrap(), &want(fe80, 7));
    assert_eq!(found[2].as_ref().unwrap(), &want(fe80, lo));
    assert_eq!(
        found[3].as_ref().unwrap(),
        &want("::1".parse().unwrap(), lo)
    );
    let a = found[0].as_ref().unwrap()[0];
    assert_eq!((a.family, a.scope_id), (6, lo));
    // As Node prints it, and what to connect to.
    assert_eq!(a.to_string(), "{ address: 'fe80::1%lo', family: 6 }");
    assert_eq!(
        a.socket_addr(80),
        SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, lo))
    );
}

#[test]
fn a_zone_that_names_no_interface_is_not_found() {
    // Node answers 'fe80::1%nosuch0' as it is; an address without its scope would mean
    // another one, so ruv says what getaddrinfo says: ENOTFOUND (and for a scope past u32).
    let (found, jobs) = lookups(&["fe80::1%nosuch0", "fe80::1%4294967296"], 0);
    assert_eq!(jobs, 0);
    for (res, host) in found.iter().zip(["fe80::1%nosuch0", "fe80::1%4294967296"]) {
        let err = res.as_ref().unwrap_err();
        assert_eq!(err.code(), ruv_dns::codes::ENOTFOUND);
        assert_eq!(
            err.to_string(),
            format!("ENOTFOUND: getaddrinfo ENOTFOUND {host}")
        );
    }
}

#[test]
fn not_an_ip_with_a_zone_goes_to_the_resolver_and_fails_like_node() {
    // Node's isIP rejects these zones ('%', '%a_b') and an IPv4 address with a zone; the
    // resolver rejects them too, without asking a server.
    let opts = LookupOptions::default();
    for host in ["fe80::1%", "fe80::1%a_b", "127.0.0.1%lo", "fe80::1%lo%x"] {
        let mut lp: Loop<Option<Found>> = Loop::new().unwrap();
        let req = lookup(&mut lp, host, opts, |_, out, res| *out = Some(res)).unwrap();
        assert!(req.is_some(), "{host} goes to the pool");
        let mut out = None;
        lp.run(RunMode::Default, &mut out).unwrap();
        let err = out.unwrap().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("ENOTFOUND: getaddrinfo ENOTFOUND {host}")
        );
    }
}

#[test]
fn lookup_service_addr_writes_the_zone_in_its_message() {
    // Node: dns.lookupService('fe80::1%lo', 22) -> 'getnameinfo ENOTFOUND fe80::1%lo'. The
    // reverse lookup may ask a DNS server: bounded, a skip rather than a hang.
    let lo = lo_index();
    let addr = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 22, 0, lo));
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut lp: Loop<Option<Result<(String, String), Error>>> =
        Loop::with_pool(pool.clone()).unwrap();
    let guard = Timer::new(&mut lp).unwrap();
    guard
        .start(&mut lp, 10_000, 0, |lp, _, _| lp.stop())
        .unwrap();
    lookup_service_addr(&mut lp, addr, move |lp, out, res| {
        *out = Some(res);
        guard.close(lp).unwrap();
    })
    .unwrap();
    let mut out = None;
    lp.run(RunMode::Default, &mut out).unwrap();
    let Some(res) = out else {
        // A worker is still blocked in the resolver: leak the pool rather than join it.
        std::mem::forget(pool);
        eprintln!("SKIP: getnameinfo did not answer within 10 s (DNS server unreachable)");
        return;
    };
    let err = res.unwrap_err();
    let text = err.to_string();
    assert!(
        text == "ENOTFOUND: getnameinfo ENOTFOUND fe80::1%lo"
            || text == "EAI_AGAIN: getnameinfo EAI_AGAIN fe80::1%lo",
        "{text}"
    );
}
