#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! `SendHandle::TcpNative` / `UdpNative`: raw handles labelled `net.Native` /
//! `dgram.Native` in the `NODE_HANDLE` envelope, as Node's cluster sends them: the bytes on
//! the wire, a ruv receiver (which classifies by the socket, whatever the label), and a
//! node child that gets the bare `TCP`/`UDP` handle through `process.on('internalMessage')`
//! and serves on the TCP one with `net.Server.listen(handle)` (skipped without node).

use ruv_core::{Loop, RunMode};
use ruv_net::{Tcp, Udp};
use ruv_process::fork::{fork, ForkEvent, ForkOptions};
use ruv_process::ipc::{Channel, ChannelEvent, ReceivedHandle, SendHandle, Serialization};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::Command;

mod ipc_common;
use ipc_common::{guard, pair, raw_pair};

fn tcp_server<S: 'static>(lp: &mut Loop<S>) -> Tcp {
    let srv = Tcp::bind(lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    srv.listen(lp, 16, |_, _, _, _| -> () {
        panic!("the sender must not accept: the server was passed")
    })
    .unwrap();
    srv
}

#[test]
fn native_handles_are_labelled_net_native_and_dgram_native_in_the_envelope() {
    let (a, raw) = raw_pair();
    // the peer, by hand: reads each envelope (its fd is dropped by the plain read) and
    // acknowledges it as Node does
    let peer = std::thread::spawn(move || {
        let mut w = raw.try_clone().unwrap();
        let mut lines = BufReader::new(raw).lines();
        let mut got = Vec::new();
        for _ in 0..2 {
            let v: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
            got.push(v);
            w.write_all(b"{\"cmd\":\"NODE_HANDLE_ACK\"}\n").unwrap();
        }
        got
    });
    let mut lp: Loop<u32> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ch = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let srv = tcp_server(&mut lp);
    let udp = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let msg = json!({"cmd": "NODE_CLUSTER", "act": "newconn"});
    ch.send_internal(
        &mut lp,
        &msg,
        Some((SendHandle::TcpNative(srv), false)),
        |_, acked: &mut u32, r| -> ruv_core::Result<()> {
            r?;
            *acked += 1;
            Ok(())
        },
    )
    .unwrap();
    ch.send_internal(
        &mut lp,
        &msg,
        Some((SendHandle::UdpNative(udp), false)),
        move |lp, acked: &mut u32, r| -> ruv_core::Result<()> {
            r?;
            *acked += 1;
            ch.disconnect(lp)
        },
    )
    .unwrap();
    let mut acked = 0;
    lp.run(RunMode::Default, &mut acked).unwrap();
    assert_eq!(acked, 2);
    assert_eq!(
        peer.join().unwrap(),
        [
            json!({"cmd": "NODE_HANDLE", "type": "net.Native", "msg": msg}),
            json!({"cmd": "NODE_HANDLE", "type": "dgram.Native", "msg": msg}),
        ]
    );
}

#[test]
fn a_ruv_receiver_takes_native_handles_by_their_socket() {
    let (a, b) = pair();
    let mut lp: Loop<Vec<&'static str>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let ca = Channel::open(&mut lp, a, Serialization::Json).unwrap();
    let cb = Channel::open(&mut lp, b, Serialization::Json).unwrap();
    cb.on_event(&mut lp, |lp, log, _, ev| {
        if let ChannelEvent::Internal(m) = ev {
            let h = m.handle();
            log.push(match h {
                Some(ReceivedHandle::TcpServer(_)) => "tcp server",
                Some(ReceivedHandle::TcpSocket(_)) => "tcp socket",
                Some(ReceivedHandle::Udp(_)) => "udp",
                _ => "other",
            });
            if let Some(h) = h {
                h.close(lp);
            }
        }
    })
    .unwrap();
    let srv = tcp_server(&mut lp);
    let udp = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let msg = json!({"cmd": "NODE_CLUSTER", "act": "newconn"});
    for h in [SendHandle::TcpNative(srv), SendHandle::UdpNative(udp)] {
        let last = matches!(h, SendHandle::UdpNative(_));
        ca.send_internal(&mut lp, &msg, Some((h, false)), move |lp, _, r| {
            r?;
            if last {
                ca.disconnect(lp)?;
            }
            Ok::<(), ruv_core::Error>(())
        })
        .unwrap();
    }
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["tcp server", "udp"]);
}

