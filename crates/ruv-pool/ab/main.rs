//! The pool bench's two loops (`benches/pool.rs`), timed in batches so that a loaded machine's
//! slow moments can be told apart: per row, the fastest batch and the median batch.
//!
//! - `roundtrip/{1,4}`: submit one `FastIo` job, wait for it on a channel; 15 batches of
//!   20 000.
//! - `throughput/{1,4}`: 100 000 no-op `Cpu` jobs back to back from one thread, the last one
//!   waking the submitter; 15 batches, per job.
//!
//! Each row also reports the CPU time all of the process's threads spent per operation (from
//! `/proc/self/task/*/schedstat`, in ns, over all batches): unlike the wall-clock figures it
//! does not grow while another process holds the CPU, which on a shared machine is most of the
//! noise.
//!
//! Built and run by `ab.sh` beside it against two versions of ruv-pool; it uses only
//! `Pool::new`, `PoolConfig::new` and `Pool::submit`, which every version has.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::Instant;

use ruv_pool::{Pool, PoolConfig, WorkClass};

const BATCHES: usize = 15;

/// On-CPU time of every thread of this process so far, in ns (Linux; 0 elsewhere).
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// (fastest, median, CPU per operation) in ns.
fn min_median(mut v: Vec<f64>, cpu: f64) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2], cpu)
}

fn roundtrip(threads: usize) -> (f64, f64, f64) {
    let pool = Pool::new(PoolConfig::new(threads)).unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let n = 20_000;
    let cpu = cpu_ns();
    let batches = (0..BATCHES)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                let tx = tx.clone();
                pool.submit(WorkClass::FastIo, move || tx.send(()).unwrap());
                rx.recv().unwrap();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    let cpu = (cpu_ns() - cpu) as f64 / (BATCHES * n) as f64;
    min_median(batches, cpu)
}

fn throughput(threads: usize) -> (f64, f64, f64) {
    let pool = Pool::new(PoolConfig::new(threads)).unwrap();
    let n = 100_000;
    let cpu = cpu_ns();
    let batches = (0..BATCHES)
        .map(|_| {
            let done = Arc::new((AtomicUsize::new(0), Mutex::new(false), Condvar::new()));
            let t = Instant::now();
            for _ in 0..n {
                let d = done.clone();
                pool.submit(WorkClass::Cpu, move || {
                    if d.0.fetch_add(1, Ordering::AcqRel) + 1 == n {
                        *d.1.lock().unwrap() = true;
                        d.2.notify_one();
                    }
                });
            }
            let mut finished = done.1.lock().unwrap();
            while !*finished {
                finished = done.2.wait(finished).unwrap();
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    let cpu = (cpu_ns() - cpu) as f64 / (BATCHES * n) as f64;
    min_median(batches, cpu)
}

fn main() {
    let rows = [
        ("roundtrip/1", roundtrip(1)),
        ("roundtrip/4", roundtrip(4)),
        ("throughput/1", throughput(1)),
        ("throughput/4", throughput(4)),
    ];
    for (name, (min, median, cpu)) in rows {
        println!("{name} {min:.0} {median:.0} {cpu:.0}");
    }
}
