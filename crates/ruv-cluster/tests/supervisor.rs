//! The supervisor end to end: the tests run `ruv-cluster-testapp sup …` (this crate's test
//! binary) as a supervised primary, read its JSON event lines, signal it (SIGUSR2 reload,
//! SIGTERM shutdown, SIGUSR1 broadcast) and talk HTTP to the workers. Waiting on those
//! processes is a bounded receive (a line within 60 s): no sleep synchronises, and the
//! assertions are on events, their counts and order, never on durations.

mod common;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::App;

fn p(v: &Value, name: &str) -> bool {
    v["p"] == name
}

fn s(v: &Value, name: &str) -> bool {
    v["s"] == name
}

fn get(port: u16) -> std::io::Result<String> {
    let mut c = TcpStream::connect(("127.0.0.1", port))?;
    c.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")?;
    let mut r = String::new();
    c.read_to_string(&mut r)?;
    if !r.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(r));
    }
    Ok(r.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

fn worker_of(body: &str) -> u64 {
    body.split(' ').next().unwrap().parse().expect("ID PID")
}

fn port_of(v: &Value) -> u16 {
    v["port"].as_u64().unwrap() as u16
}

#[test]
fn a_crashed_worker_is_replaced_by_a_new_worker_id() {
    let mut app = App::sup("1", &[("SUP_MODE", "crash_first"), ("SUP_DELAY", "1")]);
    let exit = app.wait_for(|v| p(v, "exit"));
    assert_eq!(
        (exit["w"].clone(), exit["code"].clone()),
        (1.into(), 7.into())
    );
    assert_eq!(exit["after_disconnect"], false);
    let r = app.wait_for(|v| s(v, "restarting"));
    assert_eq!((r["slot"].clone(), r["w"].clone()), (0.into(), 1.into()));
    let r = app.wait_for(|v| s(v, "restarted"));
    assert_eq!(r["w"], 2);
    let l = app.wait_for(|v| p(v, "listening"));
    assert_eq!(l["w"], 2);
    assert_eq!(worker_of(&get(port_of(&l)).unwrap()), 2);
    app.signal(libc::SIGTERM);
    let seen = app.finish();
    assert!(seen.iter().any(|v| s(v, "shutdown_done")));
    assert!(!seen.iter().any(|v| s(v, "restarting") && v["w"] == 2));
}

#[test]
fn a_crash_loop_backs_off_and_gives_the_slot_up_after_max_restarts() {
    let mut app = App::sup(
        "1",
        &[
            ("SUP_MODE", "crash_all"),
            ("SUP_MIN_UPTIME", "600000"),
            ("SUP_MAX_RESTARTS", "3"),
            ("SUP_DELAY", "10"),
        ],
    );
    app.wait_for(|v| s(v, "gave_up"));
    // nothing is left to keep the primary's loop alive
    let seen = app.finish();
    let restarts: Vec<(u64, u64)> = seen
        .iter()
        .filter(|v| s(v, "restarting"))
        .map(|v| {
            (
                v["delay"].as_u64().unwrap(),
                v["unstable"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(restarts, [(10, 1), (15, 2), (22, 3)], "{seen:?}");
    let forks = seen.iter().filter(|v| p(v, "fork")).count();
    let exits = seen.iter().filter(|v| p(v, "exit")).count();
    assert_eq!((forks, exits), (4, 4));
    let gave_up: Vec<&Value> = seen.iter().filter(|v| s(v, "gave_up")).collect();
    assert_eq!(gave_up.len(), 1);
    assert_eq!(gave_up[0]["unstable"], 4);
    let last_exit = seen.iter().rposition(|v| p(v, "exit")).unwrap();
    let gave = seen.iter().position(|v| s(v, "gave_up")).unwrap();
    assert!(last_exit < gave);
}

#[test]
fn a_rolling_restart_replaces_every_worker_while_every_request_succeeds() {
    // a generous listen timeout: this test is about requests, not about the timeout
    let mut app = App::sup("2", &[("SUP_LISTEN_TIMEOUT", "30000")]);
    let port = port_of(&app.wait_for(|v| p(v, "listening")));
    app.wait_for(|v| p(v, "listening"));
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let client = std::thread::spawn(move || {
        let (mut ok, mut failed) = (0u32, Vec::new());
        while !stop2.load(Ordering::Relaxed) {
            match get(port) {
                Ok(_) => ok += 1,
                Err(e) => failed.push(e.to_string()),
            }
        }
        (ok, failed)
    });
    app.signal(libc::SIGUSR2);
    let done = app.wait_for(|v| s(v, "reload_done"));
    stop.store(true, Ordering::Relaxed);
    let (ok, failed) = client.join().unwrap();
    assert_eq!(done["replaced"], 2);
    assert!(failed.is_empty(), "failed requests: {failed:?}");
    assert!(ok > 0);
    let replaced: Vec<(u64, u64)> = app
        .seen
        .iter()
        .filter(|v| s(v, "replaced"))
        .map(|v| (v["old"].as_u64().unwrap(), v["new"].as_u64().unwrap()))
        .collect();
    assert_eq!(replaced, [(1, 3), (2, 4)]);
    // one at a time: worker 2's replacement is forked after worker 1 exited
    let exit1 = app
        .seen
        .iter()
        .position(|v| p(v, "exit") && v["w"] == 1)
        .unwrap();
    let fork4 = app
        .seen
        .iter()
        .position(|v| p(v, "fork") && v["w"] == 4)
        .unwrap();
    assert!(exit1 < fork4, "{:?}", app.seen);
    for _ in 0..10 {
        let w = worker_of(&get(port).unwrap());
        assert!(w == 3 || w == 4, "served by {w}");
    }
    app.signal(libc::SIGTERM);
    let seen = app.finish();
    let old_exits: Vec<&Value> = seen
        .iter()
        .filter(|v| p(v, "exit") && (v["w"] == 1 || v["w"] == 2))
        .collect();
    assert_eq!(old_exits.len(), 2);
    assert!(old_exits.iter().all(|v| v["after_disconnect"] == true));
    assert!(!seen.iter().any(|v| s(v, "restarting")));
}

#[test]
fn a_replacement_that_never_listens_aborts_the_reload_and_the_old_worker_stays() {
    let mut app = App::sup(
        "1",
        &[("SUP_MODE", "nolisten_new"), ("SUP_LISTEN_TIMEOUT", "200")],
    );
    let port = port_of(&app.wait_for(|v| p(v, "listening")));
    app.signal(libc::SIGUSR2);
    let a = app.wait_for(|v| s(v, "reload_aborted"));
    assert_eq!(
        (a["kept"].clone(), a["failed"].clone(), a["code"].clone()),
        (1.into(), 2.into(), "ETIMEDOUT".into())
    );
    let exit = app.wait_for(|v| p(v, "exit"));
    assert_eq!(
        (exit["w"].clone(), exit["signal"].clone()),
        (2.into(), "SIGKILL".into())
    );
    assert_eq!(worker_of(&get(port).unwrap()), 1);
    app.signal(libc::SIGTERM);
    let seen = app.finish();
    assert!(!seen
        .iter()
        .any(|v| s(v, "restarting") || s(v, "reload_done")));
}

#[test]
fn a_ready_message_completes_a_rolling_restart_without_listening() {
    let mut app = App::sup(
        "1",
        &[("SUP_MODE", "ready_new"), ("SUP_LISTEN_TIMEOUT", "30000")],
    );
    app.wait_for(|v| p(v, "listening"));
    app.signal(libc::SIGUSR2);
    let done = app.wait_for(|v| s(v, "reload_done"));
    assert_eq!(done["replaced"], 1);
    app.signal(libc::SIGTERM);
    app.finish();
}

#[test]
fn a_worker_stuck_in_a_loop_is_killed_after_the_kill_timeout() {
    let mut app = App::sup("1", &[("SUP_MODE", "spin"), ("SUP_KILL_TIMEOUT", "200")]);
    app.wait_for(|v| p(v, "listening"));
    // the broadcast sends the worker into its endless loop before the shutdown begins
    app.signal(libc::SIGUSR1);
    app.wait_for(|v| v["ev"] == "spinning");
    app.signal(libc::SIGTERM);
    let seen = app.finish();
    let killed = seen.iter().position(|v| s(v, "killed")).expect("killed");
    let exit = seen.iter().position(|v| p(v, "exit")).unwrap();
    let done = seen.iter().position(|v| s(v, "shutdown_done")).unwrap();
    assert!(killed < exit && exit < done, "{seen:?}");
    assert_eq!(seen[exit]["signal"], "SIGKILL");
}

#[test]
fn graceful_shutdown_ends_every_worker_and_the_primarys_loop() {
    let mut app = App::sup("2", &[]);
    app.wait_for(|v| p(v, "listening"));
    app.wait_for(|v| p(v, "listening"));
    app.signal(libc::SIGTERM);
    let seen = app.finish();
    let exits: Vec<&Value> = seen.iter().filter(|v| p(v, "exit")).collect();
    assert_eq!(exits.len(), 2);
    for e in &exits {
        assert_eq!(
            (e["code"].clone(), e["after_disconnect"].clone()),
            (0.into(), true.into())
        );
    }
    let done = seen.iter().position(|v| s(v, "shutdown_done")).unwrap();
    assert!(seen.iter().rposition(|v| p(v, "exit")).unwrap() < done);
    assert!(!seen.iter().any(|v| s(v, "killed") || s(v, "restarting")));
}

#[test]
fn broadcast_reaches_every_worker() {
    let mut app = App::sup("3", &[]);
    for _ in 0..3 {
        app.wait_for(|v| p(v, "listening"));
    }
    app.signal(libc::SIGUSR1);
    assert_eq!(app.wait_for(|v| s(v, "broadcast"))["n"], 3);
    let mut got: Vec<u64> = (0..3)
        .map(|_| app.wait_for(|v| v["ev"] == "got")["w"].as_u64().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3]);
    app.signal(libc::SIGTERM);
    app.finish();
}

#[test]
fn workers_report_metrics_and_the_primary_adds_their_rss() {
    let mut app = App::sup("1", &[("SUP_METRICS", "20")]);
    let port = port_of(&app.wait_for(|v| p(v, "listening")));
    get(port).unwrap();
    let m = app.wait_for(|v| s(v, "metrics") && v["requests"].as_u64() >= Some(1));
    assert!(m["rss"].as_u64().unwrap() > 0, "{m}");
    assert_eq!(m["stored_rss"], m["rss"]);
    let elu = m["elu"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&elu), "{m}");
    app.signal(libc::SIGTERM);
    app.finish();
}

#[test]
fn a_worker_over_the_rss_limit_is_replaced() {
    let mut app = App::sup(
        "1",
        &[
            ("SUP_RSS_LIMIT", "1"),
            ("SUP_RSS_CHECK", "20"),
            ("SUP_LISTEN_TIMEOUT", "30000"),
        ],
    );
    app.wait_for(|v| p(v, "listening"));
    let m = app.wait_for(|v| s(v, "memory_limit"));
    assert_eq!(m["w"], 1);
    let r = app.wait_for(|v| s(v, "replaced"));
    assert_eq!((r["old"].clone(), r["new"].clone()), (1.into(), 2.into()));
    app.signal(libc::SIGTERM);
    app.finish();
}
