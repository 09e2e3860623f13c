#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Pool work from the loop: libuv's `threadpool_cancel_*` (on a dedicated pool of 4 threads,
//! saturated with jobs blocked on a gate), `threadpool_multiple_event_loops`, a panicking job,
//! and dropping a loop with work in flight.

use ruv_core::{Code, Loop, Pool, RunMode, Timer, WorkClass, WorkReq};
use ruv_pool::PoolConfig;
use ruv_testkit::{bounded, recv_within, wait_until, Latch, LIMIT};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::Arc;

const POOL_THREADS: usize = 4;

#[derive(Default)]
struct Work {
    blockers_done: u32,
    done_ok: u32,
    cancelled: u32,
    other_errors: Vec<Code>,
    pending: Vec<WorkReq>,
}

/// A loop on a dedicated pool of 4 threads, each busy with a job blocked on `gate`. Returns
/// once all four jobs are running, so anything queued next waits in the pool's queue.
fn saturated(gate: &Latch) -> (Loop<Work>, Pool) {
    let pool = Pool::new(PoolConfig::new(POOL_THREADS).name_prefix("cancel-test")).unwrap();
    let mut lp: Loop<Work> = Loop::with_pool(pool.clone()).unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    for _ in 0..POOL_THREADS {
        let started = started_tx.clone();
        let gate = gate.clone();
        lp.queue_work(
            WorkClass::Cpu,
            move || {
                started.send(()).unwrap();
                assert!(gate.wait(), "the test never opened the gate");
            },
            |_, st: &mut Work, r| {
                r.unwrap();
                st.blockers_done += 1;
            },
        )
        .unwrap();
    }
    for _ in 0..POOL_THREADS {
        recv_within(&started_rx, "a blocking job to start");
    }
    assert_eq!(pool.metrics().running, POOL_THREADS);
    (lp, pool)
}

fn record(st: &mut Work, r: ruv_core::Result<()>) {
    match r {
        Ok(()) => st.done_ok += 1,
        Err(e) if e.code() == Code::ECANCELED => st.cancelled += 1,
        Err(e) => st.other_errors.push(e.code()),
    }
}

// ---------------------------------------------------------------------------------------------
// threadpool_cancel_work
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_queued_work_gets_ecanceled_and_never_runs() {
    bounded(|| {
        let gate = Latch::new();
        let (mut lp, pool) = saturated(&gate);
        let ran = Arc::new(AtomicUsize::new(0));
        let mut st = Work::default();
        for _ in 0..16 {
            let ran = ran.clone();
            let req = lp
                .queue_work(
                    WorkClass::Cpu,
                    move || {
                        ran.fetch_add(1, SeqCst);
                    },
                    |_, st: &mut Work, r| record(st, r),
                )
                .unwrap();
            st.pending.push(req);
        }
        assert_eq!(pool.metrics().queued, 16);
        // as libuv's test: a timer cancels them all, then unblocks the pool
        let t = Timer::new(&mut lp).unwrap();
        let opener = gate.clone();
        t.start(&mut lp, 0, 0, move |lp, st: &mut Work, _| {
            for req in std::mem::take(&mut st.pending) {
                lp.cancel(req).unwrap();
            }
            // the ECANCELED callbacks come later, never from inside cancel
            assert_eq!(st.cancelled, 0);
            opener.open();
        })
        .unwrap();
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.cancelled, 16);
        assert_eq!(st.done_ok, 0);
        assert!(st.other_errors.is_empty(), "{:?}", st.other_errors);
        assert_eq!(st.blockers_done, POOL_THREADS as u32);
        assert_eq!(ran.load(SeqCst), 0, "a cancelled work function ran");
        assert_eq!(pool.metrics().cancelled, 16);
        assert_eq!(lp.active_requests(), 0);
    });
}

