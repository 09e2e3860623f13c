//! Round-robin (Node's `RoundRobinHandle`, scheduled differently): the primary listens,
//! accepts, and hands each connection to the workers in turn with `newconn`.
//!
//! Node hands a connection to the first *free* worker (one with no `newconn` unanswered),
//! so a worker that answers faster — it got the CPU first — takes more of a burst: measured
//! here, 100 keep-alive connections split 2:1 between two workers. ruv keeps a strict turn
//! (a cursor over the workers) and lets each worker have `newconn`s unanswered: a worker's
//! turn is skipped only when it looks stuck — its oldest unanswered `newconn` is
//! [`STALL_MS`] old, or it has [`WINDOW`] unanswered — never because another answered a
//! microsecond sooner. A worker in an infinite loop so holds only what arrived in its first
//! few milliseconds (until the supervisor kills it and they go to others).
//!
//! A worker that answers "not accepted" never gets that socket back; it goes to another
//! worker. A worker whose channel closes with `newconn`s unanswered never read them (a
//! worker answers before it reads): the primary keeps its copy of each socket until the
//! answer, and hands them to other workers. The listening socket stays open while workers
//! come and go (Node closes it when no worker is left, so clients meet `ECONNREFUSED` while
//! workers restart); it closes when the last worker's server closes it explicitly. It is
//! unreferenced: the workers keep the primary alive, not the port. With [`MAX_QUEUED`]
//! connections waiting for workers, the primary stops accepting (the kernel's backlog
//! holds the next ones) until half have gone.

use super::{send_to, state, Worker};
use crate::proto::{self, act};
use ruv_core::{Loop, Result};
use ruv_net::Tcp;
use ruv_process::ipc::SendHandle;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

/// Connections the primary holds for busy workers before it stops accepting: past this the
/// kernel's backlog queues them (and then refuses), so a flood cannot exhaust the primary's
/// descriptors.
const MAX_QUEUED: usize = 512;

/// `newconn`s a worker may have unanswered before its turn is skipped.
const WINDOW: usize = 64;

/// How old a worker's oldest unanswered `newconn` may be (ms, loop time) before its turn is
/// skipped: longer than a scheduler's time slice, so a worker that is merely waiting for a
/// CPU keeps its share of a burst.
const STALL_MS: u64 = 10;

struct Queued {
    tcp: Tcp,
    /// Workers that answered "not accepted" for it.
    refused: Vec<u32>,
}

pub(crate) struct RoundRobin {
    listener: Tcp,
    pub(super) sockname: Value,
    /// The workers routed to, in the order they joined; `next` is whose turn it is.
    all: Vec<u32>,
    next: usize,
    queue: VecDeque<Queued>,
    /// Per worker, its unanswered `newconn`s: token, loop time sent (ms), socket.
    outstanding: HashMap<u32, Vec<(u64, u64, Queued)>>,
    token: u64,
    /// The listener's accepting is paused (the queue is full).
    paused: bool,
}

impl RoundRobin {
    pub(super) fn new(listener: Tcp, sockname: Value) -> RoundRobin {
        RoundRobin {
            listener,
            sockname,
            all: Vec::new(),
            next: 0,
            queue: VecDeque::new(),
            outstanding: HashMap::new(),
            token: 0,
            paused: false,
        }
    }

    pub(super) fn workers(&mut self) -> &mut Vec<u32> {
        &mut self.all
    }

    /// Whether no worker is routed to and none has a `newconn` unanswered.
    pub(super) fn idle(&self) -> bool {
        self.all.is_empty() && self.outstanding.values().all(Vec::is_empty)
    }

    pub(super) fn close<S: 'static>(self, lp: &mut Loop<S>) {
        self.listener.destroy(lp, None);
        for q in self.queue {
            q.tcp.destroy(lp, None);
        }
        for (_, _, q) in self.outstanding.into_values().flatten() {
            q.tcp.destroy(lp, None);
        }
    }

    /// The next (queued socket, worker) pair by the turn, or `None` when nothing can be
    /// handed now.
    fn pick(&mut self, now: u64) -> Option<(usize, u32)> {
        let n = self.all.len();
        if n == 0 {
            return None;
        }
        let stuck = |list: Option<&Vec<(u64, u64, Queued)>>| match list {
            Some(l) => l.len() >= WINDOW || l.first().is_some_and(|o| now - o.1 >= STALL_MS),
            None => false,
        };
        for (pos, q) in self.queue.iter().enumerate() {
            let mut room = false;
            for i in 0..n {
                let id = self.all[(self.next + i) % n];
                if stuck(self.outstanding.get(&id)) {
                    continue;
                }
                room = true;
                if !q.refused.contains(&id) {
                    self.next = (self.next + i + 1) % n;
                    return Some((pos, id));
                }
            }
            if !room {
                return None; // every worker looks stuck
            }
        }
        None
    }
}

