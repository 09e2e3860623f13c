//! ruv-fs against Node's fs (compare with `node crates/ruv-fs/benches/node_fs.js`):
//!
//! * `fs_stat_100_in_flight/pool{1,4}`: 10 000 `stat` calls of one file per iteration, always
//!   100 in flight (each callback queues the next), on a dedicated pool of 1 or 4 threads.
//!   Criterion's throughput line is the ops/s figure.
//! * `fs_read_file_1mib/pool{1,4}`: `read_file` of a 1 MiB file, one at a time.
//!
//! `cargo bench -p ruv-fs --bench fs`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ruv_core::{Loop, RunMode};
use ruv_pool::{Pool, PoolConfig};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const STATS_PER_ITER: usize = 10_000;
const IN_FLIGHT: usize = 100;

struct StatRun {
    path: PathBuf,
    issued: usize,
    done: usize,
    total: usize,
}

fn issue(lp: &mut Loop<StatRun>, st: &mut StatRun) {
    st.issued += 1;
    ruv_fs::stat(lp, &st.path, |lp, st, r| {
        r.expect("stat");
        st.done += 1;
        if st.issued < st.total {
            issue(lp, st);
        }
    })
    .expect("queued");
}

fn stat_batch(lp: &mut Loop<StatRun>, path: &Path, total: usize) {
    let mut st = StatRun {
        path: path.to_path_buf(),
        issued: 0,
        done: 0,
        total,
    };
    lp.defer(|lp, st| {
        for _ in 0..IN_FLIGHT.min(st.total) {
            issue(lp, st);
        }
    });
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.done, total);
}

fn read_file_once(lp: &mut Loop<usize>, path: &Path) {
    ruv_fs::read_file(lp, path, |_, n, r| *n = r.expect("read_file").len()).unwrap();
    let mut n = 0;
    lp.run(RunMode::Default, &mut n).unwrap();
    assert_eq!(n, 1 << 20);
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("ruv-fs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = dir.join("stat-me");
    std::fs::write(&small, b"x").unwrap();
    let big = dir.join("one-mib");
    std::fs::write(&big, (0..1u32 << 20).map(|i| i as u8).collect::<Vec<u8>>()).unwrap();

    let mut g = c.benchmark_group("fs_stat_100_in_flight");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(STATS_PER_ITER as u64));
    for threads in [1, 4] {
        let pool = Pool::new(PoolConfig::new(threads)).unwrap();
        let mut lp: Loop<StatRun> = Loop::with_pool(pool).unwrap();
        stat_batch(&mut lp, &small, 1000); // warm-up: threads started, caches hot
        g.bench_function(format!("pool{threads}"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    stat_batch(&mut lp, &small, STATS_PER_ITER);
                }
                start.elapsed()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("fs_read_file_1mib");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(1 << 20));
    for threads in [1, 4] {
        let pool = Pool::new(PoolConfig::new(threads)).unwrap();
        let mut lp: Loop<usize> = Loop::with_pool(pool).unwrap();
        read_file_once(&mut lp, &big);
        g.bench_function(format!("pool{threads}"), |b| {
            b.iter(|| read_file_once(&mut lp, &big))
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
