//! Concurrency check of the queue hand-off, by brute force (the loom model in `tests/loom.rs`
//! covers the small cases exhaustively under `--cfg loom`).
//!
//! Several threads submit jobs of every class while others cancel them, and workers take them,
//! all at once. Whatever the interleaving, every job must either run exactly once or be
//! cancelled exactly once (never both, never neither, never twice), every job's closure must be
//! dropped exactly once, and the metrics must add up. Sized to finish well within a few seconds
//! on 2 cores in a debug build.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::wait_for;
use ruv_pool::{Pool, PoolConfig, Ticket, WorkClass};

const SUBMITTERS: usize = 3;
const JOBS_PER_SUBMITTER: usize = 20_000;
const TOTAL: usize = SUBMITTERS * JOBS_PER_SUBMITTER;
const PANIC_EVERY: usize = 997;
const PANIC_MSG: &str = "stress: deliberate job panic";

struct Counts {
    ran: Vec<AtomicU8>,
    cancelled: Vec<AtomicU8>,
    dropped: AtomicUsize,
}

/// Counts its own drop: a job's closure is dropped once, after running or on cancel.
struct DropCount(Arc<Counts>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// Tiny deterministic PRNG (xorshift), so runs differ only by thread interleaving.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn every_job_runs_or_is_cancelled_exactly_once() {
    // Keep the expected panics quiet; anything else still reports as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&PANIC_MSG) {
            default_hook(info);
        }
    }));

    let pool = Pool::new(PoolConfig::new(4)).unwrap();
    let counts = Arc::new(Counts {
        ran: (0..TOTAL).map(|_| AtomicU8::new(0)).collect(),
        cancelled: (0..TOTAL).map(|_| AtomicU8::new(0)).collect(),
        dropped: AtomicUsize::new(0),
    });
    let shared_tickets: Arc<Mutex<Vec<(Ticket, usize)>>> = Arc::default();
    let submitting_done = AtomicBool::new(false);
    let classes = [WorkClass::Cpu, WorkClass::FastIo, WorkClass::SlowIo];

    let cancel_one = |pool: &Pool, counts: &Counts, ticket: Ticket, id: usize| {
        if pool.cancel(ticket).is_ok() {
            counts.cancelled[id].fetch_add(1, Ordering::SeqCst);
        }
    };

    let (pool_ref, counts_ref, shared, done) = (&pool, &counts, &shared_tickets, &submitting_done);
    std::thread::scope(|s| {
        let submitters: Vec<_> = (0..SUBMITTERS)
            .map(|sub| {
                let (pool, counts) = (pool_ref, counts_ref);
                s.spawn(move || {
                    let mut rng = 0x9E37_79B9_7F4A_7C15 ^ (sub as u64 + 1);
                    let mut mine: Vec<(Ticket, usize)> = Vec::new();
                    for k in 0..JOBS_PER_SUBMITTER {
                        let id = sub * JOBS_PER_SUBMITTER + k;
                        let guard = DropCount(Arc::clone(counts));
                        let ticket = pool.submit(classes[id % 3], move || {
                            guard.0.ran[id].fetch_add(1, Ordering::SeqCst);
                            if id.is_multiple_of(PANIC_EVERY) {
                                panic!("{}", PANIC_MSG);
                            }
                        });
                        match xorshift(&mut rng) % 8 {
                            // Cancel right away (usually still queued).
                            0 => cancel_one(pool, counts, ticket, id),
                            // Hand to the cancelling thread.
                            1 | 2 => shared.lock().unwrap().push((ticket, id)),
                            // Keep for a later, possibly late, cancel of our own.
                            3 => mine.push((ticket, id)),
                            _ => {}
                        }
                        if k % 16 == 0 {
                            if let Some((t, id)) = mine.pop() {
                                cancel_one(pool, counts, t, id);
                                // A second cancel of the same ticket must never succeed.
                                cancel_one(pool, counts, t, id);
                            }
                        }
                    }
                })
            })
            .collect();
        s.spawn(move || loop {
            let finished = done.load(Ordering::SeqCst);
            let batch = std::mem::take(&mut *shared.lock().unwrap());
            for (t, id) in batch {
                cancel_one(pool_ref, counts_ref, t, id);
            }
            if finished {
                break;
            }
            std::thread::yield_now();
        });
        // Observe metrics concurrently: the accounting identity holds at every snapshot.
        s.spawn(move || {
            for _ in 0..200 {
                let m = pool_ref.metrics();
                assert!(m.queued + m.running + (m.completed + m.cancelled) as usize <= TOTAL);
                assert!(m.running <= m.threads);
                std::thread::yield_now();
            }
        });
        for handle in submitters {
            handle.join().unwrap();
        }
        done.store(true, Ordering::SeqCst);
    });

    let m = wait_for(&pool, "queue drained", |m| m.queued == 0 && m.running == 0);
    drop(pool);
    let _ = std::panic::take_hook();

    let mut ran_total = 0u64;
    let mut cancelled_total = 0u64;
    for id in 0..TOTAL {
        let ran = counts.ran[id].load(Ordering::SeqCst);
        let cancelled = counts.cancelled[id].load(Ordering::SeqCst);
        assert_eq!(
            ran + cancelled,
            1,
            "job {id}: ran {ran} times, cancelled {cancelled} times"
        );
        ran_total += u64::from(ran);
        cancelled_total += u64::from(cancelled);
    }
    assert_eq!(
        counts.dropped.load(Ordering::SeqCst),
        TOTAL,
        "each closure dropped once"
    );
    assert_eq!(m.completed, ran_total);
    assert_eq!(m.cancelled, cancelled_total);
    let expected_panics = (0..TOTAL)
        .filter(|id| id % PANIC_EVERY == 0 && counts.ran[*id].load(Ordering::SeqCst) == 1)
        .count() as u64;
    assert_eq!(m.panicked, expected_panics);
    assert!(cancelled_total > 0, "the test should exercise cancel");
}
