//! Loop metrics: libuv's `metrics_idle_time_zero`, `metrics_info_check` (with chained pool
//! work instead of fs requests), `metrics_pool_events`, and idle time seen from another thread
//! while the loop is blocked.

use ruv_core::{Async, Loop, Metrics, Pool, Prepare, RunMode, Timer, WorkClass};
use ruv_pool::PoolConfig;
use ruv_testkit::{bounded, recv_within, wait_until, Latch, LIMIT};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn metrics_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Metrics>();
}

#[test]
fn idle_time_zero_with_only_a_zero_timer() {
    bounded(|| {
        let mut lp: Loop<u64> = Loop::new().unwrap();
        let m = lp.metrics();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 0, 0, |_, n, _| *n += 1).unwrap();
        let mut calls = 0;
        assert!(!lp.run(RunMode::Default, &mut calls).unwrap());
        assert!(calls > 0);
        assert_eq!(m.idle_time(), Duration::ZERO, "nothing ever blocked");
        assert_eq!(m.loop_count(), calls);
    });
}

struct Info {
    metrics: Metrics,
    last_events: u64,
    steps: Vec<u64>,
}

fn info_step(lp: &mut Loop<Info>, step: u64) {
    lp.queue_work(
        WorkClass::FastIo,
        move || step,
        |lp, st: &mut Info, r| {
            let step = r.unwrap();
            let m = &st.metrics;
            // each completion arrives in the poll phase of the next iteration
            assert_eq!(m.loop_count(), step, "loop_count in completion {step}");
            assert!(m.events() > st.last_events, "events strictly increase");
            st.last_events = m.events();
            st.steps.push(step);
            if step < 3 {
                info_step(lp, step + 1);
            }
        },
    )
    .unwrap();
}

#[test]
fn loop_count_and_events_increase_across_chained_work() {
    bounded(|| {
        let mut lp: Loop<Info> = Loop::new().unwrap();
        let p = Prepare::new(&mut lp).unwrap();
        p.start(&mut lp, |lp, st: &mut Info, me| {
            me.stop(lp);
            assert_eq!(
                st.metrics.loop_count(),
                0,
                "the first prepare precedes poll"
            );
            st.last_events = st.metrics.events();
            info_step(lp, 1);
        })
        .unwrap();
        let mut st = Info {
            metrics: lp.metrics(),
            last_events: 0,
            steps: Vec::new(),
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert_eq!(st.steps, [1, 2, 3]);
        assert_eq!(st.metrics.loop_count(), 3);
        assert_eq!(st.metrics.events(), 3);
    });
}

#[test]
fn pool_completions_waiting_before_poll_count_as_events_waiting() {
    bounded(|| {
        let pool = Pool::new(PoolConfig::new(2)).unwrap();
        let mut lp: Loop<u32> = Loop::with_pool(pool.clone()).unwrap();
        for _ in 0..2 {
            lp.queue_work(WorkClass::Cpu, || 1u32, |_, n, r| *n += r.unwrap())
                .unwrap();
        }
        // both results are in the loop's inbox before it runs
        assert!(wait_until(LIMIT, || pool.metrics().completed == 2));
        let m = lp.metrics();
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert_eq!(n, 2);
        assert_eq!(m.events(), 2);
        assert_eq!(m.events_waiting(), 2);
        assert_eq!(m.loop_count(), 1);
        assert_eq!(m.idle_time(), Duration::ZERO, "nothing to wait for");
    });
}

#[test]
fn loop_count_counts_iterations() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let m = lp.metrics();
        let p = Prepare::new(&mut lp).unwrap();
        p.start(&mut lp, |_, _, _| {}).unwrap();
        for _ in 0..5 {
            assert!(lp.run(RunMode::NoWait, &mut ()).unwrap());
        }
        assert_eq!(m.loop_count(), 5);
        assert_eq!(m.idle_time(), Duration::ZERO, "NOWAIT never blocks");
    });
}

