//! `examples/metrics_server.rs` as a child process: `/metrics` answers Prometheus text with
//! the loop's, the pool's and the process's metrics, and `/work?ms=N` runs on the pool so
//! that the pool's counters and histograms move.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::start_server;

/// One request on its own connection (`Connection: close`): (status, head, body).
fn get(port: u16, path: &str) -> (u16, String, String) {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    loop {
        let mut buf = [0u8; 8192];
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // a signal (a child of another test exiting) interrupted the wait: wait again
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("reading the answer to {path}: {e}"),
        }
    }
    let text = String::from_utf8(raw).expect("a text answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    let status = head[9..12].parse().expect("a status code");
    (status, head.to_string(), body.to_string())
}

/// The value of the sample line that starts with `series ` (name and labels as rendered).
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[test]
fn metrics_expose_loop_pool_and_process_and_work_moves_the_pool_figures() {
    let (_server, line) = start_server("metrics_server");
    let port: u16 = line
        .trim()
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{line:?}"));

    let (status, head, body) = get(port, "/metrics");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );
    for name in [
        "# TYPE ruv_loop_iterations_total counter",
        "# TYPE ruv_loop_utilization gauge",
        "# TYPE ruv_pool_queue_wait_seconds histogram",
        "# TYPE ruv_pool_run_seconds histogram",
        "# TYPE ruv_pool_queue_depth gauge",
        "# TYPE ruv_pool_late_jobs_total counter",
        "# TYPE ruv_event_loop_delay_seconds histogram",
    ] {
        assert!(body.contains(name), "{name} missing:\n{body}");
    }
    assert!(
        sample(&body, "ruv_event_loop_delay_seconds_count{loop=\"main\"}").is_some(),
        "the delay histogram's count:\n{body}"
    );
    #[cfg(target_os = "linux")]
    for name in [
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_threads",
    ] {
        assert!(
            sample(&body, name).is_some_and(|v| v > 0.0),
            "{name}:\n{body}"
        );
    }
    let cpu = "{pool=\"global\",class=\"cpu\"}";
    let completed = format!("ruv_pool_jobs_completed_total{cpu}");
    assert_eq!(sample(&body, &completed), Some(0.0));

    let (status, _, body) = get(port, "/work?ms=3");
    assert_eq!(status, 200);
    assert!(body.starts_with("worked 3 ms"), "{body}");

    // the worker books a job just after it hands back the result: poll until it has
    let give_up = Instant::now() + Duration::from_secs(30);
    let body = loop {
        let (_, _, body) = get(port, "/metrics");
        if sample(&body, &completed) == Some(1.0) {
            break body;
        }
        assert!(
            Instant::now() < give_up,
            "the job was never booked:\n{body}"
        );
        std::thread::yield_now();
    };
    let count = format!("ruv_pool_run_seconds_count{cpu}");
    assert_eq!(sample(&body, &count), Some(1.0));
    let run = sample(&body, &format!("ruv_pool_run_seconds_sum{cpu}")).unwrap();
    assert!(run >= 0.003, "3 ms of work ran for {run} s");
    let inf = "ruv_pool_run_seconds_bucket{pool=\"global\",class=\"cpu\",le=\"+Inf\"}";
    assert_eq!(sample(&body, inf), Some(1.0));
    assert!(sample(&body, "ruv_loop_iterations_total{loop=\"main\"}").unwrap() >= 1.0);

    let (status, _, body) = get(port, "/work?ms=lots");
    assert_eq!(status, 400);
    assert!(body.contains("ms must be a whole number"), "{body}");
    assert_eq!(get(port, "/nope").0, 404);
}
