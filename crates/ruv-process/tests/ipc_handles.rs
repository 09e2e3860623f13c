#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Handle passing over the IPC channel (Node's `NODE_HANDLE` / `NODE_HANDLE_ACK` /
//! `NODE_HANDLE_NACK`, the fd in `SCM_RIGHTS`), between two loops on two threads and
//! against a peer written by hand.

use ruv_core::{Code, Loop, RunMode};
use ruv_net::{Tcp, Udp};
use ruv_process::ipc::codes::*;
use ruv_process::ipc::{Channel, ChannelEvent, ReceivedHandle, SendHandle, Serialization};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::thread::JoinHandle;

mod ipc_common;
use ipc_common::{guard, pair, raw_pair};

/// The receiving side on its own thread: records each message (and the kind of handle it
/// came with); a TCP server it gets accepts one connection and answers `hi from b`; a UDP
/// socket receives one datagram and reports it as a message `{"dgram": …}` back; a socket
/// is written `via b` and closed; with `take: false` handles are left untaken.
fn receiver(
    fd: OwnedFd,
    mode: Serialization,
    take: bool,
) -> JoinHandle<Vec<(Value, &'static str)>> {
    std::thread::spawn(move || {
        let mut lp: Loop<Vec<(Value, &'static str)>> = Loop::new().unwrap();
        guard(&mut lp, 30_000);
        let ch = Channel::open(&mut lp, fd, mode).unwrap();
        ch.on_event(&mut lp, move |lp, got, ch, ev| -> ruv_core::Result<()> {
            let ChannelEvent::Message(m) = ev else {
                return Ok(());
            };
            let v: Value = match m.serialization() {
                Serialization::Json => m.deserialize()?,
                Serialization::Ruv => Value::String(m.deserialize()?),
            };
            let h = if take { m.handle() } else { None };
            let kind = match h {
                None => "none",
                Some(ReceivedHandle::TcpServer(srv)) => {
                    srv.listen(lp, 16, |lp, _, srv, r| -> ruv_core::Result<()> {
                        r?;
                        let conn = srv.accept(lp)?;
                        conn.write_cb(lp, b"hi from b", move |lp, _, r| {
                            r?;
                            conn.close(lp)?;
                            srv.close(lp).map(drop)
                        })?;
                        Ok(())
                    })?;
                    "tcp server"
                }
                Some(ReceivedHandle::TcpSocket(sock)) => {
                    sock.write_cb(lp, b"via b", move |lp, _, r| {
                        r?;
                        sock.close(lp).map(drop)
                    })?;
                    "tcp socket"
                }
                Some(ReceivedHandle::Udp(u)) => {
                    u.recv_start(lp, move |lp, _, u, r| -> ruv_core::Result<()> {
                        let (data, _) = r?;
                        let text = String::from_utf8_lossy(data).into_owned();
                        ch.send(lp, &json!({ "dgram": text }))?;
                        u.close(lp).map(drop)
                    })?;
                    "udp"
                }
                Some(other) => panic!("unexpected {other:?}"),
            };
            got.push((v, kind));
            Ok(())
        })
        .unwrap();
        let mut got = Vec::new();
        lp.run(RunMode::Default, &mut got).unwrap();
        got
    })
}

/// A listening TCP server on loopback whose own connection callback must never run.
fn server<S: 'static>(lp: &mut Loop<S>) -> (Tcp, SocketAddr) {
    let srv = Tcp::bind(lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    srv.listen(lp, 16, |_, _, _, _| -> () {
        panic!("the sender must not accept: the server was passed")
    })
    .unwrap();
    let addr = srv.local_addr(lp).unwrap();
    (srv, addr)
}

#[test]
fn a_tcp_server_passed_to_another_loop_accepts_connections_there() {
    for mode in [Serialization::Json, Serialization::Ruv] {
        let (a, b) = pair();
        let peer = receiver(b, mode, true);
        let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
        guard(&mut lp, 30_000);
        let ch = Channel::open(&mut lp, a, mode).unwrap();
        let (srv, addr) = server(&mut lp);
        let msg = format!("port {}", addr.port());
        ch.send_handle(
            &mut lp,
            &msg,
            SendHandle::TcpServer(srv),
            false,
            move |lp, log: &mut Vec<String>, r| -> ruv_core::Result<()> {
                r?;
                log.push("acknowledged".into());
                ch.disconnect(lp)
            },
        )
        .unwrap();
        assert!(
            srv.as_fd(&lp).is_err(),
            "keep_open: false closes the sender's handle"
        );
        let client = std::thread::spawn(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            let mut text = String::new();
            s.read_to_string(&mut text).unwrap();
            text
        });
        let mut log = Vec::new();
        lp.run(RunMode::Default, &mut log).unwrap();
        assert_eq!(log, ["acknowledged"]);
        assert_eq!(client.join().unwrap(), "hi from b", "{mode:?}");
        assert_eq!(peer.join().unwrap(), [(json!(msg), "tcp server")]);
        let refused = std::net::TcpStream::connect(addr).unwrap_err();
        assert_eq!(
            refused.kind(),
            std::io::ErrorKind::ConnectionRefused,
            "no copy is left"
        );
    }
}

