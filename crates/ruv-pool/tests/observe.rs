//! Observability: per-class histograms, queue depths, the queue-wait warning, and reading or
//! resetting while the pool works or shuts down.
//!
//! Jobs are held by latches, never by sleeps. Where a job must have waited longer than a
//! threshold, the test holds the worker until the clock says the queued jobs are older than
//! that (it waits for time to pass, which is the condition under test, not for another
//! thread).

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{blocked_jobs, wait_for, Latch};
use ruv_pool::{
    current_job, Pool, PoolConfig, QueueWaitWarning, WaitWarning, WorkClass, HISTOGRAM_SIGFIG,
};

const HOUR: Duration = Duration::from_secs(3600);

/// A callback that forwards every warning to a channel.
fn collect_warnings() -> (
    impl Fn(&QueueWaitWarning) + Send + Sync + 'static,
    mpsc::Receiver<QueueWaitWarning>,
) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    (
        move |w: &QueueWaitWarning| tx.lock().unwrap().send(w.clone()).unwrap(),
        rx,
    )
}

/// Opens the latch when dropped, so a failed assertion does not leave a worker blocked (the
/// pool's drop would wait for it forever).
struct OpenOnDrop(Latch);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.open();
    }
}

/// Yields until `d` has passed since `since`.
fn until_elapsed(since: Instant, d: Duration) {
    while since.elapsed() <= d {
        std::thread::yield_now();
    }
}

/// A deterministic amount of CPU work, different per `i`.
fn spin(i: u64) -> u64 {
    (0..(i % 17 + 1) * 2_000).fold(i, |a, b| std::hint::black_box(a.wrapping_mul(31) ^ b))
}

#[test]
fn histograms_count_every_finished_job_in_its_own_class() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let plan = [
        (WorkClass::Cpu, 30),
        (WorkClass::FastIo, 20),
        (WorkClass::SlowIo, 10),
    ];
    for (class, n) in plan {
        for i in 0..n {
            pool.submit(class, move || {
                spin(i);
            });
        }
    }
    wait_for(&pool, "60 jobs completed", |m| m.completed == 60);
    let seen = pool.observe();
    assert_eq!(seen.metrics.completed, 60);
    for (class, n) in plan {
        let c = seen.class(class);
        assert_eq!(c.class, class);
        assert_eq!(c.completed, n, "{class}");
        assert_eq!(c.queue_wait.len(), n, "{class}");
        assert_eq!(c.run_time.len(), n, "{class}");
        assert_eq!((c.queued, c.running, c.panicked, c.cancelled), (0, 0, 0, 0));
        assert!(c.run_time_sum > Duration::ZERO, "{class}");
        assert_eq!(c.late_jobs, 0, "no warning set: nothing counts as late");
    }
    let total_wait: Duration = seen.classes.iter().map(|c| c.queue_wait_sum).sum();
    assert_eq!(total_wait, seen.metrics.total_queue_wait);
}

#[test]
fn percentiles_are_ordered_between_min_and_max() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    for i in 0..200 {
        pool.submit(WorkClass::Cpu, move || {
            spin(i);
        });
    }
    wait_for(&pool, "200 jobs completed", |m| m.completed == 200);
    let seen = pool.observe();
    for h in [
        &seen.class(WorkClass::Cpu).run_time,
        &seen.class(WorkClass::Cpu).queue_wait,
    ] {
        let q: Vec<u64> = [0.5, 0.9, 0.99, 0.999]
            .iter()
            .map(|&q| h.value_at_quantile(q))
            .collect();
        assert!(h.min() <= q[0], "{q:?}");
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "{q:?}");
        assert!(q[3] <= h.highest_equivalent(h.max()), "{q:?}");
        assert_eq!(h.sigfig(), HISTOGRAM_SIGFIG);
    }
}

#[test]
fn run_time_covers_the_whole_job() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let latch = Latch::new();
    let _open = OpenOnDrop(latch.clone());
    let (tx, started) = mpsc::channel();
    let gate = latch.clone();
    pool.submit(WorkClass::FastIo, move || {
        tx.send(current_job().unwrap().started_at).unwrap();
        gate.wait();
    });
    let started_at = started.recv().unwrap();
    let held = Duration::from_millis(5);
    until_elapsed(started_at, held);
    latch.open();
    wait_for(&pool, "the job completed", |m| m.completed == 1);
    let run = &pool.observe().classes[WorkClass::FastIo.index()].run_time;
    // the histogram keeps 2 significant digits: within 1% of the value
    assert!(
        run.max() as f64 >= held.as_nanos() as f64 * 0.99,
        "{}",
        run.max()
    );
}

