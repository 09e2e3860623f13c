//! The primary: forks workers, speaks the cluster protocol with them, and owns the ports
//! they share ([`servers`]).

mod rr;
mod servers;

use crate::proto::{self, act, Replies, ReplyFn, Seq};
use crate::Policy;
use ruv_core::registry::{Callback, Handle};
use ruv_core::{CallbackResult, Code, Error, HandleId, Loop, Result};
use ruv_process::child::{self, ChildEvent, ChildProcess, Signal, SpawnOptions, Stdio};
use ruv_process::ipc::{
    Channel, ChannelEvent, InternalMessage, Message, SendHandle, Serialization,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::path::PathBuf;

/// How the primary forks its workers (Node's `cluster.setupPrimary` settings).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The program to run (Node's `exec`); `None`: this program (`current_exe`).
    pub exec: Option<PathBuf>,
    /// Its arguments (Node's `args`; `None`: this process's own, `argv[1..]`).
    pub args: Option<Vec<OsString>>,
    /// Variables added to every worker's environment (Node's `fork(env)`).
    pub env: Vec<(OsString, OsString)>,
    /// Pipes for the workers' stdin, stdout and stderr instead of the primary's own.
    pub silent: bool,
    /// How workers share ports (`None`: `NODE_CLUSTER_SCHED_POLICY`, else round-robin).
    pub policy: Option<Policy>,
    /// The largest message a worker may send (default 16 MiB); larger ones are skipped
    /// with an `Error` event.
    pub max_message_size: Option<usize>,
}

/// The cluster (Node's `cluster` module in the primary): a `Copy` id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cluster(HandleId);

/// A worker as the primary sees it (Node's `Worker`): a `Copy` handle; stale (methods
/// answer `EBADF` / `false` / `None`) once its `Exit` was emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Worker {
    cluster: Cluster,
    id: u32,
}

/// A worker's state (Node's `worker.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerState {
    /// Forked, not yet online.
    None,
    /// Sent `online`.
    Online,
    /// One of its servers listens.
    Listening,
    /// Its channel closed.
    Disconnected,
    /// It exited.
    Dead,
}

/// Where a worker's server listens (Node's `'listening'` address argument).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// The host (`None` for Node's `null`: all interfaces).
    pub address: Option<String>,
    /// The port.
    pub port: u16,
    /// 4, 6, or -1 for a pipe.
    pub address_type: i32,
}

/// What the primary's callback gets: Node's cluster events, in Node's order per worker
/// (`Fork`, `Online`, `Listening`…, `Disconnect`, `Exit`).
#[derive(Debug)]
pub enum ClusterEvent<'a> {
    /// A worker was forked (`'fork'`, on the next tick after [`Cluster::fork`]).
    Fork(Worker),
    /// The worker runs and reported in (`'online'`).
    Online(Worker),
    /// A server of the worker listens (`'listening'`).
    Listening(Worker, Address),
    /// A message from the worker (`'message'`).
    Message(Worker, Message<'a>),
    /// The worker's channel closed (`'disconnect'`).
    Disconnect(Worker),
    /// The worker exited (`'exit'`); always after its `Disconnect`. The handle is stale
    /// after this event.
    Exit {
        /// The worker.
        worker: Worker,
        /// Its exit code (`None` when a signal ended it).
        code: Option<i32>,
        /// The signal that ended it.
        signal: Option<Signal>,
    },
    /// A worker's spawn failed, or it sent something that could not be received.
    Error(Option<Worker>, Error),
    /// One of ruv's own cluster messages from the worker (`cmd: "NODE_RUV_CLUSTER"`:
    /// `ready`, `metrics`), which the [`Supervisor`](crate::supervisor::Supervisor) reads.
    Ruv(Worker, &'a Value),
}

type ClusterFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, Cluster, ClusterEvent<'a>) -> Result<()>>;

pub(crate) struct Slot<S> {
    child: ChildProcess,
    channel: Channel,
    state: WorkerState,
    exited_after_disconnect: bool,
    disconnected: bool,
    exit: Option<(Option<i32>, Option<Signal>)>,
    replies: Replies<S>,
}

pub(crate) struct ClusterState<S> {
    cb: Option<Callback<ClusterFn<S>>>,
    settings: Settings,
    policy: Policy,
    ids: u32,
    workers: BTreeMap<u32, Slot<S>>,
    seq: Seq,
    servers: HashMap<String, servers::ServerHandle>,
}

pub(crate) fn state<S: 'static>(lp: &mut Loop<S>, c: Cluster) -> Result<&mut ClusterState<S>> {
    Ok(&mut lp.handle_mut::<ClusterState<S>>(c.0)?.data)
}

