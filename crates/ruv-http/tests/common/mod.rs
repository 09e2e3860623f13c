//! Test helpers: a ruv-http server on its own thread, raw clients with bounded reads.
#![allow(dead_code)]

use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_http::{Request, Response, Server, ServerEvent, ServerOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// What a test server's state records.
#[derive(Default)]
pub struct Log {
    pub client_errors: Vec<String>,
    pub requests: usize,
}

pub type Handler = fn(&mut Loop<Log>, &mut Log, Request, Response) -> ruv_core::Result<()>;

/// Runs a server with `opts` and `handler` on its own thread; returns its port.
pub fn serve(opts: ServerOptions, handler: Handler) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lp: Loop<Log> = Loop::new().unwrap();
        let server = Server::create(&mut lp, opts, move |lp, log: &mut Log, _, ev| match ev {
            ServerEvent::Request(req, res) => {
                log.requests += 1;
                handler(lp, log, req, res)
            }
            ServerEvent::ClientError { error, .. } => {
                log.client_errors.push(error.code().name().to_string());
                Ok(())
            }
            _ => Ok(()),
        })
        .unwrap();
        server
            .listen(&mut lp, "127.0.0.1:0".parse().unwrap())
            .unwrap();
        tx.send(server.address(&lp).unwrap().port()).unwrap();
        lp.run(RunMode::Default, &mut Log::default()).unwrap();
    });
    rx.recv().unwrap()
}

/// `res.end("hello")`.
pub fn hello(lp: &mut Loop<Log>, _: &mut Log, _: Request, res: Response) -> ruv_core::Result<()> {
    res.end(lp, b"hello")
}

/// Streams the body back, pausing the request while the response is backed up; a failed
/// pipeline (the client went away) is counted, not raised.
pub fn echo(lp: &mut Loop<Log>, _: &mut Log, req: Request, res: Response) -> ruv_core::Result<()> {
    ruv_core::stream::pipeline(lp, req, res, |_, log: &mut Log, r| {
        if let Err(e) = r {
            log.client_errors.push(e.to_string());
        }
    })?;
    Ok(())
}

pub fn client(port: u16) -> TcpStream {
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // bounds every read: a hang fails the test instead of blocking it
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c
}

/// Reads until the peer closes; returns everything.
pub fn read_all(c: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&got)),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// A parsed response: (status, head text, body).
pub type Answer = (u16, String, Vec<u8>);

/// Reads until `n` complete responses (by `Content-Length` or chunked) arrived.
pub fn read_responses(c: &mut TcpStream, n: usize) -> Vec<Answer> {
    let mut got = Vec::new();
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        while out.len() < n {
            match parse_one(&got) {
                Some((used, r)) => {
                    got.drain(..used);
                    out.push(r);
                }
                None => break,
            }
        }
        if out.len() == n {
            return out;
        }
        let k = c.read(&mut buf).unwrap_or_else(|e| {
            panic!(
                "no response within the timeout ({e}) after {} of {n}",
                out.len()
            )
        });
        assert!(
            k > 0,
            "closed after {} responses: {:?}",
            out.len(),
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..k]);
    }
}

/// One response from `b`: (bytes used, (status, head, body)).
pub fn parse_one(b: &[u8]) -> Option<(usize, Answer)> {
    let mut hs = [httparse::EMPTY_HEADER; 64];
    let mut r = httparse::Response::new(&mut hs);
    let n = match r.parse(b).ok()? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return None,
    };
    let status = r.code.unwrap();
    let head = String::from_utf8_lossy(&b[..n]).into_owned();
    if status / 100 == 1 {
        return Some((n, (status, head, Vec::new())));
    }
    let get = |name: &str| {
        r.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    if let Some(len) = get("content-length") {
        let len: usize = len.parse().unwrap();
        if b.len() < n + len {
            return None;
        }
        return Some((n + len, (status, head, b[n..n + len].to_vec())));
    }
    if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut body = Vec::new();
        let mut at = n;
        loop {
            let line_end = b[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size =
                usize::from_str_radix(std::str::from_utf8(&b[at..line_end]).unwrap(), 16).unwrap();
            at = line_end + 2;
            if size == 0 {
                if b.len() < at + 2 {
                    return None;
                }
                return Some((at + 2, (status, head, body)));
            }
            if b.len() < at + size + 2 {
                return None;
            }
            body.extend_from_slice(&b[at..at + size]);
            at += size + 2;
        }
    }
    Some((n, (status, head, Vec::new())))
}

/// Sends `req` on a new connection and reads until the server closes.
pub fn exchange_raw(port: u16, req: &[u8]) -> String {
    let mut c = client(port);
    c.write_all(req).unwrap();
    read_all(&mut c)
}

/// Whether the `StreamEvent` is `Data`.
pub fn is_data(ev: &StreamEvent<'_>) -> bool {
    matches!(ev, StreamEvent::Data(_))
}
