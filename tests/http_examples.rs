//! The HTTP examples under load that a test process must not measure on itself: a 1 GiB
//! upload streamed through `http_echo`, and a pipelining client that never reads its
//! answers from `http_hello` — each server runs as a child process and its peak memory
//! (`VmHWM`) is read from /proc.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{start_server, ServerProcess};

/// A server child process (killed when dropped) and its port.
struct Server(ServerProcess);

impl Server {
    /// Starts example `name` on an ephemeral port; returns it and the port.
    fn start(name: &str) -> (Server, u16) {
        let (child, line) = start_server(name);
        let port = line
            .trim()
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{line:?}"));
        (Server(child), port)
    }

    /// The peak resident set of the server so far, in KiB.
    fn peak_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0 .0.id()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }
}

fn connect(port: u16) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    c.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    c
}

/// The bound on a server's peak memory under these loads: its buffers are a few high-water
/// marks per connection, far below the data that went through.
const PEAK_KIB: u64 = 64 * 1024;

#[test]
fn a_one_gib_upload_streams_through_http_echo_in_bounded_memory() {
    const TOTAL: u64 = 1 << 30;
    let (server, port) = Server::start("http_echo");
    let mut c = connect(port);
    let mut w = c.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        w.write_all(
            format!("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: {TOTAL}\r\n\r\n").as_bytes(),
        )
        .unwrap();
        let block = vec![b'x'; 256 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            w.write_all(&block).unwrap();
            sent += block.len() as u64;
        }
    });
    // the answer: a head with the same Content-Length, then every byte back
    let mut buf = vec![0u8; 256 * 1024];
    let mut head = Vec::new();
    let mut body = 0u64;
    loop {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {body} bytes");
        if let Some(end) = (head.len() < 4096)
            .then(|| {
                head.extend_from_slice(&buf[..n]);
                head.windows(4).position(|w| w == b"\r\n\r\n")
            })
            .flatten()
        {
            let text = String::from_utf8_lossy(&head[..end]).into_owned();
            assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
            assert!(
                text.contains(&format!("Content-Length: {TOTAL}\r\n")),
                "{text}"
            );
            body = (head.len() - end - 4) as u64;
            head = vec![0; 4096]; // done with the head
        } else if head.len() >= 4096 {
            body += n as u64;
        }
        if body >= TOTAL {
            break;
        }
    }
    writer.join().unwrap();
    assert_eq!(body, TOTAL);
    let peak = server.peak_kib();
    eprintln!("http_echo: peak RSS {peak} KiB after a 1 GiB upload");
    assert!(
        peak < PEAK_KIB,
        "http_echo peaked at {peak} KiB for a 1 GiB upload"
    );
}

#[test]
fn a_client_that_never_reads_is_paused_and_memory_stays_bounded() {
    let (server, port) = Server::start("http_hello");
    let c = connect(port);
    let mut w = c.try_clone().unwrap();
    // pipelined requests until the server stops reading and the socket buffers fill: then
    // the write times out
    w.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let batch = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(2048);
    let mut sent = 0usize;
    while sent < 1 << 30 {
        match w.write(&batch) {
            Ok(n) => sent += n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(e) => panic!("write: {e}"),
        }
    }
    assert!(
        sent < 1 << 30,
        "the server read 1 GiB of requests without being read from"
    );
    // others are still served
    let mut other = connect(port);
    other
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    other.read_to_string(&mut answer).unwrap();
    assert!(answer.ends_with("hello"), "{answer}");
    let peak = server.peak_kib();
    eprintln!("http_hello: peak RSS {peak} KiB after {sent} bytes of unread pipelined requests");
    assert!(
        peak < PEAK_KIB,
        "http_hello peaked at {peak} KiB with a client that never reads"
    );
    drop(c);
}
