//! One-shot compression and decompression of an 8 MiB text-like corpus, at the default
//! options: `deflate_8mib` (`deflate_sync`), `inflate_8mib` (`inflate_sync` of its
//! output), and the same for gzip. Throughput is counted in uncompressed bytes, in MB/s
//! (10^6 bytes), both ways. node_zlib.js times `zlib.deflateSync` and friends on the same
//! corpus (same generator, same FNV-1a check) and prints JSON.
//!
//! Run: `cargo bench -p ruv-zlib --bench zlib` and `node crates/ruv-zlib/benches/node_zlib.js`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

use ruv_zlib::Options;

const CORPUS_BYTES: usize = 8 << 20;
/// FNV-1a (32-bit) of the corpus; node_zlib.js checks the same value.
const CORPUS_FNV1A: u32 = 0xedaa_d682;

const WORDS: [&str; 64] = [
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by",
    "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an",
    "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
    "been", "if", "more", "when", "will", "would", "who", "so", "no", "loop", "worker", "pool",
    "stream", "buffer", "callback", "event", "timer", "handle", "request", "compress", "window",
    "deflate", "inflate", "header", "checksum",
];

/// The corpus: words picked by xorshift32 (seed 0x9e3779b9), separated by a space, a
/// comma and a space, or a full stop and a newline, cut at exactly 8 MiB.
fn corpus() -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    let mut out = Vec::with_capacity(CORPUS_BYTES + 32);
    while out.len() < CORPUS_BYTES {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        out.extend_from_slice(WORDS[(x % 64) as usize].as_bytes());
        let sep = (x >> 8) % 16;
        out.extend_from_slice(match sep {
            0 => b".\n".as_slice(),
            1 | 2 => b", ",
            _ => b" ",
        });
    }
    out.truncate(CORPUS_BYTES);
    out
}

fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn bench(c: &mut Criterion) {
    let data = corpus();
    let hash = fnv1a(&data);
    assert_eq!(hash, CORPUS_FNV1A, "corpus generator changed: {hash:#010x}");
    let opts = Options::default();
    let z = ruv_zlib::deflate_sync(&data, &opts).unwrap();
    let gz = ruv_zlib::gzip_sync(&data, &opts).unwrap();
    eprintln!(
        "corpus: {} bytes (fnv1a {hash:#010x}); deflate -> {} bytes, gzip -> {} bytes",
        data.len(),
        z.len(),
        gz.len()
    );
    assert_eq!(ruv_zlib::inflate_sync(&z, &opts).unwrap(), data);

    let mut g = c.benchmark_group("zlib");
    g.sample_size(10);
    g.throughput(Throughput::BytesDecimal(data.len() as u64));
    g.bench_function("deflate_8mib", |b| {
        b.iter(|| ruv_zlib::deflate_sync(black_box(&data), &opts).unwrap())
    });
    g.bench_function("inflate_8mib", |b| {
        b.iter(|| ruv_zlib::inflate_sync(black_box(&z), &opts).unwrap())
    });
    g.bench_function("gzip_8mib", |b| {
        b.iter(|| ruv_zlib::gzip_sync(black_box(&data), &opts).unwrap())
    });
    g.bench_function("gunzip_8mib", |b| {
        b.iter(|| ruv_zlib::gunzip_sync(black_box(&gz), &opts).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
