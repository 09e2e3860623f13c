//! `fork` end to end with real processes: a ruv parent and a ruv child (json and ruv
//! framing), a ruv parent and a node child, a TCP server handed to a forked child that
//! accepts connections there, and the blocking endpoint's two modes.

mod support;

use ruv::core::{Loop, RunMode};
use ruv::process::fork::{fork, ForkEvent, ForkOptions};
use ruv::process::ipc::SendHandle;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;
use support::example_bin;

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn a_ruv_parent_and_a_ruv_child_play_ping_pong_in_both_framings() {
    let child = example_bin("fork_child");
    for framing in ["json", "ruv"] {
        let out = Command::new(example_bin("fork_parent"))
            .args(["--count", "200", "--serialization", framing, "--child"])
            .arg(&child)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("200 round trips of 64 bytes ({framing})")),
            "{text}"
        );
    }
}

#[test]
fn a_ruv_parent_talks_to_a_node_child_with_nodes_protocol() {
    if !node_available() {
        eprintln!("skipped: node is not installed");
        return;
    }
    let out = Command::new(example_bin("fork_node")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "answer: {\"pong\":{\"n\":1,\"text\":\"hello 1\"}}\n\
         answer: {\"pong\":{\"n\":2,\"text\":\"hello 2\"}}\n\
         answer: {\"pong\":{\"n\":3,\"text\":\"hello 3\"}}\n\
         child exited: code Some(0), signal None\n"
    );
}

#[derive(Default)]
struct Seen {
    line: String,
    pid: Option<u32>,
    closed: bool,
}

#[test]
fn a_server_handle_passed_to_a_forked_child_accepts_connections_there() {
    let mut lp: Loop<Seen> = Loop::new().unwrap();
    let server = ruv::net::Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let port = server.local_addr(&lp).unwrap().port();
    // a listening socket travels as a `net.Server`; the parent accepts nothing on it: it is
    // closed here once sent
    server.listen(&mut lp, 16, |_, _, _, _| {}).unwrap();
    let opts = ForkOptions::default();
    fork(
        &mut lp,
        example_bin("fork_child"),
        &[] as &[&str],
        opts,
        move |lp, seen: &mut Seen, me, ev| {
            match ev {
                ForkEvent::Spawn => {
                    seen.pid = me.pid(lp);
                    // the parent keeps no copy: only the child accepts on it now
                    me.send_handle(
                        lp,
                        &"take it",
                        SendHandle::TcpServer(server),
                        false,
                        |_, _, r| r,
                    )?;
                }
                ForkEvent::Message(m) => {
                    let v: serde_json::Value = m.deserialize()?;
                    assert_eq!(v["handle"], "net.Server", "{v}");
                    // the child accepts and greets: a blocking client is fine, the child is
                    // another process
                    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                    BufReader::new(&mut c).read_line(&mut seen.line).unwrap();
                    me.disconnect(lp)?;
                }
                ForkEvent::Close { .. } => seen.closed = true,
                ForkEvent::Error(e) => return Err(e),
                _ => {}
            }
            Ok(())
        },
    )
    .unwrap();
    let mut seen = Seen::default();
    lp.run(RunMode::Default, &mut seen).unwrap();
    let pid = seen.pid.expect("spawned");
    assert_eq!(seen.line, format!("hello from ruv child {pid}\n"));
    assert!(
        seen.closed,
        "'close' after the child exited and the channel closed"
    );
}

/// User CPU ticks of process `pid` so far.
fn utime(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // the fields after the `(comm)`: utime is the 12th of them
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    rest.split(' ').nth(11).unwrap().parse().unwrap()
}

/// Sends `GET path` on a new connection (answered with `Connection: close`).
fn send_get(port: u16, path: &str) -> TcpStream {
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.write_all(format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    c
}

/// Which of the two connections had an answer first, seen from one thread polling both:
/// `["/ping"]` or `["/slow"]` when one was readable alone, both when they became readable
/// together (then the order cannot be told, and is not guessed); and the two bodies (the
/// sum alone for `/slow`, which answers `SUM MS`).
fn first_ready(slow: &mut TcpStream, ping: &mut TcpStream) -> (Vec<&'static str>, String, String) {
    use std::os::fd::AsRawFd;
    let mut fds = [
        libc::pollfd {
            fd: slow.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: ping.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: `fds` is two valid pollfds for the duration of the call; both fds are open
    // (owned by the streams borrowed here).
    let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, 60_000) };
    assert!(n > 0, "an answer within 60 s");
    let mut first = Vec::new();
    if fds[0].revents != 0 {
        first.push("/slow");
    }
    if fds[1].revents != 0 {
        first.push("/ping");
    }
    let body = |c: &mut TcpStream| {
        c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut all = String::new();
        c.read_to_string(&mut all).unwrap();
        let body = all.split("\r\n\r\n").nth(1).unwrap_or("");
        body.split(' ').next().unwrap_or("").to_string()
    };
    (first, body(slow), body(ping))
}

/// Sends `/slow`, then `/ping` once `/slow` is being computed (the computing process's CPU
/// time has started to grow), and reports which was answered first.
fn first_answer(mode: &str) -> (Vec<&'static str>, String, String) {
    let (server, line) = {
        let mut child = Command::new(example_bin("blocking_endpoint"))
            .args(["--mode", mode, "--port", "0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        (support::ServerProcess(child), line)
    };
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    let pid = server.0.id();
    let before = utime(pid);
    let mut slow = send_get(port, "/slow");
    if mode == "blocking" || mode == "partition" {
        // the server itself computes: wait until it is busy (polling its CPU time, not
        // sleeping a guessed time)
        while utime(pid) < before + 5 {
            std::thread::yield_now();
        }
    }
    let mut ping = send_get(port, "/ping");
    first_ready(&mut slow, &mut ping)
}

#[test]
fn the_blocking_endpoint_blocks_ping_unless_slow_is_forked() {
    // blocking: /ping waits for /slow, so it is never answered alone first (both answers
    // may arrive together, written one right after the other)
    let (first, slow, ping) = first_answer("blocking");
    assert!(first.contains(&"/slow"), "first answered: {first:?}");
    assert_eq!((slow.as_str(), ping.as_str()), ("499999500000", "pong"));
    let (first, slow, ping) = first_answer("fork");
    assert_eq!(first, ["/ping"], "/ping answered while the child computes");
    assert_eq!((slow.as_str(), ping.as_str()), ("499999500000", "pong"));
}

#[test]
fn the_partitioned_blocking_endpoint_answers_ping_between_the_passes_of_slow() {
    // /ping is sent once the loop thread is busy with /slow's passes
    let (first, slow, ping) = first_answer("partition");
    assert_eq!(first, ["/ping"]);
    assert_eq!((slow.as_str(), ping.as_str()), ("499999500000", "pong"));
}

#[test]
fn the_watchdog_names_the_blocking_slow_handler_with_its_source_line_and_route() {
    let mut child = Command::new(example_bin("blocking_endpoint"))
        .args(["--mode", "blocking", "--port", "0", "--slow-ms", "400"])
        .args(["--watchdog", "50"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let server = support::ServerProcess(child);
    let mut slow = send_get(port, "/slow");
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(answer.contains("499999500000"), "{answer}");
    drop(server); // killed: its stderr ends
    let mut err = String::new();
    stderr.read_to_string(&mut err).unwrap();
    assert!(
        err.contains("blocking_endpoint: watchdog: loop blocked for")
            && err.contains("by http.request")
            && err.contains("registered at examples/blocking_endpoint.rs:")
            && err.contains("(label \"/slow\")"),
        "{err}"
    );
}
