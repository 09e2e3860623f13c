//! Node's cluster protocol (v20), as it travels on the json IPC channel.
//!
//! Every message is an internal message `{"cmd": "NODE_CLUSTER", "act": …, …, "seq": N}`;
//! a reply has no `act` but `ack`: the `seq` of the request it answers. `seq` is one counter
//! per process (the primary's is shared by all its workers), incremented for every cluster
//! message, replies included. ruv's own additions use `cmd: "NODE_RUV_CLUSTER"`, which
//! Node's cluster code ignores. The acts:
//!
//! | direction | act | fields |
//! |---|---|---|
//! | W→P | `online` | |
//! | W→P | `queryServer` | `index, data, address, port, addressType, backlog` |
//! | P→W | (reply) | `errno` (null / 0 / negative errno), `key`, `data`, `sockname` (rr) + a handle (shared) |
//! | W→P | `listening` | the query's fields, the real `port` |
//! | P→W | `newconn` + a socket | `key` |
//! | W→P | (reply) | `accepted` |
//! | W→P | `close` | `key` |
//! | P→W | `disconnect` | |
//! | W→P | `exitedAfterDisconnect` | (P acknowledges) |

use ruv_core::{Code, Error, Loop};
use ruv_process::ipc::ReceivedHandle;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The `cmd` of Node's cluster messages.
pub const CMD: &str = "NODE_CLUSTER";
/// The `cmd` of ruv's own cluster messages (ignored by Node).
pub const RUV_CMD: &str = "NODE_RUV_CLUSTER";
/// ruv's field in a `queryServer` (a ruv worker can bind `SO_REUSEPORT` itself) and in its
/// reply (bind it yourself at `sockname`). Node's primary ignores it in a query; a Node
/// worker never gets it (it never asks).
pub const RUV_REUSEPORT: &str = "ruvReusePort";
/// ruv's field in a `queryServer` from a server whose clients speak first (HTTP): seconds
/// of `TCP_DEFER_ACCEPT` for the port's listening socket, so that a connection reaches a
/// worker only once its request has arrived (docs/cluster.md, "Deferred accept"). Node's
/// primary ignores it.
pub const RUV_DEFER_ACCEPT: &str = "ruvDeferAccept";

/// The wait ruv's HTTP workers ask for in [`RUV_DEFER_ACCEPT`], in seconds.
pub const DEFER_ACCEPT_SECS: u64 = 1;

/// The `TCP_DEFER_ACCEPT` wait a query asks for, if any.
pub fn defer_accept_of(q: &Value) -> Option<std::time::Duration> {
    let secs = q.get(RUV_DEFER_ACCEPT)?.as_u64()?;
    (secs > 0).then(|| std::time::Duration::from_secs(secs.min(3600)))
}

/// The acts.
pub mod act {
    /// W→P: the worker is running.
    pub const ONLINE: &str = "online";
    /// W→P: asks for a server.
    pub const QUERY_SERVER: &str = "queryServer";
    /// W→P: the worker's server listens.
    pub const LISTENING: &str = "listening";
    /// W→P: the worker's server closed.
    pub const CLOSE: &str = "close";
    /// W→P: the worker disconnects on its own.
    pub const EXITED_AFTER_DISCONNECT: &str = "exitedAfterDisconnect";
    /// P→W: a connection (round-robin).
    pub const NEWCONN: &str = "newconn";
    /// P→W: close your servers and the channel.
    pub const DISCONNECT: &str = "disconnect";
}

/// The acts of ruv's own messages (`cmd: "NODE_RUV_CLUSTER"`, W→P).
pub mod ruv_act {
    /// The worker is ready to serve (a supervisor's rolling restart waits for it).
    pub const READY: &str = "ready";
    /// The worker's load: `conns`, `requests`, `elu` (sent every second).
    pub const METRICS: &str = "metrics";
}

/// The message's `act` (`""` for a reply or a message without one).
pub fn act_of(v: &Value) -> &str {
    v.get("act").and_then(Value::as_str).unwrap_or("")
}

/// The message's `ack`, if it is a reply.
pub fn ack_of(v: &Value) -> Option<u64> {
    v.get("ack").and_then(Value::as_u64)
}

/// One process's `seq` counter.
#[derive(Debug, Default)]
pub struct Seq(u64);

impl Seq {
    /// The next `seq` (the first is 0).
    pub fn take(&mut self) -> u64 {
        let n = self.0;
        self.0 += 1;
        n
    }
}

/// Builds `{"cmd": cmd, …fields, "seq": seq}`.
pub fn envelope(cmd: &str, fields: Map<String, Value>, seq: u64) -> Value {
    let mut m = Map::new();
    m.insert("cmd".into(), Value::from(cmd));
    m.extend(fields);
    m.insert("seq".into(), Value::from(seq));
    Value::Object(m)
}

/// A request's fields: `act` first, then `more`.
pub fn request(act: &str, more: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("act".into(), Value::from(act));
    if let Value::Object(more) = more {
        m.extend(more);
    }
    m
}

/// A reply's fields: `ack`, then `more`.
pub fn reply(ack: u64, more: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ack".into(), Value::from(ack));
    if let Value::Object(more) = more {
        m.extend(more);
    }
    m
}

/// What a reply callback gets: the reply and the handle that came with it.
pub type ReplyFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, &Value, Option<ReceivedHandle>)>;

