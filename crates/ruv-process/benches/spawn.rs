//! Spawn rate beside Node's (`bench-ref/node/spawn.js` prints the same lines; run both with
//! `benches/spawn.sh`): `/bin/true` one at a time and 50 in flight, `exec_file('/bin/echo',
//! ['hi'])`, and the same spawns again while the parent holds 1 GiB it has written to (every
//! page resident). `fork_*` rows set `uid` (the fork+exec path: on the pool once the parent
//! is large).
//!
//! One JSON line per row: `wallMs`, `cpuMs` (this process's user+system time, children
//! excluded), `spawnsPerSec`, `msPerSpawn` (wall / n), `meanLatMs` (spawn call to `Exit`),
//! `syncMeanMs` (time inside the spawn call: how long the loop is held).
//!
//! Run: `cargo bench -p ruv-process --bench spawn` (env `SCALE=0.2` for a quick run,
//! `BIG_MIB` for the size of the large parent).

use ruv_core::{Loop, RunMode};
use ruv_process::child::{self, ChildEvent, ExecOptions, SpawnOptions, Stdio, NO_ARGS};
use std::time::Instant;

#[derive(Default)]
struct St {
    started: usize,
    done: usize,
    total: usize,
    sync_ns: u128,
    lat_ns: u128,
    fork: bool,
}

fn cpu_ms() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct it is given; RUSAGE_SELF is valid.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(ru.ru_utime) + ms(ru.ru_stime)
}

fn rss_mib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = s
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    (pages * 4096) >> 20
}

fn next(lp: &mut Loop<St>, st: &mut St) {
    if st.started == st.total {
        return;
    }
    st.started += 1;
    let uid = st.fork.then(|| rustix::process::getuid().as_raw());
    let o = SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        uid,
        ..SpawnOptions::default()
    };
    let t0 = Instant::now();
    child::spawn(
        lp,
        "/bin/true",
        NO_ARGS,
        o,
        move |lp, st: &mut St, _, ev| match ev {
            ChildEvent::Exit { code: Some(0), .. } => {
                st.lat_ns += t0.elapsed().as_nanos();
                st.done += 1;
                next(lp, st);
            }
            ChildEvent::Exit { .. } | ChildEvent::Error(_) => panic!("spawn failed: {ev:?}"),
            _ => {}
        },
    )
    .unwrap();
    st.sync_ns += t0.elapsed().as_nanos();
}

fn spawns(total: usize, in_flight: usize, fork: bool) -> St {
    let mut lp: Loop<St> = Loop::new().unwrap();
    let mut st = St {
        total,
        fork,
        ..St::default()
    };
    ruv_node::enter(&mut lp, &mut st, |lp, st| {
        for _ in 0..in_flight {
            next(lp, st);
        }
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.done, total);
    st
}

fn row(name: &str, n: usize, in_flight: usize, f: impl FnOnce() -> Option<St>) {
    let (c0, t0) = (cpu_ms(), Instant::now());
    let st = f();
    let wall = t0.elapsed().as_secs_f64() * 1e3;
    let cpu = cpu_ms() - c0;
    let mut line = format!(
        "{{\"name\":\"{name}\",\"wallMs\":{wall:.1},\"cpuMs\":{cpu:.1},\"n\":{n},\"inFlight\":{in_flight},\"rssMiB\":{}",
        rss_mib()
    );
    let per_sec = n as f64 / (wall / 1e3);
    match st {
        Some(st) => line.push_str(&format!(
            ",\"spawnsPerSec\":{per_sec:.0},\"msPerSpawn\":{:.3},\"meanLatMs\":{:.3},\"syncMeanMs\":{:.3}}}",
            wall / n as f64,
            st.lat_ns as f64 / n as f64 / 1e6,
            st.sync_ns as f64 / n as f64 / 1e6
        )),
        None => line.push_str(&format!(",\"perSec\":{per_sec:.0},\"msPerCall\":{:.3}}}", wall / n as f64)),
    }
    println!("{line}");
}

type Echo = (usize, usize, usize);

fn echo_next(lp: &mut Loop<Echo>, st: &mut Echo) {
    if st.0 == st.2 {
        return;
    }
    st.0 += 1;
    child::exec_file(
        lp,
        "/bin/echo",
        &["hi"],
        ExecOptions::default(),
        |lp, st: &mut Echo, r| {
            assert_eq!(r.expect("echo ran").stdout, "hi\n");
            st.1 += 1;
            echo_next(lp, st);
        },
    )
    .unwrap();
}

fn exec_files(total: usize, in_flight: usize) {
    let mut lp: Loop<Echo> = Loop::new().unwrap();
    let mut st = (0, 0, total);
    ruv_node::enter(&mut lp, &mut st, |lp, st| {
        for _ in 0..in_flight {
            echo_next(lp, st);
        }
        Ok(())
    })
    .unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.1, total);
}

/// The spawn rows; `fork_n` spawns for the fork row (a fork of a 1 GiB parent takes
/// 30–80 ms here: a tenth of the spawns gives the same rate).
fn set(n: usize, fork_n: usize, suffix: &str) {
    for (kind, in_flight) in [("seq", 1), ("conc", 50)] {
        row(&format!("spawn_{kind}{suffix}"), n, in_flight, || {
            Some(spawns(n, in_flight, false))
        });
    }
    row(&format!("fork_seq{suffix}"), fork_n, 1, || {
        Some(spawns(fork_n, 1, true))
    });
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported (one fixed run).
    let scale: f64 = std::env::var("SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let big_mib: usize = std::env::var("BIG_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let n = ((500.0 * scale).round() as usize).max(1);
    spawns(20, 1, false); // warm-up: page cache for /bin/true, the pool, ruv-node
    set(n, n, "");
    for (kind, in_flight) in [("seq", 1), ("conc", 50)] {
        row(&format!("execFile_echo_{kind}"), n, in_flight, || {
            exec_files(n, in_flight);
            None
        });
    }
    // a parent holding BIG_MIB MiB, every page written
    let big = vec![1u8; big_mib << 20];
    set(n, (n / 10).max(1), "_1g");
    assert_eq!(big[12345], 1);
    drop(std::hint::black_box(big));
}
