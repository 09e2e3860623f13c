//! WorkerPool: results as loop callbacks, FIFO queueing, at most one task per worker,
//! cancellation, panics, close, liveness, the queue bound, metrics. Tasks are held with
//! gates and barriers, and the loop is told a task started through an `Async`: no sleeps, no
//! timing thresholds.

use ruv_core::{Async, AsyncSender, Code, Error, Loop, Result, RunMode, Timer};
use ruv_worker::pool::{ERR_POOL_QUEUE_FULL, ERR_TASK_NO_REPLY};
use ruv_worker::{PoolOptions, TaskId, WorkerPool};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};

/// A door tasks wait at until the test opens it.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.cv.notify_all();
    }
    fn wait(&self) {
        let mut g = self.open.lock().unwrap();
        while !*g {
            g = self.cv.wait(g).unwrap();
        }
    }
}

fn opts(threads: usize) -> PoolOptions {
    PoolOptions::new().threads(threads).name_prefix("test-pool")
}

type Log = Vec<(u64, Result<u64>)>;
/// What a test hands to a callback made before the value existed.
type Shared<T> = Arc<Mutex<Option<T>>>;

/// Runs `n` tasks `0..n`, logging each result with its input.
fn submit_all(lp: &mut Loop<Log>, pool: WorkerPool<u64, u64>, n: u64) -> Vec<TaskId> {
    (0..n)
        .map(|i| {
            pool.run(lp, i, move |_, log: &mut Log, r| log.push((i, r)))
                .unwrap()
        })
        .collect()
}

fn sorted_ok(mut log: Log) -> Vec<(u64, u64)> {
    log.sort_by_key(|(i, _)| *i);
    log.into_iter().map(|(i, r)| (i, r.unwrap())).collect()
}

#[test]
fn results_arrive_as_loop_callbacks_for_every_task() {
    let mut lp: Loop<Vec<(u64, u64, bool)>> = Loop::new().unwrap();
    let pool =
        WorkerPool::new(&mut lp, opts(3), |n: u64| (n * n, ruv_worker::thread_id())).unwrap();
    let me = std::thread::current().id();
    for i in 0..50u64 {
        pool.run(&mut lp, i, move |_, log: &mut Vec<_>, r| {
            let (sq, worker) = r.unwrap();
            // on the loop's own thread, computed on a worker's
            log.push((i, sq, std::thread::current().id() == me && worker != 0));
        })
        .unwrap();
    }
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    log.sort();
    let want: Vec<_> = (0..50u64).map(|i| (i, i * i, true)).collect();
    assert_eq!(log, want);
}

#[test]
fn more_tasks_than_workers_queue_in_the_parent_and_all_complete() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(2), |n: u64| n + 1).unwrap();
    submit_all(&mut lp, pool, 20);
    // the workers are not ready before the loop runs: everything waits in the parent
    let m = pool.metrics(&lp).unwrap();
    assert_eq!((m.queued, m.running, m.submitted), (20, 0, 20));
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let want: Vec<_> = (0..20u64).map(|i| (i, i + 1)).collect();
    assert_eq!(sorted_ok(log), want);
    let m = pool.metrics(&lp).unwrap();
    assert_eq!((m.queued, m.running, m.completed), (0, 0, 20));
}

#[test]
fn concurrency_never_exceeds_the_number_of_workers() {
    const N: usize = 3;
    let now = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    // every round needs N tasks in handlers at once: one on each worker
    let barrier = Arc::new(Barrier::new(N));
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let (now2, max2) = (now.clone(), max.clone());
    let pool = WorkerPool::new(&mut lp, opts(N), move |n: u64| {
        let in_flight = now2.fetch_add(1, Ordering::SeqCst) + 1;
        max2.fetch_max(in_flight, Ordering::SeqCst);
        barrier.wait();
        now2.fetch_sub(1, Ordering::SeqCst);
        n
    })
    .unwrap();
    submit_all(&mut lp, pool, (N * 10) as u64);
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.len(), N * 10);
    assert_eq!(max.load(Ordering::SeqCst), N);
}

#[test]
fn cancel_of_a_queued_task_gives_ecanceled_exactly_once_and_the_handler_never_runs_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(1), move |n: u64| {
        seen2.lock().unwrap().push(n);
        n
    })
    .unwrap();
    let ids = submit_all(&mut lp, pool, 5);
    pool.cancel(&mut lp, ids[3]).unwrap();
    let again = pool.cancel(&mut lp, ids[3]).unwrap_err();
    assert_eq!(again.code(), Code::EBUSY);
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    log.sort_by_key(|(i, _)| *i);
    let codes: Vec<_> = log
        .iter()
        .map(|(i, r)| (*i, r.as_ref().map_err(Error::code).copied()))
        .collect();
    assert_eq!(
        codes,
        [
            (0, Ok(0)),
            (1, Ok(1)),
            (2, Ok(2)),
            (3, Err(Code::ECANCELED)),
            (4, Ok(4))
        ]
    );
    assert_eq!(*seen.lock().unwrap(), [0, 1, 2, 4]);
    // done tasks are EBUSY too
    assert_eq!(
        pool.cancel(&mut lp, ids[0]).unwrap_err().code(),
        Code::EBUSY
    );
}

