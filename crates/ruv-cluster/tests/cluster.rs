//! The cluster end to end: the tests run `ruv-cluster-testapp` (this crate's test binary,
//! never the test harness) as a primary with workers, read its JSON event lines, and talk
//! HTTP to the port the workers share. Waiting on those processes is bounded (a line
//! within 60 s; a pid gone within 60 s, looked at every 10 ms): no sleep synchronises.

mod common;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{App, BOUND};

fn is(v: &Value, p: &str) -> bool {
    v["p"] == p
}

fn get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).expect("a response");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    r.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
}

fn worker_of(body: &str) -> u64 {
    body.split(' ').next().unwrap().parse().expect("ID PID")
}

#[test]
fn worker_kill_and_exit_report_nodes_events_in_order_with_code_and_signal() {
    let app = App::start(&["events", "0", "2"], &[]);
    let seen = app.finish();
    for w in [1, 2] {
        let evs: Vec<&Value> = seen
            .iter()
            .filter(|v| v["w"] == w && v["p"].is_string())
            .collect();
        let names: Vec<&str> = evs.iter().map(|v| v["p"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            ["fork", "online", "listening", "disconnect", "exit"],
            "{seen:?}"
        );
        let exit = evs[4];
        assert_eq!(exit["after_disconnect"], false);
        if w == 1 {
            assert_eq!(
                (exit["code"].clone(), exit["signal"].clone()),
                (Value::Null, "SIGTERM".into())
            );
        } else {
            assert_eq!(
                (exit["code"].clone(), exit["signal"].clone()),
                (3.into(), Value::Null)
            );
        }
    }
}

fn serves_from_both(env: &[(&str, &str)], need_both: bool) {
    let mut app = App::start(&["serve", "0", "2"], env);
    let port = app.listening(2);
    let mut by = [0u32; 3];
    for _ in 0..40 {
        by[worker_of(&get(port)) as usize] += 1;
        if need_both && by[1] > 0 && by[2] > 0 {
            break;
        }
    }
    if need_both {
        assert!(by[1] > 0 && by[2] > 0, "requests by worker: {by:?}");
    }
    app.signal(libc::SIGUSR1);
    let seen = app.finish();
    let exits: Vec<&Value> = seen.iter().filter(|v| is(v, "exit")).collect();
    assert_eq!(exits.len(), 2);
    for e in exits {
        assert_eq!(
            (e["code"].clone(), e["after_disconnect"].clone()),
            (0.into(), true.into())
        );
    }
}

#[test]
fn round_robin_serves_requests_from_both_workers_and_disconnect_ends_them() {
    serves_from_both(&[], true);
}

#[test]
fn shared_handle_mode_serves_requests_through_the_workers() {
    // the kernel picks the worker: every request must be served, not spread
    serves_from_both(&[("NODE_CLUSTER_SCHED_POLICY", "none")], false);
}

#[test]
fn a_connection_a_worker_does_not_accept_goes_to_another_worker() {
    let mut app = App::start(&["refuse", "0", "2"], &[]);
    let port = app.listening(2);
    for _ in 0..20 {
        assert_eq!(worker_of(&get(port)), 2);
    }
    app.signal(libc::SIGUSR1);
    app.finish();
}

#[test]
fn disconnect_waits_for_an_open_connection() {
    let mut app = App::start(&["serve", "0", "1"], &[]);
    let port = app.listening(1);
    let pid = app.seen.iter().find(|v| is(v, "online")).unwrap()["pid"]
        .as_u64()
        .unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"POST /hold HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab")
        .unwrap();
    app.wait_for(|v| v["ev"] == "request");
    app.signal(libc::SIGUSR1);
    app.wait_for(|v| v["ev"] == "disconnecting");
    assert!(alive(pid as i32), "the worker left with a request open");
    s.write_all(b"cd").unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).unwrap();
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let seen = app.finish();
    let exit = seen.iter().find(|v| is(v, "exit")).unwrap();
    assert_eq!(exit["code"], 0);
}

fn eaddrinuse(env: &[(&str, &str)]) {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut app = App::start(&["serve", &port, "1"], env);
    let v = app.wait_for(|v| v["ev"] == "listen_error");
    assert_eq!(v["code"], "EADDRINUSE", "{v}");
    let message = v["message"].as_str().unwrap();
    assert!(
        message.starts_with("EADDRINUSE") && message.contains(&port),
        "{v}"
    );
    let seen = app.finish();
    assert_eq!(seen.iter().find(|v| is(v, "exit")).unwrap()["code"], 1);
    drop(taken);
}

