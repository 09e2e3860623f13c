#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! TCP stream tests on loopback. Each test arms an unreferenced guard timer that fails the
//! test if it fires; nothing sleeps to synchronise.

use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Loop, RunMode, Timer};
use ruv_net::Tcp;

mod common;
use common::{any_port, guard, run};

#[derive(Default)]
struct PingPong {
    rounds: usize,
    closed: usize,
}

#[test]
fn ping_pong() {
    const ROUNDS: usize = 1000;
    let mut lp: Loop<PingPong> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            c.on_event(lp, |lp, st, c, ev| match ev {
                StreamEvent::Data(data) => {
                    assert_eq!(data, b"ping");
                    c.write(lp, b"pong").unwrap();
                }
                StreamEvent::End => {
                    st.closed += 1;
                    c.close(lp).unwrap();
                }
                StreamEvent::Close => {}
                ev => panic!("unexpected {ev:?}"),
            })
            .unwrap();
            server.close(lp).unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, move |_, _, r| r.unwrap()).unwrap();
    client.set_nodelay(&lp, true).unwrap();
    client.write(&mut lp, b"ping").unwrap();
    client
        .on_event(&mut lp, |lp, st, c, ev| match ev {
            StreamEvent::Data(d) => {
                assert_eq!(d, b"pong");
                st.rounds += 1;
                if st.rounds == ROUNDS {
                    c.close(lp).unwrap().then(|_, st| st.closed += 1);
                } else {
                    c.write(lp, b"ping").unwrap();
                }
            }
            StreamEvent::Close => {}
            ev => panic!("unexpected {ev:?}"),
        })
        .unwrap();
    let mut st = PingPong::default();
    run(&mut lp, &mut st);
    assert_eq!(st.rounds, ROUNDS);
    assert_eq!(st.closed, 2);
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8
}

#[derive(Default)]
struct Big {
    received: usize,
    write_done: bool,
    queued_after_write: usize,
    returned: Option<bool>,
    drained: bool,
    eof: bool,
}