/// A pool of one worker whose tasks tell the loop they started (through the `Async`
/// `started`), then wait at `gate`.
fn held_pool<S: 'static>(
    lp: &mut Loop<S>,
    started: AsyncSender,
    gate: Arc<Gate>,
) -> WorkerPool<u64, u64> {
    let started = Mutex::new(started);
    WorkerPool::new(lp, opts(1), move |n: u64| {
        started.lock().unwrap().send().unwrap();
        gate.wait();
        n * 10
    })
    .unwrap()
}

#[test]
fn cancel_of_a_running_task_is_ebusy_and_it_still_completes() {
    #[derive(Default)]
    struct St {
        cancel: Option<Error>,
        result: Option<Result<u64>>,
    }
    let gate = Arc::new(Gate::default());
    let mut lp: Loop<St> = Loop::new().unwrap();
    let task = Arc::new(Mutex::new(None::<TaskId>));
    let slot: Shared<WorkerPool<u64, u64>> = Arc::default();
    let (t2, p2, g2) = (task.clone(), slot.clone(), gate.clone());
    let started = Async::new(&mut lp, move |lp, st: &mut St, me| {
        let pool = p2.lock().unwrap().unwrap();
        st.cancel = pool.cancel(lp, t2.lock().unwrap().unwrap()).err();
        g2.open();
        me.close(lp).map(drop)
    })
    .unwrap();
    let sender = started.sender(&lp).unwrap();
    let pool = held_pool(&mut lp, sender, gate);
    *slot.lock().unwrap() = Some(pool);
    let id = pool
        .run(&mut lp, 7, |_, st: &mut St, r| st.result = Some(r))
        .unwrap();
    *task.lock().unwrap() = Some(id);
    let mut st = St::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.cancel.unwrap().code(), Code::EBUSY);
    assert_eq!(st.result.unwrap().unwrap(), 70);
}

#[test]
fn a_panicking_task_yields_epanic_and_later_tasks_still_run_on_the_same_worker() {
    let mut lp: Loop<Vec<(u64, Result<u64>)>> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(1), |n: u64| {
        assert!(n != 2, "boom on {n}");
        ruv_worker::thread_id()
    })
    .unwrap();
    for i in 1..=3u64 {
        pool.run(&mut lp, i, move |_, log: &mut Vec<_>, r| log.push((i, r)))
            .unwrap();
    }
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.len(), 3);
    let err = log[1].1.as_ref().unwrap_err();
    assert_eq!(err.code(), Code::EPANIC);
    assert!(err.to_string().contains("boom on 2"), "{err}");
    assert_eq!(log[0].1.as_ref().unwrap(), log[2].1.as_ref().unwrap());
    let m = pool.metrics(&lp).unwrap();
    assert_eq!((m.completed, m.failed, m.workers_replaced), (2, 1, 0));
}

#[test]
fn close_cancels_the_queue_lets_the_running_task_finish_and_the_loop_exits() {
    let gate = Arc::new(Gate::default());
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let slot: Shared<WorkerPool<u64, u64>> = Arc::default();
    let (p2, g2) = (slot.clone(), gate.clone());
    let started = Async::new(&mut lp, move |lp, log: &mut Vec<String>, me| {
        let pool = p2.lock().unwrap().unwrap();
        pool.close(lp, |_, log: &mut Vec<String>, r| {
            log.push(format!("closed {r:?}"))
        })?;
        assert_eq!(
            pool.close(lp, |_, _: &mut Vec<String>, _| {})
                .unwrap_err()
                .code(),
            Code::EINVAL
        );
        let again = pool.run(lp, 9, |_, _: &mut Vec<String>, _| -> () { unreachable!() });
        assert_eq!(again.unwrap_err().code(), Code::EBADF);
        log.push("closing".into());
        g2.open();
        me.close(lp).map(drop)
    })
    .unwrap();
    let sender = started.sender(&lp).unwrap();
    let pool = held_pool(&mut lp, sender, gate);
    *slot.lock().unwrap() = Some(pool);
    for i in 0..4u64 {
        pool.run(&mut lp, i, move |_, log: &mut Vec<String>, r| {
            log.push(match r {
                Ok(v) => format!("{i} ok {v}"),
                Err(e) => format!("{i} {}", e.code()),
            })
        })
        .unwrap();
    }
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    let closed = log.pop().unwrap();
    assert_eq!(closed, "closed Ok(())");
    log.sort();
    assert_eq!(
        log,
        [
            "0 ok 0",
            "1 ECANCELED",
            "2 ECANCELED",
            "3 ECANCELED",
            "closing"
        ]
    );
    // freed
    assert_eq!(pool.metrics(&lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn an_idle_pool_does_not_keep_the_loop_alive() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(2), |n: u64| n).unwrap();
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    // busy, then idle again
    submit_all(&mut lp, pool, 3);
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.len(), 3);
    assert!(!lp.alive());
    // and an idle pool closes without tasks
    pool.close(&mut lp, |_, log: &mut Log, r| log.push((99, r.map(|()| 0))))
        .unwrap();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.last().unwrap().0, 99);
}

