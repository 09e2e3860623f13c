//! The program ruv-cluster's policy tests (`tests/policies.rs`) fork: a primary and its
//! workers sharing ports under each policy. `ruv-cluster-testapp-net SCENARIO PORT
//! WORKERS`; the policy comes from the environment (`RUV_CLUSTER_SCHED_POLICY`,
//! `NODE_CLUSTER_SCHED_POLICY`); every event is one JSON line on stdout.
//!
//! Scenarios: `http` (HTTP on 127.0.0.1:PORT answering "ID PID"), `udp` (UDP on
//! 127.0.0.1:PORT, each datagram answered with the worker's id), `http-one` (as `http`, but
//! only worker 1 listens; the others stay connected and idle), `http-rogue` (as `http`,
//! but worker 1 speaks the protocol by hand: it asks for the port and, handed its first
//! connection, prints `dropped` and exits with code 3 without answering `newconn`),
//! `http-garbage` (as `http`, but worker 1 writes on its channel a line that is not JSON and
//! one of 17 MiB, over the primary's 16 MiB limit, then `online`, then exits at the
//! primary's `disconnect`). A listen or bind error is
//! printed (`listen_error` with its code) and the worker exits with code 1. SIGUSR1 to the
//! primary disconnects every worker (then the primary exits). With `NODE_WORKER=script.js`
//! in its environment the primary forks `node script.js` workers instead of itself.

use ruv_cluster::worker;
use ruv_cluster::{Cluster, ClusterEvent, Settings};
use ruv_core::{Error, Loop, Result, RunMode, Signal};
use ruv_http::{Server, ServerEvent, ServerOptions};
use ruv_process::ipc::ChannelEvent;
use serde_json::{json, Value};
use std::net::SocketAddr;

fn out(v: Value) {
    println!("{v}");
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).cloned().unwrap_or_else(|| "http".into());
    let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let workers: u32 = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(2);
    let mut lp: Loop<()> = Loop::new()?;
    if ruv_cluster::is_primary() {
        primary(&mut lp, workers)?;
    } else {
        run_worker(&mut lp, &scenario, port)?;
    }
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}

fn primary(lp: &mut Loop<()>, workers: u32) -> Result<()> {
    let mut settings = Settings::default();
    if let Some(script) = std::env::var_os("NODE_WORKER") {
        settings.exec = Some("node".into());
        settings.args = Some(vec![script]);
    }
    let cluster = Cluster::new(lp, settings, move |_, _, _, ev| {
        match ev {
            ClusterEvent::Listening(w, a) => {
                out(json!({"p": "listening", "w": w.id(), "port": a.port}));
            }
            ClusterEvent::Exit { worker, code, .. } => {
                out(json!({"p": "exit", "w": worker.id(), "code": code}));
            }
            ClusterEvent::Error(w, e) => {
                out(json!({"p": "error", "w": w.map(|w| w.id()), "error": e.to_string()}));
            }
            _ => {}
        }
        Ok::<(), Error>(())
    })?;
    out(json!({"p": "policy", "policy": format!("{:?}", cluster.policy(lp)?)}));
    for _ in 0..workers {
        cluster.fork(lp)?;
    }
    let sig = Signal::new(lp)?;
    sig.start(lp, libc::SIGUSR1, move |lp, _, _, _| cluster.disconnect(lp))?;
    sig.set_ref(lp, false);
    Ok(())
}

fn listen_error(id: u32, e: &Error) -> ! {
    out(
        json!({"w": id, "ev": "listen_error", "code": e.code().name(),
        "message": e.to_string()}),
    );
    std::process::exit(1);
}

