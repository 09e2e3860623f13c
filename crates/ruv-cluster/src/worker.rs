//! The worker side: the channel to the primary, `online`, and servers whose ports the
//! primary resolves ([`listen`]).
//!
//! A worker ignores `SIGINT` (a Ctrl-C in the terminal reaches the whole process group: the
//! primary decides what its workers do), exits (code 0) when the channel closes without a
//! disconnect (the primary died), and on the primary's `disconnect` closes its servers,
//! waits for their connections to finish, then closes the channel.

use crate::proto::{self, act, Replies, ReplyFn, Seq};
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{CallbackResult, Code, Error, Loop, Result, Signal};
use ruv_http::Server;
use ruv_net::{BindOptions, Tcp, Udp};
use ruv_process::ipc::{self, Channel, ChannelEvent, InternalMessage, Message, ReceivedHandle};
use serde_json::{json, Map, Value};
use std::cell::Cell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

/// What the worker's callback gets.
#[derive(Debug)]
pub enum WorkerEvent<'a> {
    /// A message from the primary (`process.on('message')`).
    Message(Message<'a>),
    /// The primary asked this worker to disconnect: its servers are closing (ruv's
    /// addition: Node has no event here).
    Disconnecting,
    /// The channel is closed after a disconnect (`'disconnect'`).
    Disconnect,
    /// Something from the primary could not be received.
    Error(Error),
}

type WorkerFn<S> = Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, WorkerEvent<'a>) -> Result<()>>;

struct Side<S> {
    cb: Option<Callback<WorkerFn<S>>>,
    channel: Channel,
    seq: Seq,
    replies: Replies<S>,
    /// Servers by key, as the primary named them.
    servers: HashMap<String, Server>,
    /// UDP sockets by key (always shared by the primary).
    udp: HashMap<String, Udp>,
    /// Node's per-`indexesKey` indexes (child.js): the next one, and those in use.
    indexes: HashMap<String, (u32, Vec<u32>)>,
    disconnecting: bool,
    accepting: bool,
}

/// Where this loop's worker state lives.
#[derive(Clone, Copy)]
struct SideId(HandleId);

fn side<S: 'static>(lp: &mut Loop<S>) -> Option<&mut Side<S>> {
    let id = lp.extension::<SideId>()?.0;
    lp.handles::<Side<S>>().get_mut(id).map(|h| &mut h.data)
}

fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, ev: WorkerEvent<'_>) {
    let Some(id) = lp.extension::<SideId>().map(|i| i.0) else {
        return;
    };
    lp.dispatch_handle::<Side<S>, WorkerFn<S>>(
        s,
        id,
        "cluster.worker",
        |st| &mut st.cb,
        |f, lp, s| f(lp, s, ev),
    );
}

fn send_primary<S: 'static>(
    lp: &mut Loop<S>,
    fields: Map<String, Value>,
    reply: Option<ReplyFn<S>>,
) -> Result<()> {
    let st = side(lp).ok_or_else(not_set_up)?;
    let seq = st.seq.take();
    let ch = st.channel;
    if let Some(cb) = reply {
        st.replies.insert(seq, cb);
    }
    let msg = proto::envelope(proto::CMD, fields, seq);
    ch.send_internal(lp, &msg, None, |_, _, _| {})?;
    Ok(())
}

fn not_set_up() -> Error {
    Error::new(Code::ERR_INVALID_STATE).with_detail("ruv_cluster::worker::setup was not called")
}

