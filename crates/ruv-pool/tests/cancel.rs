//! `Pool::cancel`: Ok only while a job is queued; Busy for running, finished or foreign work.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use common::{blocked_jobs, wait_for, Latch};
use ruv_pool::{CancelError, Pool, PoolConfig, WorkClass};

/// Sets its flag when dropped: shows that a cancelled job's captures are released.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A one-thread pool whose worker is held by a blocked job (returned with its latch).
fn busy_pool() -> (Pool, Latch, ruv_pool::Ticket) {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let latch = Latch::new();
    let (started, started_rx) = mpsc::channel();
    let ticket = blocked_jobs(&pool, WorkClass::FastIo, 1, &latch, &started)[0];
    started_rx.recv().unwrap();
    (pool, latch, ticket)
}

#[test]
fn cancel_queued_job_never_runs() {
    let (pool, latch, _) = busy_pool();
    let ran = Arc::new(AtomicBool::new(false));
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let ran2 = ran.clone();
    let ticket = pool.submit(WorkClass::FastIo, move || {
        let _flag = flag;
        ran2.store(true, Ordering::SeqCst);
    });
    assert_eq!(pool.metrics().queued, 1);
    assert_eq!(pool.cancel(ticket), Ok(()));
    assert!(
        dropped.load(Ordering::SeqCst),
        "dropped by cancel, on the caller's thread"
    );
    let m = pool.metrics();
    assert_eq!((m.queued, m.cancelled), (0, 1));
    latch.open();
    drop(pool); // runs whatever is still queued, then joins
    assert!(!ran.load(Ordering::SeqCst));
}

#[test]
fn cancel_running_job_is_busy() {
    let (pool, latch, running) = busy_pool();
    assert_eq!(pool.cancel(running), Err(CancelError::Busy));
    latch.open();
    wait_for(&pool, "job finished", |m| m.completed == 1);
    assert_eq!(pool.metrics().cancelled, 0);
}

#[test]
fn cancel_finished_job_is_busy() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let (tx, rx) = mpsc::channel();
    let ticket = pool.submit(WorkClass::Cpu, move || tx.send(()).unwrap());
    rx.recv().unwrap();
    assert_eq!(pool.cancel(ticket), Err(CancelError::Busy));
}

#[test]
fn cancel_twice_is_busy_the_second_time() {
    let (pool, latch, _) = busy_pool();
    let ticket = pool.submit(WorkClass::SlowIo, || panic!("cancelled job ran"));
    assert_eq!(pool.cancel(ticket), Ok(()));
    assert_eq!(pool.cancel(ticket), Err(CancelError::Busy));
    assert_eq!(pool.metrics().cancelled, 1);
    latch.open();
}

#[test]
fn cancel_ticket_of_another_pool_is_busy() {
    let (pool_a, latch, _) = busy_pool();
    let pool_b = Pool::new(PoolConfig::new(1)).unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let ran2 = ran.clone();
    let ticket = pool_a.submit(WorkClass::Cpu, move || ran2.store(true, Ordering::SeqCst));
    assert_eq!(pool_b.cancel(ticket), Err(CancelError::Busy));
    latch.open();
    drop(pool_a);
    assert!(
        ran.load(Ordering::SeqCst),
        "the job of pool A was not touched"
    );
}

#[test]
fn cancel_many_queued_jobs_in_any_order() {
    // libuv's cancel_work: saturate the pool, queue more, cancel them all, then unblock.
    let pool = Pool::new(PoolConfig::new(4)).unwrap();
    let latch = Latch::new();
    let (started, started_rx) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::FastIo, 4, &latch, &started);
    for _ in 0..4 {
        started_rx.recv().unwrap();
    }
    let ran = Arc::new(AtomicUsize::new(0));
    let classes = [WorkClass::Cpu, WorkClass::FastIo, WorkClass::SlowIo];
    let mut tickets: Vec<_> = (0..16)
        .map(|i| {
            let ran = ran.clone();
            pool.submit(classes[i % 3], move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // Cancel in a scrambled order: back, front, middle.
    tickets.rotate_left(5);
    tickets.swap(0, 15);
    for t in &tickets {
        assert_eq!(pool.cancel(*t), Ok(()));
    }
    let m = pool.metrics();
    assert_eq!((m.queued, m.cancelled, m.running), (0, 16, 4));
    latch.open();
    drop(pool);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn cancel_error_is_an_error_value() {
    let err: Box<dyn std::error::Error> = Box::new(CancelError::Busy);
    assert!(!err.to_string().is_empty());
}
