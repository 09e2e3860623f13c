//! Start order, thread naming, stack size, `current_job`, and the `SlowIo` cap.

mod common;

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};

use common::{blocked_jobs, wait_for, Latch};
use ruv_pool::{current_job, Pool, PoolConfig, WorkClass};

#[test]
fn fifo_start_order_on_one_thread() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let latch = Latch::new();
    let (started, first) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::Cpu, 1, &latch, &started);
    first.recv().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let classes = [WorkClass::Cpu, WorkClass::FastIo, WorkClass::SlowIo];
    for i in 0..300 {
        let log = log.clone();
        pool.submit(classes[i % 3], move || log.lock().unwrap().push(i));
    }
    latch.open();
    drop(pool); // finishes every queued job
    assert_eq!(*log.lock().unwrap(), (0..300).collect::<Vec<_>>());
}

#[test]
fn submit_batch_keeps_fifo_order_and_returns_one_ticket_per_job() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let latch = Latch::new();
    let (started, first) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::Cpu, 1, &latch, &started);
    first.recv().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    pool.submit(WorkClass::Cpu, {
        let log = log.clone();
        move || log.lock().unwrap().push(0)
    });
    let mut jobs: Vec<(WorkClass, Box<dyn FnOnce() + Send>)> = (1..100)
        .map(|i| {
            let log = log.clone();
            let job: Box<dyn FnOnce() + Send> = Box::new(move || log.lock().unwrap().push(i));
            (WorkClass::FastIo, job)
        })
        .collect();
    let mut tickets = Vec::new();
    pool.submit_batch(&mut jobs, &mut tickets);
    assert!(jobs.is_empty());
    assert_eq!(tickets.len(), 99);
    // a batched job can be cancelled like any other
    pool.cancel(tickets[98]).unwrap();
    latch.open();
    drop(pool);
    assert_eq!(*log.lock().unwrap(), (0..99).collect::<Vec<_>>());
}

#[test]
fn worker_thread_names() {
    let pool = Pool::new(PoolConfig::new(3).name_prefix("namecheck")).unwrap();
    let barrier = Arc::new(Barrier::new(3));
    let (tx, rx) = mpsc::channel();
    for _ in 0..3 {
        let (barrier, tx) = (barrier.clone(), tx.clone());
        pool.submit(WorkClass::Cpu, move || {
            // All three jobs meet here, so each one is on a different worker.
            barrier.wait();
            let name = std::thread::current().name().map(str::to_owned);
            tx.send((name, current_job().unwrap().worker)).unwrap();
        });
    }
    let mut names = BTreeSet::new();
    for _ in 0..3 {
        let (name, worker) = rx.recv().unwrap();
        let name = name.unwrap();
        assert_eq!(name, format!("namecheck-{worker}"));
        names.insert(name);
    }
    let expected: BTreeSet<_> = (0..3).map(|i| format!("namecheck-{i}")).collect();
    assert_eq!(names, expected);
}

#[test]
fn default_thread_name_prefix() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::Cpu, move || {
        tx.send(std::thread::current().name().map(str::to_owned))
            .unwrap()
    });
    assert_eq!(rx.recv().unwrap().as_deref(), Some("ruv-worker-0"));
}

#[test]
fn stack_size_honoured() {
    const BIG: usize = 16 << 20; // far beyond the 2 MiB default stack
    let pool = Pool::new(PoolConfig::new(1).stack_size(BIG * 4)).unwrap();
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::Cpu, move || {
        let mut buf = [0u8; BIG];
        buf[BIG - 1] = 7;
        let buf = std::hint::black_box(&mut buf);
        tx.send(buf[0] as usize + buf[BIG - 1] as usize).unwrap();
    });
    assert_eq!(rx.recv().unwrap(), 7);
    assert_eq!(pool.metrics().panicked, 0);
}

#[test]
fn current_job_reports_worker_and_times_only_inside_jobs() {
    assert_eq!(current_job(), None);
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::FastIo, move || tx.send(current_job()).unwrap());
    let info = rx.recv().unwrap().expect("set inside a job");
    assert!(info.worker < 2);
    assert!(info.started_at >= info.queued_at);
    // Cleared between jobs: a job that spawns a plain thread sees None there.
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::Cpu, move || {
        let inner = std::thread::spawn(current_job).join().unwrap();
        tx.send(inner).unwrap();
    });
    assert_eq!(rx.recv().unwrap(), None);
}

