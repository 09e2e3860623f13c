//! The worker-thread examples end to end, as processes: `worker_compute` (an interval on the
//! main loop while a computation runs there, then in a worker) and `blocking_endpoint --mode
//! worker` (`/slow` in a worker thread, `/ping` answered meanwhile).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::Sender;
use std::time::Duration;
use support::{example_bin, ServerProcess};

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example_bin(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

/// One run's line of `worker_compute`:
/// `LABEL: result HEX after N ms; interval I ms: K ticks, worst delay D ms`.
#[derive(Debug)]
struct RunLine {
    result: String,
    interval: u64,
    ticks: u64,
    worst_ms: f64,
}

fn parse_run(line: &str, label: &str) -> RunLine {
    try_parse_run(line, label).unwrap_or_else(|| panic!("not a {label:?} line: {line:?}"))
}

fn try_parse_run(line: &str, label: &str) -> Option<RunLine> {
    let rest = line.strip_prefix(&format!("{label}: result "))?;
    let (result, rest) = rest.split_once(" after ")?;
    if result.len() != 16 || !result.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let (took, rest) = rest.split_once(" ms; interval ")?;
    took.parse::<u64>().ok()?;
    let (interval, rest) = rest.split_once(" ms: ")?;
    let (ticks, rest) = rest.split_once(" ticks, worst delay ")?;
    let worst = rest.strip_suffix(" ms")?;
    Some(RunLine {
        result: result.to_string(),
        interval: interval.parse().ok()?,
        ticks: ticks.parse().ok()?,
        worst_ms: worst.parse().ok()?,
    })
}

#[test]
fn the_interval_starves_while_the_main_loop_computes_and_keeps_ticking_with_a_worker() {
    let out = run("worker_compute", &["--ms", "400", "--interval", "10"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("work: ") && lines[0].ends_with(" steps (about 400 ms here)"),
        "{text}"
    );
    let main = parse_run(lines[1], "main loop");
    let worker = parse_run(lines[2], "worker");
    // the same computation, wherever it runs
    assert_eq!(main.result, worker.result, "{text}");
    assert_eq!((main.interval, worker.interval), (10, 10), "{text}");
    // on the main loop no tick can run until the computation returns: the one tick is the
    // one after it, and it waited for the whole computation
    assert_eq!(main.ticks, 1, "{text}");
    // in a worker the interval went on ticking meanwhile
    assert!(worker.ticks > 1, "{text}");
    assert!(worker.worst_ms < main.worst_ms, "{text}");
    assert_eq!(
        lines[3],
        format!(
            "same result: yes; worst delay {:.1} ms on the main loop, {:.1} ms with a worker",
            main.worst_ms, worker.worst_ms
        ),
        "{text}"
    );
}

#[test]
fn worker_compute_runs_one_mode_alone() {
    for (mode, label) in [("main", "main loop"), ("worker", "worker")] {
        let out = run("worker_compute", &["--ms", "20", "--mode", mode]);
        assert!(
            out.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{mode}: {text}");
        assert!(lines[0].starts_with("work: "), "{mode}: {text}");
        parse_run(lines[1], label);
    }
}

/// A usage error: status 2, nothing on stdout, the message and a hint on stderr.
fn assert_usage_error(name: &str, args: &[&str], says: &str) {
    let out = run(name, args);
    assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
    assert!(out.stdout.is_empty(), "{name} {args:?}: stdout not empty");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        format!("{name}: {says}\ntry '{name} --help' for usage\n"),
        "{name} {args:?}"
    );
}

#[test]
fn bad_values_are_usage_errors() {
    assert_usage_error(
        "worker_compute",
        &["--mode", "fast"],
        "--mode must be both, main or worker, got 'fast'",
    );
    assert_usage_error(
        "worker_compute",
        &["--ms", "0"],
        "--ms must be a number of ms, 1 or more, got \"0\"",
    );
    assert_usage_error(
        "worker_compute",
        &["--interval=x"],
        "--interval must be a number of ms, 1 or more, got \"x\"",
    );
    assert_usage_error(
        "blocking_endpoint",
        &["--mode", "thread"],
        "--mode must be blocking, fork, worker or partition, got 'thread'",
    );
}

#[test]
fn blocking_endpoint_help_names_the_worker_mode() {
    let out = run("blocking_endpoint", &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("blocking, fork, worker or partition"),
        "{text}"
    );
}

/// User CPU ticks of process `pid` so far (all its threads).
fn utime(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // the fields after the `(comm)`: utime is the 12th of them
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(11).unwrap().parse().unwrap()
}

/// Sends `GET path` on a new connection from a thread; the answer's body comes back on `tx`.
fn get(port: u16, path: &'static str, tx: Sender<(&'static str, String)>) {
    std::thread::spawn(move || {
        let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        c.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let mut all = String::new();
        c.read_to_string(&mut all).unwrap();
        let body = all.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
        tx.send((path, body)).ok();
    });
}

#[test]
fn the_blocking_endpoint_answers_ping_while_slow_runs_in_a_worker() {
    let mut child = Command::new(example_bin("blocking_endpoint"))
        .args(["--mode", "worker", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let server = ServerProcess(child);
    let port: u16 = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{line:?}"))
        .parse()
        .unwrap();
    let pid = server.0.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let before = utime(pid);
    get(port, "/slow", tx.clone());
    // the worker computes in the server's process: wait until it is busy (polling the
    // process's CPU time, not sleeping a guessed time), so /ping comes in mid-computation
    while utime(pid) < before + 5 {
        std::thread::yield_now();
    }
    get(port, "/ping", tx);
    let first = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let second = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(first, ("/ping", "pong".to_string()));
    assert_eq!(second.0, "/slow");
    assert_eq!(second.1.split(' ').next(), Some("499999500000"), "SUM MS");
}