#[test]
fn messages_sent_behind_a_handle_wait_for_its_acknowledgement_and_keep_their_order() {
    let (a, b) = pair();
    let peer = receiver(b, Serialization::Json, true);
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let (srv, addr) = server(&mut lp);
    ch.send(&mut lp, &1).unwrap();
    let log = |what: &'static str| {
        move |_: &mut Loop<Vec<String>>, log: &mut Vec<String>, r: ruv_core::Result<()>| {
            r.unwrap();
            log.push(what.to_string());
        }
    };
    ch.send_handle(
        &mut lp,
        &2,
        SendHandle::TcpServer(srv),
        true,
        log("handle acked"),
    )
    .unwrap();
    assert!(srv.as_fd(&lp).is_ok(), "keep_open: true keeps it here");
    srv.close(&mut lp).unwrap();
    let before = ch.write_queue_size(&lp).unwrap();
    ch.send_cb(&mut lp, &3, log("3 written")).unwrap();
    assert!(
        ch.write_queue_size(&lp).unwrap() > before,
        "held bytes count"
    );
    ch.send(&mut lp, &4).unwrap();
    ch.disconnect(&mut lp).unwrap();
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    });
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, ["handle acked", "3 written"]);
    let want = [
        (json!(1), "none"),
        (json!(2), "tcp server"),
        (json!(3), "none"),
        (json!(4), "none"),
    ];
    assert_eq!(peer.join().unwrap(), want);
    assert_eq!(client.join().unwrap(), "hi from b");
}

#[test]
fn a_connected_tcp_socket_passed_to_another_loop_is_written_there() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (a, b) = pair();
    let peer = receiver(b, Serialization::Json, true);
    let mut lp: Loop<()> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let conn = Tcp::connect(&mut lp, addr, |_, _, r| r).unwrap();
    let (mut accepted, _) = listener.accept().unwrap();
    lp.run(RunMode::NoWait, &mut ()).unwrap();
    ch.send_handle(
        &mut lp,
        "sock",
        SendHandle::TcpSocket(conn),
        false,
        move |lp, _, r| {
            r?;
            ch.disconnect(lp)
        },
    )
    .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    let mut text = String::new();
    accepted.read_to_string(&mut text).unwrap();
    assert_eq!(text, "via b");
    assert_eq!(peer.join().unwrap(), [(json!("sock"), "tcp socket")]);
}