#[test]
fn slow_io_cap() {
    // 4 threads: at most (4 + 1) / 2 = 2 SlowIo jobs at once.
    let pool = Pool::new(PoolConfig::new(4)).unwrap();
    let latch = Latch::new();
    let (started, started_rx) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::SlowIo, 3, &latch, &started);
    let mut first_two = [started_rx.recv().unwrap(), started_rx.recv().unwrap()];
    first_two.sort();
    assert_eq!(first_two, [0, 1], "FIFO among SlowIo jobs");
    // Two workers are free, yet the third SlowIo job waits.
    let m = wait_for(&pool, "two idle workers", |m| m.idle == 2);
    assert_eq!((m.running, m.queued), (2, 1));
    assert!(
        started_rx.try_recv().is_err(),
        "third SlowIo job must not start"
    );
    // A FastIo job still runs while the SlowIo jobs are blocked.
    let (tx, rx) = mpsc::channel();
    pool.submit(WorkClass::FastIo, move || tx.send(()).unwrap());
    rx.recv().unwrap();
    wait_for(&pool, "FastIo job completed", |m| m.completed == 1);
    assert!(
        started_rx.try_recv().is_err(),
        "third SlowIo job must still wait"
    );
    assert_eq!(pool.metrics().queued, 1);
    // Freeing the slots lets the third one run.
    latch.open();
    assert_eq!(started_rx.recv().unwrap(), 2);
    wait_for(&pool, "all done", |m| m.completed == 4);
}

#[test]
fn capped_worker_takes_oldest_other_job_and_slow_io_resumes() {
    // 2 threads: SlowIo cap is 1. One worker holds a SlowIo job, the other a Cpu job.
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let slow_latch = Latch::new();
    let cpu_latch = Latch::new();
    let (started, started_rx) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::SlowIo, 1, &slow_latch, &started);
    started_rx.recv().unwrap();
    blocked_jobs(&pool, WorkClass::Cpu, 1, &cpu_latch, &started);
    started_rx.recv().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    for (name, class) in [
        ("slow-a", WorkClass::SlowIo),
        ("fast-1", WorkClass::FastIo),
        ("slow-b", WorkClass::SlowIo),
        ("cpu-2", WorkClass::Cpu),
    ] {
        let log = log.clone();
        pool.submit(class, move || log.lock().unwrap().push(name));
    }
    // The Cpu worker frees up: it must skip slow-a/slow-b and run the others, oldest first.
    cpu_latch.open();
    wait_for(&pool, "non-slow jobs done", |m| m.completed == 3);
    assert_eq!(*log.lock().unwrap(), ["fast-1", "cpu-2"]);
    assert_eq!(pool.metrics().queued, 2);
    // The SlowIo slot frees up: the queued SlowIo jobs run, in order.
    slow_latch.open();
    drop(pool);
    assert_eq!(
        *log.lock().unwrap(),
        ["fast-1", "cpu-2", "slow-a", "slow-b"]
    );
}

#[test]
fn slow_io_alone_on_one_thread_still_runs() {
    // (1 + 1) / 2 = 1: a one-thread pool still runs SlowIo work.
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let (tx, rx) = mpsc::channel();
    for i in 0..3 {
        let tx = tx.clone();
        pool.submit(WorkClass::SlowIo, move || tx.send(i).unwrap());
    }
    assert_eq!(rx.iter().take(3).collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn every_worker_is_woken_when_jobs_need_them_all() {
    // Four jobs that wait for each other can only finish if all four workers run them at once:
    // the wake-up chain (one searching worker at a time) must reach every parked worker.
    let pool = Pool::new(PoolConfig::new(4)).unwrap();
    wait_for(&pool, "workers parked", |m| m.idle == 4);
    let barrier = Arc::new(Barrier::new(4));
    let (tx, rx) = mpsc::channel();
    for _ in 0..4 {
        let (barrier, tx) = (barrier.clone(), tx.clone());
        pool.submit(WorkClass::FastIo, move || {
            barrier.wait();
            tx.send(current_job().unwrap().worker).unwrap();
        });
    }
    let workers: BTreeSet<usize> = rx.iter().take(4).collect();
    assert_eq!(workers.len(), 4);
}
