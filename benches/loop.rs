//! Hot paths of the loop, named like libuv's benchmarks (`test/benchmark-*.c`).
//!
//! Run: `cargo bench --bench loop`. `scripts/compare.sh` runs these beside libuv's C API and
//! Node in one session and writes the ratios for docs/performance.md.

use criterion::{criterion_group, criterion_main, Criterion};
use ruv::core::{Check, Idle, Loop, RunMode, Timer};
use ruv::node;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// One empty loop iteration, driven by an idle handle (libuv's `loop_count`).
fn loop_count(c: &mut Criterion) {
    c.bench_function("loop_count", |b| {
        b.iter_custom(|iters| {
            let mut lp: Loop<u64> = Loop::new().unwrap();
            let idle = Idle::new(&mut lp).unwrap();
            idle.start(&mut lp, move |lp, n, me| {
                *n += 1;
                if *n == iters {
                    me.stop(lp);
                }
            })
            .unwrap();
            let mut n = 0;
            let t0 = Instant::now();
            lp.run(RunMode::Default, &mut n).unwrap();
            t0.elapsed()
        })
    });
}

/// One check callback per iteration with an idle handle keeping poll from blocking: the
/// handles Node's setImmediate runs on (libuv anchor `immediates`); then Node-level
/// setImmediate, chained (one per iteration) and batched (all in one check phase).
fn immediates(c: &mut Criterion) {
    let mut g = c.benchmark_group("immediates");
    g.bench_function("check_callback", |b| {
        b.iter_custom(|iters| {
            let mut lp: Loop<u64> = Loop::new().unwrap();
            let idle = Idle::new(&mut lp).unwrap();
            idle.start(&mut lp, |_, _, _| {}).unwrap();
            let check = Check::new(&mut lp).unwrap();
            check
                .start(&mut lp, move |lp, n, me| {
                    *n += 1;
                    if *n == iters {
                        me.stop(lp);
                        idle.stop(lp);
                    }
                })
                .unwrap();
            let mut n = 0;
            let t0 = Instant::now();
            lp.run(RunMode::Default, &mut n).unwrap();
            t0.elapsed()
        })
    });
    g.bench_function("node_chain", |b| {
        b.iter_custom(|iters| {
            fn step(lp: &mut Loop<(u64, u64)>, st: &mut (u64, u64)) {
                st.0 += 1;
                if st.0 < st.1 {
                    node::set_immediate(lp, step).unwrap();
                }
            }
            let mut lp: Loop<(u64, u64)> = Loop::new().unwrap();
            let mut st = (0, iters);
            let t0 = Instant::now();
            node::enter(&mut lp, &mut st, |lp, _| {
                node::set_immediate(lp, step).map(drop)
            })
            .unwrap();
            lp.run(RunMode::Default, &mut st).unwrap();
            t0.elapsed()
        })
    });
    g.bench_function("node_batch", |b| {
        b.iter_custom(|iters| {
            let mut lp: Loop<u64> = Loop::new().unwrap();
            let mut n = 0;
            let t0 = Instant::now();
            node::enter(&mut lp, &mut n, |lp, _| {
                for _ in 0..iters {
                    node::set_immediate(lp, |_, n| *n += 1)?;
                }
                Ok(())
            })
            .unwrap();
            lp.run(RunMode::Default, &mut n).unwrap();
            assert_eq!(n, iters);
            t0.elapsed()
        })
    });
    g.finish();
}

const MILLION: u64 = 1_000_000;

fn start_million(lp: &mut Loop<u64>) {
    for i in 0..MILLION {
        let t = Timer::new(lp).unwrap();
        t.start(lp, i * 7919 % 1000, 0, |_, n, _| *n += 1).unwrap();
    }
}

/// 1e6 timers spread over 0..999 ms (libuv's `million_timers`): the cost of starting them,
/// and a whole run that fires them all (about 1 s of which is waiting for the last one).
fn million_timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("million_timers");
    g.sample_size(10);
    g.bench_function("start_1e6", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut lp: Loop<u64> = Loop::new().unwrap();
                let t0 = Instant::now();
                start_million(&mut lp);
                total += t0.elapsed();
                drop(black_box(lp));
            }
            total
        })
    });
    g.measurement_time(Duration::from_secs(15));
    g.bench_function("run_1e6", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut lp: Loop<u64> = Loop::new().unwrap();
                let mut fired = 0;
                let t0 = Instant::now();
                start_million(&mut lp);
                lp.run(RunMode::Default, &mut fired).unwrap();
                total += t0.elapsed();
                assert_eq!(fired, MILLION);
            }
            total
        })
    });
    g.finish();
}

/// Start + stop of one timer beside 0 or 1e6 live timers.
fn timer_insert_cancel(c: &mut Criterion) {
    let mut g = c.benchmark_group("timer_insert_cancel");
    for live in [0u64, MILLION] {
        let mut lp: Loop<u64> = Loop::new().unwrap();
        for i in 0..live {
            let t = Timer::new(&mut lp).unwrap();
            t.start(&mut lp, 10_000 + i % 1000, 0, |_, _, _| {})
                .unwrap();
        }
        let t = Timer::new(&mut lp).unwrap();
        let name = if live == 0 { "0_live" } else { "1e6_live" };
        g.bench_function(name, |b| {
            b.iter(|| {
                t.start(&mut lp, black_box(5_000), 0, |_, _, _| {}).unwrap();
                t.stop(&mut lp);
            })
        });
    }
    g.finish();
}

/// Node's setTimeout scheduling cost: 1e6 timeouts created (Node here: ~335 ms).
fn node_timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("node_timers");
    g.sample_size(10);
    g.bench_function("schedule_1e6", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut lp: Loop<u64> = Loop::new().unwrap();
                let mut n = 0;
                let t0 = Instant::now();
                node::enter(&mut lp, &mut n, |lp, _| {
                    for i in 0..MILLION {
                        node::set_timeout(lp, 1 + i % 1000, |_, n| *n += 1)?;
                    }
                    Ok(())
                })
                .unwrap();
                total += t0.elapsed();
                drop(black_box(lp));
            }
            total
        })
    });
    g.finish();
}

/// One cross-thread wake-up and reply: another thread sends, the loop's async callback
/// answers, the thread waits for the answer (libuv anchor `async`; libuv's `async_pummel`).
fn async_pummel(c: &mut Criterion) {
    c.bench_function("async_pummel", |b| {
        b.iter_custom(|iters| {
            let mut lp: Loop<u64> = Loop::new().unwrap();
            let seen = Arc::new(AtomicU64::new(0));
            let peer: Arc<OnceLock<std::thread::Thread>> = Arc::default();
            let (seen_cb, peer_cb) = (seen.clone(), peer.clone());
            let a = ruv::core::Async::new(&mut lp, move |lp, n, me| {
                *n += 1;
                seen_cb.store(*n, Ordering::Release);
                if let Some(t) = peer_cb.get() {
                    t.unpark();
                }
                if *n == iters {
                    me.close(lp).unwrap();
                }
            })
            .unwrap();
            let sender = a.sender(&lp).unwrap();
            let th = std::thread::spawn(move || {
                peer.set(std::thread::current()).unwrap();
                let t0 = Instant::now();
                for i in 1..=iters {
                    sender.send().unwrap();
                    while seen.load(Ordering::Acquire) < i {
                        std::thread::park();
                    }
                }
                t0.elapsed()
            });
            let mut n = 0;
            lp.run(RunMode::Default, &mut n).unwrap();
            th.join().unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = loop_count, immediates, million_timers, timer_insert_cancel, node_timers, async_pummel
}
criterion_main!(benches);
