//! A minimal HTTP/1.1 server on ruv-net that answers `hello` to every request: keep-alive,
//! pipelining (all complete requests in one read are answered with one write), request
//! parsing with `httparse`.
//!
//! ```sh
//! cargo run --release --example http_hello -- --port 8080   # --port 0: an ephemeral port
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections (the default port
//! is 3000; `--help` lists the flags; a bad flag exits with 2, a failure such as
//! `http_hello: EADDRINUSE: ...` with 1). A malformed request gets `400 Bad Request`
//! and its connection is closed; other connections are not affected. A slow client (say a
//! byte a second) only grows its own buffer: the loop never waits for it. A client that
//! does not read its answers is paused (reading stops) until its write queue drains.

use ruv::core::stream::StreamEvent;
use ruv::core::{Loop, RunMode};
use ruv::net::Tcp;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

/// Requests whose head is bigger than this are refused (Node's default is 16 KiB).
const MAX_HEAD: usize = 16 * 1024;

#[derive(Default)]
struct Server {
    /// Unparsed bytes of each connection with a partial request.
    partial: HashMap<Tcp, Vec<u8>>,
    /// The cached `Date` header line, refreshed once a second.
    date: (u64, String),
    out: Vec<u8>,
}

enum Parsed {
    /// `used` bytes held complete requests; the rest is a partial request.
    Ok {
        used: usize,
        close: bool,
    },
    Bad,
}

fn date_line(cache: &mut (u64, String)) -> &str {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if cache.0 != now || cache.1.is_empty() {
        *cache = (now, format!("Date: {}\r\n", http_date(now)));
    }
    &cache.1
}

/// RFC 9110's IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) from Unix seconds.
fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // civil-from-days (proleptic Gregorian), days since 1970-01-01
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses every complete request in `buf`, appending one answer per request to `out`.
fn serve(buf: &[u8], out: &mut Vec<u8>, date: &mut (u64, String)) -> Parsed {
    let mut used = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let head = match req.parse(&buf[used..]) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                if buf.len() - used > MAX_HEAD {
                    return Parsed::Bad;
                }
                return Parsed::Ok { used, close: false };
            }
            Err(_) => return Parsed::Bad,
        };
        let mut body = 0usize;
        let mut close = req.version == Some(0);
        for h in req.headers.iter() {
            if h.name.eq_ignore_ascii_case("content-length") {
                match std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                {
                    Some(n) => body = n,
                    None => return Parsed::Bad,
                }
            } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                // chunked bodies are not supported by this example
                return Parsed::Bad;
            } else if h.name.eq_ignore_ascii_case("connection") {
                if h.value.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if h.value.eq_ignore_ascii_case(b"keep-alive") {
                    close = false;
                }
            }
        }
        if buf.len() - used - head < body {
            // the body has not arrived yet: parse this request again when it has
            return Parsed::Ok { used, close: false };
        }
        used += head + body;
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
        out.extend_from_slice(date_line(date).as_bytes());
        if close {
            out.extend_from_slice(b"Connection: close\r\n");
        } else {
            out.extend_from_slice(b"Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n");
        }
        out.extend_from_slice(b"Content-Length: 5\r\n\r\nhello");
        if close {
            return Parsed::Ok { used, close: true };
        }
        if used == buf.len() {
            return Parsed::Ok { used, close: false };
        }
    }
}

/// Ends a connection once what is queued has been written.
fn finish(lp: &mut Loop<Server>, srv: &mut Server, c: Tcp) {
    srv.partial.remove(&c);
    c.pause(lp);
    // half-close once the answers are written; `Finish` then destroys the connection
    if c.end(lp).is_err() {
        c.destroy(lp, None);
    }
}

fn on_read(lp: &mut Loop<Server>, srv: &mut Server, c: Tcp, ev: StreamEvent<'_>) {
    let data = match ev {
        StreamEvent::Data(d) => d,
        StreamEvent::End => {
            finish(lp, srv, c);
            return;
        }
        StreamEvent::Error(_) => {
            srv.partial.remove(&c);
            c.destroy(lp, None);
            return;
        }
        // every answer is written after `end`: the connection is done
        StreamEvent::Finish => {
            c.destroy(lp, None);
            return;
        }
        // the answers queued past the high-water mark are written: read again
        StreamEvent::Drain => {
            c.resume(lp);
            return;
        }
        _ => return,
    };
    let mut out = std::mem::take(&mut srv.out);
    // Fast path: no partial request waiting, parse straight from the read buffer.
    let (parsed, rest) = match srv.partial.remove(&c) {
        None => {
            let p = serve(data, &mut out, &mut srv.date);
            let rest = match p {
                Parsed::Ok { used, .. } if used < data.len() => Some(data[used..].to_vec()),
                _ => None,
            };
            (p, rest)
        }
        Some(mut buf) => {
            buf.extend_from_slice(data);
            let p = serve(&buf, &mut out, &mut srv.date);
            let rest = match p {
                Parsed::Ok { used, .. } if used < buf.len() => {
                    buf.drain(..used);
                    Some(buf)
                }
                _ => None,
            };
            (p, rest)
        }
    };
    let close = match parsed {
        Parsed::Bad => {
            out.extend_from_slice(
                b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            );
            true
        }
        Parsed::Ok { close, .. } => close,
    };
    if !out.is_empty() {
        match c.write(lp, std::mem::take(&mut out)) {
            Ok(true) => {}
            // backpressure: stop reading this client until its answers are written
            Ok(false) => c.pause(lp),
            Err(_) => {
                c.destroy(lp, None);
                srv.out = out;
                return;
            }
        }
    }
    srv.out = out;
    if close {
        finish(lp, srv, c);
    } else if let Some(rest) = rest {
        srv.partial.insert(c, rest);
    }
}

