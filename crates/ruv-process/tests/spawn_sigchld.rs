//! Reaping through SIGCHLD (where pidfds are unavailable), forced for every child of this
//! test binary: exits are not lost when signals coalesce, each loop gets its own children,
//! kill works, no zombie is left, and `std::process` children are not taken.

mod spawn_support;

use ruv_core::{Loop, RunMode};
use ruv_process::child::{self, ChildEvent, Signal, SpawnOptions, Stdio, NO_ARGS};
use spawn_support::{record, Seen};
use std::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn quiet() -> SpawnOptions {
    SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    }
}

#[test]
fn a_hundred_children_exiting_at_once_each_get_their_exit() {
    let _one = ONE_AT_A_TIME.lock().unwrap();
    child::__force_sigchld_reaping(true);
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    for i in 0..100 {
        child::spawn(
            &mut lp,
            "/bin/sh",
            &["-c", &format!("exit {}", i % 5)],
            quiet(),
            record,
        )
        .unwrap();
    }
    // and one that fails, and one killed
    child::spawn(&mut lp, "/nope", NO_ARGS, quiet(), record).unwrap();
    let sleeper = child::spawn(&mut lp, "/bin/sleep", &["30"], quiet(), record).unwrap();
    assert!(sleeper.kill(&mut lp, Signal::SIGKILL));
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    let count = |p: &str| seen.events.iter().filter(|e| e.starts_with(p)).count();
    assert_eq!(count("exit"), 101);
    assert_eq!(count("exit SIGKILL"), 1);
    assert_eq!(count("close"), 102);
    assert_eq!(spawn_support::zombies(), 0);
}

#[test]
fn several_loops_each_get_their_own_exits_and_std_children_are_left_alone() {
    let _one = ONE_AT_A_TIME.lock().unwrap();
    child::__force_sigchld_reaping(true);
    let mut std_child = std::process::Command::new("/bin/sh")
        .args(["-c", "exit 9"])
        .spawn()
        .unwrap();
    let threads: Vec<_> = (0..3)
        .map(|t| {
            std::thread::spawn(move || {
                let mut lp: Loop<Vec<i32>> = Loop::new().unwrap();
                for i in 0..20 {
                    let code = t * 20 + i;
                    child::spawn(
                        &mut lp,
                        "/bin/sh",
                        &["-c", &format!("exit {code}")],
                        quiet(),
                        |_, got: &mut Vec<i32>, _, ev| {
                            if let ChildEvent::Exit { code: Some(c), .. } = ev {
                                got.push(c);
                            }
                        },
                    )
                    .unwrap();
                }
                let mut got = Vec::new();
                lp.run(RunMode::Default, &mut got).unwrap();
                got.sort();
                assert_eq!(got, (t * 20..t * 20 + 20).collect::<Vec<_>>());
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // the std::process child was not reaped by any loop
    assert_eq!(std_child.wait().unwrap().code(), Some(9));
}
