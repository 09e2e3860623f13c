//! Hostile and broken clients: each gets a clear answer or is closed, and every other
//! client is still served.

mod common;
use common::*;
use ruv_http::ServerOptions;
use std::io::{Read, Write};
use std::net::Shutdown;

/// Another client is served right after `port`'s bad one.
fn still_serves(port: u16) {
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_responses(&mut c, 1)[0].2, b"hello");
}

fn small_timeouts() -> ServerOptions {
    ServerOptions {
        headers_timeout: 150,
        request_timeout: 400,
        connections_checking_interval: 25,
        ..ServerOptions::default()
    }
}

#[test]
fn headers_timeout_closes_a_slowloris_client_with_408_while_others_are_served() {
    let port = serve(small_timeouts(), hello);
    let mut slow = client(port);
    slow.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: a")
        .unwrap();
    // others are served meanwhile
    still_serves(port);
    // and the slow one is answered 408 and closed once the timeout passed
    assert_eq!(
        read_all(&mut slow),
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn request_timeout_closes_a_client_whose_body_never_completes() {
    let port = serve(small_timeouts(), echo);
    let mut slow = client(port);
    slow.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
        .unwrap();
    // the echo started its response, so no 408 can be sent: the connection just closes
    let got = read_all(&mut slow);
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(
        !got.ends_with("0\r\n\r\n"),
        "the response must not look complete: {got}"
    );
}

#[test]
fn keep_alive_timeout_closes_idle_connections() {
    let opts = ServerOptions {
        keep_alive_timeout: 50,
        ..ServerOptions::default()
    };
    let port = serve(opts, hello);
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let r = read_responses(&mut c, 1);
    // Node rounds down to whole seconds in the header
    assert!(r[0].1.contains("Keep-Alive: timeout=0\r\n"), "{}", r[0].1);
    // then the server closes the idle connection
    assert_eq!(read_all(&mut c), "");
}

#[test]
fn a_connection_held_by_a_client_that_does_not_read_is_not_idle() {
    // the server stops reading while its answers wait for the client: that connection has
    // requests queued in it, and the keep-alive timeout (for idle ones) must spare it; once
    // the client reads, every request is answered (a hold released by the socket taking
    // the output, with no `Drain` to come, once left the rest unanswered)
    let opts = ServerOptions {
        keep_alive_timeout: 50,
        ..ServerOptions::default()
    };
    let port = serve(opts, hello);
    let mut c = client(port);
    let mut w = c.try_clone().unwrap();
    w.set_write_timeout(Some(std::time::Duration::from_millis(500)))
        .unwrap();
    let req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let batch = req.repeat(1024);
    let mut sent = 0usize;
    loop {
        // continue where a short write stopped, so the stream stays whole requests
        match w.write(&batch[sent % batch.len()..]) {
            Ok(n) => sent += n,
            // the buffers are full and the server holds the input: well past 50 ms
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break
            }
            Err(e) => panic!("the server dropped a connection it was holding: {e}"),
        }
        assert!(sent < 1 << 30, "the server never stopped reading");
    }
    // every whole request sent is answered
    let whole = sent / req.len();
    let answers = read_responses(&mut c, whole);
    assert_eq!(answers.len(), whole);
    assert!(answers.iter().all(|r| r.2 == b"hello"));
}

#[test]
fn max_header_size_is_settable() {
    let opts = ServerOptions {
        max_header_size: 64,
        ..ServerOptions::default()
    };
    let port = serve(opts, hello);
    let all = exchange_raw(
        port,
        b"GET / HTTP/1.1\r\nHost: a\r\nX: 01234567890123456789012345678901234567890123456789012345678\r\n\r\n",
    );
    assert!(all.starts_with("HTTP/1.1 431 "), "{all}");
    let all = exchange_raw(
        port,
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(all.ends_with("hello"), "{all}");
}

/// Streams `total` bytes of `unit` to `port` from a thread (errors ignored: the server
/// may close first); returns what the server sent back.
fn flood(port: u16, head: &[u8], unit: &[u8], total: usize) -> String {
    let mut c = client(port);
    let mut w = c.try_clone().unwrap();
    let head = head.to_vec();
    let unit = unit.to_vec();
    let writer = std::thread::spawn(move || {
        w.set_write_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        if w.write_all(&head).is_err() {
            return;
        }
        let mut sent = 0;
        let block: Vec<u8> = unit.iter().copied().cycle().take(64 * 1024).collect();
        while sent < total {
            if w.write_all(&block).is_err() {
                return;
            }
            sent += block.len();
        }
    });
    let got = read_all(&mut c);
    writer.join().unwrap();
    got
}

#[test]
fn a_one_mebibyte_request_line_gets_431() {
    let port = serve(ServerOptions::default(), hello);
    let got = flood(port, b"GET /", b"a", 1 << 20);
    assert_eq!(
        got,
        "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"
    );
    still_serves(port);
}

#[test]
fn a_hundred_thousand_headers_get_431() {
    let port = serve(ServerOptions::default(), hello);
    let got = flood(
        port,
        b"GET / HTTP/1.1\r\nHost: a\r\n",
        b"X-A: b\r\n",
        100_000 * 8,
    );
    assert_eq!(
        got,
        "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"
    );
    still_serves(port);
}

#[test]
fn extra_headers_past_max_headers_count_are_dropped() {
    fn count(
        lp: &mut ruv_core::Loop<Log>,
        _: &mut Log,
        req: ruv_http::Request,
        res: ruv_http::Response,
    ) -> ruv_core::Result<()> {
        let n = req.head(lp)?.headers().len();
        res.end(lp, n.to_string())
    }
    let opts = ServerOptions {
        max_headers_count: 10,
        ..ServerOptions::default()
    };
    let port = serve(opts, count);
    let mut req = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 0..50 {
        req.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    let mut c = client(port);
    c.write_all(&req).unwrap();
    // Node counts a name and its value as two of maxHeadersCount: 10 keeps 5 fields
    assert_eq!(read_responses(&mut c, 1)[0].2, b"5");
}

#[test]
fn a_body_that_stops_halfway_is_aborted_and_others_are_served() {
    let port = serve(ServerOptions::default(), echo);
    let mut c = client(port);
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nhalf")
        .unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let got = read_all(&mut c);
    assert!(!got.ends_with("0\r\n\r\n"), "{got}");
    let mut good = client(port);
    good.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok")
        .unwrap();
    assert_eq!(read_responses(&mut good, 1)[0].2, b"ok");
}

#[test]
fn a_partial_head_then_eof_gets_400() {
    let port = serve(ServerOptions::default(), hello);
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a")
        .unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    assert_eq!(
        read_all(&mut c),
        "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
    );
}

#[test]
fn invalid_utf8_in_header_values_is_kept_as_latin1() {
    fn show(
        lp: &mut ruv_core::Loop<Log>,
        _: &mut Log,
        req: ruv_http::Request,
        res: ruv_http::Response,
    ) -> ruv_core::Result<()> {
        let v = req
            .head(lp)?
            .headers()
            .get("x-v")
            .map(|v| v.into_owned())
            .unwrap_or_default();
        res.end(lp, v)
    }
    let port = serve(ServerOptions::default(), show);
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nX-V: caf\xe9\xff\r\n\r\n")
        .unwrap();
    assert_eq!(read_responses(&mut c, 1)[0].2, "caf\u{e9}\u{ff}".as_bytes());
    // control bytes are not allowed
    let all = exchange_raw(port, b"GET / HTTP/1.1\r\nHost: a\r\nX-V: a\x01b\r\n\r\n");
    assert!(all.starts_with("HTTP/1.1 400 "), "{all}");
}

#[test]
fn an_upgrade_request_without_a_handler_is_served_as_an_ordinary_request() {
    let port = serve(ServerOptions::default(), hello);
    let mut c = client(port);
    c.write_all(
        b"GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    )
    .unwrap();
    let r = read_responses(&mut c, 1);
    assert_eq!((r[0].0, r[0].2.as_slice()), (200, &b"hello"[..]));
}

#[test]
fn a_client_that_resets_mid_response_does_not_disturb_others() {
    use std::cell::Cell;
    use std::rc::Rc;
    /// Writes 64 KiB pieces while the connection takes them, then ends.
    fn pump(
        lp: &mut ruv_core::Loop<Log>,
        res: ruv_http::Response,
        left: &Cell<usize>,
    ) -> ruv_core::Result<()> {
        while left.get() > 0 {
            left.set(left.get() - 1);
            if !res.write(lp, vec![b'x'; 64 * 1024])? {
                return Ok(());
            }
        }
        res.end(lp, b"")
    }
    fn big(
        lp: &mut ruv_core::Loop<Log>,
        _: &mut Log,
        req: ruv_http::Request,
        res: ruv_http::Response,
    ) -> ruv_core::Result<()> {
        if req.head(lp)?.url() != "/big" {
            return res.end(lp, "hello");
        }
        // 8 MiB
        let left = Rc::new(Cell::new(128));
        let l2 = left.clone();
        res.on_event(lp, move |lp, _, res, ev| match ev {
            ruv_core::stream::StreamEvent::Drain => pump(lp, res, &l2),
            _ => Ok(()),
        })?;
        pump(lp, res, &left)
    }
    let port = serve(ServerOptions::default(), big);
    let mut c = client(port);
    c.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1000];
    c.read_exact(&mut buf).unwrap();
    // RST: linger 0 then close
    socket2::SockRef::from(&c)
        .set_linger(Some(std::time::Duration::ZERO))
        .unwrap();
    drop(c);
    still_serves(port);
}
