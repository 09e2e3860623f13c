//! dns.lookup and dns.lookupService against the local system only: /etc/hosts, numeric
//! addresses, names the resolver rejects. No test needs a network; the two that may reach a
//! configured DNS server are bounded and report a skip instead of hanging.

use ruv_core::{Code, Error, Loop, RunMode, Timer, WorkClass};
use ruv_dns::{
    lookup, lookup_service, LookupAddress, LookupOptions, Order, ADDRCONFIG, ALL, V4MAPPED,
};
use ruv_pool::{Pool, PoolConfig};
use std::net::IpAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

type Found = Result<Vec<LookupAddress>, Error>;

/// Runs one lookup on a fresh loop and returns what its callback got.
fn lookup_once(host: &str, opts: LookupOptions) -> Found {
    let mut lp: Loop<Option<Found>> = Loop::new().unwrap();
    lookup(&mut lp, host, opts, |_, out, res| *out = Some(res)).unwrap();
    let mut out = None;
    lp.run(RunMode::Default, &mut out).unwrap();
    out.expect("callback ran")
}

/// A loop on a dedicated one-thread pool, for calls that may wait on a DNS server: a stuck
/// call then holds a worker of its own, not one of the global pool's that other tests use.
fn isolated_loop<S>() -> (Loop<S>, Pool) {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    (Loop::with_pool(pool.clone()).unwrap(), pool)
}

/// Runs `lp` until its guard timer stops it (`false`) or the work ends (`true`). When the
/// bound is hit, the pool is leaked on purpose: dropping it would join a worker still blocked
/// in the resolver.
fn run_bounded<S>(mut lp: Loop<S>, pool: Pool, state: &mut S) -> bool {
    lp.run(RunMode::Default, state).unwrap();
    let finished = lp.active_requests() == 0;
    drop(lp);
    if finished {
        drop(pool);
    } else {
        std::mem::forget(pool);
    }
    finished
}

/// Like `lookup_once`, but gives up after `bound` (a resolver may wait for a DNS server):
/// `None` then.
fn lookup_bounded(host: &str, opts: LookupOptions, bound: Duration) -> Option<Found> {
    let (mut lp, pool) = isolated_loop::<Option<Found>>();
    let guard = Timer::new(&mut lp).unwrap();
    guard
        .start(&mut lp, bound.as_millis() as u64, 0, |lp, _, _| lp.stop())
        .unwrap();
    lookup(&mut lp, host, opts, move |lp, out, res| {
        *out = Some(res);
        guard.close(lp).unwrap();
    })
    .unwrap();
    let mut out = None;
    run_bounded(lp, pool, &mut out);
    out
}