#[test]
fn eaddrinuse_reaches_the_workers_listen_callback_in_round_robin_mode() {
    eaddrinuse(&[]);
}

#[test]
fn eaddrinuse_reaches_the_workers_listen_callback_in_shared_handle_mode() {
    eaddrinuse(&[("NODE_CLUSTER_SCHED_POLICY", "none")]);
}

/// Alive and not a zombie.
fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(") ").next().and_then(|r| r.chars().next());
            state != Some('Z') && state != Some('X')
        }
        Err(_) => false,
    }
}

#[test]
fn workers_exit_when_the_primary_is_killed() {
    let mut app = App::start(&["serve", "0", "2"], &[]);
    app.listening(2);
    let pids: Vec<i32> = app
        .seen
        .iter()
        .filter(|v| is(v, "online"))
        .map(|v| v["pid"].as_i64().unwrap() as i32)
        .collect();
    assert_eq!(pids.len(), 2);
    app.signal(libc::SIGKILL);
    app.child.wait().unwrap();
    let deadline = Instant::now() + BOUND;
    // bounded look at other processes: no sleep orders anything here
    while pids.iter().any(|&p| alive(p)) {
        assert!(Instant::now() < deadline, "orphaned workers: {pids:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn kill_ends_a_worker_at_once_even_with_a_request_open() {
    // Node's test-cluster-worker-forced-exit: unlike disconnect, kill does not wait
    let mut app = App::start(&["force", "0", "1"], &[]);
    let port = app.listening(1);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(BOUND)).unwrap();
    s.write_all(b"POST /hold HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nab")
        .unwrap();
    let exit = app.wait_for(|v| is(v, "exit"));
    assert_eq!(
        (exit["code"].clone(), exit["signal"].clone()),
        (Value::Null, "SIGTERM".into()),
        "{exit}"
    );
    // the open request gets no answer: its connection ends with the worker
    let mut r = Vec::new();
    let ended = s.read_to_end(&mut r);
    assert!(
        ended.is_err() || r.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&r)
    );
    let seen = app.finish();
    assert!(
        seen.iter().any(|v| is(v, "message")),
        "the worker said it held a request"
    );
}

#[test]
fn a_disconnect_racing_the_workers_own_exit_ends_with_one_exit_per_worker() {
    // Node's test-cluster-disconnect-race: disconnect() while the worker is exiting
    let app = App::start(&["race", "0", "2"], &[]);
    let seen = app.finish();
    assert!(!seen.iter().any(|v| is(v, "error")), "{seen:?}");
    for w in [1, 2] {
        let exits: Vec<&Value> = seen
            .iter()
            .filter(|v| is(v, "exit") && v["w"] == w)
            .collect();
        assert_eq!(exits.len(), 1, "{seen:?}");
        assert_eq!(exits[0]["code"], 0, "{seen:?}");
        let disconnects = seen.iter().filter(|v| is(v, "disconnect") && v["w"] == w);
        assert_eq!(disconnects.count(), 1, "{seen:?}");
    }
    assert!(seen.iter().any(|v| is(v, "loop_exited")));
}

/// `path` on a fresh connection: the worker id of the answer.
fn get_path(port: u16, path: &str) -> u64 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(BOUND)).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).expect("a response");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    worker_of(r.split("\r\n\r\n").nth(1).unwrap_or(""))
}

#[test]
fn a_worker_that_closes_its_server_and_listens_again_is_served_on_the_same_port() {
    // Node's test-cluster-server-restart-rr
    let mut app = App::start(&["relisten", "0", "2"], &[]);
    let port = app.listening(2);
    // /restart until worker 1 answers it (the turn alternates; worker 2 just answers)
    let restarted = (0..40).any(|_| get_path(port, "/restart") == 1);
    assert!(restarted, "worker 1 never answered /restart");
    let again = app.wait_for(|v| v["ev"] == "relistened" && v["w"] == 1);
    assert_eq!(again["port"].as_u64(), Some(u64::from(port)), "{again}");
    let mut by = [0u32; 3];
    for _ in 0..40 {
        by[get_path(port, "/") as usize] += 1;
        if by[1] > 0 && by[2] > 0 {
            break;
        }
    }
    assert!(
        by[1] > 0 && by[2] > 0,
        "both serve after the restart: {by:?}"
    );
    app.signal(libc::SIGUSR1);
    let seen = app.finish();
    let listening = seen.iter().filter(|v| is(v, "listening") && v["w"] == 1);
    assert_eq!(listening.count(), 2, "listening twice: {seen:?}");
}