// ---------------------------------------------------------------------------------------------
// threadpool_cancel_single
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_single_reports_later() {
    bounded(|| {
        let gate = Latch::new();
        let (mut lp, _pool) = saturated(&gate);
        let req = lp
            .queue_work(
                WorkClass::FastIo,
                || panic!("cancelled work ran"),
                |_, st: &mut Work, r| {
                    record(st, r);
                },
            )
            .unwrap();
        lp.cancel(req).unwrap();
        let mut st = Work::default();
        assert_eq!(st.cancelled, 0, "the callback has not run yet");
        // cancelling twice: it is no longer queued
        assert_eq!(lp.cancel(req).unwrap_err().code(), Code::EBUSY);
        assert!(
            lp.alive(),
            "the cancelled request still waits for its callback"
        );
        gate.open();
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.cancelled, 1);
        assert_eq!(st.done_ok, 0);
        // and once its callback ran, cancel is EBUSY too
        assert_eq!(lp.cancel(req).unwrap_err().code(), Code::EBUSY);
    });
}

// ---------------------------------------------------------------------------------------------
// threadpool_cancel_when_busy
// ---------------------------------------------------------------------------------------------

#[test]
fn cancel_running_work_is_ebusy_and_work_completes() {
    bounded(|| {
        let pool = Pool::new(PoolConfig::new(POOL_THREADS)).unwrap();
        let mut lp: Loop<Option<ruv_core::Result<u32>>> = Loop::with_pool(pool).unwrap();
        let gate = Latch::new();
        let g = gate.clone();
        let (started_tx, started_rx) = mpsc::channel();
        let req = lp
            .queue_work(
                WorkClass::Cpu,
                move || {
                    started_tx.send(()).unwrap();
                    assert!(g.wait());
                    42u32
                },
                |_, out, r| *out = Some(r),
            )
            .unwrap();
        recv_within(&started_rx, "the work to start");
        let err = lp.cancel(req).unwrap_err();
        assert_eq!(err.code(), Code::EBUSY);
        gate.open();
        let mut out = None;
        assert!(!lp.run(RunMode::Default, &mut out).unwrap());
        assert_eq!(out, Some(Ok(42)), "status 0: the work was not cancelled");
    });
}

#[test]
fn cancel_finished_but_undelivered_work_is_ebusy() {
    bounded(|| {
        let pool = Pool::new(PoolConfig::new(1)).unwrap();
        let mut lp: Loop<Option<ruv_core::Result<&'static str>>> =
            Loop::with_pool(pool.clone()).unwrap();
        let req = lp
            .queue_work(WorkClass::Cpu, || "done", |_, out, r| *out = Some(r))
            .unwrap();
        // `completed` counts the job after it handed its result to the loop
        assert!(wait_until(LIMIT, || pool.metrics().completed == 1));
        assert_eq!(lp.cancel(req).unwrap_err().code(), Code::EBUSY);
        let mut out = None;
        assert!(!lp.run(RunMode::Default, &mut out).unwrap());
        assert_eq!(out, Some(Ok("done")));
    });
}

// ---------------------------------------------------------------------------------------------
// threadpool_multiple_event_loops
// ---------------------------------------------------------------------------------------------

const LOOPS: usize = 4;
const CHAINS: usize = 4;
const STEPS: usize = 4;

struct Chains {
    me: usize,
    loop_thread: std::thread::ThreadId,
    completed: usize,
}

fn chain_step(lp: &mut Loop<Chains>, me: usize, chain: usize, step: usize) {
    lp.queue_work(
        WorkClass::FastIo,
        move || {
            // on a pool thread, never on a loop thread
            assert!(ruv_pool::current_job().is_some());
            (me, chain, step)
        },
        move |lp, st: &mut Chains, r| {
            let (who, c, s) = r.unwrap();
            assert_eq!(who, st.me, "a completion reached another loop");
            assert_eq!((c, s), (chain, step));
            assert_eq!(std::thread::current().id(), st.loop_thread);
            st.completed += 1;
            if step + 1 < STEPS {
                chain_step(lp, me, chain, step + 1);
            }
        },
    )
    .unwrap();
}