fn slot<S: 'static>(lp: &mut Loop<S>, w: Worker) -> Result<&mut Slot<S>> {
    state(lp, w.cluster)?
        .workers
        .get_mut(&w.id)
        .ok_or_else(|| Error::new(Code::EBADF).with_detail("the worker exited"))
}

fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: Cluster, ev: ClusterEvent<'_>) {
    emit_once(lp, s, c, ev, true);
}

/// Dispatches `ev`; if the cluster's callback is running right now (an emit from a next tick
/// drained inside a callback nested in it), the event is deferred to the pending phase, when
/// that callback has returned, instead of being lost — once (a callback a panic took away
/// never comes back: then the event goes the way of every event of a dead callback).
fn emit_once<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    c: Cluster,
    ev: ClusterEvent<'_>,
    may_defer: bool,
) {
    let busy = matches!(state(lp, c), Ok(st) if st.cb.is_none());
    if busy && may_defer {
        if let Some(owned) = ev.into_owned() {
            lp.defer(move |lp: &mut Loop<S>, s: &mut S| emit_once(lp, s, c, owned, false));
            return;
        }
        return;
    }
    lp.dispatch_handle::<ClusterState<S>, ClusterFn<S>>(
        s,
        c.0,
        "cluster.event",
        |st| &mut st.cb,
        |f, lp, s| f(lp, s, c, ev),
    );
}

impl ClusterEvent<'_> {
    /// The event without borrows, for deferring it (`None` for the two that borrow a
    /// received message: those come from the channel's own callback, never nested).
    fn into_owned(self) -> Option<ClusterEvent<'static>> {
        Some(match self {
            ClusterEvent::Fork(w) => ClusterEvent::Fork(w),
            ClusterEvent::Online(w) => ClusterEvent::Online(w),
            ClusterEvent::Listening(w, a) => ClusterEvent::Listening(w, a),
            ClusterEvent::Disconnect(w) => ClusterEvent::Disconnect(w),
            ClusterEvent::Exit {
                worker,
                code,
                signal,
            } => ClusterEvent::Exit {
                worker,
                code,
                signal,
            },
            ClusterEvent::Error(w, e) => ClusterEvent::Error(w, e),
            ClusterEvent::Message(..) | ClusterEvent::Ruv(..) => return None,
        })
    }
}

/// Runs `f` on the next tick (outside a callback, a deferred no-op makes the loop run it).
pub(crate) fn tick<S: 'static>(lp: &mut Loop<S>, f: impl FnOnce(&mut Loop<S>, &mut S) + 'static) {
    if ruv_node::next_tick(lp, f).is_ok() && lp.current_callback().is_none() {
        lp.defer(|_: &mut Loop<S>, _: &mut S| {});
    }
}

/// Sends a cluster message to worker `w`; `reply` waits for its answer.
pub(crate) fn send_to<S: 'static>(
    lp: &mut Loop<S>,
    w: Worker,
    fields: Map<String, Value>,
    handle: Option<(SendHandle, bool)>,
    reply: Option<ReplyFn<S>>,
) -> Result<()> {
    let seq = state(lp, w.cluster)?.seq.take();
    let sl = slot(lp, w)?;
    let channel = sl.channel;
    let msg = proto::envelope(proto::CMD, fields, seq);
    channel.send_internal(lp, &msg, handle, |_, _, _| {})?;
    if let Some(cb) = reply {
        slot(lp, w)?.replies.insert(seq, cb);
    }
    Ok(())
}

