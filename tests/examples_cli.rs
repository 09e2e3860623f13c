//! Every example is a well-behaved command-line tool: `--help`/`-h` list every flag and its
//! default and exit with 0; an unknown flag or a bad value is one line on stderr, a hint,
//! and exit status 2; a server prints its `listening on` line once it accepts connections;
//! a failure prints the error's Node-format text, never Rust's `Debug`.

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use support::{example_bin, start_server};

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example_bin(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

/// Each example and what its usage must mention: every flag and positional, and the
/// defaults.
const USAGES: &[(&str, &[&str])] = &[
    (
        "blocking_endpoint",
        &[
            "--mode",
            "--port",
            "--slow-ms",
            "--watchdog",
            "partition",
            "-h, --help",
            "default: blocking",
            "default: 3000",
            "default: 800",
        ],
    ),
    ("cat", &["FILE", "--", "-h, --help", "default: -"]),
    (
        "cluster_broadcast",
        &[
            "--port",
            "--workers",
            "--every-ms",
            "-h, --help",
            "default: 3000",
            "default: CPUs",
            "default: 10000",
            "SIGUSR2",
            "SIGTERM",
        ],
    ),
    (
        "dont_block",
        &[
            "average N",
            "regex K",
            "json MB",
            "pools SECS",
            "-h, --help",
        ],
    ),
    (
        "cluster_cpu",
        &[
            "--port",
            "--workers",
            "-h, --help",
            "default: 3000",
            "default: CPUs",
            "SIGUSR2",
            "SIGTERM",
        ],
    ),
    (
        "cluster_hello",
        &[
            "--port",
            "--workers",
            "--crash",
            "--stats",
            "-h, --help",
            "default: 3000",
            "default: CPUs",
            "SIGUSR2",
            "SIGTERM",
        ],
    ),
    ("cpu_server", &["--port", "-h, --help", "default: 8000"]),
    (
        "echo",
        &[
            "--port",
            "--client",
            "--count",
            "--size",
            "-h, --help",
            "default: 7000",
            "default: 1000",
            "default: 4096",
        ],
    ),
    (
        "echo_load",
        &[
            "pingpong",
            "stream",
            "PORT",
            "CONNS",
            "SECS",
            "-h, --help",
            "default: 100",
            "default: 5",
        ],
    ),
    (
        "fork_node",
        &["--script", "--node", "-h, --help", "default: node"],
    ),
    (
        "fork_parent",
        &[
            "--count",
            "--size",
            "--serialization",
            "--child",
            "--node",
            "-h, --help",
            "default: 1000",
            "default: 64",
        ],
    ),
    ("gunzip", &["IN", "OUT", "-h, --help"]),
    ("gzip", &["IN", "OUT", "-h, --help"]),
    ("http_echo", &["--port", "-h, --help", "default: 3000"]),
    (
        "http_get",
        &[
            "URL",
            "--method",
            "--header",
            "--data",
            "--timeout",
            "-h, --help",
            "default: GET",
            "default: none",
            "default: 0",
        ],
    ),
    (
        "http_hello",
        &[
            "--port",
            "--keep-alive-timeout",
            "-h, --help",
            "default: 3000",
            "default: 5000",
        ],
    ),
    (
        "lookup",
        &[
            "HOST",
            "--family",
            "--order",
            "--hints",
            "--service",
            "-h, --help",
            "default: 0",
            "default: verbatim",
            "default: off",
        ],
    ),
    (
        "metrics_server",
        &[
            "--port",
            "--threads",
            "--warn-ms",
            "-h, --help",
            "default: 3000",
            "default: UV_THREADPOOL_SIZE, else 4",
            "default: 100",
            "/metrics",
            "/work?ms=N",
        ],
    ),
    ("ordering", &["-h, --help"]),
    (
        "pbkdf2",
        &[
            "N",
            "--lanes",
            "--serial",
            "--json",
            "--timeline",
            "-h, --help",
            "default: 5",
            "default: none",
            "UV_THREADPOOL_SIZE",
        ],
    ),
    (
        "worker_compute",
        &[
            "--ms",
            "--interval",
            "--mode",
            "-h, --help",
            "default: 4000",
            "default: 10",
            "default: both",
        ],
    ),
    (
        "worker_pool",
        &[
            "--threads",
            "--tasks",
            "--work",
            "--cancel",
            "--max-queue",
            "-h, --help",
            "default: CPUs",
            "default: 16",
            "default: 20000000",
            "default: 0",
            "default: no limit",
        ],
    ),
    (
        "watchdog",
        &[
            "--threshold",
            "--block",
            "-h, --help",
            "default: 50",
            "default: 300",
        ],
    ),
];

#[test]
fn help_lists_every_flag_and_default_and_exits_0() {
    for &(name, must) in USAGES {
        for flag in ["--help", "-h"] {
            let out = run(name, &[flag]);
            assert_eq!(out.status.code(), Some(0), "{name} {flag}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                text.starts_with(&format!("usage: {name}")),
                "{name} {flag}: {text}"
            );
            for m in must {
                assert!(
                    text.contains(m),
                    "{name} {flag}: usage lacks {m:?}:\n{text}"
                );
            }
            assert!(out.stderr.is_empty(), "{name} {flag}: stderr not empty");
        }
    }
}

#[test]
fn help_is_honoured_after_other_arguments() {
    let out = run("pbkdf2", &["3", "--json", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("usage: pbkdf2"));
}

/// A usage error: status 2, nothing on stdout, the message and a hint on stderr.
fn assert_usage_error(name: &str, args: &[&str], says: &str) {
    let out = run(name, args);
    assert_eq!(out.status.code(), Some(2), "{name} {args:?}");
    assert!(out.stdout.is_empty(), "{name} {args:?}: stdout not empty");
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{name} {args:?}: {err}");
    assert!(
        lines[0].starts_with(&format!("{name}: ")) && lines[0].contains(says),
        "{name} {args:?}: {err}"
    );
    assert_eq!(lines[1], format!("try '{name} --help' for usage"));
}

#[test]
fn an_unknown_flag_is_one_line_on_stderr_and_status_2() {
    for &(name, _) in USAGES {
        assert_usage_error(name, &["--no-such-flag"], "unknown flag --no-such-flag");
    }
}

#[test]
fn a_bad_value_is_one_line_on_stderr_and_status_2() {
    for name in [
        "http_hello",
        "http_echo",
        "cpu_server",
        "echo",
        "metrics_server",
    ] {
        assert_usage_error(name, &["--port", "abc"], "--port must be a port number");
        assert_usage_error(name, &["--port=70000"], "--port must be a port number");
        assert_usage_error(name, &["--port"], "--port needs a value");
    }
    assert_usage_error("echo", &["--count", "0"], "--count and --size must be >= 1");
    assert_usage_error(
        "echo_load",
        &["pingpong", "port"],
        "PORT must be a port number",
    );
    assert_usage_error("echo_load", &["walk", "80"], "must be pingpong or stream");
    assert_usage_error("echo_load", &["stream", "80", "0"], "SECS must be");
    assert_usage_error("lookup", &[], "HOST is missing");
    assert_usage_error(
        "lookup",
        &["localhost", "--family", "x"],
        "--family must be",
    );
    assert_usage_error("lookup", &["localhost", "--order", "x"], "options.order");
    assert_usage_error("lookup", &["localhost", "--service", "22"], "an IP address");
    assert_usage_error("http_get", &[], "URL is missing");
    assert_usage_error("http_get", &["nope"], "ERR_INVALID_URL: Invalid URL: nope");
    assert_usage_error("http_get", &["https://h/"], "ERR_INVALID_PROTOCOL");
    assert_usage_error("http_get", &["http://h/", "--header", "x"], "'NAME: VALUE'");
    assert_usage_error(
        "http_get",
        &["http://h/", "--method", "G T"],
        "ERR_INVALID_HTTP_TOKEN",
    );
    assert_usage_error("gzip", &["only-in"], "IN and OUT are both needed");
    assert_usage_error("gunzip", &["a", "b", "c"], "unexpected argument");
    assert_usage_error("ordering", &["extra"], "unexpected argument");
    assert_usage_error("pbkdf2", &["--json=1"], "--json takes no value");
    assert_usage_error("pbkdf2", &["--timeline"], "--timeline needs a value");
    assert_usage_error("watchdog", &["--threshold", "0"], "ERR_OUT_OF_RANGE");
    assert_usage_error(
        "watchdog",
        &["--block", "x"],
        "--block must be milliseconds",
    );
}

#[test]
fn the_watchdog_example_names_its_blocking_timer_while_it_blocks() {
    let out = run("watchdog", &["--threshold", "20", "--block", "200"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    let first = err.lines().next().unwrap_or_default();
    assert!(first.starts_with("watchdog: loop blocked for "), "{err}");
    assert!(
        first.contains("by timer (handle ")
            && first.contains("registered at examples/watchdog.rs:")
            && first.ends_with("(label \"busy work\")"),
        "{err}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("worst: timer at examples/watchdog.rs:"),
        "{stdout}"
    );
    assert!(stdout.contains("loop delay: "), "{stdout}");
    assert_usage_error(
        "metrics_server",
        &["--threads", "0"],
        "--threads must be 1-1024",
    );
    assert_usage_error("metrics_server", &["--warn-ms", "-1"], "--warn-ms must be");
}

/// Reads one HTTP answer (head and `Content-Length` body) from `c`.
fn read_answer(c: &mut TcpStream) -> String {
    c.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(head_end) = text.find("\r\n\r\n") {
            let len: usize = text[..head_end]
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .map_or(0, |v| v.trim().parse().unwrap());
            if got.len() >= head_end + 4 + len {
                return text;
            }
        }
        let n = match c.read(&mut buf) {
            // a signal (a child of another test exiting) interrupted the wait: wait again
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            res => res.expect("an answer within the timeout"),
        };
        assert_ne!(n, 0, "closed before a whole answer: {text:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

/// The port in `line`, which must be exactly `prefix` PORT.
fn port_of(line: &str, prefix: &str) -> u16 {
    let port = line
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{line:?} is not {prefix}PORT"));
    let port: u16 = port.parse().expect("a port number");
    assert_ne!(port, 0, "--port 0 reports the port it got");
    port
}

#[test]
fn http_servers_print_their_url_once_they_accept_connections() {
    for name in ["http_hello", "http_echo", "cpu_server", "metrics_server"] {
        let (_server, line) = start_server(name);
        let port = port_of(&line, "listening on http://127.0.0.1:");
        // accepting already: a request gets an answer
        let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let answer = read_answer(&mut c);
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "{name}: {answer}"
        );
    }
}

#[test]
fn http_get_prints_the_status_line_headers_and_body() {
    let (_server, line) = start_server("http_hello");
    let port = port_of(&line, "listening on http://127.0.0.1:");
    let out = run("http_get", &[&format!("http://127.0.0.1:{port}/")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\n"), "{text}");
    assert!(text.contains("\nContent-Length: 5\n\nhello"), "{text}");
}

#[test]
fn echo_server_prints_its_address_once_it_accepts_connections() {
    let (_server, line) = start_server("echo");
    let port = port_of(&line, "echo server listening on 127.0.0.1:");
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    c.write_all(b"ping").unwrap();
    let mut back = [0u8; 4];
    c.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    c.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"ping");
    // and the example's own client agrees
    let out = run(
        "echo",
        &["--client", "--port", &port.to_string(), "--count", "5"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("5 round trips of 4096 bytes"));
}

#[test]
fn a_taken_port_is_reported_in_node_format_with_status_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for name in [
        "http_hello",
        "http_echo",
        "cpu_server",
        "echo",
        "metrics_server",
    ] {
        let out = run(name, &["--port", &port]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err,
            format!("{name}: EADDRINUSE: address already in use, bind\n")
        );
    }
}

#[test]
fn a_refused_connection_is_reported_in_node_format_with_status_1() {
    // a port nobody listens on: bound, then closed
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let url = format!("http://127.0.0.1:{port}/");
    for (name, args) in [
        ("http_get", vec![url.as_str()]),
        ("echo", vec!["--client", "--port", &port]),
        ("echo_load", vec!["stream", &port, "1"]),
        ("echo_load", vec!["pingpong", &port, "1", "1"]),
    ] {
        let out = run(name, &args);
        assert_eq!(out.status.code(), Some(1), "{name} {args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with(&format!("{name}: "))
                && err.contains("ECONNREFUSED: connection refused")
                && !err.contains("Error {")
                && !err.contains("os error"),
            "{name} {args:?}: {err}"
        );
    }
}
