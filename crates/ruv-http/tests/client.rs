//! The HTTP client against servers that do exactly what each test says: `std::net`
//! servers on threads, and Node's `http.createServer` where `node` is installed. The
//! request bytes expected here are what Node 20's `http.request` sends for the same calls.

mod common_client;

use common_client::*;
use ruv_core::Loop;
use ruv_http::client::{
    self, Agent, AgentChoice, AgentOptions, ClientEvent, ClientRequest, RequestOptions,
};
use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;

type L = Loop<Log>;

/// Options for `127.0.0.1:port` with a fresh agent of `opts`.
fn opts_with(lp: &mut L, port: u16, opts: AgentOptions) -> (RequestOptions, Agent) {
    let agent = Agent::new(lp, opts);
    let o = RequestOptions {
        host: "127.0.0.1".into(),
        port,
        agent: AgentChoice::Custom(agent),
        ..RequestOptions::default()
    };
    (o, agent)
}

fn keep_alive() -> AgentOptions {
    AgentOptions {
        keep_alive: true,
        ..AgentOptions::default()
    }
}

/// Starts a request whose events are all written down.
#[track_caller]
fn logged(lp: &mut L, o: RequestOptions) -> ClientRequest {
    client::request(lp, o, |_, log: &mut Log, _, ev| log.note(&ev)).unwrap()
}

/// One request/response exchange served by a thread: returns the request it read.
fn serve_once(answer: &'static [u8]) -> (u16, std::thread::JoinHandle<(String, Vec<u8>)>) {
    server(move |l| {
        let mut c = accept(&l);
        let req = read_request(&mut c).unwrap();
        send(&mut c, answer);
        wait_eof(&mut c);
        req
    })
}

#[test]
fn get_delivers_a_content_length_body_and_frees_the_connection() {
    let (port, srv) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    let mut lp: L = new_loop();
    let url = format!("http://127.0.0.1:{port}/a/b?c=1");
    client::get(&mut lp, &url, |_, log: &mut Log, _, ev| log.note(&ev)).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["response 200 OK", "data hello", "end", "close"]
    );
    // the loop ended with the keep-alive connection still open: free ones are unreferenced
    let agent = client::global_agent(&mut lp);
    let name = format!("127.0.0.1:{port}");
    assert_eq!(agent.free_sockets(&lp, &name), 1);
    assert_eq!(agent.sockets(&lp, &name), 0);
    drop(lp);
    let (head, body) = srv.join().unwrap();
    let want = format!(
        "GET /a/b?c=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n\r\n"
    );
    assert_eq!((head, body), (want, vec![]));
}

#[test]
fn chunked_bodies_are_decoded() {
    let (port, srv) = serve_once(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
    );
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    logged(&mut lp, o).end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["response 200 OK", "data hello world", "end", "close"]
    );
    // the trailers were read too: the connection is clean and kept
    assert_eq!(agent.free_sockets(&lp, &format!("127.0.0.1:{port}")), 1);
    drop(lp);
    srv.join().unwrap();
}

#[test]
fn an_until_close_body_ends_at_eof_and_its_connection_is_not_kept() {
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        send(&mut c, b"HTTP/1.1 200 OK\r\n\r\nabc");
        send(&mut c, b"def");
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    logged(&mut lp, o).end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    srv.join().unwrap();
    assert_eq!(
        log.events,
        ["response 200 OK", "data abcdef", "end", "close"]
    );
    let name = format!("127.0.0.1:{port}");
    assert_eq!(
        (agent.sockets(&lp, &name), agent.free_sockets(&lp, &name)),
        (0, 0)
    );
}