impl Cluster {
    /// Sets up the primary (Node's `cluster.setupPrimary(settings)`): `cb` gets every
    /// worker's events. The cluster itself does not keep the loop alive; its workers do.
    ///
    /// # Errors
    /// `ERR_INVALID_STATE` in a worker (`NODE_UNIQUE_ID` is set).
    #[track_caller]
    pub fn new<S: 'static, R: CallbackResult>(
        lp: &mut Loop<S>,
        settings: Settings,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, Cluster, ClusterEvent<'a>) -> R + 'static,
    ) -> Result<Cluster> {
        if crate::is_worker() {
            return Err(Error::new(Code::ERR_INVALID_STATE)
                .with_detail("this process is a cluster worker (NODE_UNIQUE_ID is set)"));
        }
        let f: ClusterFn<S> = Box::new(move |lp, s, c, ev| cb(lp, s, c, ev).into_result());
        let policy = settings.policy.unwrap_or_else(Policy::from_env);
        let id = lp
            .handles::<ClusterState<S>>()
            .insert(Handle::new(ClusterState {
                cb: Some(Callback::new(f)),
                settings,
                policy,
                ids: 0,
                workers: BTreeMap::new(),
                seq: Seq::default(),
                servers: HashMap::new(),
            }));
        Ok(Cluster(id))
    }

    /// The scheduling policy in use.
    ///
    /// # Errors
    /// `EBADF` for a stale cluster.
    pub fn policy<S: 'static>(self, lp: &Loop<S>) -> Result<Policy> {
        Ok(lp.handle::<ClusterState<S>>(self.0)?.data.policy)
    }

    /// Node's `cluster.fork()`: runs the program again with `NODE_UNIQUE_ID` set to a new
    /// id (never reused) and an IPC channel; `Fork` comes on the next tick.
    ///
    /// # Errors
    /// `EBADF` for a stale cluster; the spawn's synchronous errors.
    pub fn fork<S: 'static>(self, lp: &mut Loop<S>) -> Result<Worker> {
        self.fork_with_env(lp, Vec::new())
    }

    /// [`fork`](Cluster::fork) with variables added to this worker's environment only
    /// (Node's `cluster.fork(env)`), after the settings' own.
    ///
    /// # Errors
    /// As [`fork`](Cluster::fork).
    pub fn fork_with_env<S: 'static>(
        self,
        lp: &mut Loop<S>,
        env: Vec<(OsString, OsString)>,
    ) -> Result<Worker> {
        let st = state(lp, self)?;
        st.ids += 1;
        let id = st.ids;
        let set = st.settings.clone();
        let program = match set.exec {
            Some(p) => p,
            None => std::env::current_exe().map_err(|e| Error::from_io(&e, "current_exe"))?,
        };
        let args: Vec<OsString> = set
            .args
            .unwrap_or_else(|| std::env::args_os().skip(1).collect());
        let mut extra_env = set.env;
        extra_env.extend(env);
        extra_env.push((crate::UNIQUE_ID_ENV.into(), id.to_string().into()));
        let io = if set.silent {
            Stdio::Pipe
        } else {
            Stdio::Inherit
        };
        let opts = SpawnOptions {
            extra_env,
            stdio: vec![io.clone(), io.clone(), io, Stdio::Ipc],
            serialization: Serialization::Json.name().to_string(),
            ..SpawnOptions::default()
        };
        let w = Worker { cluster: self, id };
        let child = child::spawn(lp, &program, &args, opts, move |lp, s, _, ev| {
            on_child(lp, s, w, ev);
        })?;
        let Some(fd) = child.take_ipc_fd(lp) else {
            return Err(Error::new(Code::EINVAL).with_detail("fork: the spawn made no IPC channel"));
        };
        let channel = Channel::open(lp, fd, Serialization::Json)?;
        channel.set_max_message_size(lp, set.max_message_size.unwrap_or(16 << 20))?;
        child.hold_close(lp)?;
        channel.on_event(lp, move |lp, s, _, ev| on_channel(lp, s, w, child, ev))?;
        state(lp, self)?.workers.insert(
            id,
            Slot {
                child,
                channel,
                state: WorkerState::None,
                exited_after_disconnect: false,
                disconnected: false,
                exit: None,
                replies: Replies::default(),
            },
        );
        tick(lp, move |lp, s| emit(lp, s, self, ClusterEvent::Fork(w)));
        Ok(w)
    }

    /// The live workers (Node's `cluster.workers`), by id.
    pub fn workers<S: 'static>(self, lp: &mut Loop<S>) -> Vec<Worker> {
        state(lp, self).map_or_else(
            |_| Vec::new(),
            |st| {
                st.workers
                    .keys()
                    .map(|&id| Worker { cluster: self, id })
                    .collect()
            },
        )
    }

    /// Node's `cluster.disconnect()`: disconnects every worker that is still connected.
    pub fn disconnect<S: 'static>(self, lp: &mut Loop<S>) {
        for w in self.workers(lp) {
            if w.is_connected(lp) {
                w.disconnect(lp).ok();
            }
        }
    }
}