const USAGE: &str = "\
usage: http_hello [--port PORT]

A minimal HTTP/1.1 server answering `hello` to every request (keep-alive, pipelining).
Prints `listening on http://127.0.0.1:PORT` once it accepts connections.

  --port PORT   the port to listen on, 0 for any free port (default: 3000)
  -h, --help    print this help
";

fn main() {
    let mut args = Args::from_env("http_hello", USAGE);
    let mut port = 3000u16;
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            other => args.unexpected(other),
        }
    }
    let run = || -> ruv::core::Result<()> {
        let mut lp: Loop<Server> = Loop::new()?;
        let port = listen(&mut lp, port)?;
        println!("listening on http://127.0.0.1:{port}");
        lp.run(RunMode::Default, &mut Server::default())?;
        Ok(())
    };
    if let Err(e) = run() {
        common::fail("http_hello", e);
    }
}

/// Starts the server on `port` (0: ephemeral); returns the port.
fn listen(lp: &mut Loop<Server>, port: u16) -> ruv::core::Result<u16> {
    let server = Tcp::bind(lp, ([127, 0, 0, 1], port).into())?;
    server.listen(lp, 511, |lp, _, server, r| {
        let accepted = r.and_then(|()| {
            let c = server.accept(lp)?;
            // as Node's http server does
            c.set_nodelay(lp, true)?;
            c.on_event(lp, on_read)
        });
        // a failed accept (EMFILE …) is reported; the server goes on
        if let Err(e) = accepted {
            eprintln!("http_hello: accept: {e}");
        }
    })?;
    Ok(server.local_addr(lp)?.port())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    /// Runs the server on its own thread; returns its port.
    fn server() -> u16 {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lp = super::Loop::new().unwrap();
            tx.send(super::listen(&mut lp, 0).unwrap()).unwrap();
            lp.run(super::RunMode::Default, &mut super::Server::default())
                .unwrap();
        });
        rx.recv().unwrap()
    }

    fn client(port: u16) -> TcpStream {
        let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // bounds every read: a hang fails the test instead of blocking it
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c
    }

    /// Reads until `n` answers (`hello` bodies) arrived or the peer closed.
    fn read_answers(c: &mut TcpStream, n: usize) -> String {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while String::from_utf8_lossy(&got)
            .matches("\r\n\r\nhello")
            .count()
            < n
        {
            let k = c.read(&mut buf).expect("answer within the timeout");
            if k == 0 {
                break;
            }
            got.extend_from_slice(&buf[..k]);
        }
        String::from_utf8(got).unwrap()
    }

    #[test]
    fn keep_alive_and_pipelining() {
        let port = server();
        let mut c = client(port);
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert!(read_answers(&mut c, 1).starts_with("HTTP/1.1 200 OK\r\n"));
        // three pipelined requests (one with a body) and the start of a fourth
        c.write_all(b"GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n\r\nGET /4 HT")
            .unwrap();
        assert_eq!(read_answers(&mut c, 3).matches("200 OK").count(), 3);
        c.write_all(b"TP/1.1\r\nConnection: close\r\n\r\n").unwrap();
        let last = read_answers(&mut c, 2);
        assert!(last.contains("Connection: close\r\n"));
        // then the server closes
        assert_eq!(c.read(&mut [0u8; 16]).unwrap(), 0);
    }

    #[test]
    fn malformed_gets_400_and_others_go_on() {
        let port = server();
        let mut good = client(port);
        let mut slow = client(port);
        slow.write_all(b"GET / HT").unwrap(); // and nothing more for now
        let mut bad = client(port);
        bad.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
        let mut answer = String::new();
        bad.read_to_string(&mut answer).unwrap(); // the server closes it
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{answer}"
        );
        // the others are unaffected; the slow one does not hold anyone up
        good.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        assert!(read_answers(&mut good, 1).ends_with("hello"));
        slow.write_all(b"TP/1.1\r\n\r\n").unwrap();
        assert!(read_answers(&mut slow, 1).ends_with("hello"));
    }

    #[test]
    fn dates() {
        assert_eq!(
            super::http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(super::http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
