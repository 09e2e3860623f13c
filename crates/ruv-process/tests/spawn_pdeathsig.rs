//! `parent_death_signal` (Linux `PR_SET_PDEATHSIG`): a child spinning in a busy loop dies
//! when its parent is SIGKILLed. The parent is this test binary re-run as a separate
//! process (role in `RUV_PDEATHSIG_ROLE`): it spawns the spinning child, prints its pid and
//! runs its loop until killed. The test SIGKILLs the parent, reaps it, and polls
//! `/proc/<child>` with a bound.

use ruv_core::{Code, Loop, RunMode};
use ruv_process::child::{self, Signal, SpawnOptions, Stdio};
use ruv_process::fork::{fork, ForkOptions};
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

const ROLE: &str = "RUV_PDEATHSIG_ROLE";
const SPIN: &str = "while :; do :; done";

/// The parent's part: spawns (or forks) `sh -c SPIN`, prints its pid, runs forever.
fn parent(role: &str) -> ! {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let sig = match role {
        "spawn-none" => None,
        _ => Some(Signal::SIGKILL),
    };
    let pid = if role == "fork" {
        let opts = ForkOptions {
            exec_path: Some("/bin/sh".into()),
            exec_argv: vec!["-c".into()],
            parent_death_signal: sig,
            ..ForkOptions::default()
        };
        let me = fork(&mut lp, SPIN, &[] as &[&str], opts, |_, _, _, _| {}).unwrap();
        me.pid(&lp).unwrap()
    } else {
        let opts = SpawnOptions {
            stdio: vec![Stdio::Ignore, Stdio::Ignore, Stdio::Inherit],
            parent_death_signal: sig,
            ..SpawnOptions::default()
        };
        let c = child::spawn(&mut lp, "/bin/sh", &["-c", SPIN], opts, |_, _, _, _| {}).unwrap();
        c.pid(&lp).unwrap()
    };
    println!("pid {pid}");
    lp.run(RunMode::Default, &mut ()).unwrap();
    unreachable!("the spinning child never exits by itself");
}

/// Whether `pid` is gone (or a zombie nobody reaped yet: it no longer runs).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat
                .rsplit_once(')')
                .map(|(_, r)| r.trim_start().chars().next());
            matches!(state, Some(Some('Z' | 'X')))
        }
    }
}

/// Runs this binary as the parent with `role` and `test` as the test to re-enter, SIGKILLs
/// it once the child runs, reaps it; returns the spinning child's pid.
fn kill_parent(test: &str, role: &str) -> u32 {
    let mut p = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(p.stdout.take().unwrap()).lines();
    let pid: u32 = loop {
        let line = lines.next().expect("the parent printed no pid").unwrap();
        if let Some((_, n)) = line.split_once("pid ") {
            break n.trim().parse().unwrap();
        }
    };
    assert!(!gone(pid), "the child runs before its parent is killed");
    p.kill().unwrap(); // SIGKILL
    p.wait().unwrap();
    pid
}

/// Polls until `pid` is gone, for at most 10 s.
fn wait_gone(pid: u32) -> bool {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

#[test]
fn a_spinning_child_dies_when_its_parent_is_sigkilled() {
    if let Some(r) = role() {
        parent(&r);
    }
    let pid = kill_parent(
        "a_spinning_child_dies_when_its_parent_is_sigkilled",
        "spawn",
    );
    assert!(wait_gone(pid), "child {pid} outlived its SIGKILLed parent");
}

#[test]
fn a_forked_spinning_child_dies_when_its_parent_is_sigkilled() {
    if let Some(r) = role() {
        parent(&r);
    }
    let pid = kill_parent(
        "a_forked_spinning_child_dies_when_its_parent_is_sigkilled",
        "fork",
    );
    assert!(wait_gone(pid), "child {pid} outlived its SIGKILLed parent");
}

#[test]
fn without_a_parent_death_signal_the_child_outlives_its_parent() {
    if let Some(r) = role() {
        parent(&r);
    }
    let pid = kill_parent(
        "without_a_parent_death_signal_the_child_outlives_its_parent",
        "spawn-none",
    );
    // PR_SET_PDEATHSIG is sent while the parent exits, before it can be reaped: a child
    // without it is still running once the parent was reaped
    let alive = !gone(pid);
    // SAFETY: kill takes plain integers; `pid` is a positive pid (our grandchild).
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    assert!(alive, "the control child died with its parent");
    assert!(wait_gone(pid));
}

#[test]
fn a_parent_death_signal_of_zero_is_err_invalid_arg_value() {
    if role().is_some() {
        return;
    }
    let mut lp: Loop<()> = Loop::new().unwrap();
    let opts = SpawnOptions {
        parent_death_signal: Signal::from_raw(0),
        ..SpawnOptions::default()
    };
    let e = child::spawn(&mut lp, "/bin/true", &[] as &[&str], opts, |_, _, _, _| {}).unwrap_err();
    assert_eq!(e.code(), Code::ERR_INVALID_ARG_VALUE);
}
