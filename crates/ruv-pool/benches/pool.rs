//! Pool benchmarks (criterion). Kept short: the reference machine has 2 cores.
//!
//! - `pool_throughput/{threads}`: 100 000 no-op jobs submitted back to back from one thread;
//!   the last job to finish (a shared counter reaching the total) wakes the submitter once.
//!   Reported per job via `Throughput::Elements`.
//! - `pool_roundtrip/{threads}`: submit one job, wait for it (a channel), repeat: the latency of
//!   waking a parked worker and hearing back from it.
//!
//! Run: `cargo bench -p ruv-pool --bench pool`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ruv_pool::{Pool, PoolConfig, WorkClass};

const JOBS: usize = 100_000;

/// Counts finished jobs; the job that brings the count to the target wakes the waiter.
struct Countdown {
    done: AtomicUsize,
    finished: Mutex<bool>,
    cond: Condvar,
}

impl Countdown {
    fn new() -> Arc<Self> {
        Arc::new(Countdown {
            done: AtomicUsize::new(0),
            finished: Mutex::new(false),
            cond: Condvar::new(),
        })
    }

    fn job_done(&self, target: usize) {
        if self.done.fetch_add(1, Ordering::AcqRel) + 1 == target {
            *self.finished.lock().unwrap() = true;
            self.cond.notify_one();
        }
    }

    fn wait_and_reset(&self) {
        let mut finished = self.finished.lock().unwrap();
        while !*finished {
            finished = self.cond.wait(finished).unwrap();
        }
        *finished = false;
        self.done.store(0, Ordering::Relaxed);
    }
}

fn pool_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool_throughput");
    group.throughput(Throughput::Elements(JOBS as u64));
    for threads in [1, 4] {
        let pool = Pool::new(PoolConfig::new(threads)).unwrap();
        let countdown = Countdown::new();
        group.bench_with_input(BenchmarkId::from_parameter(threads), &threads, |b, _| {
            b.iter(|| {
                for _ in 0..JOBS {
                    let countdown = Arc::clone(&countdown);
                    pool.submit(WorkClass::Cpu, move || countdown.job_done(JOBS));
                }
                countdown.wait_and_reset();
            })
        });
    }
    group.finish();
}

fn pool_roundtrip(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool_roundtrip");
    for threads in [1, 4] {
        let pool = Pool::new(PoolConfig::new(threads)).unwrap();
        let (tx, rx) = mpsc::channel::<()>();
        group.bench_with_input(BenchmarkId::from_parameter(threads), &threads, |b, _| {
            b.iter(|| {
                let tx = tx.clone();
                pool.submit(WorkClass::FastIo, move || tx.send(()).unwrap());
                rx.recv().unwrap();
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = pool_throughput, pool_roundtrip
}
criterion_main!(benches);
