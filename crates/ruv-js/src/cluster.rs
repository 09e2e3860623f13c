//! `cluster` on ruv-cluster (Node's own `NODE_CLUSTER` protocol, round-robin by default),
//! and `process.on('SIGINT' | …)` on ruv-core's signal handles.
//!
//! The primary's cluster is made on the first `cluster.fork()`; its events go to the
//! prelude's callback [`CLUSTER`] with the worker's id first. A worker (`NODE_UNIQUE_ID`
//! set) is set up before the script runs, as Node's bootstrap does: it reports `online`,
//! its `process.on('message')` gets the primary's messages through the same callback, and
//! its HTTP servers ask the primary for their ports ([`listen`]).

use std::collections::HashMap;
use std::ffi::OsString;
use std::net::SocketAddr;

use ruv_cluster::{Cluster, ClusterEvent, Settings, WorkerState};
use ruv_core::{Loop, Signal};

use crate::host::{Arg, Host, Reply};
use crate::ipc::{code, parse_signal, signal_name};

/// The callback id the prelude gives cluster events (in the primary and in a worker).
pub(crate) const CLUSTER: u32 = 2;
/// The callback id the prelude gives process signals (`process.on('SIGINT')`).
pub(crate) const SIGNALS: u32 = 3;

/// What the script asked of the cluster or of the process's signals.
pub(crate) enum ClusterOp {
    /// `cluster.setupPrimary({ exec, args, silent })`.
    Setup {
        exec: Option<String>,
        args: Option<Vec<String>>,
        silent: bool,
    },
    /// `cluster.fork(env)`.
    Fork { env: Vec<(String, String)> },
    /// `worker.send(json)` in the primary; `done`: called once written (0: none).
    Send { wid: u32, json: String, done: u32 },
    /// `worker.disconnect()`: in the primary worker `wid`, in a worker (0) itself.
    Disconnect(u32),
    /// `worker.kill(signal)` in the primary.
    Kill { wid: u32, signal: String },
    /// `process.on(signal)` gained its first listener (`true`) or lost its last.
    Signal { name: String, on: bool },
}

/// The cluster's state (a loop extension).
#[derive(Default)]
pub(crate) struct ClusterPart {
    settings: Settings,
    primary: Option<Cluster>,
    workers: HashMap<u32, ruv_cluster::Worker>,
}