#[test]
fn a_full_queue_rejects_with_a_typed_error_and_the_callback_never_runs() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(1).max_queue(2), |n: u64| n).unwrap();
    submit_all(&mut lp, pool, 2);
    let err = pool
        .run(&mut lp, 5, |_, _: &mut Log, _| -> () {
            panic!("a rejected task's callback ran")
        })
        .unwrap_err();
    assert_eq!(err.code(), ERR_POOL_QUEUE_FULL);
    assert!(
        err.to_string()
            .starts_with("ERR_POOL_QUEUE_FULL: the task queue is full"),
        "{err}"
    );
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(sorted_ok(log), [(0, 0), (1, 1)]);
    let m = pool.metrics(&lp).unwrap();
    assert_eq!((m.submitted, m.rejected, m.completed), (2, 1, 2));
}

#[test]
fn metrics_counts_add_up() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(2), |n: u64| {
        assert!(n % 5 != 4, "every fifth fails");
        n
    })
    .unwrap();
    let ids = submit_all(&mut lp, pool, 20);
    for id in &ids[..3] {
        pool.cancel(&mut lp, *id).unwrap();
    }
    let adds_up = |m: &ruv_worker::PoolMetrics| {
        m.submitted == m.queued as u64 + m.running as u64 + m.completed + m.failed + m.cancelled
    };
    assert!(adds_up(&pool.metrics(&lp).unwrap()));
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let m = pool.metrics(&lp).unwrap();
    assert!(adds_up(&m), "{m:?}");
    assert_eq!(
        (m.submitted, m.completed, m.failed, m.cancelled),
        (20, 13, 4, 3)
    );
    assert_eq!(m.threads, 2);
    // every task that started was measured once
    assert_eq!(m.wait_histogram.iter().sum::<u64>(), 17);
    assert!(m.wait_max >= m.wait_mean && m.run_max >= m.run_mean);
    assert!(m.wait_quantile(1.0).is_some());
    assert_eq!(log.len(), 20);
}

#[test]
fn abort_of_a_running_task_terminates_its_worker_and_a_new_one_takes_its_place() {
    let mut lp: Loop<Vec<(u64, Result<u64>)>> = Loop::new().unwrap();
    let slot: Shared<(WorkerPool<u64, u64>, TaskId)> = Arc::default();
    let s2 = slot.clone();
    let started = Async::new(&mut lp, move |lp, _: &mut Vec<_>, me| {
        let (pool, id) = s2.lock().unwrap().unwrap();
        pool.abort(lp, id)?;
        assert_eq!(pool.abort(lp, id).unwrap_err().code(), Code::EBUSY);
        pool.run(lp, 2, |_, log: &mut Vec<_>, r| log.push((2, r)))?;
        me.close(lp).map(drop)
    })
    .unwrap();
    let tell = Mutex::new(started.sender(&lp).unwrap());
    let pool = WorkerPool::new(&mut lp, opts(1), move |n: u64| {
        if n == 1 {
            tell.lock().unwrap().send().unwrap();
            // a runaway task that at least looks at should_stop
            while !ruv_worker::should_stop() {
                std::thread::yield_now();
            }
        }
        ruv_worker::thread_id()
    })
    .unwrap();
    let id = pool
        .run(&mut lp, 1, |_, log: &mut Vec<_>, r| log.push((1, r)))
        .unwrap();
    *slot.lock().unwrap() = Some((pool, id));
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].1.as_ref().unwrap_err().code(), Code::ECANCELED);
    assert!(log[1].1.is_ok());
    let m = pool.metrics(&lp).unwrap();
    assert_eq!(
        (m.threads, m.workers_replaced, m.cancelled, m.completed),
        (1, 1, 1, 1)
    );
}