#[test]
fn queue_work_on_several_loops_completes_on_the_right_loop() {
    bounded(|| {
        let (done_tx, done_rx) = mpsc::channel();
        let threads: Vec<_> = (0..LOOPS)
            .map(|me| {
                let done = done_tx.clone();
                std::thread::spawn(move || {
                    // the process-global pool, shared by every loop
                    let mut lp: Loop<Chains> = Loop::new().unwrap();
                    for chain in 0..CHAINS {
                        chain_step(&mut lp, me, chain, 0);
                    }
                    let mut st = Chains {
                        me,
                        loop_thread: std::thread::current().id(),
                        completed: 0,
                    };
                    let alive = lp.run(RunMode::Default, &mut st).unwrap();
                    done.send((me, alive, st.completed)).unwrap();
                })
            })
            .collect();
        let mut seen = [false; LOOPS];
        for _ in 0..LOOPS {
            let (me, alive, completed) = recv_within(&done_rx, "a loop thread to finish");
            assert!(!alive, "loop {me} returned alive");
            assert_eq!(completed, CHAINS * STEPS, "loop {me}");
            seen[me] = true;
        }
        assert!(seen.iter().all(|&s| s));
        for th in threads {
            th.join().unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Panics, result types, drop
// ---------------------------------------------------------------------------------------------

#[test]
fn panicking_work_reaches_after_as_epanic() {
    bounded(|| {
        let pool = Pool::new(PoolConfig::new(1)).unwrap();
        let mut lp: Loop<Vec<String>> = Loop::with_pool(pool.clone()).unwrap();
        lp.queue_work(
            WorkClass::Cpu,
            || -> u32 { panic!("boom in work") },
            |_, log: &mut Vec<String>, r| {
                let e = r.unwrap_err();
                assert_eq!(e.code(), Code::EPANIC);
                assert!(e.to_string().contains("boom in work"), "{e}");
                log.push("panicked".into());
            },
        )
        .unwrap();
        // the only worker survived the panic
        lp.queue_work(
            WorkClass::Cpu,
            || String::from("after the panic"),
            |_, log: &mut Vec<String>, r| log.push(r.unwrap()),
        )
        .unwrap();
        let mut log = Vec::new();
        assert!(!lp.run(RunMode::Default, &mut log).unwrap());
        assert_eq!(log, ["panicked", "after the panic"]);
        // ruv catches the panic itself, so the pool counts two normal completions (the
        // counter moves after the job returns, which may be after its callback ran)
        assert!(wait_until(LIMIT, || pool.metrics().completed == 2));
        assert_eq!(pool.metrics().panicked, 0);
    });
}

#[test]
fn work_results_of_any_type_pass_through() {
    bounded(|| {
        let mut lp: Loop<Vec<u8>> = Loop::new().unwrap();
        lp.queue_work(
            WorkClass::Cpu,
            || (0u8..10).collect::<Vec<u8>>(),
            |_, out, r| *out = r.unwrap(),
        )
        .unwrap();
        let mut out = Vec::new();
        assert!(!lp.run(RunMode::Default, &mut out).unwrap());
        assert_eq!(out, (0u8..10).collect::<Vec<u8>>());
    });
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);
impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn dropping_loop_with_work_in_flight_is_safe_and_cancels_its_queued_work() {
    bounded(|| {
        let pool = Pool::new(PoolConfig::new(1)).unwrap();
        let mut lp: Loop<()> = Loop::with_pool(pool.clone()).unwrap();
        let gate = Latch::new();
        let results_dropped = Arc::new(AtomicUsize::new(0));
        let afters_dropped = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = mpsc::channel();
        // one running (blocked) job and one still queued behind it
        for _ in 0..2 {
            let g = gate.clone();
            let started = started_tx.clone();
            let rd = results_dropped.clone();
            let guard = DropCount(afters_dropped.clone());
            lp.queue_work(
                WorkClass::Cpu,
                move || {
                    let _ = started.send(());
                    assert!(g.wait());
                    DropCount(rd)
                },
                move |_, _, _| -> () {
                    let _keep = &guard;
                    panic!("after ran for a dropped loop");
                },
            )
            .unwrap();
        }
        recv_within(&started_rx, "the first job to start");
        drop(lp);
        // the loop's pending callbacks are gone with it, never called
        assert_eq!(afters_dropped.load(SeqCst), 2);
        // the running job finishes after the loop is gone: its result is dropped, not
        // delivered; the queued one was cancelled with the loop and never runs
        gate.open();
        drop(pool); // the last clone: joins the worker
        assert_eq!(results_dropped.load(SeqCst), 1);
    });
}

#[test]
fn dropping_loop_with_work_in_flight_on_global_pool_is_safe() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let gate = Latch::new();
        let g = gate.clone();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        lp.queue_work(
            WorkClass::Cpu,
            move || {
                assert!(g.wait());
                done_tx
            },
            |_, _, _| -> () { panic!("after ran for a dropped loop") },
        )
        .unwrap();
        drop(lp);
        gate.open();
        // the result (holding the sender) is dropped on the worker: the channel disconnects
        match done_rx.recv_timeout(LIMIT) {
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
            other => panic!("expected the result to be dropped, got {other:?}"),
        }
    });
}

/// Work queued from a callback is batched until the poll phase; cancelling it before then
/// still gives ECANCELED and the work never runs.
#[test]
fn cancel_of_work_queued_in_a_callback_before_it_reached_the_pool() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let ran = std::sync::Arc::new(AtomicBool::new(false));
    let mut lp: Loop<Vec<ruv_core::Code>> = Loop::new().unwrap();
    let ran2 = ran.clone();
    ruv_core::Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, move |lp, _, _| {
            let ran3 = ran2.clone();
            let req = lp
                .queue_work(
                    WorkClass::Cpu,
                    move || ran3.store(true, Ordering::SeqCst),
                    |_, codes, res| codes.push(res.unwrap_err().code()),
                )
                .unwrap();
            lp.cancel(req).unwrap();
            assert_eq!(lp.cancel(req).unwrap_err().code(), ruv_core::Code::EBUSY);
        })
        .unwrap();
    let mut codes = Vec::new();
    lp.run(RunMode::Default, &mut codes).unwrap();
    assert_eq!(codes, [ruv_core::Code::ECANCELED]);
    assert!(!ran.load(Ordering::SeqCst));
}

#[test]
fn with_a_compute_pool_cpu_work_does_not_hold_up_io_work() {
    // one thread each: if CPU work shared the I/O pool's only thread, the I/O job would
    // wait behind the held CPU job, and the order below would be reversed
    let mut lp: Loop<Vec<&'static str>> =
        Loop::with_pool(Pool::new(PoolConfig::new(1).name_prefix("io")).unwrap()).unwrap();
    lp.set_compute_pool(Pool::new(PoolConfig::new(1).name_prefix("cpu")).unwrap());
    let (release, held) = mpsc::channel::<()>();
    lp.queue_work(
        WorkClass::Cpu,
        move || held.recv_timeout(LIMIT).is_ok(),
        |_, log: &mut Vec<&'static str>, r| {
            assert!(r.unwrap(), "released by the I/O job's callback");
            log.push("cpu done");
        },
    )
    .unwrap();
    lp.queue_work(
        WorkClass::FastIo,
        || std::thread::current().name().map(str::to_string),
        move |_, log: &mut Vec<&'static str>, r| {
            assert!(r.unwrap().unwrap_or_default().starts_with("io"));
            log.push("io done");
            release.send(()).unwrap();
        },
    )
    .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["io done", "cpu done"]);
}