fn opts(family: u8, all: bool) -> LookupOptions {
    LookupOptions {
        family,
        all,
        ..LookupOptions::default()
    }
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> LookupAddress {
    LookupAddress::new(IpAddr::from([a, b, c, d]))
}

fn families_consistent(found: &[LookupAddress]) {
    for a in found {
        assert_eq!(a.family, if a.address.is_ipv4() { 4 } else { 6 }, "{a:?}");
    }
}

/// The message part of an error's text (after `CODE: `): Node's `err.message`.
fn message(e: &Error) -> String {
    let s = e.to_string();
    s.split_once(": ").map(|(_, m)| m.to_string()).unwrap_or(s)
}

#[test]
fn localhost_family_4_has_127_0_0_1() {
    let found = lookup_once("localhost", opts(4, true)).unwrap();
    assert!(found.contains(&v4(127, 0, 0, 1)), "{found:?}");
    assert!(found.iter().all(|a| a.family == 4), "{found:?}");
}

#[test]
fn localhost_any_family_is_loopback() {
    let found = lookup_once("localhost", opts(0, true)).unwrap();
    assert!(!found.is_empty());
    families_consistent(&found);
    assert!(found.iter().all(|a| a.address.is_loopback()), "{found:?}");
    // all: false gives the first of the same list.
    let first = lookup_once("localhost", opts(0, false)).unwrap();
    assert_eq!(first, found[..1]);
}

#[test]
fn localhost_family_6_is_ipv6_or_not_found() {
    // /etc/hosts may or may not name ::1 localhost: both answers are right, a mix is not.
    match lookup_once("localhost", opts(6, true)) {
        Ok(found) => assert!(found.iter().all(|a| a.family == 6 && a.address.is_ipv6())),
        Err(e) => {
            assert_eq!(e.code(), ruv_dns::codes::ENOTFOUND, "{e}");
            assert_eq!(message(&e), "getaddrinfo ENOTFOUND localhost");
        }
    }
}

#[test]
fn v4mapped_hint_with_family_6_gives_ipv6_only() {
    let found = lookup_once(
        "localhost",
        LookupOptions {
            hints: V4MAPPED,
            ..opts(6, true)
        },
    )
    .expect("localhost has an IPv4 address to map at least");
    assert!(
        found.iter().all(|a| a.family == 6 && a.address.is_ipv6()),
        "{found:?}"
    );
    let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
    let native: IpAddr = "::1".parse().unwrap();
    assert!(
        found
            .iter()
            .any(|a| a.address == mapped || a.address == native),
        "{found:?}"
    );
    // Every allowed combination of hints is accepted.
    for hints in [0, ADDRCONFIG, V4MAPPED | ALL, ADDRCONFIG | V4MAPPED | ALL] {
        lookup_once(
            "localhost",
            LookupOptions {
                hints,
                ..opts(4, true)
            },
        )
        .unwrap();
    }
}

#[test]
fn orders_are_stable_partitions_of_the_verbatim_list() {
    let verbatim = lookup_once("localhost", opts(0, true)).unwrap();
    for order in [Order::Ipv4First, Order::Ipv6First] {
        let got = lookup_once(
            "localhost",
            LookupOptions {
                order,
                ..opts(0, true)
            },
        )
        .unwrap();
        let first_is_v4 = order == Order::Ipv4First;
        let mut expected: Vec<_> = verbatim
            .iter()
            .filter(|a| a.address.is_ipv4() == first_is_v4)
            .copied()
            .collect();
        expected.extend(
            verbatim
                .iter()
                .filter(|a| a.address.is_ipv4() != first_is_v4),
        );
        assert_eq!(got, expected, "{order:?}");
        let one = lookup_once(
            "localhost",
            LookupOptions {
                order,
                ..opts(0, false)
            },
        )
        .unwrap();
        assert_eq!(one, expected[..1]);
    }
}

#[test]
fn numeric_hosts_are_answered_later_without_the_pool_whatever_the_family() {
    let cases: [(&str, u8, LookupAddress); 5] = [
        ("127.0.0.1", 0, v4(127, 0, 0, 1)),
        ("192.0.2.7", 4, v4(192, 0, 2, 7)),
        // Node returns a numeric host as it is, even when the family asked differs.
        ("192.0.2.7", 6, v4(192, 0, 2, 7)),
        ("::1", 4, LookupAddress::new("::1".parse().unwrap())),
        (
            "2001:db8::1",
            6,
            LookupAddress::new("2001:db8::1".parse().unwrap()),
        ),
    ];
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut lp: Loop<Vec<(usize, Found)>> = Loop::with_pool(pool.clone()).unwrap();
    for (i, (host, family, _)) in cases.iter().enumerate() {
        let req = lookup(&mut lp, host, opts(*family, true), move |_, out, res| {
            out.push((i, res));
        })
        .unwrap();
        assert!(req.is_none(), "a numeric host needs no request");
    }
    // (The callback cannot run inside `lookup`: only `run` has the state to give it.)
    let mut out = Vec::new();
    lp.run(RunMode::Default, &mut out).unwrap();
    assert_eq!(out.len(), cases.len());
    for (i, res) in out {
        assert_eq!(res.unwrap(), [cases[i].2], "{}", cases[i].0);
    }
    assert_eq!(pool.metrics().completed, 0, "no pool job for numeric hosts");
    // The IPv4-mapped form stays IPv6, as in Node.
    let mapped = lookup_once("::ffff:1.2.3.4", opts(0, false)).unwrap();
    assert_eq!(mapped[0].family, 6);
}

#[test]
fn names_that_are_not_ip_literals_go_to_the_resolver() {
    // Node's isIP says no to these; getaddrinfo (inet_aton) still reads them as IPv4.
    for host in ["127.1", "0x7f.1"] {
        let found = lookup_once(host, opts(0, true)).unwrap();
        assert_eq!(found, [v4(127, 0, 0, 1)], "{host}");
    }
}

#[test]
fn invalid_arguments_fail_synchronously_with_nodes_messages() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let mut check = |host: &str, o: LookupOptions, expected: &str| {
        let err = lookup(&mut lp, host, o, |_, _, _| panic!("no callback")).unwrap_err();
        assert_eq!(err.code(), Code::ERR_INVALID_ARG_VALUE);
        assert_eq!(
            err.to_string(),
            format!("ERR_INVALID_ARG_VALUE: {expected}")
        );
    };
    check(
        "localhost",
        opts(5, false),
        "The property 'options.family' must be one of: 0, 4, 6. Received 5",
    );
    check(
        "localhost",
        LookupOptions {
            hints: 1,
            ..LookupOptions::default()
        },
        "The argument 'hints' is invalid. Received 1",
    );
    check(
        "localhost",
        LookupOptions {
            hints: ADDRCONFIG | 64,
            ..LookupOptions::default()
        },
        "The argument 'hints' is invalid. Received 96",
    );
    check(
        "",
        opts(0, false),
        "The argument 'hostname' is invalid. Received ''",
    );
    check(
        "localhost\0evil",
        opts(0, false),
        "The argument 'hostname' must be a string without null bytes. \
         Received 'localhost\\x00evil'",
    );
    assert!(!lp.alive(), "nothing was queued");
}