/// The node child: reports the constructor of each handle it gets with an internal
/// message, serves one connection on the TCP one through `net.Server.listen(handle)`
/// (connecting to itself), then sends what it saw and disconnects.
const NODE_CHILD: &str = r#"
const net = require('net');
const seen = {};
let pending = 2;
function done() {
  if (--pending === 0) process.send(seen, () => process.disconnect());
}
process.on('message', () => {});
process.on('internalMessage', (msg, handle) => {
  if (msg.cmd !== 'NODE_TEST_NATIVE') return;
  seen[msg.kind] = handle ? handle.constructor.name : null;
  if (msg.kind === 'udp') {
    handle.close();
    return done();
  }
  const srv = net.createServer((c) => c.end('served by node'));
  srv.listen(handle, () => {
    seen.port = srv.address().port;
    let got = '';
    net.connect(seen.port, '127.0.0.1')
      .on('data', (d) => { got += d; })
      .on('end', () => { seen.got = got; srv.close(); done(); });
  });
});
"#;

#[derive(Default)]
struct Parent {
    reply: Option<Value>,
    acked: u32,
    exit: Option<(Option<i32>, bool)>,
}

#[test]
fn a_node_child_gets_net_native_as_a_raw_tcp_handle_and_serves_on_it() {
    if !Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("skipped: node is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ruv-ipc-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("child.js");
    std::fs::write(&script, NODE_CHILD).unwrap();
    let mut lp: Loop<Parent> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let srv = tcp_server(&mut lp);
    let port = srv.local_addr(&lp).unwrap().port();
    let udp = Udp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    let opts = ForkOptions {
        exec_path: Some("node".into()),
        ..ForkOptions::default()
    };
    fork(
        &mut lp,
        &script,
        &[] as &[&str],
        opts,
        move |lp, st: &mut Parent, me, ev| -> ruv_core::Result<()> {
            match ev {
                ForkEvent::Spawn => {
                    let sends = [
                        ("tcp", SendHandle::TcpNative(srv)),
                        ("udp", SendHandle::UdpNative(udp)),
                    ];
                    for (kind, h) in sends {
                        let msg = json!({"cmd": "NODE_TEST_NATIVE", "kind": kind});
                        me.channel.send_internal(
                            lp,
                            &msg,
                            Some((h, false)),
                            |_, st: &mut Parent, r| -> ruv_core::Result<()> {
                                r?;
                                st.acked += 1;
                                Ok(())
                            },
                        )?;
                    }
                }
                ForkEvent::Message(m) => st.reply = Some(m.deserialize()?),
                ForkEvent::Exit { code, signal } => st.exit = Some((code, signal.is_some())),
                ForkEvent::Error(e) => return Err(e),
                _ => {}
            }
            Ok(())
        },
    )
    .unwrap();
    let mut st = Parent::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(st.acked, 2, "node acknowledged both handles");
    assert_eq!(
        st.reply,
        Some(json!({"tcp": "TCP", "udp": "UDP", "port": port, "got": "served by node"}))
    );
    assert_eq!(st.exit, Some((Some(0), false)));
}

#[test]
fn fork_extra_env_survives_the_stripping_of_node_unique_id() {
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    guard(&mut lp, 30_000);
    let opts = ForkOptions {
        exec_path: Some("/bin/sh".into()),
        exec_argv: vec!["-c".into()],
        env: Some(vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("NODE_UNIQUE_ID".into(), "stripped".into()),
        ]),
        extra_env: vec![("NODE_UNIQUE_ID".into(), "7".into())],
        silent: true,
        ..ForkOptions::default()
    };
    // sh -c 'script' — the module is the script; it prints and exits
    let me = fork(
        &mut lp,
        "echo \"id=$NODE_UNIQUE_ID\"",
        &[] as &[&str],
        opts,
        |_, _, _, ev| -> ruv_core::Result<()> {
            if let ForkEvent::Error(e) = ev {
                return Err(e);
            }
            Ok(())
        },
    )
    .unwrap();
    let out = me.child.stdout(&lp).unwrap();
    out.on_event(&mut lp, |_, lines: &mut Vec<String>, _, ev| {
        if let ruv_core::stream::StreamEvent::Data(d) = ev {
            lines.push(String::from_utf8_lossy(d).into_owned());
        }
    })
    .unwrap();
    let mut lines = Vec::new();
    lp.run(RunMode::Default, &mut lines).unwrap();
    assert_eq!(lines.concat(), "id=7\n");
}