#[test]
fn head_204_and_304_responses_have_no_body_and_keep_the_connection() {
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        let mut methods = Vec::new();
        for answer in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"[..],
            b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ] {
            let (head, _) = read_request(&mut c).unwrap();
            methods.push(head.split(' ').next().unwrap().to_string());
            send(&mut c, answer);
        }
        wait_eof(&mut c);
        methods
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    fn next(lp: &mut L, o: RequestOptions, mut rest: Vec<&'static str>) {
        let mut o2 = o.clone();
        o2.method = rest.remove(0).into();
        let req = client::request(lp, o2, move |lp, log: &mut Log, _, ev| {
            log.note(&ev);
            if matches!(ev, ClientEvent::Close) && !rest.is_empty() {
                // once the connection is free again (after 'close', as in Node)
                let (o, rest) = (o.clone(), std::mem::take(&mut rest));
                ruv_node::set_immediate(lp, move |lp, _: &mut Log| next(lp, o, rest))?;
            }
            Ok(())
        });
        req.unwrap().end(lp, None).unwrap();
    }
    next(&mut lp, o, vec!["HEAD", "GET", "GET", "GET"]);
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        [
            "response 200 OK",
            "end",
            "close",
            "response 204 No Content",
            "end",
            "close",
            "response 304 Not Modified",
            "end",
            "close",
            "response 200 OK",
            "data ok",
            "end",
            "close",
        ]
    );
    agent.destroy(&mut lp);
    drop(lp);
    assert_eq!(srv.join().unwrap(), ["HEAD", "GET", "GET", "GET"]);
}

#[test]
fn a_keep_alive_agent_carries_sequential_requests_over_one_connection() {
    let (l, port) = listener();
    let srv = std::thread::spawn(move || {
        let mut c = accept(&l);
        for body in ["one", "two"] {
            read_request(&mut c).unwrap();
            let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{body}");
            send(&mut c, answer.as_bytes());
        }
        wait_eof(&mut c);
        // no second connection was made
        l.set_nonblocking(true).unwrap();
        assert!(l.accept().is_err());
    });
    let mut lp: L = new_loop();
    let (o, agent) = opts_with(&mut lp, port, keep_alive());
    let again = o.clone();
    let req = client::request(&mut lp, o, move |lp, log: &mut Log, _, ev| {
        log.note(&ev);
        if matches!(ev, ClientEvent::Close) {
            // as in Node, the connection is freed after 'close' (a request made in the
            // 'close' callback itself would get a new one)
            let name = format!("127.0.0.1:{}", again.port);
            log.mark(format!("free {}", agent.free_sockets(lp, &name)));
            let again = again.clone();
            ruv_node::set_immediate(lp, move |lp, log: &mut Log| -> ruv_core::Result<()> {
                log.mark(format!("free {}", agent.free_sockets(lp, &name)));
                logged(lp, again).end(lp, None)?;
                let counts = (agent.free_sockets(lp, &name), agent.sockets(lp, &name));
                log.mark(format!("free {} busy {}", counts.0, counts.1));
                Ok(())
            })?;
        }
        Ok(())
    });
    req.unwrap().end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        [
            "response 200 OK",
            "data one",
            "end",
            "close",
            "free 0",
            "free 1",
            "free 0 busy 1",
            "response 200 OK",
            "data two",
            "end",
            "close",
        ]
    );
    agent.destroy(&mut lp);
    run(&mut lp, &mut log);
    assert_eq!(agent.free_sockets(&lp, &format!("127.0.0.1:{port}")), 0);
    srv.join().unwrap();
}

#[test]
fn max_sockets_1_serves_three_requests_one_at_a_time_in_order() {
    let (l, port) = listener();
    let srv = std::thread::spawn(move || {
        let mut c = accept(&l);
        let mut paths = Vec::new();
        for _ in 0..3 {
            let (head, _) = read_request(&mut c).unwrap();
            let path = head.split(' ').nth(1).unwrap().to_string();
            let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", &path[1..]);
            send(&mut c, answer.as_bytes());
            paths.push(path);
        }
        // the agent (keep_alive off) closes the connection when the queue is empty
        wait_eof(&mut c);
        l.set_nonblocking(true).unwrap();
        assert!(l.accept().is_err(), "one connection only");
        paths
    });
    let mut lp: L = new_loop();
    let limit = AgentOptions {
        max_sockets: 1,
        ..AgentOptions::default()
    };
    let (o, agent) = opts_with(&mut lp, port, limit);
    let name = format!("127.0.0.1:{port}");
    for path in ["/r1", "/r2", "/r3"] {
        let o = RequestOptions {
            path: path.into(),
            ..o.clone()
        };
        let name = name.clone();
        let req = client::request(&mut lp, o, move |lp, log: &mut Log, _, ev| {
            assert!(agent.sockets(lp, &name) <= 1);
            log.note(&ev);
        });
        req.unwrap().end(&mut lp, None).unwrap();
    }
    assert_eq!(
        (agent.sockets(&lp, &name), agent.requests(&lp, &name)),
        (1, 2)
    );
    let mut log = Log::default();
    run(&mut lp, &mut log);
    let mut want = Vec::new();
    for r in ["r1", "r2", "r3"] {
        want.extend([
            "response 200 OK".to_string(),
            format!("data {r}"),
            "end".into(),
            "close".into(),
        ]);
    }
    assert_eq!(log.events, want);
    assert_eq!(srv.join().unwrap(), ["/r1", "/r2", "/r3"]);
    let counts = (
        agent.sockets(&lp, &name),
        agent.free_sockets(&lp, &name),
        agent.requests(&lp, &name),
    );
    assert_eq!(counts, (0, 0, 0));
}