#[test]
fn a_udp_socket_passed_to_another_loop_receives_datagrams_there() {
    let (a, b) = pair();
    let peer = receiver(b, Serialization::Json, true);
    let mut lp: Loop<Vec<Value>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let u = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = u.local_addr(&lp).unwrap();
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client.send_to(b"to b", addr).unwrap();
    ch.on_event(&mut lp, |lp, got, ch, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            got.push(m.deserialize()?);
            ch.disconnect(lp)?;
        }
        Ok(())
    })
    .unwrap();
    ch.send_handle(&mut lp, "udp", SendHandle::Udp(u), false, |_, _, r| r)
        .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, [json!({"dgram": "to b"})]);
    assert_eq!(peer.join().unwrap(), [(json!("udp"), "udp")]);
}

#[test]
fn a_received_handle_left_untaken_is_closed_after_the_callback() {
    let (a, b) = pair();
    let peer = receiver(b, Serialization::Json, false);
    let mut lp: Loop<()> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let (srv, addr) = server(&mut lp);
    ch.send_handle(
        &mut lp,
        "x",
        SendHandle::TcpServer(srv),
        false,
        move |lp, _, r| {
            r?;
            ch.disconnect(lp)
        },
    )
    .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(peer.join().unwrap(), [(json!("x"), "none")]);
    let refused = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn a_handle_sent_to_a_peer_that_exits_before_acknowledging_gets_an_error_and_is_closed() {
    let (a, raw) = raw_pair();
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let (srv, addr) = server(&mut lp);
    let log = |what: &'static str| {
        move |_: &mut Loop<Vec<String>>, log: &mut Vec<String>, r: ruv_core::Result<()>| {
            log.push(format!("{what}: {}", r.unwrap_err()));
        }
    };
    ch.send_handle(
        &mut lp,
        "h",
        SendHandle::TcpServer(srv),
        false,
        log("handle"),
    )
    .unwrap();
    ch.send_cb(&mut lp, "held", log("held")).unwrap();
    // the peer reads the envelope (its fd is dropped with the unread ancillary data), exits
    let peer = std::thread::spawn(move || {
        let mut line = String::new();
        BufReader::new(raw).read_line(&mut line).unwrap();
        line
    });
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        peer.join().unwrap(),
        "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":\"h\"}\n"
    );
    assert_eq!(
        log,
        [
            "handle: ERR_IPC_CHANNEL_CLOSED: Channel closed",
            "held: ERR_IPC_CHANNEL_CLOSED: Channel closed"
        ]
    );
    let refused = std::net::TcpStream::connect(addr).unwrap_err();
    assert_eq!(
        refused.kind(),
        std::io::ErrorKind::ConnectionRefused,
        "the fd is closed"
    );
}

#[test]
fn a_handle_message_that_came_without_its_fd_is_nacked() {
    let (a, mut raw) = raw_pair();
    let mut lp: Loop<Vec<Value>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(&mut lp, |_, got, _, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            got.push(m.deserialize()?);
        }
        Ok(())
    })
    .unwrap();
    raw.write_all(b"{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":1}\n2\n")
        .unwrap();
    raw.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, [json!(2)], "the message waits for its retransmission");
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "{\"cmd\":\"NODE_HANDLE_NACK\"}\n");
}

#[test]
fn after_three_retransmissions_a_handle_send_fails_with_err_ipc_handle_not_received() {
    let (a, raw) = raw_pair();
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let (srv, _) = server(&mut lp);
    ch.send_handle(
        &mut lp,
        "h",
        SendHandle::TcpServer(srv),
        false,
        move |lp, log: &mut Vec<String>, r: ruv_core::Result<()>| -> ruv_core::Result<()> {
            log.push(r.unwrap_err().to_string());
            ch.disconnect(lp)
        },
    )
    .unwrap();
    ch.send(&mut lp, "after").unwrap();
    // a peer that never gets the fd: it answers every envelope with a NACK
    let peer = std::thread::spawn(move || {
        let mut w = raw.try_clone().unwrap();
        let mut lines = Vec::new();
        for line in BufReader::new(raw).lines() {
            let line = line.unwrap();
            if line.contains("NODE_HANDLE") {
                w.write_all(b"{\"cmd\":\"NODE_HANDLE_NACK\"}\n").unwrap();
            }
            lines.push(line);
        }
        lines
    });
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        log,
        ["ERR_IPC_HANDLE_NOT_RECEIVED: Handle did not reach the receiving process correctly"]
    );
    let lines = peer.join().unwrap();
    let envelope = r#"{"cmd":"NODE_HANDLE","type":"net.Server","msg":"h"}"#;
    assert_eq!(lines, [envelope, envelope, envelope, envelope, "\"after\""]);
}

