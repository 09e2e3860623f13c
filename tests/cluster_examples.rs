//! The cluster examples end to end, as real processes: each runs a primary with two
//! workers on an ephemeral port, requests over fresh connections are answered by both
//! workers (round-robin), the broadcast example's answer changes as the primary
//! broadcasts, SIGUSR2 replaces the workers, and SIGTERM shuts everything down: the primary
//! exits with 0 and its workers are gone.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{example_bin, ServerProcess};

/// Bounds on every wait: attempts, and the pause between polls.
const ATTEMPTS: usize = 200;
const POLL: Duration = Duration::from_millis(25);

/// Starts example `name` with `--port 0 --workers 2` and `extra`; returns it and the port
/// of its `listening on` line.
fn start(name: &str, extra: &[&str]) -> (ServerProcess, u16) {
    let mut child = Command::new(example_bin(name))
        .args(["--port", "0", "--workers", "2"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the example starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped stdout"))
        .read_line(&mut line)
        .expect("a first line");
    let port = line
        .trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{name}: not a listening line: {line:?}"));
    (ServerProcess(child), port)
}

/// One `GET /` over a fresh connection; the body.
fn get(port: u16) -> String {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    c.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("request written");
    let mut text = String::new();
    c.read_to_string(&mut text).expect("answer read");
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let (_, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    body.to_string()
}

/// `... from worker ID (pid PID)`: (id, pid).
fn worker_of(body: &str) -> (u32, u32) {
    let rest = body
        .trim_end()
        .rsplit_once(" from worker ")
        .unwrap_or_else(|| panic!("no worker in {body:?}"))
        .1;
    let (id, pid) = rest.split_once(" (pid ").expect("a pid");
    (
        id.parse().expect("a worker id"),
        pid.trim_end_matches(')').parse().expect("a pid number"),
    )
}

/// Requests until every worker in `ids` answered (bounded); their pids by id, and every
/// body seen.
fn collect_workers(port: u16, ids: &[u32]) -> (BTreeMap<u32, u32>, Vec<String>) {
    let mut seen = BTreeMap::new();
    let mut bodies = Vec::new();
    for _ in 0..ATTEMPTS {
        let body = get(port);
        let (id, pid) = worker_of(&body);
        seen.insert(id, pid);
        bodies.push(body);
        if ids.iter().all(|i| seen.contains_key(i)) {
            return (seen, bodies);
        }
    }
    panic!("workers {ids:?} did not all answer in {ATTEMPTS} requests: {bodies:?}");
}

fn signal(pid: u32, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(st.success(), "kill {sig} {pid}");
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// SIGTERM to the primary: it exits with 0, and the workers `pids` are gone.
fn shut_down(mut server: ServerProcess, pids: impl IntoIterator<Item = u32>) {
    signal(server.0.id(), "-TERM");
    let status = server.0.wait().expect("the primary is waited for");
    assert_eq!(status.code(), Some(0), "the primary's exit: {status}");
    for pid in pids {
        let gone = (0..ATTEMPTS).any(|_| {
            let g = !alive(pid);
            if !g {
                std::thread::sleep(POLL);
            }
            g
        });
        assert!(gone, "worker pid {pid} still runs after the primary exited");
    }
}

#[test]
fn cluster_hello_answers_from_both_workers_and_shuts_down_on_sigterm() {
    let (server, port) = start("cluster_hello", &[]);
    let (pids, bodies) = collect_workers(port, &[1, 2]);
    for b in &bodies {
        assert!(b.starts_with("hello from worker "), "{b:?}");
    }
    assert_eq!(pids.keys().copied().collect::<Vec<_>>(), [1, 2]);
    shut_down(server, pids.into_values());
}

#[test]
fn cluster_hello_replaces_its_workers_on_sigusr2() {
    let (server, port) = start("cluster_hello", &[]);
    let (old, _) = collect_workers(port, &[1, 2]);
    signal(server.0.id(), "-USR2");
    // the rolling restart forks workers 3 and 4; every request meanwhile is answered
    let mut new = BTreeMap::new();
    for _ in 0..ATTEMPTS {
        let (id, pid) = worker_of(&get(port));
        if id > 2 {
            new.insert(id, pid);
        }
        if new.len() == 2 {
            break;
        }
        std::thread::sleep(POLL);
    }
    assert_eq!(new.keys().copied().collect::<Vec<_>>(), [3, 4], "{new:?}");
    shut_down(server, old.into_values().chain(new.into_values()));
}

#[test]
fn cluster_cpu_answers_the_computed_result_from_both_workers() {
    let (server, port) = start("cluster_cpu", &[]);
    let (pids, bodies) = collect_workers(port, &[1, 2]);
    let results: Vec<&str> = bodies
        .iter()
        .map(|b| {
            b.strip_prefix("result ")
                .and_then(|r| r.split_once(' '))
                .unwrap_or_else(|| panic!("{b:?}"))
                .0
        })
        .collect();
    // the same deterministic computation in every worker
    assert!(results.iter().all(|r| *r == results[0]), "{results:?}");
    assert!(results[0].parse::<u64>().is_ok(), "{results:?}");
    shut_down(server, pids.into_values());
}

/// `value V (round R) from …`: R.
fn round_of(body: &str) -> u64 {
    body.split_once("(round ")
        .and_then(|(_, r)| r.split_once(')'))
        .and_then(|(r, _)| r.parse().ok())
        .unwrap_or_else(|| panic!("no round in {body:?}"))
}

#[test]
fn cluster_broadcast_workers_answer_the_primarys_latest_value() {
    let (server, port) = start("cluster_broadcast", &["--every-ms", "50"]);
    let (pids, bodies) = collect_workers(port, &[1, 2]);
    // a worker has a value before it listens: never `no value yet`
    let first = round_of(&bodies[0]);
    let mut later = None;
    for _ in 0..ATTEMPTS {
        let body = get(port);
        if round_of(&body) > first {
            later = Some(body);
            break;
        }
        std::thread::sleep(POLL);
    }
    let later = later.unwrap_or_else(|| panic!("the value never changed from round {first}"));
    assert!(later.starts_with("value "), "{later:?}");
    shut_down(server, pids.into_values());
}

#[test]
fn a_port_in_use_is_reported_once_by_the_primary_with_exit_status_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(example_bin("cluster_hello"))
        .args(["--port", &port, "--workers", "2"])
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("cluster_hello: worker "), "{err}");
    assert!(err.contains("EADDRINUSE"), "{err}");
}
