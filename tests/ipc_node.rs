#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! The IPC channel against Node itself: a `node` parent `child_process.fork`s the
//! `fork_child` example (messages, a 1 MiB one, internal messages, and handles both ways
//! round), and a ruv parent drives a `node` child through `process.send` /
//! `process.on('message')`. Skipped, with a message, where `node` is absent.
//!
//! Every process this binary starts is started under [`SPAWN`]: the ruv-parent test makes
//! its end of the channel inheritable for the one spawn, and no other spawn may inherit it.

mod support;

use ruv::core::{Loop, RunMode};
use ruv::process::ipc::serde_json::{json, Value};
use ruv::process::ipc::{Channel, ChannelEvent, ReceivedHandle, SendHandle, Serialization};
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use support::example_bin;

static SPAWN: Mutex<()> = Mutex::new(());

fn have_node() -> bool {
    let ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: `node` is not installed (the reference oracle of the IPC tests)");
    }
    ok
}

/// A node parent: forks `fork_child` (its path is `process.argv[1]`) and runs the steps,
/// printing one JSON line per result.
const NODE_PARENT: &str = r#"
const { fork } = require('child_process');
const net = require('net');
const dgram = require('dgram');
const out = (o) => console.log(JSON.stringify(o));
const child = fork('fork_child', [], { execPath: process.argv[1] });
const next = () => new Promise((r) => child.once('message', r));
child.on('exit', (code, signal) => out({ exit: code, signal }));
(async () => {
  child.send({ hello: 'ruv', text: 'é😀 "q" \\ a\nb', n: [1, 2.5, null, true] });
  out(await next());
  let got = 0;
  const all = new Promise((r) => child.on('message', function f(m) {
    if (m.pong !== got) throw new Error('order: ' + JSON.stringify(m));
    if (++got === 1000) { child.off('message', f); r(); }
  }));
  for (let i = 0; i < 1000; i++) child.send(i);
  await all;
  out({ inOrder: got });
  const big = 'x'.repeat(1 << 20);
  child.send(big);
  out({ bigBack: (await next()).pong === big });
  child.send({ cmd: 'NODE_ANYTHING' }); // internal: routed apart, never answered
  child.send('after');
  out(await next());

  // a net.Server: the child accepts on it
  const srv = net.createServer(() => out({ error: 'the parent accepted' }));
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const srvPort = srv.address().port;
  child.send('server', srv);
  out(await next());
  srv.close(); // the child accepts on its copy alone
  const hello = await new Promise((r) => {
    const c = net.connect(srvPort, '127.0.0.1');
    let t = ''; c.on('data', (d) => t += d); c.on('end', () => r(t));
  });
  out({ viaServer: hello.startsWith('hello from ruv child') });

  // a net.Socket (the server side of a connection): the child writes on it
  const s2 = net.createServer((sock) => child.send('socket', sock));
  await new Promise((r) => s2.listen(0, '127.0.0.1', r));
  const client = net.connect(s2.address().port, '127.0.0.1');
  const reply = next();
  const viaSocket = await new Promise((r) => {
    let t = ''; client.on('data', (d) => t += d); client.on('end', () => r(t));
  });
  out(await reply);
  out({ viaSocket: viaSocket.startsWith('hello from ruv child') });
  s2.close();

  // a dgram socket: the child echoes datagrams
  const u = dgram.createSocket('udp4');
  await new Promise((r) => u.bind(0, '127.0.0.1', r));
  const port = u.address().port;
  child.send('udp', u);
  out(await next());
  u.close(); // else this process may read the datagram: both hold the socket
  const c = dgram.createSocket('udp4');
  const echoed = new Promise((r) => c.on('message', (m) => r(String(m))));
  c.send('ping', port, '127.0.0.1');
  out({ udpEcho: await echoed });
  c.close();
  child.disconnect();
})();
"#;