#[test]
fn idle_time_visible_from_another_thread_during_blocked_poll() {
    bounded(|| {
        let mut lp: Loop<u32> = Loop::new().unwrap();
        let a = Async::new(&mut lp, |lp, n, me| {
            *n += 1;
            me.close(lp).unwrap();
        })
        .unwrap();
        let sender = a.sender(&lp).unwrap();
        let m = lp.metrics();
        let (seen_tx, seen_rx) = mpsc::channel();
        let th = std::thread::spawn(move || {
            // the loop has nothing to do but wait for this thread: its idle time grows while
            // it is blocked, and a reader sees the wait in progress
            let seen = wait_until(LIMIT, || m.idle_time() > Duration::ZERO);
            seen_tx.send(seen).unwrap();
            // wake it either way, so a failure cannot hang the test
            sender.send().unwrap();
        });
        let mut n = 0;
        assert!(!lp.run(RunMode::Default, &mut n).unwrap());
        assert!(
            recv_within(&seen_rx, "the metrics reader"),
            "idle time stayed 0 while the loop was blocked"
        );
        assert_eq!(n, 1);
        assert!(lp.metrics().idle_time() > Duration::ZERO);
        th.join().unwrap();
    });
}

#[test]
fn busy_callback_time_is_not_idle_time() {
    // libuv's metrics_idle_time: a timer whose callback spins; the spin must not count as
    // idle. Scaled from 1000/600 ms to 20/20 ms; only correctness bounds are checked.
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let m = lp.metrics();
        let spin = Duration::from_millis(20);
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 20, 0, move |_, _, _| {
            let start = Instant::now();
            while start.elapsed() < spin {
                std::hint::spin_loop();
            }
        })
        .unwrap();
        let wall = Instant::now();
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
        let elapsed = wall.elapsed();
        let idle = m.idle_time();
        assert!(idle > Duration::ZERO, "the loop blocked until the timer");
        assert!(
            idle + spin <= elapsed,
            "idle {idle:?} + spin {spin:?} > elapsed {elapsed:?}"
        );
        let elu = m.utilization(None);
        assert!((0.0..=1.0).contains(&elu.utilization));
        assert!(elu.idle > 0.0 && elu.active > 0.0);
    });
}

#[test]
fn utilization_since_a_sample() {
    bounded(|| {
        let mut lp: Loop<()> = Loop::new().unwrap();
        let m = lp.metrics();
        let before = m.sample();
        let t = Timer::new(&mut lp).unwrap();
        t.start(&mut lp, 5, 0, |_, _, _| {}).unwrap();
        assert!(!lp.run(RunMode::Default, &mut ()).unwrap());
        let since = m.utilization(Some(&before));
        let total = m.utilization(None);
        assert!(since.idle > 0.0);
        assert!(since.idle <= total.idle + 1e-9);
        assert!(since.idle + since.active <= total.idle + total.active + 1e-9);
        assert!((0.0..=1.0).contains(&since.utilization));
        // a sample against itself: no time, utilization 0
        let s = m.sample();
        let zero = m.utilization(Some(&s));
        assert!(zero.idle == 0.0);
    });
}

struct Leftover {
    metrics: Metrics,
    a_at: u64,
    b_at: u64,
}

#[test]
fn leftover_wakeup_does_not_cost_an_iteration() {
    // libuv's info_check counts one iteration per chained completion. Here completion A is
    // already waiting when the loop starts, so the first poll phase takes it without waiting
    // in the poller; A queues B, which completes only once the loop is blocked waiting for
    // it. The wake-up A left behind must not end that wait early: B arrives in iteration 2.
    bounded(|| {
        let pool = Pool::new(PoolConfig::new(1)).unwrap();
        let mut lp: Loop<Leftover> = Loop::with_pool(pool.clone()).unwrap();
        let gate = Latch::new();
        let g = gate.clone();
        lp.queue_work(
            WorkClass::Cpu,
            || (),
            move |lp, st: &mut Leftover, r| {
                r.unwrap();
                st.a_at = st.metrics.loop_count();
                let g = g.clone();
                lp.queue_work(
                    WorkClass::Cpu,
                    move || assert!(g.wait()),
                    |_, st: &mut Leftover, r| {
                        r.unwrap();
                        st.b_at = st.metrics.loop_count();
                    },
                )
                .unwrap();
            },
        )
        .unwrap();
        assert!(wait_until(LIMIT, || pool.metrics().completed == 1));
        let m = lp.metrics();
        let th = std::thread::spawn(move || {
            let blocked = wait_until(LIMIT, || m.idle_time() > Duration::ZERO);
            gate.open();
            blocked
        });
        let mut st = Leftover {
            metrics: lp.metrics(),
            a_at: 0,
            b_at: 0,
        };
        assert!(!lp.run(RunMode::Default, &mut st).unwrap());
        assert!(th.join().unwrap(), "the loop never blocked");
        assert_eq!(st.a_at, 1);
        assert_eq!(st.b_at, 2, "a leftover wake-up cost an extra iteration");
    });
}
