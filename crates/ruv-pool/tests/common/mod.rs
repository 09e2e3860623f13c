//! Helpers shared by the integration tests: a latch to hold jobs deterministically, and a bounded
//! wait for a pool state that the pool reaches on its own (a worker parking after a job).
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use ruv_pool::{Pool, PoolMetrics};

/// A one-shot gate: jobs `wait()` on it until the test calls `open()`.
#[derive(Clone, Default)]
pub struct Latch(Arc<(Mutex<bool>, Condvar)>);

impl Latch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open(&self) {
        *self.0 .0.lock().unwrap() = true;
        self.0 .1.notify_all();
    }

    pub fn wait(&self) {
        let mut open = self.0 .0.lock().unwrap();
        while !*open {
            open = self.0 .1.wait(open).unwrap();
        }
    }
}

/// Waits until the pool's metrics satisfy `pred`. The pool gets there by itself (e.g. a worker
/// parks after its job); this only yields while polling. The generous bound turns a bug into a
/// failure instead of a hang; it is never a timing assertion.
pub fn wait_for(pool: &Pool, what: &str, pred: impl Fn(&PoolMetrics) -> bool) -> PoolMetrics {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let m = pool.metrics();
        if pred(&m) {
            return m;
        }
        assert!(
            Instant::now() < give_up,
            "pool never reached: {what}; last {m:?}"
        );
        std::thread::yield_now();
    }
}

/// Submits `count` jobs of `class` that each report on `started` and then wait on `latch`.
pub fn blocked_jobs(
    pool: &Pool,
    class: ruv_pool::WorkClass,
    count: usize,
    latch: &Latch,
    started: &std::sync::mpsc::Sender<usize>,
) -> Vec<ruv_pool::Ticket> {
    (0..count)
        .map(|i| {
            let latch = latch.clone();
            let started = started.clone();
            pool.submit(class, move || {
                started.send(i).unwrap();
                latch.wait();
            })
        })
        .collect()
}