#[test]
fn a_name_of_256_bytes_is_einval_like_libuv() {
    let long = "a".repeat(256);
    let err = lookup_once(&long, opts(0, false)).unwrap_err();
    assert_eq!(err.code(), Code::EINVAL);
    assert_eq!(message(&err), format!("getaddrinfo EINVAL {long}"));
}

/// The resolver's answer for a name that does not exist: ENOTFOUND, or EAI_AGAIN where the
/// configured DNS server cannot be reached (both are what Node reports). A resolver that waits
/// longer than the bound is reported as a skip.
fn expect_not_found(host: &str) {
    let started = Instant::now();
    let Some(res) = lookup_bounded(host, opts(0, true), Duration::from_secs(10)) else {
        eprintln!("SKIP {host}: the resolver did not answer within 10 s (DNS server unreachable)");
        return;
    };
    let err = res.unwrap_err();
    let text = message(&err);
    match err.code() {
        ruv_dns::codes::ENOTFOUND => assert_eq!(text, format!("getaddrinfo ENOTFOUND {host}")),
        ruv_dns::codes::EAI_AGAIN => assert_eq!(text, format!("getaddrinfo EAI_AGAIN {host}")),
        other => panic!("{host}: unexpected {other:?}: {err}"),
    }
    eprintln!("{host}: {err} in {:?}", started.elapsed());
}

#[test]
fn a_label_longer_than_63_bytes_is_not_found_without_asking_a_server() {
    // glibc cannot put such a name in a DNS query, so it fails locally and at once.
    expect_not_found(&format!("{}.invalid", "a".repeat(64)));
}

#[test]
fn a_name_under_invalid_is_not_found() {
    expect_not_found("nonexistent.invalid");
}

/// The service name of `port`/tcp in /etc/services, or the number as text (getnameinfo's
/// answer when the port has no name).
fn service_name(port: u16) -> String {
    let services = std::fs::read_to_string("/etc/services").unwrap_or_default();
    let wanted = format!("{port}/tcp");
    for line in services.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut cols = line.split_whitespace();
        if let (Some(name), Some(p)) = (cols.next(), cols.next()) {
            if p == wanted {
                return name.to_string();
            }
        }
    }
    port.to_string()
}

