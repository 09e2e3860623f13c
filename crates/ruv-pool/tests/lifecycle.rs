//! Panics, metrics, and dropping a pool.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use common::{blocked_jobs, wait_for, Latch};
use ruv_pool::{Pool, PoolConfig, WorkClass};

#[test]
fn job_panic_worker_survives() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    pool.submit(WorkClass::Cpu, || {
        panic!("deliberate panic in a pool job (expected)")
    });
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::Cpu, move || tx.send("still serving").unwrap());
    assert_eq!(rx.recv().unwrap(), "still serving");
    // One worker: the panic was booked before the second job started.
    let m = pool.metrics();
    assert_eq!(m.panicked, 1);
    assert_eq!(m.threads, 1);
    wait_for(&pool, "both counted", |m| m.completed == 2);
}

#[test]
fn metrics_at_deterministic_points() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let m = wait_for(&pool, "workers parked", |m| m.idle == 2);
    assert_eq!((m.threads, m.queued, m.running, m.completed), (2, 0, 0, 0));

    let latch = Latch::new();
    let (started, started_rx) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::Cpu, 2, &latch, &started);
    started_rx.recv().unwrap();
    started_rx.recv().unwrap();
    let m = pool.metrics();
    assert_eq!((m.queued, m.running, m.idle), (0, 2, 0));

    let queued: Vec<_> = (0..3)
        .map(|_| pool.submit(WorkClass::FastIo, || {}))
        .collect();
    assert_eq!(pool.metrics().queued, 3);
    pool.cancel(queued[1]).unwrap();
    let m = pool.metrics();
    assert_eq!(
        (m.queued, m.running, m.cancelled, m.completed),
        (2, 2, 1, 0)
    );

    latch.open();
    let m = wait_for(&pool, "all done and parked", |m| {
        m.completed == 4 && m.idle == 2
    });
    assert_eq!((m.queued, m.running, m.cancelled, m.panicked), (0, 0, 1, 0));
    assert!(m.max_queue_wait <= m.total_queue_wait);
}

#[test]
fn drop_finishes_queued_jobs() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let latch = Latch::new();
    let (started, started_rx) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::Cpu, 1, &latch, &started);
    started_rx.recv().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    for _ in 0..50 {
        let count = count.clone();
        pool.submit(WorkClass::FastIo, move || {
            count.fetch_add(1, Ordering::SeqCst);
        });
    }
    latch.open();
    drop(pool); // blocks until the queue is drained and the worker joined
    assert_eq!(count.load(Ordering::SeqCst), 50);
}

#[test]
fn clones_share_workers_and_the_last_drop_joins() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let clone = pool.clone();
    let count = Arc::new(AtomicUsize::new(0));
    for p in [&pool, &clone] {
        let count = count.clone();
        p.submit(WorkClass::Cpu, move || {
            count.fetch_add(1, Ordering::SeqCst);
        });
    }
    drop(pool); // not the last clone: nothing stops
    let (tx, rx) = mpsc::channel();
    clone.submit(WorkClass::Cpu, move || tx.send(()).unwrap());
    rx.recv().unwrap();
    drop(clone);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

#[test]
fn last_clone_dropped_inside_job_does_not_deadlock() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let latch = Latch::new();
    let (done_tx, done_rx) = mpsc::channel();
    let inner = pool.clone();
    let gate = latch.clone();
    pool.submit(WorkClass::Cpu, move || {
        gate.wait();
        drop(inner); // the last clone: shuts the pool down from one of its own workers
        done_tx.send(()).unwrap();
    });
    drop(pool);
    latch.open();
    done_rx.recv().unwrap();
}
