#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! UDP on loopback, bounded by a guard timer.

use ruv_core::{Code, Loop, RunMode};
use ruv_net::Udp;
use std::net::{Ipv4Addr, SocketAddr};

mod common;
use common::guard;

#[derive(Default)]
struct Dgram {
    sent: Vec<usize>,
    got: Vec<(Vec<u8>, SocketAddr)>,
    replies: usize,
}

#[test]
fn send_and_receive() {
    const N: usize = 50;
    let mut lp: Loop<Dgram> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let a = Udp::bind(&mut lp, any).unwrap();
    let b = Udp::bind(&mut lp, any).unwrap();
    let a_addr = a.local_addr(&lp).unwrap();
    let b_addr = b.local_addr(&lp).unwrap();
    b.recv_start(&mut lp, move |lp, st, me, r| {
        let (data, from) = r.unwrap();
        st.got.push((data.to_vec(), from));
        // answer the last one
        if st.got.len() == N {
            me.send(lp, b"ack", from, |_, _, r| r.unwrap()).unwrap();
            me.recv_stop(lp);
            me.recv_stop(lp); // idempotent
            me.close(lp).unwrap();
        }
    })
    .unwrap();
    a.recv_start(&mut lp, |lp, st, me, r| {
        assert_eq!(r.unwrap().0, b"ack");
        st.replies += 1;
        me.close(lp).unwrap();
    })
    .unwrap();
    for i in 0..N {
        a.send(
            &mut lp,
            format!("datagram {i}").into_bytes(),
            b_addr,
            move |_, st, r| {
                r.unwrap();
                st.sent.push(i);
            },
        )
        .unwrap();
    }
    let mut st = Dgram::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.sent, (0..N).collect::<Vec<_>>());
    assert_eq!(st.got.len(), N);
    for (i, (data, from)) in st.got.iter().enumerate() {
        assert_eq!(data, format!("datagram {i}").as_bytes());
        assert_eq!(*from, a_addr);
    }
    assert_eq!(st.replies, 1);
}

#[test]
fn options_and_close() {
    let mut lp: Loop<Vec<Code>> = Loop::new().unwrap();
    let u = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    u.set_broadcast(&lp, true).unwrap();
    u.set_ttl(&lp, 64).unwrap();
    assert_eq!(u.set_ttl(&lp, 0).unwrap_err().code(), Code::EINVAL);
    u.set_multicast_ttl(&lp, 1).unwrap();
    u.set_multicast_loop(&lp, true).unwrap();
    // Membership needs a multicast-capable interface; a bare container may have none.
    let group = Ipv4Addr::new(239, 255, 0, 1);
    match u.join_multicast(&lp, group, Ipv4Addr::UNSPECIFIED) {
        Ok(()) => u
            .leave_multicast(&lp, group, Ipv4Addr::UNSPECIFIED)
            .unwrap(),
        Err(e) => assert!(
            matches!(e.code(), Code::ENODEV | Code::EADDRNOTAVAIL),
            "{e}"
        ),
    }
    // the same port twice without reuse: EADDRINUSE
    let addr = u.local_addr(&lp).unwrap();
    assert_eq!(
        Udp::bind(&mut lp, addr).unwrap_err().code(),
        Code::EADDRINUSE
    );
    u.close(&mut lp)
        .unwrap()
        .then(|_, codes| codes.push(Code::EOF));
    assert_eq!(u.set_broadcast(&lp, true).unwrap_err().code(), Code::EBADF);
    assert_eq!(u.close(&mut lp).unwrap_err().code(), Code::EINVAL);
    let mut codes = Vec::new();
    lp.run(RunMode::Default, &mut codes).unwrap();
    assert_eq!(codes, [Code::EOF]);
}

#[test]
fn stale_udp_ids_are_ebadf_for_work_and_noops_otherwise() {
    let mut lp: Loop<usize> = Loop::new().unwrap();
    let u = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let to = u.local_addr(&lp).unwrap();
    u.close(&mut lp).unwrap();
    let mut calls = 0;
    lp.run(RunMode::Default, &mut calls).unwrap();
    u.recv_stop(&mut lp);
    u.set_ref(&mut lp, false);
    let e = u
        .send(&mut lp, b"x", to, |_, n: &mut usize, _| *n += 1)
        .unwrap_err();
    assert_eq!(e.code(), Code::EBADF);
    let e = u.recv_start(&mut lp, |_, _, _, _| {}).unwrap_err();
    assert_eq!(e.code(), Code::EBADF);
    assert_eq!(u.close(&mut lp).unwrap_err().code(), Code::EBADF);
    lp.run(RunMode::Default, &mut calls).unwrap();
    assert_eq!(calls, 0, "a send that returned Err never calls back");
}

#[test]
fn a_socket_opened_from_an_fd_receives_on_its_bound_address() {
    let std_sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = std_sock.local_addr().unwrap();
    let mut lp: Loop<Dgram> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let b = Udp::open(&mut lp, std::os::fd::OwnedFd::from(std_sock)).unwrap();
    assert_eq!(b.local_addr(&lp).unwrap(), addr);
    assert!(b.as_fd(&lp).is_ok());
    b.recv_start(&mut lp, |lp, st, me, r| {
        let (data, from) = r.unwrap();
        st.got.push((data.to_vec(), from));
        me.close(lp).unwrap();
    })
    .unwrap();
    let a = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    a.send(&mut lp, b"over", addr, move |lp, _, r| {
        r.unwrap();
        a.close(lp).unwrap();
    })
    .unwrap();
    let mut st = Dgram::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.got.len(), 1);
    assert_eq!(st.got[0].0, b"over");
    assert!(b.as_fd(&lp).is_err(), "a closed socket has no fd");
}

#[test]
fn opening_a_stream_socket_as_udp_is_eprototype() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let err = Udp::open(&mut lp, std::os::fd::OwnedFd::from(listener)).unwrap_err();
    assert_eq!(err.code(), Code::EPROTOTYPE);
}
