//! The watchdog's cost on the loop's hot paths: `benches/loop.rs`'s `loop_count` and
//! `immediates` rows, each run unwatched (`off`) and with a watchdog sampling the loop (`on`).
//!
//! Run: `cargo bench -p ruv-perf --bench watchdog` (docs/perf.md has the figures).

use criterion::{criterion_group, criterion_main, Criterion};
use ruv_core::{Check, Idle, Loop, RunMode};
use ruv_perf::{watchdog, Watchdog, WatchdogOptions};
use std::time::{Duration, Instant};

/// A watchdog on `lp` when `on` (threshold 100 ms: it samples every 25 ms and never fires).
fn maybe_watch<S>(lp: &mut Loop<S>, on: bool) -> Option<Watchdog> {
    on.then(|| {
        watchdog(lp, WatchdogOptions::new(Duration::from_millis(100)), |r| {
            eprintln!("{r}")
        })
        .unwrap()
    })
}

const MODES: [(&str, bool); 2] = [("off", false), ("on", true)];

fn loop_count(c: &mut Criterion) {
    let mut g = c.benchmark_group("watchdog/loop_count");
    for (name, on) in MODES {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut lp: Loop<u64> = Loop::new().unwrap();
                let _dog = maybe_watch(&mut lp, on);
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
    g.finish();
}

fn immediates(c: &mut Criterion) {
    let mut g = c.benchmark_group("watchdog/immediates");
    for (name, on) in MODES {
        g.bench_function(format!("check_callback/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut lp: Loop<u64> = Loop::new().unwrap();
                let _dog = maybe_watch(&mut lp, on);
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
        g.bench_function(format!("node_chain/{name}"), |b| {
            b.iter_custom(|iters| {
                fn step(lp: &mut Loop<(u64, u64)>, st: &mut (u64, u64)) {
                    st.0 += 1;
                    if st.0 < st.1 {
                        ruv_node::set_immediate(lp, step).unwrap();
                    }
                }
                let mut lp: Loop<(u64, u64)> = Loop::new().unwrap();
                let _dog = maybe_watch(&mut lp, on);
                let mut st = (0, iters);
                let t0 = Instant::now();
                ruv_node::enter(&mut lp, &mut st, |lp, _| {
                    ruv_node::set_immediate(lp, step).map(drop)
                })
                .unwrap();
                lp.run(RunMode::Default, &mut st).unwrap();
                t0.elapsed()
            })
        });
        g.bench_function(format!("node_batch/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut lp: Loop<u64> = Loop::new().unwrap();
                let _dog = maybe_watch(&mut lp, on);
                let mut n = 0;
                let t0 = Instant::now();
                ruv_node::enter(&mut lp, &mut n, |lp, _| {
                    for _ in 0..iters {
                        ruv_node::set_immediate(lp, |_, n| *n += 1)?;
                    }
                    Ok(())
                })
                .unwrap();
                lp.run(RunMode::Default, &mut n).unwrap();
                assert_eq!(n, iters);
                t0.elapsed()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, loop_count, immediates);
criterion_main!(benches);
