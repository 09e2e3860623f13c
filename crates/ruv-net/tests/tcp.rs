#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! TCP stream tests on loopback. Each test arms an unreferenced guard timer that fails the
//! test if it fires; nothing sleeps to synchronise.

use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Loop, RunMode, Timer};
use ruv_net::Tcp;
use std::net::SocketAddr;

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A timer that panics after `ms`, unreferenced so it does not keep the loop alive.
fn guard<S: 'static>(lp: &mut Loop<S>, ms: u64) {
    let t = Timer::new(lp).unwrap();
    t.start(lp, ms, 0, move |_, _, _| -> () {
        panic!("test timed out after {ms} ms")
    })
    .unwrap();
    t.set_ref(lp, false);
}

fn run<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    lp.run(RunMode::Default, s).unwrap();
}

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
fn connect_to_closed_port_is_refused() {
    // A bound socket that does not listen: connections to it are refused (RST).
    let holder = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    holder.bind(&any_port().into()).unwrap();
    let addr = holder.local_addr().unwrap().as_socket().unwrap();
    let mut lp: Loop<Vec<Code>> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let in_call = std::rc::Rc::new(std::cell::Cell::new(true));
    let flag = in_call.clone();
    let c = Tcp::connect(&mut lp, addr, move |_, st, r| {
        assert!(!flag.get(), "connect callback ran inside connect()");
        st.push(r.unwrap_err().code());
    })
    .unwrap();
    in_call.set(false);
    // A write queued on the failing connection fails with the same error.
    c.write_cb(&mut lp, b"x", move |lp, st, r| {
        st.push(r.unwrap_err().code());
        c.close(lp).unwrap();
    })
    .unwrap();
    let mut codes = Vec::new();
    run(&mut lp, &mut codes);
    assert_eq!(codes, [Code::ECONNREFUSED, Code::ECONNREFUSED]);
}

#[test]
fn bind_taken_port_is_addrinuse() {
    let taken = std::net::TcpListener::bind(any_port()).unwrap();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let e = match Tcp::bind(&mut lp, taken.local_addr().unwrap()) {
        // Some kernels accept the bind and refuse the listen.
        Ok(t) => t.listen(&mut lp, 1, |_, _, _, _| {}).unwrap_err(),
        Err(e) => e,
    };
    assert_eq!(e.code(), Code::EADDRINUSE);
    assert_eq!(e.to_string(), "EADDRINUSE: address already in use, bind");
}

#[derive(Default)]
struct Reset {
    read_err: Option<Code>,
    write_err: Option<Code>,
}

#[test]
fn peer_reset_is_econnreset() {
    let mut lp: Loop<Reset> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    let addr = server.local_addr(&lp).unwrap();
    // The peer: connects (the kernel completes it from the backlog), then aborts with
    // SO_LINGER 0, which sends RST instead of FIN.
    server
        .listen(&mut lp, 16, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, st, c, ev| match ev {
                StreamEvent::Error(e) => {
                    st.read_err = Some(e.code());
                    // Writing to a reset connection fails too (EPIPE or ECONNRESET).
                    c.write_cb(lp, b"after reset", move |lp, st, r| {
                        st.write_err = Some(r.unwrap_err().code());
                        c.close(lp).unwrap();
                    })
                    .unwrap();
                }
                StreamEvent::Close => {}
                ev => panic!("no data was sent: {ev:?}"),
            })
            .unwrap();
        })
        .unwrap();
    let peer = std::net::TcpStream::connect(addr).unwrap();
    socket2::SockRef::from(&peer)
        .set_linger(Some(std::time::Duration::ZERO))
        .unwrap();
    drop(peer);
    let mut st = Reset::default();
    run(&mut lp, &mut st);
    assert_eq!(st.read_err, Some(Code::ECONNRESET));
    assert!(matches!(
        st.write_err,
        Some(Code::EPIPE) | Some(Code::ECONNRESET)
    ));
}