#[test]
fn worker_state_persists_across_tasks_and_a_reply_may_come_from_a_later_callback() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::with_state(
        &mut lp,
        opts(1),
        |_: &mut Loop<u64>, _| Ok(100),
        |wlp, count: &mut u64, n: u64, reply| -> Result<()> {
            *count += 1;
            let answer = *count + n;
            // answered from a timer of the worker's own loop
            let mut reply = Some(reply);
            Timer::new(wlp)?.start(wlp, 0, 0, move |_, _, _| {
                if let Some(r) = reply.take() {
                    r.send(answer);
                }
            })
        },
    )
    .unwrap();
    submit_all(&mut lp, pool, 3);
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    // one worker, one task at a time, FIFO: the count goes 101, 102, 103
    assert_eq!(sorted_ok(log), [(0, 101), (1, 103), (2, 105)]);
}

#[test]
fn a_dropped_reply_and_a_returned_error_each_answer_their_task() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::with_state(
        &mut lp,
        opts(1),
        |_: &mut Loop<()>, _| Ok(()),
        |_, _: &mut (), n: u64, reply| match n {
            0 => {
                drop(reply);
                Ok(())
            }
            1 => Err(Error::new(Code::EINVAL).with_detail("bad task")),
            _ => {
                reply.send(n);
                Ok(())
            }
        },
    )
    .unwrap();
    submit_all(&mut lp, pool, 3);
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    log.sort_by_key(|(i, _)| *i);
    assert_eq!(log[0].1.as_ref().unwrap_err().code(), ERR_TASK_NO_REPLY);
    assert_eq!(
        log[1].1.as_ref().unwrap_err().to_string(),
        "EINVAL: bad task"
    );
    assert_eq!(*log[2].1.as_ref().unwrap(), 2);
    assert_eq!(pool.metrics(&lp).unwrap().workers_replaced, 0);
}

#[test]
fn a_worker_whose_loop_panics_fails_its_task_and_is_replaced() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool = WorkerPool::with_state(
        &mut lp,
        opts(1),
        |_: &mut Loop<()>, _| Ok(()),
        |wlp, _: &mut (), n: u64, reply| -> Result<()> {
            let mut reply = Some(reply);
            Timer::new(wlp)?.start(wlp, 0, 0, move |_, _, _| {
                assert!(n != 0, "the worker's timer panicked");
                if let Some(r) = reply.take() {
                    r.send(n);
                }
            })
        },
    )
    .unwrap();
    submit_all(&mut lp, pool, 3);
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    log.sort_by_key(|(i, _)| *i);
    let err = log[0].1.as_ref().unwrap_err();
    assert_eq!(err.code(), Code::EPANIC);
    assert!(
        err.to_string().contains("the worker's timer panicked"),
        "{err}"
    );
    assert_eq!(sorted_ok(log.split_off(1)), [(1, 1), (2, 2)]);
    let m = pool.metrics(&lp).unwrap();
    assert_eq!((m.threads, m.workers_replaced, m.failed), (1, 1, 1));
}

#[test]
fn when_every_init_fails_the_queue_and_later_runs_get_its_error() {
    let mut lp: Loop<Log> = Loop::new().unwrap();
    let pool: WorkerPool<u64, u64> = WorkerPool::with_state(
        &mut lp,
        opts(2),
        |_: &mut Loop<()>, info| {
            Err(Error::new(Code::EACCES).with_detail(format!("no init {}", info.index)))
        },
        |_, _: &mut (), n: u64, reply| reply.send(n),
    )
    .unwrap();
    submit_all(&mut lp, pool, 3);
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(log.len(), 3);
    assert!(log
        .iter()
        .all(|(_, r)| r.as_ref().unwrap_err().code() == Code::EACCES));
    let later = pool
        .run(&mut lp, 1, |_, _: &mut Log, _| -> () { unreachable!() })
        .unwrap_err();
    assert_eq!(later.code(), Code::EACCES);
    assert_eq!(pool.metrics(&lp).unwrap().threads, 0);
}

#[test]
fn an_uncaught_error_in_one_callback_leaves_the_others_to_be_delivered() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let pool = WorkerPool::new(&mut lp, opts(1), |n: u64| n).unwrap();
    for i in 0..3u64 {
        pool.run(&mut lp, i, move |_, log: &mut Vec<String>, r| {
            log.push(format!("{i} {}", r.unwrap_err().code()));
            if i == 0 {
                return Err(Error::new(Code::EINVAL).with_detail("the program's own error"));
            }
            Ok(())
        })
        .unwrap();
    }
    pool.close(&mut lp, |_, log: &mut Vec<String>, r| {
        log.push(format!("closed {r:?}"))
    })
    .unwrap();
    let mut log = Vec::new();
    let err = lp.run(RunMode::Default, &mut log).unwrap_err();
    assert_eq!(err.to_string(), "EINVAL: the program's own error");
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert_eq!(
        log,
        ["0 ECANCELED", "1 ECANCELED", "2 ECANCELED", "closed Ok(())"]
    );
}
