//! Criterion benches on loopback: `tcp_ping_pong` (one 64-byte round trip between two ruv-net
//! sockets on the same loop) and `tcp_pump` (8 MiB through one connection in 64 KiB writes,
//! pausing on backpressure and resuming on drain).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_net::Tcp;
use std::time::{Duration, Instant};

struct PingPong {
    left: u64,
    got: usize,
    t0: Option<Instant>,
    elapsed: Duration,
}

const MSG: usize = 64;

fn ping_pong(iters: u64) -> Duration {
    let mut lp: Loop<PingPong> = Loop::new().unwrap();
    let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    server
        .listen(&mut lp, 8, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.set_nodelay(lp, true).unwrap();
            c.on_event(lp, |lp, _, c, ev| match ev {
                StreamEvent::Data(d) => {
                    c.write(lp, Vec::from(d)).unwrap();
                }
                StreamEvent::End | StreamEvent::Error(_) => {
                    c.close(lp).unwrap();
                }
                _ => {}
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let c = Tcp::connect(&mut lp, addr, move |_, st: &mut PingPong, r| {
        r.unwrap();
        st.t0 = Some(Instant::now());
    })
    .unwrap();
    c.set_nodelay(&lp, true).unwrap();
    c.write(&mut lp, [7u8; MSG].as_slice()).unwrap();
    c.on_event(&mut lp, |lp, st, c, ev| {
        let StreamEvent::Data(d) = ev else { return };
        st.got += d.len();
        if st.got < MSG {
            return;
        }
        st.got = 0;
        st.left -= 1;
        if st.left == 0 {
            st.elapsed = st.t0.unwrap().elapsed();
            c.close(lp).unwrap();
        } else {
            c.write(lp, [7u8; MSG].as_slice()).unwrap();
        }
    })
    .unwrap();
    let mut st = PingPong {
        left: iters.max(1),
        got: 0,
        t0: None,
        elapsed: Duration::ZERO,
    };
    lp.run(RunMode::Default, &mut st).unwrap();
    st.elapsed
}

const PUMP: usize = 8 << 20;
const CHUNK: usize = 64 << 10;

struct Pump {
    to_send: usize,
    received: usize,
    chunk: &'static [u8],
}

fn fill(lp: &mut Loop<Pump>, st: &mut Pump, c: Tcp) {
    while st.to_send > 0 {
        st.to_send -= CHUNK;
        let more = c.write(lp, st.chunk).unwrap();
        if st.to_send == 0 {
            c.shutdown(lp, move |lp, _, _| {
                c.close(lp).unwrap();
            })
            .unwrap();
            return;
        }
        if !more {
            return; // resumed by Drain
        }
    }
}

fn pump(iters: u64) -> Duration {
    let chunk: &'static [u8] = Box::leak(vec![1u8; CHUNK].into_boxed_slice());
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut lp: Loop<Pump> = Loop::new().unwrap();
        let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
        server
            .listen(&mut lp, 8, |lp, _, server, r| {
                r.unwrap();
                let c = server.accept(lp).unwrap();
                server.close(lp).unwrap();
                c.on_event(lp, |lp, st, c, ev| match ev {
                    StreamEvent::Data(d) => st.received += d.len(),
                    StreamEvent::End | StreamEvent::Error(_) => {
                        c.close(lp).unwrap();
                    }
                    _ => {}
                })
                .unwrap();
            })
            .unwrap();
        let addr = server.local_addr(&lp).unwrap();
        let c = Tcp::connect(&mut lp, addr, move |_, _, r| r.unwrap()).unwrap();
        c.on_event(&mut lp, |lp, st, c, ev| {
            if let StreamEvent::Drain = ev {
                fill(lp, st, c);
            }
        })
        .unwrap();
        let mut st = Pump {
            to_send: PUMP,
            received: 0,
            chunk,
        };
        let t0 = Instant::now();
        fill(&mut lp, &mut st, c);
        lp.run(RunMode::Default, &mut st).unwrap();
        total += t0.elapsed();
        assert_eq!(st.received, PUMP);
    }
    total
}

fn benches(c: &mut Criterion) {
    c.bench_function("tcp_ping_pong", |b| b.iter_custom(ping_pong));
    let mut g = c.benchmark_group("tcp_pump");
    g.throughput(Throughput::Bytes(PUMP as u64));
    g.sample_size(20);
    g.bench_function("8MiB_64KiB_writes", |b| b.iter_custom(pump));
    g.finish();
}

criterion_group!(tcp, benches);
criterion_main!(tcp);
