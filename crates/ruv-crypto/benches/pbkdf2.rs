//! `pbkdf2_sha512_100k_512`: the pool experiment's hash ('secret', 'salt', 100000, 512,
//! 'sha512'), computed synchronously on one thread. Compare with node_pbkdf2.js.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pbkdf2");
    g.sample_size(10);
    g.bench_function("pbkdf2_sha512_100k_512", |b| {
        b.iter(|| {
            ruv_crypto::pbkdf2_sync(
                black_box(b"secret"),
                black_box(b"salt"),
                100_000,
                512,
                "sha512",
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