fn on_child<S: 'static>(lp: &mut Loop<S>, s: &mut S, w: Worker, ev: ChildEvent) {
    match ev {
        ChildEvent::Spawn => {}
        ChildEvent::Error(e) => emit(lp, s, w.cluster, ClusterEvent::Error(Some(w), e)),
        ChildEvent::Exit { code, signal } | ChildEvent::Close { code, signal } => {
            let Ok(sl) = slot(lp, w) else { return };
            if sl.exit.is_none() {
                sl.exit = Some((code, signal));
            }
            if sl.disconnected {
                emit_exit(lp, s, w);
            }
        }
    }
}

fn emit_exit<S: 'static>(lp: &mut Loop<S>, s: &mut S, w: Worker) {
    let Ok(st) = state(lp, w.cluster) else { return };
    let Some(sl) = st.workers.get_mut(&w.id) else {
        return;
    };
    let (code, signal) = sl.exit.unwrap_or((None, None));
    sl.state = WorkerState::Dead;
    emit(
        lp,
        s,
        w.cluster,
        ClusterEvent::Exit {
            worker: w,
            code,
            signal,
        },
    );
    if let Ok(st) = state(lp, w.cluster) {
        st.workers.remove(&w.id);
    }
}

fn on_channel<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    w: Worker,
    child: ChildProcess,
    ev: ChannelEvent<'_>,
) -> Result<()> {
    match ev {
        ChannelEvent::Internal(m) => on_internal(lp, s, w, m),
        ChannelEvent::Message(m) => emit(lp, s, w.cluster, ClusterEvent::Message(w, m)),
        ChannelEvent::Error(e) => emit(lp, s, w.cluster, ClusterEvent::Error(Some(w), e)),
        ChannelEvent::Drain => {}
        ChannelEvent::Disconnect => {
            child.release_close(lp);
            let Ok(sl) = slot(lp, w) else { return Ok(()) };
            sl.disconnected = true;
            sl.state = WorkerState::Disconnected;
            sl.replies = Replies::default();
            servers::remove_worker(lp, w);
            emit(lp, s, w.cluster, ClusterEvent::Disconnect(w));
            if slot(lp, w).is_ok_and(|sl| sl.exit.is_some()) {
                emit_exit(lp, s, w);
            }
        }
    }
    Ok(())
}

fn on_internal<S: 'static>(lp: &mut Loop<S>, s: &mut S, w: Worker, m: InternalMessage<'_>) {
    if m.cmd() == proto::RUV_CMD {
        emit(lp, s, w.cluster, ClusterEvent::Ruv(w, m.value()));
        return;
    }
    if m.cmd() != proto::CMD {
        return;
    }
    let v = m.value();
    if let Some(ack) = proto::ack_of(v) {
        let cb = slot(lp, w).ok().and_then(|sl| sl.replies.take(ack));
        if let Some(cb) = cb {
            cb(lp, s, v, m.handle());
        }
        return;
    }
    let seq = v.get("seq").and_then(Value::as_u64).unwrap_or(0);
    match proto::act_of(v) {
        act::ONLINE => {
            if let Ok(sl) = slot(lp, w) {
                sl.state = WorkerState::Online;
            }
            emit(lp, s, w.cluster, ClusterEvent::Online(w));
        }
        act::QUERY_SERVER => servers::query(lp, w, v, seq),
        act::LISTENING => {
            if let Ok(sl) = slot(lp, w) {
                sl.state = WorkerState::Listening;
            }
            let addr = Address {
                address: v.get("address").and_then(Value::as_str).map(str::to_string),
                port: v.get("port").and_then(Value::as_u64).unwrap_or(0) as u16,
                address_type: v.get("addressType").and_then(Value::as_i64).unwrap_or(4) as i32,
            };
            emit(lp, s, w.cluster, ClusterEvent::Listening(w, addr));
        }
        act::CLOSE => {
            let key = v
                .get("key")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            servers::close_key(lp, w, &key);
        }
        act::EXITED_AFTER_DISCONNECT => {
            if let Ok(sl) = slot(lp, w) {
                sl.exited_after_disconnect = true;
            }
            send_to(lp, w, proto::reply(seq, Value::Null), None, None).ok();
        }
        // unknown acts are ignored, as Node's primary does
        _ => {}
    }
}