type Named = Result<(String, String), Error>;

fn lookup_service_once(addr: IpAddr, port: u16) -> Named {
    let mut lp: Loop<Option<Named>> = Loop::new().unwrap();
    let req = lookup_service(&mut lp, addr, port, |_, out, res| *out = Some(res)).unwrap();
    let _ = req;
    let mut out = None;
    lp.run(RunMode::Default, &mut out).unwrap();
    out.expect("callback ran")
}

#[test]
fn lookup_service_on_loopback_names_host_and_service() {
    let lo: IpAddr = [127, 0, 0, 1].into();
    for port in [22, 80, 0] {
        let (host, service) = lookup_service_once(lo, port).unwrap();
        assert!(!host.is_empty());
        assert_eq!(service, service_name(port), "port {port}");
    }
    let (_, service) = lookup_service_once(lo, 80).unwrap();
    if service_name(80) == "http" {
        assert_eq!(service, "http");
    }
}

#[test]
fn lookup_service_without_a_name_is_not_found() {
    // 192.0.2.0/24 is TEST-NET-1: no name anywhere. Only a DNS server could be asked, so the
    // wait is bounded like the lookups above.
    let addr: IpAddr = [192, 0, 2, 1].into();
    let (mut lp, pool) = isolated_loop::<Option<Named>>();
    let guard = Timer::new(&mut lp).unwrap();
    guard
        .start(&mut lp, 10_000, 0, |lp, _, _| lp.stop())
        .unwrap();
    lookup_service(&mut lp, addr, 80, move |lp, out, res| {
        *out = Some(res);
        guard.close(lp).unwrap();
    })
    .unwrap();
    let mut out = None;
    run_bounded(lp, pool, &mut out);
    let Some(res) = out else {
        eprintln!("SKIP: getnameinfo did not answer within 10 s (DNS server unreachable)");
        return;
    };
    let err = res.unwrap_err();
    assert!(
        message(&err) == "getnameinfo ENOTFOUND 192.0.2.1"
            || message(&err) == "getnameinfo EAI_AGAIN 192.0.2.1",
        "{err}"
    );
}

/// A loop on a dedicated one-thread pool whose only worker is held until the returned sender
/// sends (or is dropped).
fn loop_with_busy_worker<S>() -> (Loop<S>, Pool, mpsc::Sender<()>) {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut lp = Loop::with_pool(pool.clone()).unwrap();
    let (started_tx, started) = mpsc::channel();
    let (release, gate) = mpsc::channel::<()>();
    lp.queue_work(
        WorkClass::Cpu,
        move || {
            started_tx.send(()).unwrap();
            let _ = gate.recv();
        },
        |_, _, res| res.unwrap(),
    )
    .unwrap();
    started.recv().unwrap();
    (lp, pool, release)
}

#[test]
fn cancel_while_queued_gives_eai_canceled() {
    let (mut lp, pool, release) = loop_with_busy_worker::<Vec<String>>();
    let req = lookup(&mut lp, "localhost", opts(0, true), |_, log, res| {
        let err = res.unwrap_err();
        assert_eq!(err.code(), ruv_dns::codes::EAI_CANCELED);
        log.push(message(&err));
    })
    .unwrap()
    .expect("a name goes to the pool");
    let sreq = lookup_service(&mut lp, [127, 0, 0, 1].into(), 22, |_, log, res| {
        let err = res.unwrap_err();
        assert_eq!(err.code(), ruv_dns::codes::EAI_CANCELED);
        log.push(message(&err));
    })
    .unwrap();
    // One more that is not cancelled, to see the pool carry on.
    lookup(&mut lp, "localhost", opts(4, false), |_, log, res| {
        log.push(format!("{:?}", res.unwrap()[0].address));
    })
    .unwrap();
    lp.cancel(req).unwrap();
    lp.cancel(sreq).unwrap();
    assert_eq!(
        lp.cancel(req).unwrap_err().code(),
        Code::EBUSY,
        "a second cancel"
    );
    release.send(()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        log,
        [
            "getaddrinfo EAI_CANCELED localhost",
            "getnameinfo EAI_CANCELED 127.0.0.1",
            "127.0.0.1",
        ]
    );
    assert_eq!(pool.metrics().cancelled, 2);
}

