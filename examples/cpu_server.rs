//! An HTTP server that does CPU work on the loop thread: for every request a busy loop of
//! 10,000,000 steps, then it answers with its process id (`handled by process PID`).
//!
//! **It blocks the event loop on purpose**: while one request computes, no other connection
//! is read, accepted or answered. It is the server of the articles on Node's `cluster`
//! module: run several of them on one port (the listener sets `SO_REUSEPORT`) and the
//! kernel spreads connections over the processes, so a core each computes in parallel.
//!
//! ```sh
//! cargo run --release --example cpu_server -- --port 8000
//! ```

use ruv::core::stream::StreamEvent;
use ruv::core::{Loop, RunMode};
use ruv::net::{BindOptions, Tcp};
use std::collections::HashMap;

const STEPS: u64 = 10_000_000;

/// The work per request: deliberately on the loop thread.
fn busy() -> u64 {
    let mut acc = 0u64;
    for i in 0..STEPS {
        acc = std::hint::black_box(acc.wrapping_add(i));
    }
    acc
}

#[derive(Default)]
struct Server {
    partial: HashMap<Tcp, Vec<u8>>,
}

fn on_read(lp: &mut Loop<Server>, srv: &mut Server, c: Tcp, ev: StreamEvent<'_>) {
    let data = match ev {
        StreamEvent::Data(d) => d,
        StreamEvent::End | StreamEvent::Error(_) => {
            srv.partial.remove(&c);
            if matches!(ev, StreamEvent::End)
                && c.shutdown(lp, move |lp, _, _| {
                    let _ = c.close(lp);
                })
                .is_ok()
            {
                return;
            }
            let _ = c.close(lp);
            return;
        }
        _ => return,
    };
    let mut buf = srv.partial.remove(&c).unwrap_or_default();
    buf.extend_from_slice(data);
    let mut used = 0;
    let mut out = Vec::new();
    let mut bad = false;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf[used..]) {
            Ok(httparse::Status::Complete(n)) => {
                used += n;
                busy();
                let body = format!("handled by process {}\n", std::process::id());
                out.extend_from_slice(
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
            Ok(httparse::Status::Partial) => break,
            Err(_) => {
                bad = true;
                break;
            }
        }
    }
    if bad {
        out.extend_from_slice(
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        );
    }
    if !out.is_empty() && c.write(lp, out).is_err() {
        let _ = c.close(lp);
        return;
    }
    if bad {
        c.pause(lp);
        let _ = c.shutdown(lp, move |lp, _, _| {
            let _ = c.close(lp);
        });
    } else if used < buf.len() {
        buf.drain(..used);
        srv.partial.insert(c, buf);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = 8000u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--port" => port = args.next().ok_or("--port needs a value")?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let mut lp: Loop<Server> = Loop::new()?;
    let opts = BindOptions {
        reuse_port: true,
        ..Default::default()
    };
    let server = Tcp::bind_with(&mut lp, ([127, 0, 0, 1], port).into(), opts)?;
    server.listen(&mut lp, 511, |lp, _, server, r| {
        if r.is_err() {
            return;
        }
        if let Ok(c) = server.accept(lp) {
            let _ = c.on_event(lp, on_read);
        }
    })?;
    println!(
        "listening on http://127.0.0.1:{} (pid {}; every request blocks the loop)",
        server.local_addr(&lp)?.port(),
        std::process::id()
    );
    lp.run(RunMode::Default, &mut Server::default())?;
    Ok(())
}