#[test]
fn queue_depth_per_class_with_a_high_water_mark_that_reset_restarts() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let latch = Latch::new();
    let _open = OpenOnDrop(latch.clone());
    let (started, first) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::Cpu, 1, &latch, &started);
    first.recv().unwrap();
    for class in [WorkClass::FastIo, WorkClass::FastIo, WorkClass::FastIo] {
        pool.submit(class, || {});
    }
    let slow: Vec<_> = (0..2)
        .map(|_| pool.submit(WorkClass::SlowIo, || {}))
        .collect();
    pool.cancel(slow[1]).unwrap();
    let seen = pool.observe();
    let depth = |s: &ruv_pool::PoolObservation| s.classes.each_ref().map(|c| c.queued);
    let max = |s: &ruv_pool::PoolObservation| s.classes.each_ref().map(|c| c.max_queued);
    let running = |s: &ruv_pool::PoolObservation| s.classes.each_ref().map(|c| c.running);
    assert_eq!(depth(&seen), [0, 3, 1]);
    assert_eq!(
        max(&seen),
        [1, 3, 2],
        "the Cpu job was queued before it started"
    );
    assert_eq!(running(&seen), [1, 0, 0]);
    assert_eq!(seen.class(WorkClass::SlowIo).cancelled, 1);
    assert_eq!(seen.metrics.queued, 4);

    latch.open();
    wait_for(&pool, "5 jobs completed", |m| m.completed == 5);
    let seen = pool.observe();
    assert_eq!(depth(&seen), [0, 0, 0]);
    assert_eq!(max(&seen), [1, 3, 2], "the high-water mark stays");
    assert_eq!(seen.class(WorkClass::FastIo).queue_wait.len(), 3);

    pool.reset_histograms();
    let seen = pool.observe();
    assert_eq!(max(&seen), [0, 0, 0]);
    for c in &seen.classes {
        assert!(c.queue_wait.is_empty() && c.run_time.is_empty());
        assert_eq!(c.queue_wait_sum, Duration::ZERO);
    }
    assert_eq!(seen.class(WorkClass::FastIo).completed, 3, "counters stay");
}

#[test]
fn a_saturated_class_warns_once_and_counts_every_late_job() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let (callback, warnings) = collect_warnings();
    let threshold = Duration::from_millis(1);
    pool.set_wait_warning(Some(
        WaitWarning::new(threshold)
            .interval(HOUR)
            .on_warning(callback),
    ));
    // the only worker is held by a Cpu job; five FastIo jobs queue behind it
    let latch = Latch::new();
    let _open = OpenOnDrop(latch.clone());
    let (started, first) = mpsc::channel();
    blocked_jobs(&pool, WorkClass::Cpu, 1, &latch, &started);
    first.recv().unwrap();
    let queued_at = Instant::now();
    for _ in 0..5 {
        pool.submit(WorkClass::FastIo, || {});
    }
    until_elapsed(queued_at, 2 * threshold);
    latch.open();
    wait_for(&pool, "6 jobs completed", |m| m.completed == 6);

    let fast: Vec<_> = warnings
        .try_iter()
        .filter(|w| w.class == WorkClass::FastIo)
        .collect();
    assert_eq!(fast.len(), 1, "one warning for the burst: {fast:?}");
    let w = &fast[0];
    assert!(w.wait > 2 * threshold, "{w}");
    assert_eq!((w.threshold, w.late_jobs, w.threads), (threshold, 1, 1));
    // made as the first of the five started: four still queued, itself running
    assert_eq!(w.queued, [0, 4, 0], "{w}");
    assert_eq!(w.running, [0, 1, 0], "{w}");
    let seen = pool.observe();
    let c = seen.class(WorkClass::FastIo);
    assert_eq!((c.late_jobs, c.warnings), (5, 1));
}

#[test]
fn no_warning_while_jobs_start_within_the_threshold() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let (callback, warnings) = collect_warnings();
    pool.set_wait_warning(Some(WaitWarning::new(HOUR).on_warning(callback)));
    let (tx, rx) = mpsc::channel();
    for i in 0..50 {
        let tx = tx.clone();
        pool.submit(WorkClass::ALL[i % 3], move || tx.send(()).unwrap());
        rx.recv().unwrap();
    }
    wait_for(&pool, "50 jobs completed", |m| m.completed == 50);
    assert_eq!(warnings.try_iter().count(), 0);
    assert!(pool.observe().classes.iter().all(|c| c.late_jobs == 0));
}

