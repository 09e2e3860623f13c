//! A ruv program to be forked: it picks up the IPC channel its parent (`node` or ruv) opened
//! and answers each message it receives.
//!
//! ```js
//! // a node parent (execPath runs this binary; the module path is passed and ignored)
//! const { fork } = require('child_process');
//! const child = fork('fork_child', [], { execPath: 'target/debug/examples/fork_child' });
//! child.on('message', (m) => { console.log(m); child.disconnect(); });
//! child.send({ hello: 'ruv' }); // prints { pong: { hello: 'ruv' } }
//! ```
//!
//! Each message `m` is answered with `{"pong": m}`. A message that comes with a handle is
//! answered with `{"pong": m, "handle": KIND}` (`net.Server`, `net.Socket`, `dgram.Socket`),
//! and the handle is used: a TCP server accepts connections and writes each
//! `hello from ruv child PID\n` before closing it; a TCP socket is written that line and
//! ended; a UDP socket echoes each datagram back to its sender. In the ruv serialization
//! (between ruv processes) every message is echoed back as it came, byte for byte.
//!
//! `--bench` answers as `bench-ref/node/ipc_child.js` does, for `benches/ipc.sh`: a message
//! is echoed unchanged; `{"sink": true}` starts counting messages silently until
//! `{"done": true}`, answered with `{"count": N}`; `{"source": SIZE, "dur": MS}` sends
//! `{"i", "data"}` messages of SIZE bytes of data as fast as the channel takes them (in
//! batches of 1000, paced by the send callback) for MS ms, then `{"done": true, "count": N}`.
//!
//! The program exits when the parent disconnects (or exits). Started without a channel
//! (`NODE_CHANNEL_FD` not set) it fails with status 1; a bad flag exits with 2.

use ruv::core::stream::StreamEvent;
use ruv::core::{Loop, Result, RunMode};
use ruv::net::{Tcp, Udp};
use ruv::process::ipc::serde_json::{json, value::RawValue, Value};
use ruv::process::ipc::{self, Channel, ChannelEvent, Message, ReceivedHandle, Serialization};
use std::time::Instant;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: fork_child [--bench] [MODULE...]

