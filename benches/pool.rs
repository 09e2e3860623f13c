//! Pool round trips through the loop (libuv's `queue_work` benchmarks) and the experiment's
//! hash.
//!
//! Run: `cargo bench --bench pool`.

use criterion::{criterion_group, criterion_main, Criterion};
use ruv::core::{Loop, RunMode, WorkClass};
use std::time::{Duration, Instant};

/// State: (submissions still to make, completions seen).
type Pump = (u64, u64);

/// A completion: count it and keep the pipeline full.
fn on_done(lp: &mut Loop<Pump>, st: &mut Pump) {
    st.1 += 1;
    if st.0 > 0 {
        st.0 -= 1;
        lp.queue_work(WorkClass::Cpu, || (), |lp, st, _| on_done(lp, st))
            .unwrap();
    }
}

/// Throughput: 4096 no-op round trips in flight (libuv here: ~3.6 M/s); time per round trip.
fn queue_work(c: &mut Criterion) {
    c.bench_function("queue_work", |b| {
        b.iter_custom(|iters| {
            let mut lp: Loop<Pump> = Loop::new().unwrap();
            let first = iters.min(4096);
            let mut st = (iters - first, 0);
            let t0 = Instant::now();
            for _ in 0..first {
                lp.queue_work(WorkClass::Cpu, || (), |lp, st, _| on_done(lp, st))
                    .unwrap();
            }
            lp.run(RunMode::Default, &mut st).unwrap();
            assert_eq!(st.1, iters);
            t0.elapsed()
        })
    });
}

/// Latency: one job at a time (libuv here: ~7.8 µs per round trip).
fn queue_work_roundtrip(c: &mut Criterion) {
    c.bench_function("queue_work_roundtrip", |b| {
        b.iter_custom(|iters| {
            fn again(lp: &mut Loop<u64>, left: &mut u64) {
                *left -= 1;
                if *left > 0 {
                    lp.queue_work(WorkClass::Cpu, || (), |lp, left, _| again(lp, left))
                        .unwrap();
                }
            }
            let mut lp: Loop<u64> = Loop::new().unwrap();
            let mut left = iters;
            let t0 = Instant::now();
            lp.queue_work(WorkClass::Cpu, || (), |lp, left, _| again(lp, left))
                .unwrap();
            lp.run(RunMode::Default, &mut left).unwrap();
            t0.elapsed()
        })
    });
}

/// The experiment's hash alone: pbkdf2-hmac-sha512, 100000 iterations, 512-byte key.
fn pbkdf2_sha512_100k_512(c: &mut Criterion) {
    let mut g = c.benchmark_group("pbkdf2");
    g.sample_size(10);
    g.bench_function("pbkdf2_sha512_100k_512", |b| {
        b.iter(|| ruv::crypto::pbkdf2_sync(b"secret", b"salt", 100_000, 512, "sha512").unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = queue_work, queue_work_roundtrip, pbkdf2_sha512_100k_512
}
criterion_main!(benches);