#[test]
fn a_zero_threshold_makes_every_job_late_and_a_cleared_warning_counts_none() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let (callback, warnings) = collect_warnings();
    pool.set_wait_warning(Some(
        WaitWarning::new(Duration::ZERO)
            .threshold(WorkClass::SlowIo, None)
            .interval(HOUR)
            .on_warning(callback),
    ));
    let (tx, rx) = mpsc::channel();
    for class in [WorkClass::Cpu, WorkClass::Cpu, WorkClass::SlowIo] {
        let tx = tx.clone();
        pool.submit(class, move || tx.send(()).unwrap());
        rx.recv().unwrap();
    }
    wait_for(&pool, "3 jobs completed", |m| m.completed == 3);
    let got: Vec<_> = warnings.try_iter().map(|w| w.class).collect();
    assert_eq!(got, [WorkClass::Cpu]);
    let seen = pool.observe();
    assert_eq!(seen.class(WorkClass::Cpu).late_jobs, 2);
    assert_eq!(seen.class(WorkClass::SlowIo).late_jobs, 0, "no threshold");

    pool.set_wait_warning(None);
    pool.submit(WorkClass::Cpu, move || tx.send(()).unwrap());
    rx.recv().unwrap();
    wait_for(&pool, "4 jobs completed", |m| m.completed == 4);
    assert_eq!(pool.observe().class(WorkClass::Cpu).late_jobs, 2);
    assert_eq!(warnings.try_iter().count(), 0);
}

#[test]
fn a_warning_callback_may_read_the_pool_without_deadlock() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let observer = pool.observer();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    pool.set_wait_warning(Some(WaitWarning::new(Duration::ZERO).on_warning(
        move |_| {
            let seen = observer.observe();
            tx.lock().unwrap().send(seen.metrics.running).unwrap();
        },
    )));
    pool.submit(WorkClass::FastIo, || {});
    assert_eq!(rx.recv().unwrap(), 1, "the late job counts as running");
}

#[test]
fn an_observer_does_not_keep_the_pool_alive_and_reads_final_figures() {
    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let observer = pool.observer();
    for _ in 0..10 {
        pool.submit(WorkClass::Cpu, || {});
    }
    assert!(!observer.observe().shut_down);
    drop(pool); // runs the queued jobs and joins the workers
    let seen = observer.observe();
    assert!(seen.shut_down);
    assert_eq!(seen.metrics.completed, 10);
    assert_eq!(seen.class(WorkClass::Cpu).run_time.len(), 10);
    assert_eq!(observer.metrics(), seen.metrics);
}

#[test]
fn reset_and_reads_race_recording_and_shutdown_without_panic() {
    let pool = Pool::new(PoolConfig::new(3)).unwrap();
    pool.set_wait_warning(Some(
        WaitWarning::new(Duration::ZERO).interval(Duration::ZERO),
    ));
    let observer = pool.observer();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let resets = {
        let (pool, stop) = (pool.clone(), stop.clone());
        std::thread::spawn(move || {
            // at least one reset, however the threads are scheduled (a loaded CI machine
            // once ran all the submissions before this thread started)
            let mut n = 0u64;
            loop {
                pool.reset_histograms();
                n += 1;
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return n;
                }
            }
        })
    };
    let reader = {
        let observer = observer.clone();
        std::thread::spawn(move || loop {
            let seen = observer.observe();
            for c in &seen.classes {
                // both copied under the class's lock, which a reset also takes
                assert_eq!(c.queue_wait.len(), c.run_time.len());
            }
            if seen.shut_down {
                return seen;
            }
        })
    };
    for i in 0..20_000u64 {
        pool.submit(WorkClass::ALL[(i % 3) as usize], move || {
            std::hint::black_box(i);
        });
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(resets.join().unwrap() > 0);
    drop(pool); // the last clone: shuts down while `reader` reads
    let last = reader.join().unwrap();
    assert!(last.shut_down);
    let fin = observer.observe();
    assert_eq!(fin.metrics.completed, 20_000);
    let late: u64 = fin.classes.iter().map(|c| c.late_jobs).sum();
    assert_eq!(late, 20_000, "a zero threshold: every job is late");
    // every job after the last reset is in the histograms, none twice
    for c in &fin.classes {
        assert!(c.run_time.len() <= c.completed);
    }
}

#[test]
fn without_run_times_the_queue_waits_are_still_recorded() {
    let pool = Pool::new(PoolConfig::new(1).run_times(false)).unwrap();
    let (tx, rx) = mpsc::channel();
    for _ in 0..5 {
        let tx = tx.clone();
        pool.submit(WorkClass::FastIo, move || tx.send(()).unwrap());
    }
    rx.iter().take(5).for_each(drop);
    wait_for(&pool, "5 jobs completed", |m| m.completed == 5);
    let seen = pool.observe();
    let c = seen.class(WorkClass::FastIo);
    assert_eq!((c.queue_wait.len(), c.completed), (5, 5));
    assert!(c.run_time.is_empty());
    assert_eq!(c.run_time_sum, Duration::ZERO);
}