/// Sets this process up as a worker (Node's `cluster._setupWorker`): opens the channel
/// to the primary, sends `online`, ignores `SIGINT`. `cb` gets [`WorkerEvent`]s.
///
/// # Errors
/// `ERR_INVALID_STATE` in the primary (no `NODE_UNIQUE_ID`) or when called twice;
/// `ERR_IPC_CHANNEL_CLOSED` without an inherited channel.
#[track_caller]
pub fn setup<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, WorkerEvent<'a>) -> R + 'static,
) -> Result<()> {
    if !crate::is_worker() {
        return Err(Error::new(Code::ERR_INVALID_STATE)
            .with_detail("not a cluster worker (NODE_UNIQUE_ID is not set)"));
    }
    if side(lp).is_some() {
        return Err(Error::new(Code::ERR_INVALID_STATE).with_detail("worker already set up"));
    }
    let Some(channel) = ipc::channel(lp)? else {
        return Err(Error::new(ruv_process::ipc::codes::ERR_IPC_CHANNEL_CLOSED)
            .with_detail("a cluster worker needs the IPC channel of its primary"));
    };
    let f: WorkerFn<S> = Box::new(move |lp, s, ev| cb(lp, s, ev).into_result());
    let id = lp.handles::<Side<S>>().insert(Handle::new(Side {
        cb: Some(Callback::new(f)),
        channel,
        seq: Seq::default(),
        replies: Replies::default(),
        servers: HashMap::new(),
        udp: HashMap::new(),
        indexes: HashMap::new(),
        disconnecting: false,
        accepting: true,
    }));
    lp.insert_extension(SideId(id));
    // the primary decides about Ctrl-C; the watcher itself keeps nothing alive
    let sig = Signal::new(lp)?;
    sig.start(lp, libc::SIGINT, |_, _, _, _| {})?;
    sig.set_ref(lp, false);
    channel.on_event(lp, on_channel)?;
    send_primary(lp, proto::request(act::ONLINE, Value::Null), None)
}

fn on_channel<S: 'static>(lp: &mut Loop<S>, s: &mut S, _: Channel, ev: ChannelEvent<'_>) {
    match ev {
        ChannelEvent::Internal(m) => on_internal(lp, s, m),
        ChannelEvent::Message(m) => emit(lp, s, WorkerEvent::Message(m)),
        ChannelEvent::Error(e) => emit(lp, s, WorkerEvent::Error(e)),
        ChannelEvent::Drain => {}
        ChannelEvent::Disconnect => {
            if side(lp).is_some_and(|st| st.disconnecting) {
                emit(lp, s, WorkerEvent::Disconnect);
            } else {
                // the primary is gone (Node's worker: process.exit(0))
                std::process::exit(0);
            }
        }
    }
}

fn on_internal<S: 'static>(lp: &mut Loop<S>, s: &mut S, m: InternalMessage<'_>) {
    if m.cmd() != proto::CMD {
        return;
    }
    let v = m.value();
    if let Some(ack) = proto::ack_of(v) {
        if let Some(cb) = side(lp).and_then(|st| st.replies.take(ack)) {
            cb(lp, s, v, m.handle());
        }
        return;
    }
    let seq = v.get("seq").and_then(Value::as_u64).unwrap_or(0);
    match proto::act_of(v) {
        act::NEWCONN => {
            let key = v.get("key").and_then(Value::as_str).unwrap_or("");
            let accepted = match tcp_of(m.handle()) {
                Some(tcp) => adopt(lp, key, tcp),
                None => false,
            };
            let fields = proto::reply(seq, json!({ "accepted": accepted }));
            send_primary(lp, fields, None).ok();
        }
        act::DISCONNECT => start_disconnect(lp, s),
        _ => {}
    }
}

/// Serves `tcp` on the server under `key`, if it takes connections.
fn adopt<S: 'static>(lp: &mut Loop<S>, key: &str, tcp: Tcp) -> bool {
    let server = match side(lp) {
        Some(st) if st.accepting && !st.disconnecting => st.servers.get(key).copied(),
        _ => None,
    };
    let Some(server) = server else {
        tcp.destroy(lp, None);
        return false;
    };
    if server.adopt(lp, tcp).is_ok() {
        true
    } else {
        tcp.destroy(lp, None);
        false
    }
}

fn tcp_of(h: Option<ReceivedHandle>) -> Option<Tcp> {
    match h {
        Some(ReceivedHandle::TcpServer(t) | ReceivedHandle::TcpSocket(t)) => Some(t),
        _ => None,
    }
}

/// Closes every server (each `close` told to the primary), then the channel once their
/// connections are done.
fn start_disconnect<S: 'static>(lp: &mut Loop<S>, s: &mut S) {
    let Some(st) = side(lp) else { return };
    if st.disconnecting {
        return;
    }
    st.disconnecting = true;
    let servers: Vec<(String, Server)> = st.servers.drain().collect();
    let udp: Vec<(String, Udp)> = st.udp.drain().collect();
    emit(lp, s, WorkerEvent::Disconnecting);
    for (key, sock) in udp {
        send_primary(lp, proto::request(act::CLOSE, json!({ "key": key })), None).ok();
        sock.close(lp).ok();
    }
    // the channel closes once every server has closed (its connections done)
    let open = Rc::new(Cell::new(servers.len() + 1));
    let done = move |lp: &mut Loop<S>, open: &Cell<usize>| {
        open.set(open.get() - 1);
        if open.get() == 0 {
            close_channel(lp);
        }
    };
    for (key, server) in servers {
        send_primary(lp, proto::request(act::CLOSE, json!({ "key": key })), None).ok();
        // ERR_SERVER_NOT_RUNNING: the program closed it already; its `Close` still comes
        server.close(lp).ok();
        let o = open.clone();
        if server.on_close(lp, move |lp, _| done(lp, &o)).is_err() {
            done(lp, &open); // closed already
        }
    }
    done(lp, &open);
}

