//! `pbkdf2_sha512_100k_512`: the pool experiment's hash ('secret', 'salt', 100000, 512,
//! 'sha512') by `pbkdf2_sync` on one thread (8 blocks in AVX-512 lanes where the CPU has
//! it); `pbkdf2_sha512_100k_512_serial`: the same bytes one block after the other, like
//! OpenSSL. Compare with node_pbkdf2.js (`crypto.pbkdf2Sync`).

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
    // The same hash one 64-byte block after the other, as OpenSSL computes it.
    let params = ruv_crypto::Pbkdf2Params::validate(6, 4, 100_000, 512, "sha512").unwrap();
    g.bench_function("pbkdf2_sha512_100k_512_serial", |b| {
        b.iter(|| {
            let mut out = vec![0; 512];
            params.derive_serial_into(black_box(b"secret"), black_box(b"salt"), &mut out);
            out
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
