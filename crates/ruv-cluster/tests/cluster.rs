//! The cluster end to end: the tests run `ruv-cluster-testapp` (this crate's test binary,
//! never the test harness) as a primary with workers, read its JSON event lines, and talk
//! HTTP to the port the workers share. Waiting on those processes is bounded (a line
//! within 60 s; a pid gone within 60 s, looked at every 10 ms): no sleep synchronises.

mod common;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::BOUND;

struct App {
    child: Child,
    lines: Receiver<Value>,
    seen: Vec<Value>,
}

impl App {
    fn start(args: &[&str], env: &[(&str, &str)]) -> App {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ruv-cluster-testapp"));
        cmd.args(args)
            .stdout(Stdio::piped())
            .env_remove("NODE_UNIQUE_ID");
        cmd.env_remove("NODE_CLUSTER_SCHED_POLICY");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (child, lines) = common::spawn_json(&mut cmd);
        App {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next line matching `want` (lines before it are kept in `seen`).
    fn wait_for(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        common::wait_for(&self.lines, &mut self.seen, want)
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid, which we have not reaped yet.
        let r = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(r, 0);
    }

    fn finish(mut self) -> Vec<Value> {
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "primary: {status}");
        self.seen.extend(self.lines.iter());
        self.seen
    }
}

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

fn listening_port(app: &mut App, workers: usize) -> u16 {
    let mut port = 0;
    for _ in 0..workers {
        port = app.wait_for(|v| is(v, "listening"))["port"]
            .as_u64()
            .unwrap() as u16;
    }
    port
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
    let port = listening_port(&mut app, 2);
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
    let port = listening_port(&mut app, 2);
    for _ in 0..20 {
        assert_eq!(worker_of(&get(port)), 2);
    }
    app.signal(libc::SIGUSR1);
    app.finish();
}

#[test]
fn disconnect_waits_for_an_open_connection() {
    let mut app = App::start(&["serve", "0", "1"], &[]);
    let port = listening_port(&mut app, 1);
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
    listening_port(&mut app, 2);
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
