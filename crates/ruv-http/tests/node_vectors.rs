//! Node v20.20.2's answers to raw request bytes (tests/data/node_vectors.json, made by
//! tests/data/gen_node_vectors.js against llhttp 9.3.1), replayed against ruv-http: the
//! same statuses, the same `'clientError'` codes, the same closing, and for each request
//! the same method, URL, version, headers object (Node's duplicate rules), trailers and
//! body. Where ruv deliberately answers otherwise, the case is listed in `DEVIATIONS`
//! with the reason (docs/http.md, "Where ruv differs from Node").

mod common;
use common::{client, parse_one};
use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_http::{HeaderValue, Headers, Server, ServerEvent, ServerOptions};
use serde_json::{json, Map, Value};
use std::io::{Read, Write};
use std::time::Duration;

/// Cases ruv answers differently on purpose, and why.
const DEVIATIONS: &[(&str, &str)] = &[
    (
        "version_http20",
        "HTTP/2.0 and 0.9 request lines are refused (400), not served",
    ),
    ("version_http09", "HTTP/0.9 is refused"),
    ("request_line_missing_version", "HTTP/0.9 is refused"),
    ("request_line_only_http09_style", "HTTP/0.9 is refused"),
    (
        "pipelined_middle_invalid",
        "the complete answer before a bad request is kept",
    ),
    (
        "pipelined_after_connection_close",
        "bytes after Connection: close are ignored, not 400",
    ),
    (
        "pipelined_http10_then_get",
        "bytes after an HTTP/1.0 request are ignored, not 400",
    ),
    (
        "request_line_1mib_streamed",
        "ruv lingers after 431 so the client reads it (Node resets)",
    ),
    (
        "headers_100000_streamed",
        "ruv lingers after 431 so the client reads it (Node resets)",
    ),
    (
        "head_leading_ows_100kib_accepted",
        "a head's wire size is capped (64 KiB + max_header_size)",
    ),
    (
        "upgrade_no_listener_then_get_same_write",
        "bytes after an unhandled Upgrade are served",
    ),
    (
        "upgrade_websocket_no_listener_with_trailing_bytes",
        "bytes after an unhandled Upgrade are parsed",
    ),
    (
        "upgrade_post_with_body_no_listener",
        "bytes after an unhandled Upgrade are parsed",
    ),
];

/// `'clientError'` codes where ruv's differs from llhttp's for the same answer.
const CODE_ALIASES: &[(&str, &str)] = &[
    ("HPE_UNEXPECTED_SPACE", "HPE_INVALID_HEADER_TOKEN"),
    ("HPE_PAUSED_H2_UPGRADE", "HPE_INVALID_METHOD"),
];

/// A latin1 byte string, or `{"repeat", "count"}` / `{"concat"}`.
fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.chars().map(|c| c as u32 as u8).collect(),
        Value::Object(o) if o.contains_key("repeat") => {
            let unit = bytes(&o["repeat"]);
            let n = o["count"].as_u64().unwrap() as usize;
            unit.repeat(n)
        }
        Value::Object(o) => o["concat"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(bytes)
            .collect(),
        other => panic!("not a byte string: {other}"),
    }
}

/// Node's headers object with `{"repeat"}` / `{"concat"}` values expanded.
fn byte_strings(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("repeat") || o.contains_key("concat") => {
            Value::String(latin1(&bytes(v)))
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), byte_strings(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(byte_strings).collect()),
        other => other.clone(),
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn node_object(h: &Headers) -> Value {
    let mut m = Map::new();
    for (k, v) in h.to_node_object() {
        if k == "__proto__" {
            continue; // dropped by JS objects
        }
        m.insert(
            k,
            match v {
                HeaderValue::One(s) => Value::String(s),
                HeaderValue::List(l) => json!(l),
            },
        );
    }
    Value::Object(m)
}

/// What the server saw on a connection: (peer port, a request or a client error code).
type Sighting = (u16, Result<Value, String>);

/// A server answering each request, once its body ended, with what it saw; every
/// sighting is sent, tagged with the client's port, before the answer is written.
fn server() -> (u16, std::sync::mpsc::Receiver<Sighting>) {
    let (tx, rx) = std::sync::mpsc::channel::<Sighting>();
    let (ptx, prx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lp: Loop<std::sync::mpsc::Sender<Sighting>> = Loop::new().unwrap();
        let server = Server::create(
            &mut lp,
            ServerOptions::default(),
            move |lp, tx: &mut std::sync::mpsc::Sender<Sighting>, _, ev| {
                match ev {
                    ServerEvent::Request(req, _) => {
                        let port = req.connection(lp)?.remote_addr(lp)?.port();
                        let head = req.head(lp)?;
                        let summary = json!({
                            "method": head.method(),
                            "url": head.url(),
                            "httpVersion": head.http_version(),
                            "headers": node_object(head.headers()),
                            "headers_count": head.headers().to_node_object().len(),
                        });
                        let mut body = Vec::new();
                        let mut summary = Some(summary);
                        req.on_event(
                            lp,
                            move |lp,
                                  tx: &mut std::sync::mpsc::Sender<Sighting>,
                                  req,
                                  ev|
                                  -> ruv_core::Result<()> {
                                match ev {
                                    StreamEvent::Data(d) => body.extend_from_slice(d),
                                    StreamEvent::End => {
                                        let mut s = summary.take().unwrap_or_default();
                                        s["trailers"] = node_object(req.trailers(lp)?);
                                        s["body_length"] = json!(body.len());
                                        s["body"] = json!(latin1(&body));
                                        tx.send((port, Ok(s))).ok();
                                        req.response().end(lp, "ok")?;
                                    }
                                    _ => {}
                                }
                                Ok(())
                            },
                        )?;
                    }
                    ServerEvent::ClientError { error, conn } => {
                        let port = conn.remote_addr(lp).map_or(0, |a| a.port());
                        tx.send((port, Err(error.code().name().into()))).ok();
                    }
                    _ => {}
                }
                Ok::<(), ruv_core::Error>(())
            },
        )
        .unwrap();
        server
            .listen(&mut lp, "127.0.0.1:0".parse().unwrap())
            .unwrap();
        ptx.send(server.address(&lp).unwrap().port()).unwrap();
        lp.run(RunMode::Default, &mut tx.clone()).unwrap();
    });
    (prx.recv().unwrap(), rx)
}