fn close_channel<S: 'static>(lp: &mut Loop<S>) {
    if let Some(ch) = side(lp).map(|st| st.channel) {
        ch.disconnect(lp).ok();
    }
}

/// A worker's `server.listen(addr)`: asks the primary for the port (`queryServer`), then
/// serves the connections it hands over (round-robin), listens on the socket it sends
/// (shared), or binds its own `SO_REUSEPORT` socket on the port the primary holds
/// (reuseport, ruv's extension). `cb` gets the address listened on, or the bind error (`EADDRINUSE` …). In a
/// process that is not a set-up worker, this is `server.listen(addr)`.
///
/// # Errors
/// `ERR_IPC_CHANNEL_CLOSED` once disconnected; `server.listen`'s errors outside a cluster.
pub fn listen<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    server: Server,
    addr: SocketAddr,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<SocketAddr>) -> R + 'static,
) -> Result<()> {
    let Some(st) = side(lp) else {
        server.listen(lp, addr)?;
        let got = server.address(lp);
        crate::primary::tick(lp, move |lp, s| {
            if let Err(e) = cb(lp, s, got).into_result() {
                lp.report_error(s, e);
            }
        });
        return Ok(());
    };
    let ty = if addr.is_ipv6() { 6 } else { 4 };
    let ip = addr.ip().to_string();
    let indexes_key = format!("{ip}:{}:{ty}:undefined", addr.port());
    let index = take_index(&mut st.indexes, &indexes_key);
    // the ruv field asks for reuseport where the cluster uses it (Node's primary ignores it)
    let query = json!({ "index": index, "data": Value::Null, "address": ip,
        "port": addr.port(), "addressType": ty, "backlog": 511,
        (proto::RUV_REUSEPORT): true, (proto::RUV_DEFER_ACCEPT): proto::DEFER_ACCEPT_SECS });
    let q2 = query.clone();
    let reply: ReplyFn<S> = Box::new(move |lp, s, v, handle| {
        let r = on_reply(lp, server, addr, q2, v, handle);
        match &r {
            Ok(_) => watch_close(lp, server, v, indexes_key, index),
            Err(_) => free_index(lp, &indexes_key, index),
        }
        if let Err(e) = cb(lp, s, r).into_result() {
            lp.report_error(s, e);
        }
    });
    send_primary(lp, proto::request(act::QUERY_SERVER, query), Some(reply))
}

/// The next index for `key` (Node's `indexes`: counted up while any server with that
/// address is open, from 0 again once all have closed).
fn take_index(indexes: &mut HashMap<String, (u32, Vec<u32>)>, key: &str) -> u32 {
    let (next, live) = indexes.entry(key.to_string()).or_default();
    let index = *next;
    *next += 1;
    live.push(index);
    index
}

fn free_index<S: 'static>(lp: &mut Loop<S>, key: &str, index: u32) {
    let Some(st) = side(lp) else { return };
    if let Some((_, live)) = st.indexes.get_mut(key) {
        live.retain(|&i| i != index);
        if live.is_empty() {
            st.indexes.remove(key);
        }
    }
}

/// A server the program closes itself (not a disconnect) leaves its port: the primary hears
/// `close` once it has closed (connections handed to it meanwhile are answered "not
/// accepted" and go to other workers), and its index is free for the next `listen`.
fn watch_close<S: 'static>(lp: &mut Loop<S>, server: Server, reply: &Value, ik: String, i: u32) {
    let key = reply
        .get("key")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let watched = server.on_close(lp, move |lp, _| {
        let ours =
            side(lp).is_some_and(|st| !st.disconnecting && st.servers.get(&key) == Some(&server));
        if ours {
            if let Some(st) = side(lp) {
                st.servers.remove(&key);
            }
            send_primary(lp, proto::request(act::CLOSE, json!({ "key": key })), None).ok();
        }
        free_index(lp, &ik, i);
    });
    // closed already: nothing listens under it
    watched.ok();
}