/// Callbacks waiting for the reply to a request, by the request's `seq`.
pub struct Replies<S> {
    waiting: HashMap<u64, ReplyFn<S>>,
}

impl<S> Default for Replies<S> {
    fn default() -> Self {
        Replies {
            waiting: HashMap::new(),
        }
    }
}

impl<S> std::fmt::Debug for Replies<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replies")
            .field("waiting", &self.waiting.len())
            .finish()
    }
}

impl<S> Replies<S> {
    /// Waits for the reply to `seq`.
    pub fn insert(&mut self, seq: u64, cb: ReplyFn<S>) {
        self.waiting.insert(seq, cb);
    }

    /// The callback waiting for `ack`, taken.
    pub fn take(&mut self, ack: u64) -> Option<ReplyFn<S>> {
        self.waiting.remove(&ack)
    }

    /// How many replies are awaited.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether no reply is awaited.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

/// Node's server key: `${address}:${port}:${addressType}:${fd}:${index}`, with JS's
/// `null` for no address and `undefined` for no fd (`null:8000:4:undefined:0`).
pub fn server_key(
    address: Option<&str>,
    port: u16,
    address_type: i32,
    fd: Option<i32>,
    index: u32,
) -> String {
    let address = address.unwrap_or("null");
    let fd = fd.map_or_else(|| "undefined".to_string(), |f| f.to_string());
    format!("{address}:{port}:{address_type}:{fd}:{index}")
}

/// The key of a `queryServer` message (its own fields), as Node's primary makes it.
pub fn key_of_query(q: &Value) -> String {
    let address = q.get("address").and_then(Value::as_str);
    let port = q.get("port").and_then(Value::as_u64).unwrap_or(0) as u16;
    let ty = q.get("addressType").and_then(Value::as_i64).unwrap_or(4) as i32;
    let fd = q.get("fd").and_then(Value::as_i64).map(|f| f as i32);
    let index = q.get("index").and_then(Value::as_u64).unwrap_or(0) as u32;
    server_key(address, port, ty, fd, index)
}

/// Node's `errno` field for an error: the negative errno (libuv's), or `-1` for an error
/// without one.
pub fn errno_of(e: &Error) -> i64 {
    -(e.code().errno().unwrap_or(1) as i64)
}

/// The error a reply's `errno` names (`None` for null or 0: success), with `syscall`.
pub fn error_of(errno: &Value, syscall: &'static str) -> Option<Error> {
    let n = errno.as_i64().filter(|&n| n != 0)?;
    let code = Code::from_errno(n.unsigned_abs() as i32);
    Some(Error::op(code, syscall))
}

/// Node's `sockname` object: `{address, family: "IPv4" | "IPv6", port}`.
pub fn sockname(addr: SocketAddr) -> Value {
    let family = if addr.is_ipv6() { "IPv6" } else { "IPv4" };
    serde_json::json!({ "address": addr.ip().to_string(), "family": family, "port": addr.port() })
}

/// The address a `sockname` object names.
pub fn parse_sockname(v: &Value) -> Option<SocketAddr> {
    let ip: std::net::IpAddr = v.get("address")?.as_str()?.parse().ok()?;
    let port = v.get("port")?.as_u64()? as u16;
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_keys_are_nodes_strings() {
        assert_eq!(
            server_key(None, 8000, 4, None, 0),
            "null:8000:4:undefined:0"
        );
        assert_eq!(
            server_key(Some("127.0.0.1"), 0, 4, Some(3), 2),
            "127.0.0.1:0:4:3:2"
        );
        let q = serde_json::json!({"act": "queryServer", "index": 1, "data": null,
            "address": "::1", "port": 80, "addressType": 6, "backlog": 511});
        assert_eq!(key_of_query(&q), "::1:80:6:undefined:1");
    }

    #[test]
    fn the_envelope_carries_cmd_fields_and_seq() {
        let v = envelope(CMD, request(act::ONLINE, Value::Null), 7);
        assert_eq!(
            v,
            serde_json::json!({"cmd": "NODE_CLUSTER", "act": "online", "seq": 7})
        );
        let r = envelope(CMD, reply(3, serde_json::json!({"accepted": true})), 8);
        assert_eq!(ack_of(&r), Some(3));
        assert_eq!(act_of(&r), "");
    }

    #[test]
    fn errno_round_trips_through_the_wire() {
        let e = Error::op(Code::EADDRINUSE, "bind");
        let n = errno_of(&e);
        assert_eq!(n, -98);
        let back = error_of(&Value::from(n), "bind").expect("an error");
        assert_eq!(back.code(), Code::EADDRINUSE);
        assert!(error_of(&Value::Null, "bind").is_none());
        assert!(error_of(&Value::from(0), "bind").is_none());
    }

    #[test]
    fn seq_counts_from_zero_and_replies_are_taken_once() {
        let mut seq = Seq::default();
        assert_eq!((seq.take(), seq.take()), (0, 1));
        let mut r: Replies<()> = Replies::default();
        r.insert(1, Box::new(|_, _, _, _| {}));
        assert!(r.take(1).is_some());
        assert!(r.take(1).is_none());
        assert!(r.is_empty());
    }

    #[test]
    fn socknames_parse_back() {
        let a: SocketAddr = "[::]:3000".parse().unwrap();
        let v = sockname(a);
        assert_eq!(v["family"], "IPv6");
        assert_eq!(parse_sockname(&v), Some(a));
    }
}
