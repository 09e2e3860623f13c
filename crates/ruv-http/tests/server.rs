//! The server's core guarantees: Node's framing and headers, keep-alive, pipelining in
//! order, chunked in and out, HEAD, 100-continue.

mod common;
use common::*;
use ruv_http::ServerOptions;
use std::io::Write;

#[test]
fn hello_gets_node_headers_and_keeps_alive() {
    let port = serve(ServerOptions::default(), hello);
    let mut c = client(port);
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")
        .unwrap();
    let r = read_responses(&mut c, 1);
    let (status, head, body) = &r[0];
    assert_eq!(*status, 200);
    assert_eq!(body, b"hello");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\nDate: "), "{head}");
    assert!(
        head.ends_with(
            "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 5\r\n\r\n"
        ),
        "{head}"
    );
    // the same connection serves the next one
    c.write_all(b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_responses(&mut c, 1)[0].2, b"hello");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    fn by_url(
        lp: &mut ruv_core::Loop<Log>,
        _: &mut Log,
        req: ruv_http::Request,
        res: ruv_http::Response,
    ) -> ruv_core::Result<()> {
        let url = req.head(lp)?.url().to_string();
        if url == "/slow" {
            // answered later, after the requests behind it
            let t = ruv_core::Timer::new(lp)?;
            t.start(lp, 5, 0, move |lp, _, t| -> ruv_core::Result<()> {
                res.end(lp, "slow")?;
                t.close(lp)?;
                Ok(())
            })?;
            return Ok(());
        }
        res.end(lp, url)
    }
    let port = serve(ServerOptions::default(), by_url);
    let mut c = client(port);
    c.write_all(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /slow HTTP/1.1\r\nHost: a\r\n\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /4 HT").unwrap();
    c.write_all(b"TP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let r = read_responses(&mut c, 4);
    let bodies: Vec<_> = r
        .iter()
        .map(|r| String::from_utf8_lossy(&r.2).into_owned())
        .collect();
    assert_eq!(bodies, ["/1", "slow", "/3", "/4"]);
}

#[test]
fn connection_close_is_honoured_and_http10_closes() {
    let port = serve(ServerOptions::default(), hello);
    let all = exchange_raw(
        port,
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(
        all.contains("Connection: close\r\n") && all.ends_with("hello"),
        "{all}"
    );
    let all = exchange_raw(port, b"GET / HTTP/1.0\r\n\r\n");
    assert!(
        all.starts_with("HTTP/1.1 200 OK") && all.ends_with("hello"),
        "{all}"
    );
}

#[test]
fn chunked_request_bodies_are_decoded_and_echoed_chunked() {
    let port = serve(ServerOptions::default(), echo);
    let mut c = client(port);
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").unwrap();
    let r = read_responses(&mut c, 1);
    assert!(
        r[0].1.contains("Transfer-Encoding: chunked\r\n"),
        "{}",
        r[0].1
    );
    assert_eq!(r[0].2, b"hello world");
}

#[test]
fn head_responses_have_no_body() {
    let port = serve(ServerOptions::default(), hello);
    let mut c = client(port);
    c.write_all(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let r = read_responses(&mut c, 2);
    assert_eq!(r[0].2, b"");
    assert!(!r[0].1.contains("Content-Length"), "{}", r[0].1);
    assert_eq!(r[1].2, b"hello");
}

#[test]
fn expect_100_continue_gets_an_interim_response() {
    let port = serve(ServerOptions::default(), echo);
    let mut c = client(port);
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        .unwrap();
    let r = read_responses(&mut c, 1);
    assert_eq!(r[0].0, 100);
    c.write_all(b"body").unwrap();
    let r = read_responses(&mut c, 1);
    assert_eq!((r[0].0, r[0].2.as_slice()), (200, &b"body"[..]));
}

#[test]
fn smuggling_requests_get_400_and_close() {
    // the echo answers only with body bytes: a bad body leaves nothing but the 400
    let port = serve(ServerOptions::default(), echo);
    for bad in [
        &b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"[..],
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET / HTTP/1.1\nHost: a\n\n",
    ] {
        let all = exchange_raw(port, bad);
        assert_eq!(
            all,
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n",
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn a_head_over_max_header_size_gets_431() {
    let port = serve(ServerOptions::default(), hello);
    let mut req = b"GET / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
    req.resize(17 * 1024, b'a');
    let all = exchange_raw(port, &req);
    assert_eq!(
        all,
        "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"
    );
}