fn on_reply<S: 'static>(
    lp: &mut Loop<S>,
    server: Server,
    want: SocketAddr,
    query: Value,
    v: &Value,
    handle: Option<ReceivedHandle>,
) -> Result<SocketAddr> {
    let fail = |e: Error| e.with_detail(want.to_string());
    if let Some(e) = proto::error_of(v.get("errno").unwrap_or(&Value::Null), "bind") {
        return Err(fail(e));
    }
    let key = v
        .get("key")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let got = match tcp_of(handle) {
        Some(tcp) => {
            let got = tcp.local_addr(lp)?;
            // net's checkBindError: a shared socket on another port than asked is a lost bind
            if want.port() != 0 && got.port() != want.port() {
                tcp.destroy(lp, None);
                return Err(fail(Error::op(Code::EADDRINUSE, "bind")));
            }
            server.listen_on(lp, tcp, 511)?;
            got
        }
        None => {
            let sockname = v
                .get("sockname")
                .and_then(proto::parse_sockname)
                .ok_or_else(|| {
                    Error::new(Code::EINVAL).with_detail("queryServer reply without sockname")
                })?;
            let reuse = v.get(proto::RUV_REUSEPORT).and_then(Value::as_bool) == Some(true);
            let listened = if reuse {
                listen_reuseport(lp, server, sockname)
            } else {
                // round-robin: the primary listens and hands over connections
                server.listen_remote(lp, sockname)
            };
            if let Err(e) = listened {
                // the primary forgets this worker on the key
                send_primary(lp, proto::request(act::CLOSE, json!({ "key": key })), None).ok();
                return Err(fail(e));
            }
            sockname
        }
    };
    if let Some(st) = side(lp) {
        st.servers.insert(key, server);
    }
    let mut fields = proto::request(act::LISTENING, query);
    fields.insert("port".into(), Value::from(got.port()));
    send_primary(lp, fields, None)?;
    Ok(got)
}

/// Reuseport: this worker's own `SO_REUSEPORT` socket on the primary's port, listening.
fn listen_reuseport<S: 'static>(lp: &mut Loop<S>, server: Server, at: SocketAddr) -> Result<()> {
    let opts = BindOptions {
        reuse_port: true,
        ..BindOptions::default()
    };
    let tcp = Tcp::bind_with(lp, at, opts)?;
    // HTTP: the client speaks first (as the primary does for the other policies)
    tcp.set_defer_accept(lp, Duration::from_secs(proto::DEFER_ACCEPT_SECS))
        .ok();
    if let Err(e) = server.listen_on(lp, tcp, 511) {
        tcp.destroy(lp, None);
        return Err(e);
    }
    Ok(())
}

/// A worker's `dgram` bind (`socket.bind(addr)`): UDP in a cluster is always shared, as
/// Node's: the primary binds `addr` once (`queryServer` with `addressType` `udp4` /
/// `udp6`) and sends that socket to every worker, which all read from it (the kernel hands
/// each datagram to one of them). `cb` gets the socket (call [`Udp::recv_start`]) or the
/// bind error (`EADDRINUSE` …); the primary hears `listening`. The socket is closed (and
/// the primary told) when the worker disconnects. In a process that is not a set-up worker,
/// this is [`Udp::bind`].
///
/// # Errors
/// `ERR_IPC_CHANNEL_CLOSED` once disconnected; `Udp::bind`'s errors outside a cluster.
pub fn bind_udp<S: 'static, R: CallbackResult>(
    lp: &mut Loop<S>,
    addr: SocketAddr,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Udp>) -> R + 'static,
) -> Result<()> {
    let Some(st) = side(lp) else {
        let udp = Udp::bind(lp, addr)?;
        crate::primary::tick(lp, move |lp, s| {
            if let Err(e) = cb(lp, s, Ok(udp)).into_result() {
                lp.report_error(s, e);
            }
        });
        return Ok(());
    };
    let ty = if addr.is_ipv6() { "udp6" } else { "udp4" };
    let ip = addr.ip().to_string();
    let indexes_key = format!("{ip}:{}:{ty}:undefined", addr.port());
    let index = take_index(&mut st.indexes, &indexes_key);
    let query = json!({ "index": index, "data": Value::Null, "address": ip,
        "port": addr.port(), "addressType": ty });
    let q2 = query.clone();
    let reply: ReplyFn<S> = Box::new(move |lp, s, v, handle| {
        let r = on_udp_reply(lp, addr, q2, v, handle);
        if let Err(e) = cb(lp, s, r).into_result() {
            lp.report_error(s, e);
        }
    });
    send_primary(lp, proto::request(act::QUERY_SERVER, query), Some(reply))
}