#[test]
fn a_closed_port_fails_with_econnrefused_then_close() {
    let (l, port) = listener();
    drop(l);
    let mut lp: L = new_loop();
    let (o, _) = opts_with(&mut lp, port, AgentOptions::default());
    logged(&mut lp, o).end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(
        log.events,
        ["error ECONNREFUSED: connection refused, connect", "close"]
    );
}

#[test]
fn a_name_is_tried_at_each_of_its_addresses() {
    // localhost is ::1 and 127.0.0.1 here; the server listens on the second only
    let (port, srv) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let mut lp: L = new_loop();
    let (mut o, agent) = opts_with(&mut lp, port, AgentOptions::default());
    o.host = "localhost".into();
    logged(&mut lp, o).end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    assert_eq!(log.events, ["response 200 OK", "data ok", "end", "close"]);
    agent.destroy(&mut lp);
    drop(lp);
    let (head, _) = srv.join().unwrap();
    assert!(
        head.contains(&format!("\r\nHost: localhost:{port}\r\n")),
        "{head}"
    );
}

/// Runs one request against a server that answers `answer` (then closes) and returns the
/// events.
fn against(answer: impl Into<Vec<u8>>) -> Vec<String> {
    let answer = answer.into();
    let (port, srv) = server(move |l| {
        let mut c = accept(&l);
        read_request(&mut c).unwrap();
        // the client may close first (a head too big): a failed write is its doing
        c.get_mut().write_all(&answer).ok();
    });
    let mut lp: L = new_loop();
    let (o, _) = opts_with(&mut lp, port, keep_alive());
    logged(&mut lp, o).end(&mut lp, None).unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    srv.join().unwrap();
    log.events
}

#[test]
fn a_server_that_closes_without_answering_is_a_socket_hang_up() {
    assert_eq!(against(b""), ["error ECONNRESET: socket hang up", "close"]);
}

