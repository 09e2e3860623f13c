//! Criterion benches of ruv-http's hot paths: `parse_request` (a wrk-style GET head),
//! `round_trip` (one keep-alive request and its `hello` answer between a raw ruv-net client
//! and the server on one loop) and `pipelined_16` (16 requests per write). Node and nginx
//! beside ruv: `bash benches/http.sh` at the repository root.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_http::{RequestHead, Server, ServerEvent, ServerOptions};
use ruv_net::Tcp;
use std::time::{Duration, Instant};

const GET: &[u8] =
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n";

fn parse(c: &mut Criterion) {
    let mut head = RequestHead::default();
    c.bench_function("parse_request", |b| {
        b.iter(|| head.parse(std::hint::black_box(GET), 16384, 2000).unwrap())
    });
}

struct Run {
    /// Requests still to send (in batches of `batch`).
    left: u64,
    batch: usize,
    /// Answers still owed for the batch in flight.
    owed: usize,
    t0: Option<Instant>,
    elapsed: Duration,
    server: Option<Server>,
}

/// `iters` requests in batches of `batch` pipelined requests on one connection.
fn requests(iters: u64, batch: usize) -> Duration {
    let mut lp: Loop<Run> = Loop::new().unwrap();
    let server = Server::create(&mut lp, ServerOptions::default(), |lp, _, _, ev| match ev {
        ServerEvent::Request(_, res) => res.end(lp, "hello"),
        _ => Ok(()),
    })
    .unwrap();
    server
        .listen(&mut lp, "127.0.0.1:0".parse().unwrap())
        .unwrap();
    let addr = server.address(&lp).unwrap();
    let wire: Vec<u8> = GET.repeat(batch);
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r).unwrap();
    client.set_nodelay(&lp, true).unwrap();
    let first = wire.clone();
    client
        .on_event(
            &mut lp,
            move |lp, run: &mut Run, me, ev| -> ruv_core::Result<()> {
                match ev {
                    // every answer ends with its `hello` body
                    StreamEvent::Data(d) => {
                        run.owed -= d.windows(5).filter(|w| *w == b"hello").count();
                        if run.owed == 0 {
                            if run.left == 0 {
                                run.elapsed = run.t0.map_or(Duration::ZERO, |t| t.elapsed());
                                me.destroy(lp, None);
                                if let Some(s) = run.server.take() {
                                    s.close(lp)?;
                                }
                                return Ok(());
                            }
                            let n = (run.batch as u64).min(run.left);
                            run.left -= n;
                            run.owed = n as usize;
                            let mut next = wire.clone();
                            next.truncate(n as usize * GET.len());
                            me.write(lp, next)?;
                        }
                    }
                    StreamEvent::Error(e) => return Err(e),
                    _ => {}
                }
                Ok(())
            },
        )
        .unwrap();
    let n = (batch as u64).min(iters);
    let mut first = first;
    first.truncate(n as usize * GET.len());
    client.write(&mut lp, first).unwrap();
    let mut run = Run {
        left: iters - n,
        batch,
        owed: n as usize,
        t0: Some(Instant::now()),
        elapsed: Duration::ZERO,
        server: Some(server),
    };
    lp.run(RunMode::Default, &mut run).unwrap();
    run.elapsed
}

fn serve(c: &mut Criterion) {
    let mut g = c.benchmark_group("server");
    g.throughput(Throughput::Elements(1));
    g.bench_function("round_trip", |b| b.iter_custom(|iters| requests(iters, 1)));
    g.bench_function("pipelined_16", |b| {
        b.iter_custom(|iters| requests(iters, 16))
    });
    g.finish();
}

criterion_group!(benches, parse, serve);
criterion_main!(benches);
