//! fork+exec on the pool (what a large parent gets with `uid`/`gid`), forced for every such
//! spawn of this test binary: the pid is known from `Spawn` on, every failure is an event.

mod spawn_support;

use ruv_core::{Loop, RunMode};
use ruv_process::child::{self, ChildEvent, Signal, SpawnOptions, Stdio, NO_ARGS};
use spawn_support::{record, subscribe, text, Seen};

fn on_pool(o: SpawnOptions) -> SpawnOptions {
    child::__set_offload_threshold(0);
    SpawnOptions {
        uid: Some(rustix::process::getuid().as_raw()),
        ..o
    }
}

#[test]
fn a_spawn_on_the_pool_reports_spawn_then_the_pid_and_the_output() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let c = child::spawn(
        &mut lp,
        "/bin/echo",
        &["from the pool"],
        on_pool(SpawnOptions::default()),
        |lp, seen: &mut Seen, c, ev| {
            if ev == ChildEvent::Spawn {
                assert!(c.pid(lp).is_some());
            }
            record(lp, seen, c, ev);
        },
    )
    .unwrap();
    assert_eq!(c.pid(&lp), None, "not known until the pool is done");
    assert!(!c.kill(&mut lp, Signal::SIGTERM), "nothing to signal yet");
    subscribe(&mut lp, c, 3);
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(seen.events, ["spawn", "exit 0", "close 0"]);
    assert_eq!(text(&seen, 1), "from the pool\n");
}

#[test]
fn every_failure_on_the_pool_is_an_event() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    child::spawn(
        &mut lp,
        "/nope",
        NO_ARGS,
        on_pool(SpawnOptions::default()),
        record,
    )
    .unwrap();
    // ENOTDIR would be returned by an inline spawn (as Node throws it)
    let o = on_pool(SpawnOptions {
        cwd: Some("/etc/passwd".into()),
        ..SpawnOptions::default()
    });
    child::spawn(&mut lp, "/bin/true", NO_ARGS, o, record).unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    seen.events.sort();
    assert_eq!(
        seen.events,
        ["close -2", "close -20", "error ENOENT", "error ENOTDIR"]
    );
}

#[test]
fn fifty_spawns_on_the_pool_at_once_all_exit() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    for i in 0..50 {
        let o = on_pool(SpawnOptions {
            stdio: vec![Stdio::Ignore; 3],
            ..SpawnOptions::default()
        });
        child::spawn(
            &mut lp,
            "/bin/sh",
            &["-c", &format!("exit {}", i % 3)],
            o,
            record,
        )
        .unwrap();
    }
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    assert_eq!(
        seen.events.iter().filter(|e| e.starts_with("exit")).count(),
        50
    );
    assert_eq!(
        seen.events
            .iter()
            .filter(|e| e.starts_with("close"))
            .count(),
        50
    );
}
