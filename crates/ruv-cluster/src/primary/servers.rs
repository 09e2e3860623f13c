//! The ports workers share: one handle per Node server key, round-robin or shared.
//!
//! Round-robin: [`super::rr`].
//!
//! Reuseport (ruv's extension, for ruv workers only: their query carries
//! [`proto::RUV_REUSEPORT`]): the primary binds the port with `SO_REUSEPORT` (and without
//! `SO_REUSEADDR`) and never listens on it (the kernel gives connections only to listening
//! sockets), so the port stays held while workers restart and port 0 is resolved once; the reply carries the flag and the `sockname`, and
//! each worker binds its own socket there and listens. A Node worker on a reuseport
//! cluster gets round-robin.
//!
//! UDP (`addressType` `udp4` / `udp6`) is always shared, as Node's: one bound socket sent to
//! every worker.

use super::rr::{self, RoundRobin};
use super::{send_to, state, Worker};
use crate::proto;
use crate::Policy;
use ruv_core::{Error, Loop, Result};
use ruv_net::{BindOptions, Tcp, Udp};
use ruv_process::ipc::SendHandle;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

pub(crate) enum ServerHandle {
    RoundRobin(RoundRobin),
    Shared(Shared),
    ReusePort(ReusePort),
    Udp(SharedUdp),
}

/// The primary's socket for a reuseport key: bound, never listening.
pub(crate) struct ReusePort {
    tcp: Tcp,
    sockname: Value,
    all: Vec<u32>,
}

/// The one UDP socket every worker of a key gets.
pub(crate) struct SharedUdp {
    udp: Udp,
    all: Vec<u32>,
}

impl ServerHandle {
    /// The workers on this key (round-robin: those still routed to).
    fn all(&mut self) -> &mut Vec<u32> {
        match self {
            ServerHandle::RoundRobin(r) => r.workers(),
            ServerHandle::Shared(h) => &mut h.all,
            ServerHandle::ReusePort(h) => &mut h.all,
            ServerHandle::Udp(h) => &mut h.all,
        }
    }

    fn close<S: 'static>(self, lp: &mut Loop<S>) {
        match self {
            ServerHandle::RoundRobin(r) => r.close(lp),
            ServerHandle::Shared(h) => h.tcp.destroy(lp, None),
            ServerHandle::ReusePort(h) => h.tcp.destroy(lp, None),
            ServerHandle::Udp(h) => {
                h.udp.close(lp).ok();
            }
        }
    }
}

pub(crate) struct Shared {
    tcp: Tcp,
    all: Vec<u32>,
}

/// The address a query names (`null`: `::`, where IPv6 works).
fn addresses(q: &Value) -> Vec<SocketAddr> {
    let port = q.get("port").and_then(Value::as_u64).unwrap_or(0) as u16;
    match q.get("address").and_then(Value::as_str) {
        Some(a) => match a.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => Vec::new(),
        },
        None => vec![
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
        ],
    }
}

fn bind<S: 'static>(lp: &mut Loop<S>, q: &Value, reuse_port: bool) -> Result<Tcp> {
    let mut last = Error::op(ruv_core::Code::EINVAL, "bind").with_detail("not an IP address");
    // reuseport: no SO_REUSEADDR on the primary's socket, or while no worker listens
    // another program's SO_REUSEADDR socket could bind and listen on the port (Linux lets
    // two SO_REUSEADDR sockets share a port when neither listens)
    let opts = BindOptions {
        reuse_address: !reuse_port,
        reuse_port,
        ..BindOptions::default()
    };
    for addr in addresses(q) {
        match Tcp::bind_with(lp, addr, opts) {
            Ok(t) => return Ok(t),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A UDP query's `addressType` (`udp4` / `udp6`), if it is one.
fn udp_type(q: &Value) -> Option<&str> {
    q.get("addressType")
        .and_then(Value::as_str)
        .filter(|t| matches!(*t, "udp4" | "udp6"))
}

/// Node's key for a UDP query (its `addressType` is a string).
fn udp_key(q: &Value, ty: &str) -> String {
    let address = q.get("address").and_then(Value::as_str).unwrap_or("null");
    let port = q.get("port").and_then(Value::as_u64).unwrap_or(0);
    let fd = q
        .get("fd")
        .and_then(Value::as_i64)
        .map_or_else(|| "undefined".to_string(), |f| f.to_string());
    let index = q.get("index").and_then(Value::as_u64).unwrap_or(0);
    format!("{address}:{port}:{ty}:{fd}:{index}")
}

fn bind_udp<S: 'static>(lp: &mut Loop<S>, q: &Value, ty: &str) -> Result<Udp> {
    let port = q.get("port").and_then(Value::as_u64).unwrap_or(0) as u16;
    let ip = match q.get("address").and_then(Value::as_str) {
        Some(a) => a.parse::<IpAddr>().map_err(|_| {
            Error::op(ruv_core::Code::EINVAL, "bind").with_detail("not an IP address")
        })?,
        None if ty == "udp6" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    };
    let udp = Udp::bind(lp, SocketAddr::new(ip, port))?;
    // the primary never reads it: the workers' copies keep their loops alive
    udp.set_ref(lp, false);
    Ok(udp)
}

fn backlog(q: &Value) -> i32 {
    match q.get("backlog").and_then(Value::as_i64) {
        Some(b) if b > 0 => b as i32,
        _ => 511,
    }
}

fn reply_error<S: 'static>(lp: &mut Loop<S>, w: Worker, seq: u64, key: &str, e: &Error) {
    let fields = json!({ "errno": proto::errno_of(e), "key": key, "data": Value::Null });
    send_to(lp, w, proto::reply(seq, fields), None, None).ok();
}