/// Plays one case; returns (statuses, closed, the client's port).
fn play(port: u16, case: &Value) -> (Vec<u16>, bool, u16) {
    let mut c = client(port);
    let me = c.local_addr().unwrap().port();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let pieces = case["input"].as_array().unwrap();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            // the recorded input's timing: pieces 50 ms apart (the stimulus, not a wait
            // for an outcome)
            std::thread::sleep(Duration::from_millis(50));
        }
        if c.write_all(&bytes(piece)).is_err() {
            break;
        }
    }
    if case["half_close"].as_bool().unwrap_or(false) {
        c.shutdown(std::net::Shutdown::Write).ok();
    }
    let want = case["status"].as_array().unwrap().len();
    let node_closed = case["closed"].as_bool().unwrap();
    let mut got = Vec::new();
    let mut statuses = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        while let Some((used, (status, _, _))) = parse_one(&got) {
            got.drain(..used);
            statuses.push(status);
        }
        if !node_closed && statuses.len() >= want {
            return (statuses, false, me);
        }
        match c.read(&mut buf) {
            Ok(0) | Err(_) => return (statuses, true, me),
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn ruv_answers_raw_requests_as_node_20_does() {
    let data: Value =
        serde_json::from_str(include_str!("data/node_vectors.json")).expect("valid vectors");
    let (port, log) = server();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in data["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let status: Vec<u16> = case["status"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() as u16)
            .collect();
        let closed = case["closed"].as_bool().unwrap();
        if DEVIATIONS.iter().any(|(n, _)| *n == name) {
            continue;
        }
        if status.is_empty() && !closed {
            // Node waits for more bytes: nothing to compare without a time window
            continue;
        }
        let (got, got_closed, me) = play(port, case);
        // what the server saw on this connection: all sent before it answered or closed
        let (mut requests, mut errors) = (Vec::new(), Vec::new());
        for (p, seen) in log.try_iter() {
            if p == me {
                match seen {
                    Ok(r) => requests.push(r),
                    Err(e) => errors.push(e),
                }
            }
        }
        // Node's answers carry its JSON; ours "ok": compare statuses (1xx included)
        let mut problems = Vec::new();
        if got != status {
            problems.push(format!("statuses {got:?}, Node {status:?}"));
        }
        if closed && !got_closed {
            problems.push("not closed".to_string());
        }
        let want_code = case["error_code"].as_str().map(|c| {
            CODE_ALIASES
                .iter()
                .find(|(n, _)| *n == c)
                .map_or(c, |(_, ours)| ours)
        });
        let got_code = errors.first().map(String::as_str);
        if want_code != got_code {
            problems.push(format!("clientError {got_code:?}, Node {want_code:?}"));
        }
        let node_reqs = case["requests"].as_array().cloned().unwrap_or_default();
        for (i, want) in node_reqs.iter().enumerate() {
            let Some(ours) = requests.get(i) else {
                if status.get(i).is_some_and(|s| *s < 400) && !got.is_empty() {
                    problems.push(format!("request {i} not seen"));
                }
                continue;
            };
            for key in ["method", "url", "httpVersion", "body_length", "body"] {
                if want.get(key).is_some() && byte_strings(&want[key]) != ours[key] {
                    problems.push(format!("{key} {}, Node {}", ours[key], want[key]));
                }
            }
            if let Some(h) = want.get("headers") {
                let h = byte_strings(h);
                if h != ours["headers"] {
                    problems.push(format!("headers {}, Node {h}", ours["headers"]));
                }
            }
            if let Some(n) = want.pointer("/headers_summary/headers_key_count") {
                if *n != ours["headers_count"] {
                    problems.push(format!("{} headers kept, Node {n}", ours["headers_count"]));
                }
            }
            if let Some(t) = want.get("trailers") {
                let t_nonempty = t.as_object().is_some_and(|o| !o.is_empty());
                if t_nonempty && *t != ours["trailers"] {
                    problems.push(format!("trailers {}, Node {t}", ours["trailers"]));
                }
            }
        }
        if !problems.is_empty() {
            let mut line = format!("{name}: {}", problems.join("; "));
            line.truncate(400);
            failures.push(line);
        }
        checked += 1;
    }
    assert!(checked > 150, "only {checked} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from Node:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
