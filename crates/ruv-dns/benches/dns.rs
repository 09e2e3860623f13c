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
//!
//! With `RUV_DNS_PLAIN=RUNS` set, criterion is skipped: one warm-up batch, then RUNS batches per
//! mode (`coalesced`, `uncoalesced`), and one JSON line per mode shaped like node_dns.js's
//! (median and best ops/s, median process CPU per batch). `benches/compare.sh` alternates
//! that with node_dns.js for paired rounds.

use criterion::{criterion_group, Criterion, Throughput};
use ruv_core::{Loop, RunMode};
use ruv_dns::{lookup, LookupOptions};
use std::time::{Duration, Instant};

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

/// User + system CPU time of the whole process, in ms.
fn process_cpu_ms() -> f64 {
    // SAFETY: `rusage` is plain data (all-zero is valid) and getrusage only writes into it.
    let u = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(u.ru_utime) + ms(u.ru_stime)
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn plain(runs: usize) {
    let mut lp: Loop<Run> = Loop::new().unwrap();
    for (mode, on) in [("coalesced", true), ("uncoalesced", false)] {
        ruv_dns::set_coalescing(on);
        batch(&mut lp, "localhost"); // warm-up
        let (mut ops, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let (t0, c0) = (Instant::now(), process_cpu_ms());
            batch(&mut lp, "localhost");
            ops.push(TOTAL as f64 / t0.elapsed().as_secs_f64());
            cpu.push(process_cpu_ms() - c0);
        }
        let best = ops.iter().cloned().fold(0.0, f64::max);
        println!(
            "{{\"bench\":\"dns_lookup_100_in_flight\",\"host\":\"localhost\",\"ruv\":\"{mode}\",\
             \"total\":{TOTAL},\"in_flight\":{IN_FLIGHT},\"runs\":{runs},\
             \"median_ops_per_s\":{:.0},\"best_ops_per_s\":{best:.0},\"median_cpu_ms\":{:.1}}}",
            median(&mut ops),
            median(&mut cpu)
        );
    }
    ruv_dns::set_coalescing(true);
}

criterion_group!(benches, bench);

fn main() {
    if let Some(runs) = std::env::var("RUV_DNS_PLAIN")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        plain(runs);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