fn node_parent() -> Output {
    let _g = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let child = Command::new("node")
        .args(["-e", NODE_PARENT])
        .arg(example_bin("fork_child"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    drop(_g);
    child.wait_with_output().unwrap()
}

#[test]
fn a_node_parent_forks_a_ruv_child_and_they_exchange_messages_and_handles() {
    if !have_node() {
        return;
    }
    let out = node_parent();
    let text = String::from_utf8_lossy(&out.stdout);
    let got: Vec<Value> = text.lines().map(serde_json_from).collect();
    let want = [
        json!({"pong": {"hello": "ruv", "text": "é😀 \"q\" \\ a\nb", "n": [1, 2.5, null, true]}}),
        json!({"inOrder": 1000}),
        json!({"bigBack": true}),
        json!({"pong": "after"}),
        json!({"pong": "server", "handle": "net.Server"}),
        json!({"viaServer": true}),
        json!({"pong": "socket", "handle": "net.Socket"}),
        json!({"viaSocket": true}),
        json!({"pong": "udp", "handle": "dgram.Socket"}),
        json!({"udpEcho": "ping"}),
        json!({"exit": 0, "signal": null}),
    ];
    assert_eq!(
        got,
        want,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success());
}

fn serde_json_from(line: &str) -> Value {
    ruv::process::ipc::serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// A node child: answers `{"echo": m}`; `'server'` with a handle: serves `hello from
/// node child` on it to one connection, then closes it; `'give'`: sends a server of its own back; `'bye'`: disconnects.
const NODE_CHILD: &str = r#"
const net = require('net');
process.on('message', (m, handle) => {
  if (m === 'bye') return process.disconnect();
  if (m === 'give') {
    const srv = net.createServer((s) => s.end('hello from node child'));
    return srv.listen(0, '127.0.0.1', () =>
      process.send({ port: srv.address().port }, srv, () => srv.close()));
  }
  if (handle) handle.once('connection', (s) => { s.end('hello from node child'); handle.close(); });
  process.send({ echo: m, handle: handle ? handle.constructor.name : null });
});
"#;

/// What the ruv parent saw: messages (as values), what the servers served, and the thread
/// that reads from the server the node child passed (served by this loop).
#[derive(Default)]
struct Parent {
    got: Vec<Value>,
    served: Vec<String>,
    reader: Option<std::thread::JoinHandle<String>>,
}

#[test]
fn a_ruv_parent_exchanges_messages_and_handles_with_a_node_child() {
    if !have_node() {
        return;
    }
    let (mine, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let theirs = OwnedFd::from(theirs);
    let child = {
        let _g = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: F_SETFD on an fd this test owns (`theirs`, open until dropped below) only
        // clears its close-on-exec flag, so that the child inherits it.
        let cleared = unsafe { libc::fcntl(theirs.as_raw_fd(), libc::F_SETFD, 0) };
        assert_eq!(cleared, 0);
        let child = Command::new("node")
            .args(["-e", NODE_CHILD])
            .env("NODE_CHANNEL_FD", theirs.as_raw_fd().to_string())
            .env("NODE_CHANNEL_SERIALIZATION_MODE", "json")
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs");
        drop(theirs);
        child
    };
    let mut lp: Loop<Parent> = Loop::new().unwrap();
    let ch = Channel::open(&mut lp, mine.into(), Serialization::Json).unwrap();
    let srv = ruv::net::Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    srv.listen(&mut lp, 16, |_, _, _, _| -> () {
        panic!("the parent gave its server away")
    })
    .unwrap();
    let addr = srv.local_addr(&lp).unwrap();
    ch.on_event(
        &mut lp,
        move |lp, st: &mut Parent, ch, ev| -> ruv::core::Result<()> {
            let ChannelEvent::Message(m) = ev else {
                return Ok(());
            };
            let v: Value = m.deserialize()?;
            if let Some(ReceivedHandle::TcpServer(theirs)) = m.handle() {
                // the node child's server, accepting here now
                let port = v["port"].as_u64().unwrap() as u16;
                st.reader = Some(std::thread::spawn(move || fetch(port)));
                theirs.listen(lp, 16, move |lp, _, s, r| -> ruv::core::Result<()> {
                    r?;
                    let c = s.accept(lp)?;
                    c.write_cb(lp, b"hello from the ruv parent", move |lp, _, r| {
                        r?;
                        c.close(lp).map(drop)
                    })?;
                    s.close(lp).map(drop)
                })?;
                ch.send(lp, "bye")?;
                return Ok(());
            }
            st.got.push(v.clone());
            if v["echo"] == json!("server") {
                st.served.push(fetch(addr.port()));
                ch.send(lp, "give")?;
            }
            Ok(())
        },
    )
    .unwrap();
    ch.send(&mut lp, &json!({"from": "ruv", "list": [1, "two"]}))
        .unwrap();
    ch.send_handle(
        &mut lp,
        "server",
        SendHandle::TcpServer(srv),
        false,
        |_, _, r| r,
    )
    .unwrap();
    let mut st = Parent::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    let reader = st.reader.take().expect("the node child passed its server");
    st.served.push(reader.join().unwrap());
    assert_eq!(
        st.got,
        [
            json!({"echo": {"from": "ruv", "list": [1, "two"]}, "handle": null}),
            json!({"echo": "server", "handle": "Server"}),
        ]
    );
    assert_eq!(
        st.served,
        ["hello from node child", "hello from the ruv parent"]
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Connects to a loopback port and reads until the end.
fn fetch(port: u16) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut t = String::new();
    s.read_to_string(&mut t).unwrap();
    t
}

#[test]
fn fork_child_without_a_channel_fails_with_a_clear_message() {
    let _g = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(example_bin("fork_child"))
        .env_remove("NODE_CHANNEL_FD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "fork_child: no IPC channel: start me with child_process.fork (NODE_CHANNEL_FD is not set)\n"
    );
    let help = Command::new(example_bin("fork_child"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--bench"));
}
