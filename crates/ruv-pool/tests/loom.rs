//! Exhaustive (bounded) model check of the queue hand-off with loom.
//!
//! Not part of the normal test run. Run with:
//!
//! ```text
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p ruv-pool --test loom --release
//! ```
//!
//! Under `--cfg loom` the pool's mutex, condition variable, `Arc` and threads are loom's, so loom
//! explores the interleavings of submitters, cancellers and workers (parking, waking, taking,
//! shutting down). Each model asserts that every job runs exactly once or is cancelled exactly
//! once, that no wake-up is lost (the pool's drop would then hang, which loom reports as a
//! deadlock), and that the `SlowIo` cap holds.
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Condvar, Mutex};

use ruv_pool::{Pool, PoolConfig, WorkClass};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    // Enough to cover park/wake races between two workers and a submitter, small enough to
    // finish in seconds.
    builder.preemption_bound = Some(2);
    builder.check(f);
}

/// Blocks until `count` jobs have called [`Done::one`] (loom mutex + condvar, so a lost
/// wake-up in the pool shows up as a deadlock here).
#[derive(Clone)]
struct Done(Arc<(Mutex<usize>, Condvar)>);

impl Done {
    fn new() -> Self {
        Done(Arc::new((Mutex::new(0), Condvar::new())))
    }
    fn one(&self) {
        *self.0 .0.lock().unwrap() += 1;
        self.0 .1.notify_all();
    }
    fn wait_for(&self, count: usize) {
        let mut done = self.0 .0.lock().unwrap();
        while *done < count {
            done = self.0 .1.wait(done).unwrap();
        }
    }
}

fn counting_job(counter: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static {
    let counter = counter.clone();
    move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn no_lost_wake_up_before_shutdown() {
    model(|| {
        // The jobs must complete while the pool is alive: nothing but the submit-side wake-up
        // (and the hand-off between workers) can get them started.
        let pool = Pool::new(PoolConfig::new(2)).unwrap();
        let done = Done::new();
        for class in [WorkClass::Cpu, WorkClass::FastIo] {
            let done = done.clone();
            pool.submit(class, move || done.one());
        }
        done.wait_for(2);
        drop(pool);
    });
}

#[test]
fn jobs_that_need_each_other_get_two_workers() {
    model(|| {
        // Each job waits for the other to start: only a wake-up of the second worker (by the
        // submitter or passed on by the first worker) lets them finish.
        let pool = Pool::new(PoolConfig::new(2)).unwrap();
        let met = Done::new();
        let done = Done::new();
        for _ in 0..2 {
            let (met, done) = (met.clone(), done.clone());
            pool.submit(WorkClass::FastIo, move || {
                met.one();
                met.wait_for(2);
                done.one();
            });
        }
        done.wait_for(2);
        drop(pool);
    });
}

#[test]
fn submitted_jobs_run_once_and_drop_joins() {
    model(|| {
        let pool = Pool::new(PoolConfig::new(2)).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        pool.submit(WorkClass::Cpu, counting_job(&ran));
        pool.submit(WorkClass::FastIo, counting_job(&ran));
        drop(pool);
        assert_eq!(ran.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn cancel_races_with_workers_exactly_once() {
    model(|| {
        let pool = Pool::new(PoolConfig::new(1)).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let ticket = pool.submit(WorkClass::FastIo, counting_job(&ran));
        let other = pool.clone();
        let canceller = loom::thread::spawn(move || other.cancel(ticket).is_ok());
        pool.submit(WorkClass::Cpu, counting_job(&ran));
        let cancelled = canceller.join().unwrap();
        drop(pool);
        assert_eq!(ran.load(Ordering::SeqCst) + usize::from(cancelled), 2);
    });
}

#[test]
fn slow_io_cap_holds_and_capped_jobs_still_run() {
    model(|| {
        // 2 threads: at most one SlowIo job at a time; the second one must still be started
        // (by the hand-off when the first finishes) before shutdown.
        let pool = Pool::new(PoolConfig::new(2)).unwrap();
        let in_slow = Arc::new(AtomicUsize::new(0));
        // Counted, not asserted, inside jobs: the pool catches panics in jobs.
        let over_cap = Arc::new(AtomicUsize::new(0));
        let done = Done::new();
        for class in [WorkClass::SlowIo, WorkClass::SlowIo, WorkClass::FastIo] {
            let (in_slow, over_cap, done) = (in_slow.clone(), over_cap.clone(), done.clone());
            pool.submit(class, move || {
                if class == WorkClass::SlowIo {
                    if in_slow.fetch_add(1, Ordering::SeqCst) != 0 {
                        over_cap.fetch_add(1, Ordering::SeqCst);
                    }
                    in_slow.fetch_sub(1, Ordering::SeqCst);
                }
                done.one();
            });
        }
        done.wait_for(3);
        drop(pool);
        assert_eq!(over_cap.load(Ordering::SeqCst), 0, "SlowIo cap exceeded");
    });
}
