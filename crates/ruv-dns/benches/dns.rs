//! `dns.lookup("localhost")` with 100 lookups in flight, as ops/s (criterion's thrpt, in
//! elements/s): each completed lookup starts the next until 20 000 are done. The pool is the
//! global one (4 threads unless UV_THREADPOOL_SIZE says otherwise), so at most 2 resolver calls
//! run at once, as in Node. Compare with `node crates/ruv-dns/benches/node_dns.js`.
//!
//! - `lookup_localhost_100_in_flight`: as shipped (identical queued lookups share a call).
//! - `lookup_localhost_100_in_flight_uncoalesced`: one getaddrinfo per lookup, as Node does.
//! - `lookup_numeric_100_in_flight`: "127.0.0.1", answered without the resolver.
//!
//! Run: `cargo bench -p ruv-dns --bench dns`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ruv_core::{Loop, RunMode};
use ruv_dns::{lookup, LookupOptions};
use std::time::Duration;

const TOTAL: usize = 20_000;
const IN_FLIGHT: usize = 100;

struct Run {
    host: &'static str,
    started: usize,
    done: usize,
}

fn start(lp: &mut Loop<Run>, host: &'static str) {
    lookup(lp, host, LookupOptions::default(), |lp, run, res| {
        res.expect("lookup");
        run.done += 1;
        if run.started < TOTAL {
            run.started += 1;
            start(lp, run.host);
        }
    })
    .expect("lookup queued");
}

fn batch(lp: &mut Loop<Run>, host: &'static str) {
    let mut run = Run {
        host,
        started: IN_FLIGHT,
        done: 0,
    };
    for _ in 0..IN_FLIGHT {
        start(lp, host);
    }
    lp.run(RunMode::Default, &mut run).unwrap();
    assert_eq!(run.done, TOTAL);
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("dns");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(TOTAL as u64));
    let mut lp: Loop<Run> = Loop::new().unwrap();
    ruv_dns::set_coalescing(true);
    g.bench_function("lookup_localhost_100_in_flight", |b| {
        b.iter(|| batch(&mut lp, "localhost"))
    });
    ruv_dns::set_coalescing(false);
    g.bench_function("lookup_localhost_100_in_flight_uncoalesced", |b| {
        b.iter(|| batch(&mut lp, "localhost"))
    });
    ruv_dns::set_coalescing(true);
    g.bench_function("lookup_numeric_100_in_flight", |b| {
        b.iter(|| batch(&mut lp, "127.0.0.1"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