Answers each message on the IPC channel its parent opened (NODE_CHANNEL_FD), as a node
child_process.fork child would: {\"pong\": MESSAGE}, using any handle that came with it.
Exits when the parent disconnects.

  MODULE...   ignored (node's fork passes its module path when execPath is this program)
  --bench     answer as bench-ref/node/ipc_child.js: echo, sink, source (default: off)
  -h, --help  print this help
";

/// What the child keeps between messages.
#[derive(Default)]
struct Child {
    bench: bool,
    /// Counting silently (`{"sink": true}`), and how many so far.
    sinking: Option<u64>,
    /// Servers and sockets received, closed when the parent goes.
    servers: Vec<Tcp>,
    udp: Vec<Udp>,
}

fn main() {
    let mut args = Args::from_env("fork_child", USAGE);
    let mut bench = false;
    while let Some(arg) = args.next() {
        match arg {
            Arg::Flag(f) if f == "--bench" => bench = true,
            Arg::Positional(_) => {}
            other => args.unexpected(other),
        }
    }
    let mut lp: Loop<Child> = Loop::new().unwrap_or_else(|e| common::fail("fork_child", e));
    let ch = match ipc::channel(&mut lp) {
        Ok(Some(ch)) => ch,
        Ok(None) => common::fail(
            "fork_child",
            "no IPC channel: start me with child_process.fork (NODE_CHANNEL_FD is not set)",
        ),
        Err(e) => common::fail("fork_child", e),
    };
    if let Err(e) = ch.on_event(&mut lp, on_event) {
        common::fail("fork_child", e);
    }
    let mut st = Child {
        bench,
        ..Child::default()
    };
    if let Err(e) = lp.run(RunMode::Default, &mut st) {
        common::fail("fork_child", e);
    }
}

fn on_event(lp: &mut Loop<Child>, st: &mut Child, ch: Channel, ev: ChannelEvent<'_>) -> Result<()> {
    match ev {
        ChannelEvent::Message(m) => on_message(lp, st, ch, m),
        ChannelEvent::Error(e) => {
            eprintln!("fork_child: {e}");
            Ok(())
        }
        ChannelEvent::Disconnect => {
            for s in st.servers.drain(..) {
                s.close(lp).map(drop).ok();
            }
            for u in st.udp.drain(..) {
                u.close(lp).map(drop).ok();
            }
            Ok(())
        }
        ChannelEvent::Internal(_) | ChannelEvent::Drain => Ok(()),
    }
}

fn on_message(lp: &mut Loop<Child>, st: &mut Child, ch: Channel, m: Message<'_>) -> Result<()> {
    if m.serialization() == Serialization::Ruv {
        ch.send_bytes(lp, m.bytes())?;
        return Ok(());
    }
    if st.bench {
        return bench(lp, st, ch, &m);
    }
    let msg: &RawValue = m.deserialize()?;
    let kind = match m.handle() {
        None => return ch.send(lp, &json!({ "pong": msg })).map(drop),
        Some(h) => use_handle(lp, st, h)?,
    };
    ch.send(lp, &json!({ "pong": msg, "handle": kind }))?;
    Ok(())
}

/// Puts a received handle to work; returns Node's name for its kind.
fn use_handle(lp: &mut Loop<Child>, st: &mut Child, h: ReceivedHandle) -> Result<&'static str> {
    let hello = format!("hello from ruv child {}\n", std::process::id());
    match h {
        ReceivedHandle::TcpServer(srv) => {
            srv.listen(lp, 511, move |lp, _, srv, r| -> Result<()> {
                r?;
                let conn = srv.accept(lp)?;
                conn.write(lp, hello.clone().into_bytes())?;
                conn.end(lp)?;
                conn.on_event(lp, |lp, _, conn, ev| {
                    if matches!(ev, StreamEvent::End | StreamEvent::Error(_)) {
                        conn.destroy(lp, None);
                    }
                })
            })?;
            st.servers.push(srv);
            Ok("net.Server")
        }
        ReceivedHandle::TcpSocket(sock) => {
            sock.write(lp, hello.into_bytes())?;
            sock.end(lp)?;
            sock.on_event(lp, |lp, _, sock, ev| {
                if matches!(ev, StreamEvent::End | StreamEvent::Error(_)) {
                    sock.destroy(lp, None);
                }
            })?;
            Ok("net.Socket")
        }
        ReceivedHandle::Udp(u) => {
            u.recv_start(lp, |lp, _, u, r| -> Result<()> {
                let (data, from) = r?;
                u.send(lp, Vec::from(data), from, |_, _, r| r)
            })?;
            st.udp.push(u);
            Ok("dgram.Socket")
        }
        other => {
            other.close(lp);
            Ok("unsupported")
        }
    }
}

/// `bench-ref/node/ipc_child.js`'s answers.
fn bench(lp: &mut Loop<Child>, st: &mut Child, ch: Channel, m: &Message<'_>) -> Result<()> {
    // control messages are small; larger ones are echoed without being parsed into values
    let v: Option<Value> = if m.bytes().len() <= 200 {
        Some(m.deserialize()?)
    } else {
        None
    };
    let field = |k: &str| v.as_ref().and_then(|v| v.get(k));
    if let Some(n) = st.sinking.as_mut() {
        if field("done").is_some() {
            let count = *n;
            st.sinking = None;
            ch.send(lp, &json!({ "count": count }))?;
        } else {
            *n += 1;
        }
        return Ok(());
    }
    if field("sink").is_some() {
        st.sinking = Some(0);
        return Ok(());
    }
    if let Some(size) = field("source").and_then(Value::as_u64) {
        let dur = field("dur").and_then(Value::as_u64).unwrap_or(1000);
        let data = "x".repeat(size as usize);
        return source(lp, ch, data, Instant::now(), dur, 0);
    }
    let raw: &RawValue = m.deserialize()?;
    ch.send(lp, raw)?;
    Ok(())
}

/// One batch of 1000 messages, the next from the last one's send callback.
fn source(
    lp: &mut Loop<Child>,
    ch: Channel,
    data: String,
    t0: Instant,
    dur: u64,
    mut i: u64,
) -> Result<()> {
    for _ in 0..999 {
        ch.send(lp, &json!({ "i": i, "data": data }))?;
        i += 1;
    }
    let msg = json!({ "i": i, "data": data });
    ch.send_cb(lp, &msg, move |lp, _, r: Result<()>| -> Result<()> {
        r?;
        let i = i + 1;
        if t0.elapsed().as_millis() < dur as u128 && i < 10_000_000 {
            source(lp, ch, data, t0, dur, i)
        } else {
            ch.send(lp, &json!({ "done": true, "count": i })).map(drop)
        }
    })?;
    Ok(())
}