#[test]
fn big_write_completes_in_order() {
    const SIZE: usize = 64 << 20;
    let mut lp: Loop<Big> = Loop::new().unwrap();
    guard(&mut lp, 60_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, st, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            let data: Vec<u8> = (0..SIZE).map(pattern).collect();
            c.on_event(lp, |lp, st, c, ev| {
                if let StreamEvent::Drain = ev {
                    assert!(st.write_done, "the write callback runs before drain");
                    st.drained = true;
                    c.close(lp).unwrap();
                }
            })
            .unwrap();
            let ok = c
                .write_cb(lp, data, move |_, st, r| {
                    r.unwrap();
                    st.write_done = true;
                })
                .unwrap();
            st.returned = Some(ok);
            st.queued_after_write = c.write_queue_size(lp).unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    client
        .on_event(&mut lp, |lp, st, c, ev| match ev {
            StreamEvent::Data(data) => {
                for (k, &b) in data.iter().enumerate() {
                    if b != pattern(st.received + k) {
                        panic!("byte {} out of order", st.received + k);
                    }
                }
                st.received += data.len();
            }
            StreamEvent::End => {
                st.eof = true;
                c.close(lp).unwrap();
            }
            StreamEvent::Close => {}
            ev => panic!("unexpected {ev:?}"),
        })
        .unwrap();
    let mut st = Big::default();
    run(&mut lp, &mut st);
    assert_eq!(st.received, SIZE);
    assert!(st.write_done && st.eof);
    // One write larger than any socket buffer: it was queued and finished across many
    // partial writes, and backpressure was signalled.
    assert!(st.queued_after_write > 0);
    assert_eq!(st.returned, Some(false));
    assert!(st.drained);
}

#[derive(Default)]
struct Order {
    done: Vec<usize>,
    received: Vec<u8>,
}

#[test]
fn write_queue_order() {
    const N: usize = 200;
    let mut lp: Loop<Order> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, st, c, ev| match ev {
                StreamEvent::Data(d) => st.received.extend_from_slice(d),
                StreamEvent::End | StreamEvent::Error(_) => {
                    c.close(lp).unwrap();
                }
                _ => {}
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    let mut expect = Vec::new();
    // Queued before the connection completes, then sizes from 1 byte to 200 KiB.
    for i in 0..N {
        let chunk = vec![(i % 256) as u8; 1 + (i * 1031) % (200 << 10)];
        expect.extend_from_slice(&chunk);
        client
            .write_cb(&mut lp, chunk, move |_, st, r| {
                r.unwrap();
                st.done.push(i);
            })
            .unwrap();
    }
    client
        .shutdown(&mut lp, move |lp, st, r| {
            r.unwrap();
            assert_eq!(st.done.len(), N, "shutdown completes after every write");
            client.close(lp).unwrap();
        })
        .unwrap();
    let mut st = Order::default();
    run(&mut lp, &mut st);
    assert_eq!(st.done, (0..N).collect::<Vec<_>>());
    assert_eq!(st.received.len(), expect.len());
    assert!(st.received == expect);
}

#[derive(Default)]
struct StopStart {
    client: Option<Tcp>,
    server_conn: Option<Tcp>,
    chunks: Vec<Vec<u8>>,
    stopped: bool,
    read_while_stopped: bool,
}

#[test]
fn read_stop_then_start() {
    let mut lp: Loop<StopStart> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, st, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            st.server_conn = Some(c);
            c.write(lp, b"first").unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    fn on_event(lp: &mut Loop<StopStart>, st: &mut StopStart, c: Tcp, ev: StreamEvent<'_>) {
        if st.stopped {
            st.read_while_stopped = true;
        }
        match ev {
            StreamEvent::Data(d) => {
                st.chunks.push(d.to_vec());
                if st.chunks.len() == 1 {
                    c.pause(lp);
                    c.pause(lp); // idempotent
                    st.stopped = true;
                    // The peer sends more while we are not reading; once it is written
                    // (in our receive buffer), reading starts again.
                    let s = st.server_conn.unwrap();
                    s.write_cb(lp, b"second", move |lp, st, r| {
                        r.unwrap();
                        st.stopped = false;
                        let c = st.client.unwrap();
                        c.resume(lp);
                        s.close(lp).unwrap();
                    })
                    .unwrap();
                }
            }
            StreamEvent::End => {
                c.close(lp).unwrap();
            }
            StreamEvent::Close => {}
            ev => panic!("unexpected {ev:?}"),
        }
    }
    client.on_event(&mut lp, on_event).unwrap();
    let mut st = StopStart {
        client: Some(client),
        ..Default::default()
    };
    run(&mut lp, &mut st);
    assert!(!st.read_while_stopped);
    assert_eq!(st.chunks, [b"first".to_vec(), b"second".to_vec()]);
}

#[derive(Default)]
struct Half {
    server_got: Vec<u8>,
    client_got: Vec<u8>,
    shutdown_ok: bool,
    finished: bool,
    client_eof: bool,
}

#[test]
fn half_close_then_read_to_eof() {
    let mut lp: Loop<Half> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, st, c, ev| match ev {
                StreamEvent::Data(d) => st.server_got.extend_from_slice(d),
                StreamEvent::End => {
                    // The client half-closed: we can still answer.
                    c.write_cb(lp, b"bye", move |lp, _, r| {
                        r.unwrap();
                        c.close(lp).unwrap();
                    })
                    .unwrap();
                }
                StreamEvent::Close => {}
                ev => panic!("unexpected {ev:?}"),
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    client.write(&mut lp, b"hello").unwrap();
    client
        .shutdown(&mut lp, |_, st, r| {
            r.unwrap();
            st.shutdown_ok = true;
        })
        .unwrap();
    let e = client.write(&mut lp, b"late").unwrap_err();
    assert_eq!(e.code(), Code::EPIPE);
    client
        .on_event(&mut lp, |lp, st, c, ev| match ev {
            StreamEvent::Data(d) => st.client_got.extend_from_slice(d),
            StreamEvent::Finish => {
                assert!(st.shutdown_ok, "the shutdown callback runs before Finish");
                st.finished = true;
            }
            StreamEvent::End => {
                st.client_eof = true;
                c.close(lp).unwrap();
            }
            StreamEvent::Close => {}
            ev => panic!("unexpected {ev:?}"),
        })
        .unwrap();
    let mut st = Half::default();
    run(&mut lp, &mut st);
    assert!(st.shutdown_ok && st.finished && st.client_eof);
    assert_eq!(st.server_got, b"hello");
    assert_eq!(st.client_got, b"bye");
}

#[derive(Default)]
struct Cancel {
    log: Vec<String>,
    server_conn: Option<Tcp>,
}

#[test]
fn close_cancels_pending_writes() {
    let mut lp: Loop<Cancel> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, st, server, r| {
            r.unwrap();
            // Accepted but never read: the client's writes pile up.
            st.server_conn = Some(server.accept(lp).unwrap());
            server.close(lp).unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    client
        .write_cb(&mut lp, vec![7u8; 32 << 20], |_, st, r| {
            st.log.push(format!("w0 {:?}", r.map_err(|e| e.code())));
        })
        .unwrap();
    for i in 1..4 {
        client
            .write_cb(&mut lp, vec![1u8; 10], move |_, st, r| {
                st.log.push(format!("w{i} {:?}", r.map_err(|e| e.code())));
            })
            .unwrap();
    }
    client
        .shutdown(&mut lp, |_, st, r| {
            st.log
                .push(format!("shutdown {:?}", r.map_err(|e| e.code())));
        })
        .unwrap();
    // Close once the connection is up and the first write is partly written.
    let t = Timer::new(&mut lp).unwrap();
    t.start(&mut lp, 0, 1, move |lp, st, t| {
        if st.server_conn.is_none() {
            return;
        }
        assert!(client.write_queue_size(lp).unwrap() > 0);
        t.close(lp).unwrap();
        client.close(lp).unwrap().then(|lp, st| {
            st.log.push("closed".into());
            st.server_conn.take().unwrap().close(lp).unwrap();
        });
        assert_eq!(client.write_queue_size(lp).unwrap_err().code(), Code::EBADF);
        st.log.push("close called".into());
    })
    .unwrap();
    let mut st = Cancel::default();
    run(&mut lp, &mut st);
    assert_eq!(
        st.log,
        [
            "close called",
            "w0 Err(ECANCELED)",
            "w1 Err(ECANCELED)",
            "w2 Err(ECANCELED)",
            "w3 Err(ECANCELED)",
            "shutdown Err(ECANCELED)",
            "closed"
        ]
    );
}

#[test]
fn ipv6_loopback() {
    let mut lp: Loop<Vec<u8>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = match Tcp::bind(&mut lp, "[::1]:0".parse().unwrap()) {
        Ok(s) => s,
        Err(e) => {
            // no IPv6 on this host
            eprintln!("skipped: {e}");
            return;
        }
    };
    server
        .listen(&mut lp, 8, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            assert!(c.peer_addr(lp).unwrap().is_ipv6());
            c.write_cb(lp, b"v6", move |lp, _, r| {
                r.unwrap();
                c.close(lp).unwrap();
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let c = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    c.on_event(&mut lp, |lp, got, c, ev| match ev {
        StreamEvent::Data(d) => got.extend_from_slice(d),
        StreamEvent::End | StreamEvent::Error(_) => {
            c.close(lp).unwrap();
        }
        _ => {}
    })
    .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, b"v6");
}