/// The worker id of this process (`NODE_UNIQUE_ID`), 0 in a primary.
pub(crate) fn worker_id() -> u32 {
    if ruv_cluster::is_worker() {
        std::env::var(ruv_cluster::UNIQUE_ID_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    } else {
        0
    }
}

/// Sets this process up as a cluster worker if it is one (before the script runs).
pub(crate) fn setup_worker(lp: &mut Loop<Host>) -> ruv_core::Result<()> {
    if !ruv_cluster::is_worker() {
        return Ok(());
    }
    ruv_cluster::worker::setup(lp, |lp, h: &mut Host, ev| {
        let reply = match ev {
            ruv_cluster::worker::WorkerEvent::Message(m) => {
                Reply::Event("message", vec![Arg::Num(0.0), Arg::Str(text(m.bytes()))])
            }
            ruv_cluster::worker::WorkerEvent::Disconnect => {
                Reply::Event("disconnect", vec![Arg::Num(0.0)])
            }
            ruv_cluster::worker::WorkerEvent::Error(e) => {
                Reply::Event("error", vec![Arg::Num(0.0), Arg::Error(e)])
            }
            ruv_cluster::worker::WorkerEvent::Disconnecting => return,
        };
        h.call(lp, CLUSTER, true, reply);
    })
}

/// A server's `listen`: through the primary in a cluster worker, else on the address.
/// `on_error` gets a bind error the primary reports (the server's own `Listening` comes
/// through its callback either way).
pub(crate) fn listen(
    lp: &mut Loop<Host>,
    server: ruv_http::Server,
    addr: SocketAddr,
    on_error: impl FnOnce(&mut Loop<Host>, &mut Host, ruv_core::Error) + 'static,
) -> ruv_core::Result<()> {
    if !ruv_cluster::is_worker() {
        return server.listen(lp, addr);
    }
    ruv_cluster::worker::listen(lp, server, addr, move |lp, h: &mut Host, r| {
        if let Err(e) = r {
            on_error(lp, h, e);
        }
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn wid(w: ruv_cluster::Worker) -> Arg {
    Arg::Num(f64::from(w.id()))
}

/// Hands one primary-side event to the prelude.
fn on_event(lp: &mut Loop<Host>, h: &mut Host, ev: ClusterEvent<'_>) {
    let reply = match ev {
        ClusterEvent::Fork(w) => {
            let pid = w.pid(lp).map_or(Arg::Null, |p| Arg::Num(f64::from(p)));
            Reply::Event("fork", vec![wid(w), pid])
        }
        ClusterEvent::Online(w) => Reply::Event("online", vec![wid(w)]),
        ClusterEvent::Listening(w, a) => Reply::Event(
            "listening",
            vec![
                wid(w),
                a.address.map_or(Arg::Null, Arg::Str),
                Arg::Num(f64::from(a.port)),
                Arg::Num(f64::from(a.address_type)),
            ],
        ),
        ClusterEvent::Message(w, m) => {
            Reply::Event("message", vec![wid(w), Arg::Str(text(m.bytes()))])
        }
        ClusterEvent::Disconnect(w) => {
            let after = w.exited_after_disconnect(lp);
            Reply::Event(
                "disconnect",
                vec![wid(w), Arg::Num(f64::from(u8::from(after)))],
            )
        }
        ClusterEvent::Exit {
            worker,
            code: c,
            signal,
        } => {
            part(lp).workers.remove(&worker.id());
            let after = worker.exited_after_disconnect(lp);
            Reply::Event(
                "exit",
                vec![
                    wid(worker),
                    code(c),
                    signal_name(signal),
                    Arg::Num(f64::from(u8::from(after))),
                ],
            )
        }
        ClusterEvent::Error(w, e) => {
            Reply::Event("error", vec![w.map_or(Arg::Null, wid), Arg::Error(e)])
        }
        ClusterEvent::Ruv(..) => return,
    };
    h.call(lp, CLUSTER, true, reply);
}

/// The cluster's state: a loop extension, so that natives can act at once (`crate::now`).
fn part(lp: &mut Loop<Host>) -> &mut ClusterPart {
    lp.extension_or_insert_with(ClusterPart::default)
}

/// `cluster.fork(env)`: the worker (the primary's cluster is made on the first fork).
fn fork(lp: &mut Loop<Host>, env: Vec<(String, String)>) -> ruv_core::Result<ruv_cluster::Worker> {
    let cluster = match part(lp).primary {
        Some(c) => c,
        None => {
            let settings = part(lp).settings.clone();
            let c = Cluster::new(lp, settings, |lp, h: &mut Host, _, ev| on_event(lp, h, ev))?;
            part(lp).primary = Some(c);
            c
        }
    };
    let env = env
        .into_iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
    let w = cluster.fork_with_env(lp, env)?;
    part(lp).workers.insert(w.id(), w);
    Ok(w)
}

/// Applies one cluster op.
pub(crate) fn apply(lp: &mut Loop<Host>, op: ClusterOp) -> ruv_core::Result<()> {
    match op {
        ClusterOp::Setup { exec, args, silent } => {
            let s = &mut part(lp).settings;
            s.exec = exec.map(Into::into);
            s.args = args.map(|a| a.into_iter().map(OsString::from).collect());
            s.silent = silent;
            Ok(())
        }
        ClusterOp::Fork { env } => fork(lp, env).map(drop),
        ClusterOp::Send { wid, json, done } => {
            let Some(w) = part(lp).workers.get(&wid).copied() else {
                return Ok(());
            };
            let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| {
                ruv_core::Error::new(ruv_core::Code::ERR_INVALID_ARG_VALUE)
                    .with_detail(e.to_string())
            })?;
            w.send(lp, &value)?;
            if done != 0 {
                ruv_node::next_tick(lp, move |lp, h: &mut Host| {
                    h.call(lp, done, false, Reply::Event("sent", vec![Arg::Null]))
                })?;
            }
            Ok(())
        }
        ClusterOp::Disconnect(0) => ruv_cluster::worker::disconnect(lp),
        ClusterOp::Disconnect(wid) => match part(lp).workers.get(&wid).copied() {
            Some(w) if w.state(lp) != WorkerState::Dead => w.disconnect(lp),
            _ => Ok(()),
        },
        ClusterOp::Kill { wid, signal } => {
            let sig = parse_signal(&signal)?;
            if let Some(w) = part(lp).workers.get(&wid).copied() {
                w.kill(lp, sig);
            }
            Ok(())
        }
        ClusterOp::Signal { name, on } => watch(lp, name, on),
    }
}

/// The signals watched for `process.on(name)`, by name (a loop extension: the native
/// starts a watcher at once, see [`crate::now`]).
#[derive(Default)]
struct Watched(HashMap<String, Signal>);

/// Starts or stops watching signal `name` for `process.on(name)`. The watcher does not keep
/// the loop alive (Node unrefs its signal handles).
fn watch(lp: &mut Loop<Host>, name: String, on: bool) -> ruv_core::Result<()> {
    let watched = &mut lp.extension_or_insert_with(Watched::default).0;
    if !on {
        if let Some(s) = watched.remove(&name) {
            s.close(lp).ok();
        }
        return Ok(());
    }
    if watched.contains_key(&name) {
        return Ok(());
    }
    let signum = parse_signal(&name)?.as_raw();
    let s = Signal::new(lp)?;
    let label = name.clone();
    s.start(lp, signum, move |lp, h: &mut Host, _, _| {
        h.call(
            lp,
            SIGNALS,
            true,
            Reply::Event("signal", vec![Arg::Str(label.clone())]),
        )
    })?;
    s.set_ref(lp, false);
    lp.extension_or_insert_with(Watched::default)
        .0
        .insert(name, s);
    Ok(())
}

/// The cluster's and the signals' native functions.
pub(crate) fn install<'js>(
    ctx: &rquickjs::Ctx<'js>,
    n: &rquickjs::Object<'js>,
    ops: &crate::host::Ops,
) -> rquickjs::Result<()> {
    use crate::natives::func;
    // at once where the loop is lent (a signal watched before a `process.kill` right after,
    // a worker's pid when `fork` returns, as Node's), else after the script returns
    let push = |ops: &crate::host::Ops| {
        let o = ops.clone();
        move |op: ClusterOp| {
            if !crate::now::is_lent() {
                o.borrow_mut().push(crate::host::Op::Cluster(op));
            } else if let Some(Err(e)) = crate::now::with_loop(|lp| apply(lp, op)) {
                eprintln!("ruvjs: {e}");
            }
        }
    };
    func(ctx, n, "clusterWorkerId", worker_id)?;
    let p = push(ops);
    func(
        ctx,
        n,
        "clusterSetup",
        move |exec: Option<String>, args: Option<Vec<String>>, silent: bool| {
            p(ClusterOp::Setup { exec, args, silent })
        },
    )?;
    let p = push(ops);
    func(
        ctx,
        n,
        "clusterFork",
        move |pairs: Vec<Vec<String>>| -> Option<u32> {
            let env: Vec<(String, String)> = pairs
                .into_iter()
                .filter_map(|kv| match <[String; 2]>::try_from(kv) {
                    Ok([k, v]) => Some((k, v)),
                    Err(_) => None,
                })
                .collect();
            if !crate::now::is_lent() {
                p(ClusterOp::Fork { env });
                return None;
            }
            let forked = crate::now::with_loop(|lp| fork(lp, env).map(|w| w.pid(lp)));
            match forked {
                Some(Ok(pid)) => pid,
                Some(Err(e)) => {
                    eprintln!("ruvjs: {e}");
                    None
                }
                None => None,
            }
        },
    )?;
    let p = push(ops);
    func(
        ctx,
        n,
        "clusterSend",
        move |wid: u32, json: String, done: u32| p(ClusterOp::Send { wid, json, done }),
    )?;
    let p = push(ops);
    func(ctx, n, "clusterDisconnect", move |wid: u32| {
        p(ClusterOp::Disconnect(wid))
    })?;
    let p = push(ops);
    func(ctx, n, "clusterKill", move |wid: u32, signal: String| {
        p(ClusterOp::Kill { wid, signal })
    })?;
    let p = push(ops);
    func(ctx, n, "signalWatch", move |name: String, on: bool| {
        p(ClusterOp::Signal { name, on })
    })?;
    Ok(())
}