fn rr<'a, S: 'static>(
    lp: &'a mut Loop<S>,
    cluster: super::Cluster,
    key: &str,
) -> Option<&'a mut RoundRobin> {
    match state(lp, cluster).ok()?.servers.get_mut(key)? {
        super::servers::ServerHandle::RoundRobin(r) => Some(r),
        _ => None,
    }
}

/// The listener's callback: accept, queue, hand out.
pub(super) fn distribute<S: 'static>(
    lp: &mut Loop<S>,
    cluster: super::Cluster,
    key: &str,
    l: Tcp,
    r: Result<()>,
) {
    if r.is_err() {
        return; // an accept error (EMFILE …): the listener goes on
    }
    let Ok(tcp) = l.accept(lp) else { return };
    let Some(h) = rr(lp, cluster, key) else {
        tcp.destroy(lp, None);
        return;
    };
    h.queue.push_back(Queued {
        tcp,
        refused: Vec::new(),
    });
    if h.queue.len() >= MAX_QUEUED && !h.paused {
        h.paused = true;
        let listener = h.listener;
        listener.pause_accept(lp).ok();
    }
    pump(lp, cluster, key);
}

/// `w` joins the key (its `queryServer` was answered).
pub(super) fn join<S: 'static>(lp: &mut Loop<S>, w: Worker, key: &str) {
    if let Some(h) = rr(lp, w.cluster, key) {
        if !h.all.contains(&w.id) {
            h.all.push(w.id);
        }
    }
    pump(lp, w.cluster, key);
}

/// Hands out queued sockets while some worker's window has room.
pub(super) fn pump<S: 'static>(lp: &mut Loop<S>, cluster: super::Cluster, key: &str) {
    let now = lp.now();
    loop {
        let Some(h) = rr(lp, cluster, key) else {
            return;
        };
        let Some((pos, id)) = h.pick(now) else { break };
        let q = h.queue.remove(pos).expect("picked from the queue");
        let tcp = q.tcp;
        h.token += 1;
        let token = h.token;
        h.outstanding.entry(id).or_default().push((token, now, q));
        let w = Worker { cluster, id };
        let k = key.to_string();
        let fields = proto::request(act::NEWCONN, json!({ "key": key }));
        let reply: proto::ReplyFn<S> = Box::new(move |lp, _, v, _| {
            let accepted = v.get("accepted").and_then(Value::as_bool).unwrap_or(false);
            answered(lp, w, &k, token, accepted);
        });
        let handle = Some((SendHandle::TcpNative(tcp), true));
        if send_to(lp, w, fields, handle, Some(reply)).is_err() {
            // the channel is gone: its sockets wait for other workers
            leave(lp, w, key, true);
        }
    }
    let Some(h) = rr(lp, cluster, key) else {
        return;
    };
    if h.paused && h.queue.len() < MAX_QUEUED / 2 {
        h.paused = false;
        let listener = h.listener;
        listener.resume_accept(lp).ok();
    }
}

/// A worker's answer to one `newconn`.
fn answered<S: 'static>(lp: &mut Loop<S>, w: Worker, key: &str, token: u64, accepted: bool) {
    let Some(h) = rr(lp, w.cluster, key) else {
        return;
    };
    let Some(list) = h.outstanding.get_mut(&w.id) else {
        return;
    };
    let Some(i) = list.iter().position(|o| o.0 == token) else {
        return;
    };
    let (_, _, mut q) = list.remove(i);
    if accepted {
        // the worker has its own copy now
        q.tcp.destroy(lp, None);
    } else {
        q.refused.push(w.id);
        h.queue.push_back(q);
    }
    pump(lp, w.cluster, key);
}

/// `w` gets no more sockets on `key`; with `gone` (its channel closed) the ones it never
/// answered for go back to the front of the queue, in order.
pub(super) fn leave<S: 'static>(lp: &mut Loop<S>, w: Worker, key: &str, gone: bool) {
    let Some(h) = rr(lp, w.cluster, key) else {
        return;
    };
    if let Some(i) = h.all.iter().position(|&id| id == w.id) {
        h.all.remove(i);
        if i < h.next {
            h.next -= 1;
        }
        if h.next >= h.all.len() {
            h.next = 0;
        }
    }
    if gone {
        if let Some(list) = h.outstanding.remove(&w.id) {
            for (_, _, q) in list.into_iter().rev() {
                h.queue.push_front(q);
            }
        }
    }
}
