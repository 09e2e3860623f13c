#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! TCP error cases on loopback: refused, address in use, reset, stale ids, listener misuse,
//! `SO_REUSEPORT`. Each test arms an unreferenced guard timer; nothing sleeps.

use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Loop, RunMode};
use ruv_net::Tcp;

mod common;
use common::{any_port, guard, run};

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