impl Worker {
    /// The worker's id (Node's `worker.id`: 1, 2, … never reused).
    pub fn id(self) -> u32 {
        self.id
    }

    /// The cluster it belongs to.
    pub fn cluster(self) -> Cluster {
        self.cluster
    }

    /// Its process (pid, kill, stdio when `silent`).
    pub fn process<S: 'static>(self, lp: &mut Loop<S>) -> Option<ChildProcess> {
        slot(lp, self).ok().map(|sl| sl.child)
    }

    /// Its pid.
    pub fn pid<S: 'static>(self, lp: &mut Loop<S>) -> Option<u32> {
        let child = self.process(lp)?;
        child.pid(lp)
    }

    /// Its state.
    pub fn state<S: 'static>(self, lp: &mut Loop<S>) -> WorkerState {
        slot(lp, self).map_or(WorkerState::Dead, |sl| sl.state)
    }

    /// Node's `worker.exitedAfterDisconnect`: it exited (or will) because of a
    /// `disconnect` (either side's), not by accident.
    pub fn exited_after_disconnect<S: 'static>(self, lp: &mut Loop<S>) -> bool {
        slot(lp, self).is_ok_and(|sl| sl.exited_after_disconnect)
    }

    /// Whether its channel is open (`worker.isConnected()`).
    pub fn is_connected<S: 'static>(self, lp: &mut Loop<S>) -> bool {
        match slot(lp, self) {
            Ok(sl) => {
                let ch = sl.channel;
                ch.connected(lp)
            }
            Err(_) => false,
        }
    }

    /// Sends a message to the worker (`worker.send`): `false` at the channel's high-water
    /// mark.
    ///
    /// # Errors
    /// `EBADF` for an exited worker, `ERR_IPC_CHANNEL_CLOSED` after its disconnect.
    pub fn send<S: 'static, T: serde::Serialize + ?Sized>(
        self,
        lp: &mut Loop<S>,
        msg: &T,
    ) -> Result<bool> {
        let ch = slot(lp, self)?.channel;
        ch.send(lp, msg)
    }

    /// Node's `worker.disconnect()`: marks it `exited_after_disconnect`, stops handing it
    /// connections, and tells it to close its servers (it finishes their open connections)
    /// and then its channel; it exits once its loop is empty.
    ///
    /// # Errors
    /// `EBADF` for an exited worker; `ERR_IPC_CHANNEL_CLOSED` once disconnected.
    pub fn disconnect<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        let sl = slot(lp, self)?;
        sl.exited_after_disconnect = true;
        send_to(
            lp,
            self,
            proto::request(act::DISCONNECT, Value::Null),
            None,
            None,
        )?;
        servers::stop_routing(lp, self);
        Ok(())
    }

    /// Node's `worker.kill(signal)` (v20: the signal only): `false` if it already exited.
    pub fn kill<S: 'static>(self, lp: &mut Loop<S>, signal: Signal) -> bool {
        match self.process(lp) {
            Some(child) => child.kill(lp, signal),
            None => false,
        }
    }

    /// Whether it exited (its `Exit` was emitted).
    pub fn is_dead<S: 'static>(self, lp: &mut Loop<S>) -> bool {
        slot(lp, self).is_err()
    }
}