#[test]
fn sending_a_closed_handle_is_ebadf_and_sends_nothing() {
    let (a, _raw) = raw_pair();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let (srv, _) = server(&mut lp);
    srv.close(&mut lp).unwrap();
    let e = ch
        .send_handle(
            &mut lp,
            "x",
            SendHandle::TcpServer(srv),
            false,
            |_, _, _| -> () { panic!("an operation that failed has no callback") },
        )
        .unwrap_err();
    assert_eq!(e.code(), Code::EBADF);
    assert_eq!(ch.write_queue_size(&lp).unwrap(), 0);
    ch.disconnect(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();
    assert_eq!(
        ch.send(&mut lp, "x").unwrap_err().code(),
        ERR_IPC_CHANNEL_CLOSED
    );
}

#[test]
fn an_internal_message_can_carry_a_handle() {
    let (a, b) = pair();
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ca = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let cb = Channel::open(&mut lp, b, Serialization::Json).unwrap();
    cb.on_event(&mut lp, |lp, log, _, ev| {
        if let ChannelEvent::Internal(m) = ev {
            let h = m.handle();
            log.push(format!(
                "{} {}",
                m.cmd(),
                matches!(h, Some(ReceivedHandle::TcpServer(_)))
            ));
            if let Some(h) = h {
                h.close(lp);
            }
        }
    })
    .unwrap();
    let (srv, _) = server(&mut lp);
    let msg = json!({"cmd": "NODE_CLUSTER", "act": "newconn"});
    ca.send_internal(
        &mut lp,
        &msg,
        Some((SendHandle::TcpServer(srv), false)),
        move |lp, _, r| {
            r?;
            ca.disconnect(lp)
        },
    )
    .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["NODE_CLUSTER true"]);
}

/// A read stops right after the data an fd came with: the messages queued behind it are
/// read too, in the same readiness event (the watcher is edge-triggered).
#[test]
fn messages_queued_behind_a_received_fd_are_all_delivered() {
    use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
    use std::os::fd::AsFd;
    let (a, mut raw) = raw_pair();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    raw.write_all(b"1\n").unwrap();
    let mut space = [std::mem::MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut anc = SendAncillaryBuffer::new(&mut space);
    let fds = [listener.as_fd()];
    assert!(anc.push(SendAncillaryMessage::ScmRights(&fds)));
    let envelope = b"{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":\"h\"}\n";
    let iov = [std::io::IoSlice::new(envelope)];
    rustix::net::sendmsg(&raw, &iov, &mut anc, SendFlags::empty()).unwrap();
    raw.write_all(b"2\n3\n").unwrap();
    let mut lp: Loop<Vec<(Value, bool)>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    ch.on_event(&mut lp, |lp, got, ch, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            let h = m.handle();
            got.push((m.deserialize()?, h.is_some()));
            if let Some(h) = h {
                h.close(lp);
            }
            if got.len() == 4 {
                ch.disconnect(lp)?;
            }
        }
        Ok(())
    })
    .unwrap();
    let mut got = Vec::new();
    lp.run(RunMode::Default, &mut got).unwrap();
    let want = [
        (json!(1), false),
        (json!("h"), true),
        (json!(2), false),
        (json!(3), false),
    ];
    assert_eq!(got, want);
    let mut reply = String::new();
    raw.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
}