#[test]
fn a_body_cut_short_is_aborted() {
    let cut = against(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    assert_eq!(
        cut,
        [
            "response 200 OK",
            "data abc",
            "error ECONNRESET: aborted",
            "close"
        ]
    );
    let chunk = against(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    assert_eq!(
        chunk,
        [
            "response 200 OK",
            "data abc",
            "error ECONNRESET: aborted",
            "close"
        ]
    );
}

#[test]
fn a_malformed_response_fails_with_its_hpe_code() {
    for (answer, code) in [
        (
            &b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"[..],
            "HPE_INVALID_HEADER_TOKEN",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HPE_INVALID_CONTENT_LENGTH",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HPE_INVALID_CHUNK_SIZE",
        ),
    ] {
        let events = against(answer);
        let last_two = &events[events.len() - 2..];
        assert!(
            last_two[0].starts_with(&format!("error {code}: ")),
            "{events:?}"
        );
        assert_eq!(last_two[1], "close");
    }
    // a head over max_header_size (16 KiB)
    let mut big = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
    big.resize(20_000, b'a');
    assert_eq!(
        against(big)[0],
        "error HPE_HEADER_OVERFLOW: Header overflow"
    );
}

#[test]
fn information_responses_are_reported_and_skipped() {
    let events =
        against(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    assert_eq!(
        events,
        [
            "information 100",
            "response 200 OK",
            "data ok",
            "end",
            "close"
        ]
    );
}

#[test]
fn request_heads_and_framing_are_nodes() {
    // what Node 20 sends for the same calls (captured from `http.request` with a raw server)
    let (l, port) = listener();
    let srv = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let mut c = accept(&l);
            let (head, body) = read_request(&mut c).unwrap();
            send(
                &mut c,
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            );
            seen.push((head, String::from_utf8(body).unwrap()));
        }
        seen
    });
    let mut lp: L = new_loop();
    let (o, _) = opts_with(&mut lp, port, AgentOptions::default());
    let post = |o: &RequestOptions| RequestOptions {
        method: "post".into(),
        ..o.clone()
    };
    // end(data) only: Content-Length
    logged(&mut lp, post(&o))
        .end(&mut lp, Some(b"abc".to_vec()))
        .unwrap();
    // writes: chunked
    let req = logged(&mut lp, post(&o));
    assert!(req.write(&mut lp, b"ab").unwrap());
    req.end(&mut lp, Some(b"c".to_vec())).unwrap();
    // a header set before the first write goes with the ones given
    let mut with_header = o.clone();
    with_header.headers.set("X-A", "1").unwrap();
    let req = logged(&mut lp, with_header);
    req.set_header(&mut lp, "X-B", "2").unwrap();
    req.end(&mut lp, None).unwrap();
    // a GET with a body gets no framing header (as Node: GET has no default body)
    logged(&mut lp, o.clone())
        .end(&mut lp, Some(b"raw".to_vec()))
        .unwrap();
    let mut log = Log::default();
    run(&mut lp, &mut log);
    let mut seen = srv.join().unwrap();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let h = format!("Host: 127.0.0.1:{port}\r\nConnection: close\r\n");
    let mut want = vec![
        (format!("GET / HTTP/1.1\r\n{h}\r\n"), String::new()),
        (
            format!("GET / HTTP/1.1\r\nX-A: 1\r\n{h}\r\n")
                .replace("Connection", "X-B: 2\r\nConnection"),
            String::new(),
        ),
        (
            format!("POST / HTTP/1.1\r\n{h}Content-Length: 3\r\n\r\n"),
            "abc".into(),
        ),
        (
            format!("POST / HTTP/1.1\r\n{h}Transfer-Encoding: chunked\r\n\r\n"),
            "abc".into(),
        ),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(seen, want);
    assert_eq!(
        log.events.iter().filter(|e| *e == "close").count(),
        4,
        "{:?}",
        log.events
    );
}

#[test]
fn post_streams_a_chunked_body_with_backpressure() {
    const PIECE: usize = 4096;
    const PIECES: usize = 64;
    let (port, srv) = server(|l| {
        let mut c = accept(&l);
        let (head, body) = read_request(&mut c).unwrap();
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
            body.len().to_string().len(),
            body.len()
        );
        send(&mut c, answer.as_bytes());
        wait_eof(&mut c);
        (head, body)
    });
    let mut lp: L = new_loop();
    let (mut o, agent) = opts_with(&mut lp, port, keep_alive());
    o.method = "POST".into();
    fn pump(
        lp: &mut L,
        req: ClientRequest,
        sent: &Cell<usize>,
        log: &mut Log,
    ) -> ruv_core::Result<()> {
        while sent.get() < PIECES {
            sent.set(sent.get() + 1);
            if !req.write(lp, vec![b'x'; PIECE])? {
                log.mark("full");
                return Ok(());
            }
        }
        req.end(lp, None)
    }
    let sent = Rc::new(Cell::new(0));
    let counter = sent.clone();
    let req = client::request(&mut lp, o, move |lp, log: &mut Log, req, ev| {
        log.note(&ev);
        if matches!(ev, ClientEvent::Drain) {
            pump(lp, req, &counter, log)?;
        }
        Ok(())
    })
    .unwrap();
    // before the connection is made, what is written waits in the request: 16 KiB of it
    // is enough for `false`
    let mut log = Log::default();
    pump(&mut lp, req, &sent, &mut log).unwrap();
    assert_eq!(
        (sent.get(), log.events.as_slice()),
        (4, &["full".to_string()][..])
    );
    // the rest is written from the callback, after each drain
    run(&mut lp, &mut log);
    assert_eq!(log.events.first().map(String::as_str), Some("full"));
    assert!(log.events.contains(&"drain".to_string()));
    assert_eq!(
        &log.events[log.events.len() - 4..],
        [
            "response 200 OK",
            &format!("data {}", PIECES * PIECE),
            "end",
            "close"
        ]
    );
    agent.destroy(&mut lp);
    drop(lp);
    let (head, body) = srv.join().unwrap();
    assert!(
        head.ends_with("Transfer-Encoding: chunked\r\n\r\n"),
        "{head}"
    );
    assert_eq!(body.len(), PIECES * PIECE);
}

#[path = "common_client/more.rs"]
mod more;