#[test]
fn cancel_after_completion_is_ebusy() {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    let req = lookup(&mut lp, "localhost", opts(0, false), |_, n, res| {
        res.unwrap();
        *n += 1;
    })
    .unwrap()
    .unwrap();
    let mut n = 0;
    lp.run(RunMode::Default, &mut n).unwrap();
    assert_eq!(n, 1);
    assert_eq!(lp.cancel(req).unwrap_err().code(), Code::EBUSY);
}

/// Polls `cond` on the pool's metrics (workers reach a state on their own); 30 s turns a bug
/// into a failure instead of a hang.
fn wait_for(pool: &Pool, what: &str, cond: impl Fn(&ruv_pool::PoolMetrics) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond(&pool.metrics()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:?}",
            pool.metrics()
        );
        std::thread::yield_now();
    }
}

#[test]
fn lookups_are_slow_io_and_respect_the_cap() {
    // Two threads: at most one SlowIo job at a time. Hold that slot with a SlowIo job.
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let mut lp: Loop<Vec<&'static str>> = Loop::with_pool(pool.clone()).unwrap();
    let (started_tx, started) = mpsc::channel();
    let (release, gate) = mpsc::channel::<()>();
    lp.queue_work(
        WorkClass::SlowIo,
        move || {
            started_tx.send(()).unwrap();
            let _ = gate.recv();
        },
        |_, log, res| {
            res.unwrap();
            log.push("slow job");
        },
    )
    .unwrap();
    started.recv().unwrap();
    lookup(&mut lp, "localhost", opts(0, false), |_, log, res| {
        res.unwrap();
        log.push("lookup");
    })
    .unwrap();
    lookup_service(&mut lp, [127, 0, 0, 1].into(), 80, |_, log, res| {
        res.unwrap();
        log.push("lookup_service");
    })
    .unwrap();
    // The other worker goes idle: the lookups wait for the SlowIo slot, not for a thread.
    wait_for(&pool, "lookups queued beside an idle worker", |m| {
        m.running == 1 && m.queued == 2 && m.idle == 1
    });
    // Other classes still run meanwhile.
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::FastIo, move || tx.send(()).unwrap());
    rx.recv_timeout(Duration::from_secs(30))
        .expect("FastIo work ran past the queued lookups");
    assert_eq!(pool.metrics().queued, 2);
    release.send(()).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["slow job", "lookup", "lookup_service"]);
}

#[test]
fn many_concurrent_lookups_agree() {
    // Lookups queued together may share one resolver call: each must still get its own
    // family, order and all/first answer.
    let expected_v4 = lookup_once("localhost", opts(4, true)).unwrap();
    let expected_any = lookup_once("localhost", opts(0, true)).unwrap();
    let mut lp: Loop<usize> = Loop::new().unwrap();
    for i in 0..300 {
        let (o, exp) = match i % 3 {
            0 => (opts(4, true), expected_v4.clone()),
            1 => (opts(0, true), expected_any.clone()),
            _ => (opts(0, false), expected_any[..1].to_vec()),
        };
        lookup(&mut lp, "localhost", o, move |lp, done, res| {
            assert_eq!(res.unwrap(), exp);
            *done += 1;
            // A callback may start the next lookup.
            if *done == 300 {
                lookup(lp, "localhost", opts(4, false), |_, done, res| {
                    res.unwrap();
                    *done += 1;
                })
                .unwrap();
            }
        })
        .unwrap();
    }
    let mut done = 0;
    lp.run(RunMode::Default, &mut done).unwrap();
    assert_eq!(done, 301);
}