/// `queryServer`: the server under the query's key, made (bound) on first use.
pub(crate) fn query<S: 'static>(lp: &mut Loop<S>, w: Worker, q: &Value, seq: u64) {
    let Ok(st) = state(lp, w.cluster) else { return };
    // Node: no reply at all to a worker that is disconnecting
    if st
        .workers
        .get(&w.id)
        .is_none_or(|sl| sl.exited_after_disconnect)
    {
        return;
    }
    let udp = udp_type(q).map(str::to_string);
    let key = match &udp {
        Some(ty) => udp_key(q, ty),
        None => proto::key_of_query(q),
    };
    if udp.is_none() && q.get("addressType").is_some_and(Value::is_string) {
        let e = Error::op(ruv_core::Code::EINVAL, "bind").with_detail("unknown addressType");
        return reply_error(lp, w, seq, &key, &e);
    }
    let capable = q
        .get(proto::RUV_REUSEPORT)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let policy = match st.policy {
        Policy::ReusePort if !capable => Policy::RoundRobin,
        p => p,
    };
    if !capable && matches!(st.servers.get(&key), Some(ServerHandle::ReusePort(_))) {
        let e = Error::op(ruv_core::Code::ENOTSUP, "bind")
            .with_detail("a reuseport port cannot be shared with a worker that binds no socket");
        return reply_error(lp, w, seq, &key, &e);
    }
    if !st.servers.contains_key(&key) {
        let made = match &udp {
            Some(ty) => bind_udp(lp, q, ty).map(|udp| {
                ServerHandle::Udp(SharedUdp {
                    udp,
                    all: Vec::new(),
                })
            }),
            None => make(lp, w, &key, q, policy),
        };
        match made {
            Ok(h) => {
                if let Ok(st) = state(lp, w.cluster) {
                    st.servers.insert(key.clone(), h);
                }
            }
            // Node deletes the key: a later query binds again
            Err(e) => return reply_error(lp, w, seq, &key, &e),
        }
    }
    match state(lp, w.cluster)
        .ok()
        .and_then(|st| st.servers.get_mut(&key))
    {
        Some(ServerHandle::RoundRobin(r)) => {
            let fields = json!({ "errno": Value::Null, "key": key, "data": Value::Null,
                "sockname": r.sockname.clone() });
            send_to(lp, w, proto::reply(seq, fields), None, None).ok();
            rr::join(lp, w, &key);
        }
        Some(ServerHandle::Shared(sh)) => {
            if !sh.all.contains(&w.id) {
                sh.all.push(w.id);
            }
            let tcp = sh.tcp;
            let fields = json!({ "errno": 0, "key": key, "data": Value::Null });
            let h = Some((SendHandle::TcpNative(tcp), true));
            send_to(lp, w, proto::reply(seq, fields), h, None).ok();
        }
        Some(ServerHandle::ReusePort(h)) => {
            if !h.all.contains(&w.id) {
                h.all.push(w.id);
            }
            let fields = json!({ "errno": Value::Null, "key": key, "data": Value::Null,
                "sockname": h.sockname.clone(), (proto::RUV_REUSEPORT): true });
            send_to(lp, w, proto::reply(seq, fields), None, None).ok();
        }
        Some(ServerHandle::Udp(h)) => {
            if !h.all.contains(&w.id) {
                h.all.push(w.id);
            }
            let udp = h.udp;
            let fields = json!({ "errno": 0, "key": key, "data": Value::Null });
            let h = Some((SendHandle::UdpNative(udp), true));
            send_to(lp, w, proto::reply(seq, fields), h, None).ok();
        }
        None => {}
    }
}