fn on_udp_reply<S: 'static>(
    lp: &mut Loop<S>,
    want: SocketAddr,
    query: Value,
    v: &Value,
    handle: Option<ReceivedHandle>,
) -> Result<Udp> {
    let fail = |e: Error| e.with_detail(want.to_string());
    if let Some(e) = proto::error_of(v.get("errno").unwrap_or(&Value::Null), "bind") {
        return Err(fail(e));
    }
    let Some(ReceivedHandle::Udp(udp)) = handle else {
        return Err(fail(
            Error::op(Code::EINVAL, "bind").with_detail("queryServer reply without a UDP socket"),
        ));
    };
    let key = v.get("key").and_then(Value::as_str).unwrap_or("");
    let got = udp.local_addr(lp)?;
    if let Some(st) = side(lp) {
        st.udp.insert(key.to_string(), udp);
    }
    let mut fields = proto::request(act::LISTENING, query);
    fields.insert("port".into(), Value::from(got.port()));
    send_primary(lp, fields, None)?;
    Ok(udp)
}

/// Sends a message to the primary (`process.send`): `false` at the channel's high-water
/// mark.
///
/// # Errors
/// `ERR_INVALID_STATE` before [`setup`]; the channel's errors.
pub fn send<S: 'static, T: serde::Serialize + ?Sized>(lp: &mut Loop<S>, msg: &T) -> Result<bool> {
    let ch = side(lp).ok_or_else(not_set_up)?.channel;
    ch.send(lp, msg)
}

/// Whether this worker takes the connections the primary hands it (default `true`). While
/// off it answers "not accepted" and the primary routes them to another worker (a worker
/// that is full; Node's `maxConnections`).
///
/// # Errors
/// `ERR_INVALID_STATE` before [`setup`].
pub fn set_accepting<S: 'static>(lp: &mut Loop<S>, on: bool) -> Result<()> {
    side(lp).ok_or_else(not_set_up)?.accepting = on;
    Ok(())
}

/// Node's `cluster.worker.disconnect()` from the worker: tells the primary
/// (`exitedAfterDisconnect`), then closes its servers and, once drained, the channel.
///
/// # Errors
/// `ERR_INVALID_STATE` before [`setup`].
pub fn disconnect<S: 'static>(lp: &mut Loop<S>) -> Result<()> {
    let reply: ReplyFn<S> = Box::new(|lp, s, _, _| start_disconnect(lp, s));
    send_primary(
        lp,
        proto::request(act::EXITED_AFTER_DISCONNECT, Value::Null),
        Some(reply),
    )
}

/// Sends one of ruv's own cluster messages (`cmd: "NODE_RUV_CLUSTER"`) to the primary.
pub(crate) fn send_ruv<S: 'static>(lp: &mut Loop<S>, fields: Map<String, Value>) -> Result<()> {
    let st = side(lp).ok_or_else(not_set_up)?;
    let seq = st.seq.take();
    let ch = st.channel;
    let msg = proto::envelope(proto::RUV_CMD, fields, seq);
    ch.send_internal(lp, &msg, None, |_, _, _| {})?;
    Ok(())
}

/// The open connections of this worker's listening servers (0 before [`setup`]).
pub(crate) fn connections<S: 'static>(lp: &mut Loop<S>) -> usize {
    let servers: Vec<Server> =
        side(lp).map_or_else(Vec::new, |st| st.servers.values().copied().collect());
    servers
        .iter()
        .map(|sv| sv.connections(lp).unwrap_or(0))
        .sum()
}

/// Tells the primary this worker is ready (`{cmd: "NODE_RUV_CLUSTER", act: "ready"}`): a
/// [`Supervisor`](crate::supervisor::Supervisor)'s rolling restart waits for this or a
/// `Listening`, whichever comes first (PM2's `process.send('ready')` works too).
///
/// # Errors
/// `ERR_INVALID_STATE` before [`setup`]; the channel's errors.
pub fn ready<S: 'static>(lp: &mut Loop<S>) -> Result<()> {
    send_ruv(lp, proto::request(proto::ruv_act::READY, Value::Null))
}
