//! Helpers of the client tests: a log of events, a loop guard, and plain `std::net`
//! servers on threads that read requests exactly as they come.
#![allow(dead_code)] // each test uses part of it

use ruv_core::{Loop, RunMode, Timer};
use ruv_http::client::ClientEvent;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a std-side read may wait before the test fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

/// What the loop's callbacks write down.
#[derive(Default, Debug)]
pub struct Log {
    pub events: Vec<String>,
}

impl Log {
    /// Writes `ev` down: `response 200 OK`, `data <text>` (consecutive pieces joined),
    /// `end`, `error <Display>`, `close` …
    pub fn note(&mut self, ev: &ClientEvent<'_>) {
        let line = match ev {
            ClientEvent::Information(h) => format!("information {}", h.status_code()),
            ClientEvent::Response(h) => {
                format!("response {} {}", h.status_code(), h.status_message())
            }
            ClientEvent::Data(d) => {
                let text = String::from_utf8_lossy(d);
                if let Some(last) = self.events.last_mut() {
                    if last.starts_with("data ") {
                        last.push_str(&text);
                        return;
                    }
                }
                format!("data {text}")
            }
            ClientEvent::Error(e) => format!("error {e}"),
            other => other.name().to_string(),
        };
        self.events.push(line);
    }

    /// Writes down a line of the test's own.
    pub fn mark(&mut self, line: impl Into<String>) {
        self.events.push(line.into());
    }
}

/// A timer that fails the test after `ms`, unreferenced so it never keeps the loop alive.
pub fn guard<S: 'static>(lp: &mut Loop<S>, ms: u64) {
    let t = Timer::new(lp).unwrap();
    t.start(lp, ms, 0, move |_, _, _| -> () {
        panic!("test timed out after {ms} ms")
    })
    .unwrap();
    t.set_ref(lp, false);
}

/// A loop with a 20 s guard.
pub fn new_loop<S: 'static>() -> Loop<S> {
    let mut lp = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    lp
}

/// Runs the loop until it has nothing left to do.
pub fn run<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    lp.run(RunMode::Default, s).unwrap();
}

/// A listener on loopback, any port.
pub fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// Runs `serve` on a thread with a listener; returns its port and the thread.
pub fn server<T: Send + 'static>(
    serve: impl FnOnce(TcpListener) -> T + Send + 'static,
) -> (u16, JoinHandle<T>) {
    let (l, port) = listener();
    (port, std::thread::spawn(move || serve(l)))
}

/// Accepts one connection, with reads bounded by [`IO_TIMEOUT`].
pub fn accept(l: &TcpListener) -> BufReader<TcpStream> {
    let (s, _) = l.accept().unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    BufReader::new(s)
}

/// Reads one request: its head (lines included, up to the empty one) and its body
/// (`Content-Length` or chunked, decoded). `None` at EOF before a request.
pub fn read_request(r: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = r
            .read_line(&mut line)
            .expect("a request within the timeout");
        if n == 0 {
            assert!(head.is_empty(), "EOF inside a request head: {head:?}");
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let lower = head.to_ascii_lowercase();
    let mut body = Vec::new();
    if let Some(len) = header(&lower, "content-length") {
        body.resize(len.parse().unwrap(), 0);
        r.read_exact(&mut body).unwrap();
    } else if header(&lower, "transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim_end(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some((head, body))
}

/// The value of `name` in a lower-cased head.
pub fn header<'a>(lower_head: &'a str, name: &str) -> Option<&'a str> {
    lower_head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        (n == name).then(|| v.trim())
    })
}

/// Writes `bytes` to the connection.
pub fn send(r: &mut BufReader<TcpStream>, bytes: &[u8]) {
    r.get_mut().write_all(bytes).unwrap();
}

/// Waits for the peer to close (EOF), for servers that must hold a connection open.
pub fn wait_eof(r: &mut BufReader<TcpStream>) {
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).ok();
}

/// A `node` child process, killed when dropped.
pub struct Node(pub Child);

impl Drop for Node {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// Runs `node -e script`, which must print its port on the first line; `None` (with a
/// message) when `node` is not on PATH.
pub fn node_server(script: &str) -> Option<(Node, u16)> {
    let child = Command::new("node")
        .args(["-e", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => Node(c),
        Err(e) => {
            eprintln!("skipped: node is not available ({e})");
            return None;
        }
    };
    let mut line = String::new();
    BufReader::new(child.0.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().expect("node prints its port");
    Some((child, port))
}
