//! `Halt`: stopping a loop for good from another thread (what a worker's terminate uses).

use ruv_core::{Idle, Loop, Pool, RunMode, Timer, WorkClass};
use ruv_pool::PoolConfig;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

#[test]
fn halt_from_another_thread_wakes_a_sleeping_loop_and_run_returns_alive() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let t = Timer::new(&mut lp).unwrap();
    // an hour: the loop sleeps in the poller until the halt wakes it
    t.start(&mut lp, 3_600_000, 0, |_, _, _| -> () {
        panic!("the timer must not fire")
    })
    .unwrap();
    let halt = lp.halt_handle();
    let (tx, rx) = mpsc::channel::<()>();
    let t0 = Timer::new(&mut lp).unwrap();
    t0.start(&mut lp, 0, 0, move |_, _, _| {
        // the loop is running: let the other thread halt it while it sleeps
        tx.send(()).unwrap();
    })
    .unwrap();
    let th = std::thread::spawn(move || {
        rx.recv().unwrap();
        halt.halt();
    });
    assert!(lp.run(RunMode::Default, &mut ()).unwrap());
    th.join().unwrap();
    assert!(lp.is_halted());
}

#[test]
fn halt_stops_at_the_next_callback_boundary_within_a_phase() {
    let mut lp: Loop<Vec<&'static str>> = Loop::new().unwrap();
    let halt = lp.halt_handle();
    // idle callbacks run newest first (libuv's order): a, started last, runs first
    let b = Idle::new(&mut lp).unwrap();
    b.start(&mut lp, |_, log, _| log.push("b")).unwrap();
    let a = Idle::new(&mut lp).unwrap();
    a.start(&mut lp, move |_, log, _| {
        log.push("a");
        halt.halt();
    })
    .unwrap();
    let mut log = Vec::new();
    assert!(lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(
        log,
        ["a"],
        "the second idle callback of the same phase must not run"
    );
}

#[test]
fn every_run_after_a_halt_returns_at_once_without_running_callbacks() {
    let mut lp: Loop<u32> = Loop::new().unwrap();
    let c = Idle::new(&mut lp).unwrap();
    c.start(&mut lp, |_, n, _| *n += 1).unwrap();
    lp.halt_handle().halt();
    let mut n = 0;
    assert!(lp.run(RunMode::Default, &mut n).unwrap());
    assert!(lp.run(RunMode::NoWait, &mut n).unwrap());
    assert_eq!(n, 0);
}

#[test]
fn dropping_a_loop_cancels_its_queued_pool_work() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut lp: Loop<()> = Loop::with_pool(pool.clone()).unwrap();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    // occupies the pool's only thread until released
    lp.queue_work(
        WorkClass::Cpu,
        move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        },
        |_, _, _| {},
    )
    .unwrap();
    let ran = Arc::new(AtomicBool::new(false));
    let ran2 = ran.clone();
    lp.queue_work(
        WorkClass::Cpu,
        move || ran2.store(true, Ordering::SeqCst),
        |_, _, _| {},
    )
    .unwrap();
    // one turn hands both to the pool; the first is then running, the second queued
    lp.run(RunMode::NoWait, &mut ()).unwrap();
    started_rx.recv().unwrap();
    drop(lp);
    release_tx.send(()).unwrap();
    // dropping the last clone finishes every job still queued, then joins the thread
    drop(pool);
    assert!(
        !ran.load(Ordering::SeqCst),
        "queued work of a dropped loop ran"
    );
}