fn run_worker(lp: &mut Loop<()>, scenario: &str, port: u16) -> Result<()> {
    let id = ruv_cluster::worker_id().unwrap_or(0);
    let pid = std::process::id();
    worker::setup(lp, |_, _, _| Ok::<(), Error>(()))?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    if scenario == "udp" {
        return worker::bind_udp(lp, addr, move |lp, _, r| {
            let udp = r.unwrap_or_else(|e| listen_error(id, &e));
            udp.recv_start(lp, move |lp, _, me, r| {
                let (_, from) = r?;
                me.send(lp, id.to_string().into_bytes(), from, |_, _, _| {})
            })
        });
    }
    if scenario == "http-one" && id != 1 {
        return Ok(());
    }
    if scenario == "http-rogue" && id == 1 {
        return rogue(lp, addr);
    }
    if scenario == "http-garbage" && id == 1 {
        garbage();
    }
    let server = Server::create(lp, ServerOptions::default(), move |lp, _, _, ev| {
        if let ServerEvent::Request(_, res) = ev {
            res.end(lp, format!("{id} {pid}").as_bytes())?;
        }
        Ok::<(), Error>(())
    })?;
    worker::listen(lp, server, addr, move |_, _, r| {
        if let Err(e) = r {
            listen_error(id, &e);
        }
    })
}

/// A worker that takes a connection and dies before answering for it: online, a
/// `queryServer` for `addr`, then exit 3 at the first `newconn`.
fn rogue(lp: &mut Loop<()>, addr: SocketAddr) -> Result<()> {
    let Some(ch) = ruv_process::ipc::channel(lp)? else {
        return Err(Error::new(ruv_core::Code::EINVAL).with_detail("no IPC channel"));
    };
    let ip = addr.ip().to_string();
    ch.on_event(lp, move |lp, _, ch, ev| {
        let ChannelEvent::Internal(m) = ev else {
            return Ok(());
        };
        if m.value()["act"] == "newconn" {
            out(json!({"w": 1, "ev": "dropped"}));
            std::process::exit(3);
        }
        if m.value()["ack"] == 1 {
            // the query's answer: tell the primary the port, as a worker's server does
            let port = m.value()["sockname"]["port"].clone();
            let listening = json!({"cmd": "NODE_CLUSTER", "act": "listening", "seq": 2,
                "index": 0, "data": null, "address": ip, "port": port, "addressType": 4,
                "backlog": 511});
            ch.send_internal(lp, &listening, None, |_, _, _| {})?;
        }
        Ok::<(), Error>(())
    })?;
    let online = json!({"cmd": "NODE_CLUSTER", "act": "online", "seq": 0});
    ch.send_internal(lp, &online, None, |_, _, _| {})?;
    let query = json!({"cmd": "NODE_CLUSTER", "act": "queryServer", "seq": 1, "index": 0,
        "data": null, "address": addr.ip().to_string(), "port": addr.port(),
        "addressType": 4, "backlog": 511});
    ch.send_internal(lp, &query, None, |_, _, _| {})?;
    Ok(())
}

/// Bad input on the channel, written raw: a line that is not JSON, a line over the primary's
/// limit, then a valid `online`; exits at the primary's `disconnect` (or the channel's end).
fn garbage() -> ! {
    use std::io::{Read, Write};
    use std::os::fd::FromRawFd;
    let fd: i32 = std::env::var("NODE_CHANNEL_FD")
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("NODE_CHANNEL_FD");
    // SAFETY: the fd is the IPC channel this process inherited from the primary; nothing
    // else in this process has opened or owns it (worker::setup was not called).
    let mut ch = unsafe { std::os::unix::net::UnixStream::from_raw_fd(fd) };
    ch.set_nonblocking(false).ok();
    let mut big = vec![b'x'; 17 << 20];
    big.push(b'\n');
    let online = b"{\"cmd\":\"NODE_CLUSTER\",\"act\":\"online\",\"seq\":0}\n";
    let wrote = ch
        .write_all(b"{this is not json\n")
        .and_then(|()| ch.write_all(&big))
        .and_then(|()| ch.write_all(online));
    out(json!({"w": 1, "ev": "garbage_sent", "ok": wrote.is_ok()}));
    // a plain-bytes watch for the primary's `disconnect` (or the channel's end)
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = ch.read(&mut buf) {
        seen.extend_from_slice(&buf[..n]);
        let needle = b"\"act\":\"disconnect\"";
        if seen.windows(needle.len()).any(|w| w == needle) {
            break;
        }
    }
    std::process::exit(0);
}