#[derive(Default)]
struct Backpressure {
    drains: usize,
}

#[test]
fn try_write_and_high_water_mark() {
    let mut lp: Loop<Backpressure> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 16, |lp, _, server, r| {
            r.unwrap();
            let c = server.accept(lp).unwrap();
            server.close(lp).unwrap();
            c.on_event(lp, |lp, _, c, ev| {
                if let StreamEvent::End | StreamEvent::Error(_) = ev {
                    c.close(lp).unwrap();
                }
            })
            .unwrap();
        })
        .unwrap();
    let addr = server.local_addr(&lp).unwrap();
    let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap()).unwrap();
    // While connecting, try_write cannot write.
    assert_eq!(
        client.try_write(&mut lp, b"hello").unwrap_err().code(),
        Code::EAGAIN
    );
    client.set_high_water_mark(&mut lp, 4).unwrap();
    assert!(client.write(&mut lp, b"abc").unwrap());
    assert!(!client.write(&mut lp, b"def").unwrap());
    assert_eq!(client.write_queue_size(&lp).unwrap(), 6);
    client
        .on_event(&mut lp, |lp, st, c, ev| {
            if let StreamEvent::Drain = ev {
                st.drains += 1;
                assert_eq!(c.write_queue_size(lp).unwrap(), 0);
                assert_eq!(c.try_write(lp, b"hello").unwrap(), 5);
                c.close(lp).unwrap();
            }
        })
        .unwrap();
    let mut st = Backpressure::default();
    run(&mut lp, &mut st);
    assert_eq!(st.drains, 1);
}

#[test]
fn stale_ids_and_addresses() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    let addr = server.local_addr(&lp).unwrap();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_eq!(server.peer_addr(&lp).unwrap_err().code(), Code::ENOTCONN);
    server
        .set_keepalive(&lp, true, std::time::Duration::from_secs(30))
        .unwrap();
    server.close(&mut lp).unwrap();
    // Closing twice is an error (libuv's double close is a bug), as is a closing id's use.
    assert_eq!(server.close(&mut lp).unwrap_err().code(), Code::EINVAL);
    assert_eq!(server.local_addr(&lp).unwrap_err().code(), Code::EBADF);
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(server.local_addr(&lp).unwrap_err().code(), Code::EBADF);
    assert_eq!(server.close(&mut lp).unwrap_err().code(), Code::EBADF);
    // A new socket reuses the slot with a new generation; the old id stays stale.
    let other = Tcp::bind(&mut lp, any_port()).unwrap();
    assert_ne!(other, server);
    assert_eq!(server.write(&mut lp, b"x").unwrap_err().code(), Code::EBADF);
    other.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
}

#[test]
fn reuse_port_lets_two_listeners_share() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let opts = ruv_net::BindOptions {
        reuse_port: true,
        ..Default::default()
    };
    let a = Tcp::bind_with(&mut lp, any_port(), opts).unwrap();
    a.listen(&mut lp, 8, |_, _, _, _| {}).unwrap();
    let addr = a.local_addr(&lp).unwrap();
    let b = Tcp::bind_with(&mut lp, addr, opts).unwrap();
    b.listen(&mut lp, 8, |_, _, _, _| {}).unwrap();
    a.close(&mut lp).unwrap();
    b.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
}

#[test]
fn listener_misuse_is_an_error() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server.listen(&mut lp, 8, |_, _, _, _| {}).unwrap();
    assert_eq!(server.accept(&mut lp).unwrap_err().code(), Code::EAGAIN);
    assert_eq!(
        server
            .on_event(&mut lp, |_, _, _, _| {})
            .unwrap_err()
            .code(),
        Code::EINVAL
    );
    assert_eq!(
        server.write(&mut lp, b"x").unwrap_err().code(),
        Code::ENOTCONN
    );
    server.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
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
