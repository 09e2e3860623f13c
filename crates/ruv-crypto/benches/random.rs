//! Random bytes and scrypt against Node (compare with node_random.js):
//!
//! - `random_bytes_32_loop_100_in_flight`: 10,000 `random_bytes(32)` requests through a
//!   ruv-core `Loop` and its worker pool, 100 in flight at any time (each callback queues
//!   the next); criterion's throughput is the ops/s figure.
//! - `random_bytes_65536_sync`: one `random_bytes_sync(65536)` on the calling thread.
//! - `scrypt_default`: one `scrypt_sync("secret", "salt", 64)` with Node's default options
//!   (N=16384, r=8, p=1).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ruv_core::{Loop, RunMode};
use ruv_crypto::{random_bytes, random_bytes_sync, scrypt_sync, ScryptOptions};

const OPS: u64 = 10_000;
const IN_FLIGHT: u64 = 100;

#[derive(Default)]
struct Run {
    issued: u64,
    done: u64,
    bytes: u64,
}

fn issue(lp: &mut Loop<Run>, st: &mut Run) {
    st.issued += 1;
    random_bytes(lp, 32, |lp, st: &mut Run, res| {
        st.done += 1;
        st.bytes += black_box(res.unwrap()).len() as u64;
        if st.issued < OPS {
            issue(lp, st);
        }
    })
    .unwrap();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("random");
    g.sample_size(20);

    let mut lp: Loop<Run> = Loop::new().unwrap();
    g.throughput(Throughput::Elements(OPS));
    g.bench_function("random_bytes_32_loop_100_in_flight", |b| {
        b.iter(|| {
            let mut st = Run::default();
            for _ in 0..IN_FLIGHT {
                issue(&mut lp, &mut st);
            }
            lp.run(RunMode::Default, &mut st).unwrap();
            assert_eq!((st.done, st.bytes), (OPS, OPS * 32));
        })
    });

    g.throughput(Throughput::Bytes(65536));
    g.bench_function("random_bytes_65536_sync", |b| {
        b.iter(|| random_bytes_sync(black_box(65536)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("scrypt");
    g.sample_size(10);
    let opts = ScryptOptions::default();
    g.bench_function("scrypt_default", |b| {
        b.iter(|| scrypt_sync(black_box(b"secret"), black_box(b"salt"), 64, &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