fn make<S: 'static>(
    lp: &mut Loop<S>,
    w: Worker,
    key: &str,
    q: &Value,
    policy: Policy,
) -> Result<ServerHandle> {
    let tcp = bind(lp, q, policy == Policy::ReusePort)?;
    if policy != Policy::ReusePort {
        if let Some(wait) = proto::defer_accept_of(q) {
            // best effort: without it (off Linux) connections just arrive earlier
            tcp.set_defer_accept(lp, wait).ok();
        }
    }
    match policy {
        Policy::ReusePort => {
            // bound, not listening: it holds the port and takes no connection
            tcp.set_ref(lp, false);
            let sockname = match tcp.local_addr(lp) {
                Ok(a) => proto::sockname(a),
                Err(e) => {
                    tcp.destroy(lp, None);
                    return Err(e);
                }
            };
            Ok(ServerHandle::ReusePort(ReusePort {
                tcp,
                sockname,
                all: Vec::new(),
            }))
        }
        Policy::Shared => {
            // listen(2) here, never accept here: the workers race on the accept queue
            let fd = tcp.as_fd(lp)?;
            if let Err(e) = rustix::net::listen(fd, backlog(q)) {
                tcp.destroy(lp, None);
                return Err(Error::from_io(&e.into(), "listen"));
            }
            Ok(ServerHandle::Shared(Shared {
                tcp,
                all: Vec::new(),
            }))
        }
        Policy::RoundRobin => {
            let cluster = w.cluster;
            let k = key.to_string();
            let r = tcp.listen(lp, backlog(q), move |lp, _, l, r| {
                rr::distribute(lp, cluster, &k, l, r);
            });
            if let Err(e) = r {
                tcp.destroy(lp, None);
                return Err(e);
            }
            tcp.set_ref(lp, false);
            let sockname = proto::sockname(tcp.local_addr(lp)?);
            Ok(ServerHandle::RoundRobin(RoundRobin::new(tcp, sockname)))
        }
    }
}

/// The primary's `worker.disconnect()`: no more connections for `w` (its outstanding one
/// is still answered).
pub(crate) fn stop_routing<S: 'static>(lp: &mut Loop<S>, w: Worker) {
    for k in rr_keys(lp, w) {
        rr::leave(lp, w, &k, false);
    }
}

/// The round-robin keys of `w`'s cluster.
fn rr_keys<S: 'static>(lp: &mut Loop<S>, w: Worker) -> Vec<String> {
    let Ok(st) = state(lp, w.cluster) else {
        return Vec::new();
    };
    st.servers
        .iter()
        .filter(|(_, h)| matches!(h, ServerHandle::RoundRobin(_)))
        .map(|(k, _)| k.clone())
        .collect()
}

/// `w`'s channel closed: it leaves every server; a connection it never answered for goes
/// to another worker. The listening sockets stay open.
pub(crate) fn remove_worker<S: 'static>(lp: &mut Loop<S>, w: Worker) {
    let Ok(st) = state(lp, w.cluster) else { return };
    for h in st.servers.values_mut() {
        if !matches!(h, ServerHandle::RoundRobin(_)) {
            h.all().retain(|&i| i != w.id);
        }
    }
    for k in rr_keys(lp, w) {
        rr::leave(lp, w, &k, true);
        rr::pump(lp, w.cluster, &k);
    }
}

/// The `close` act: `w`'s server under `key` closed. When it was the last worker there,
/// the primary closes the port (and resets the connections still queued).
pub(crate) fn close_key<S: 'static>(lp: &mut Loop<S>, w: Worker, key: &str) {
    let Ok(st) = state(lp, w.cluster) else { return };
    let rr_key = matches!(st.servers.get(key), Some(ServerHandle::RoundRobin(_)));
    if rr_key {
        rr::leave(lp, w, key, false);
    }
    let Ok(st) = state(lp, w.cluster) else { return };
    let empty = match st.servers.get_mut(key) {
        Some(ServerHandle::RoundRobin(r)) => r.idle(),
        Some(other) => {
            other.all().retain(|&i| i != w.id);
            other.all().is_empty()
        }
        None => return,
    };
    if !empty {
        if rr_key {
            rr::pump(lp, w.cluster, key);
        }
        return;
    }
    let Some(h) = state(lp, w.cluster)
        .ok()
        .and_then(|st| st.servers.remove(key))
    else {
        return;
    };
    h.close(lp);
}
