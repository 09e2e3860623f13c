//! One client connection: name resolution and connecting (every address in turn), the
//! socket's events, the idle timer, and its life in the agent's pool.
//!
//! A connection carries one request at a time (no pipelining). Each state has exactly one
//! pending completion that removes it: the lookup's callback while resolving, the socket's
//! `Close` once a socket exists, a tick for a failure found synchronously.

use super::agent::{self, Agent};
use super::request::{self, ClientRequest};
use super::response::{self, Phase};
use super::tick;
use ruv_core::registry::{Handle, HandleId};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, Result, Timer};
use ruv_net::Tcp;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// A connection's id in the loop's registry of connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ConnId(pub(crate) HandleId);

pub(crate) struct Conn {
    agent: Agent,
    name: String,
    port: u16,
    pub(crate) tcp: Option<Tcp>,
    pub(crate) connected: bool,
    /// Being closed: waiting for its socket's `Close` (or its lookup).
    pub(crate) dead: bool,
    pub(crate) req: Option<ClientRequest>,
    free: bool,
    /// Input not processed yet: a partial head, or bytes held while the response is paused.
    pub(crate) buf: Vec<u8>,
    pub(crate) phase: Phase,
    /// Nothing so far says the connection cannot carry another request.
    pub(crate) reusable: bool,
    /// The server's `Keep-Alive: timeout=N` (seconds), from the last response.
    pub(crate) hint: Option<u64>,
    pub(crate) head_request: bool,
    pub(crate) max_header_size: usize,
    timer: Option<Timer>,
    timeout: u64,
    /// Addresses not tried yet, and the last connect error.
    addrs: Vec<SocketAddr>,
    last_err: Option<Error>,
}

pub(crate) fn get<S: 'static>(lp: &mut Loop<S>, c: ConnId) -> Option<&mut Conn> {
    lp.handles::<Conn>().get_mut(c.0).map(|h| &mut h.data)
}

/// The agent and pool name of `c`, and the server's keep-alive hint.
pub(crate) fn owner<S: 'static>(
    lp: &mut Loop<S>,
    c: ConnId,
) -> Option<(Agent, String, Option<u64>)> {
    get(lp, c).map(|c| (c.agent, c.name.clone(), c.hint))
}

/// The socket of `c` if it is connected and not being closed.
pub(crate) fn writable<S: 'static>(lp: &mut Loop<S>, c: ConnId) -> Option<Tcp> {
    get(lp, c)
        .filter(|c| c.connected && !c.dead)
        .and_then(|c| c.tcp)
}

/// Opens a connection to `host:port` for `agent`'s pool `name`: resolves `host` (an IP
/// address is used as it is), then connects. Never fails synchronously: a failure reaches
/// the request the connection is given to.
pub(crate) fn open<S: 'static>(
    lp: &mut Loop<S>,
    agent: Agent,
    name: &str,
    host: &str,
    port: u16,
) -> ConnId {
    let id = lp.handles::<Conn>().insert(Handle::new(Conn {
        agent,
        name: name.to_string(),
        port,
        tcp: None,
        connected: false,
        dead: false,
        req: None,
        free: false,
        buf: Vec::new(),
        phase: Phase::Head,
        reusable: true,
        hint: None,
        head_request: false,
        max_header_size: super::DEFAULT_MAX_HEADER_SIZE,
        timer: None,
        timeout: 0,
        addrs: Vec::new(),
        last_err: None,
    }));
    let c = ConnId(id);
    if let Ok(ip) = host.parse::<IpAddr>() {
        if let Some(conn) = get(lp, c) {
            conn.addrs = vec![SocketAddr::new(ip, port)];
        }
        connect_next(lp, c);
        return c;
    }
    let opts = ruv_dns::LookupOptions {
        all: true,
        ..ruv_dns::LookupOptions::default()
    };
    let queued = ruv_dns::lookup(lp, host, opts, move |lp: &mut Loop<S>, s: &mut S, res| {
        on_lookup(lp, s, c, res)
    });
    if let Err(e) = queued {
        fail_later(lp, c, e);
    }
    c
}

fn on_lookup<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    c: ConnId,
    res: Result<Vec<ruv_dns::LookupAddress>>,
) {
    let Some(conn) = get(lp, c) else { return };
    if conn.dead {
        gone(lp, s, c);
        return;
    }
    match res {
        Ok(found) => {
            let port = conn.port;
            conn.addrs = found.iter().map(|a| a.socket_addr(port)).collect();
            connect_next(lp, c);
        }
        Err(e) => failed(lp, s, c, e),
    }
}

/// A failure found synchronously, reported from a tick (never inside the API call).
fn fail_later<S: 'static>(lp: &mut Loop<S>, c: ConnId, e: Error) {
    tick(lp, move |lp: &mut Loop<S>, s: &mut S| failed(lp, s, c, e));
}

/// Connects to the next address not tried yet; with none left, the connection fails
/// with the last error.
fn connect_next<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    loop {
        let Some(conn) = get(lp, c) else { return };
        if conn.addrs.is_empty() {
            let e = conn
                .last_err
                .take()
                .unwrap_or_else(|| Error::op(Code::ECONNREFUSED, "connect"));
            fail_later(lp, c, e);
            return;
        }
        let addr = conn.addrs.remove(0);
        let tcp = match Tcp::connect(lp, addr, move |lp: &mut Loop<S>, s: &mut S, r| {
            on_connect(lp, s, c, r)
        }) {
            Ok(t) => t,
            Err(e) => {
                if let Some(conn) = get(lp, c) {
                    conn.last_err = Some(e);
                }
                continue;
            }
        };
        let set = tcp.on_event(lp, move |lp: &mut Loop<S>, s: &mut S, tcp, ev| {
            on_tcp(lp, s, c, tcp, ev)
        });
        if let Some(conn) = get(lp, c) {
            conn.tcp = Some(tcp);
        }
        if let Err(e) = set {
            tcp.destroy(lp, None);
            if let Some(conn) = get(lp, c) {
                conn.tcp = None;
                conn.last_err = Some(e);
            }
            continue;
        }
        return;
    }
}

fn on_connect<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId, r: Result<()>) {
    let Some(conn) = get(lp, c) else { return };
    if conn.dead {
        return;
    }
    let Some(tcp) = conn.tcp else { return };
    let agent = conn.agent;
    match r {
        Ok(()) => {
            conn.connected = true;
            let req = conn.req;
            // Node's agents set noDelay, and keep-alive probes on keep-alive agents; a
            // socket that refuses either still works
            let opts = agent.options(lp).unwrap_or_default();
            if tcp.set_nodelay(lp, true).is_ok() && opts.keep_alive {
                let delay = Duration::from_millis(opts.keep_alive_msecs);
                tcp.set_keepalive(lp, true, delay).ok();
            }
            if let Some(req) = req {
                request::flush_out(lp, req);
            }
        }
        Err(e) => {
            conn.tcp = None;
            let more = !conn.addrs.is_empty();
            tcp.destroy(lp, None);
            if more {
                if let Some(conn) = get(lp, c) {
                    conn.last_err = Some(e);
                }
                connect_next(lp, c);
            } else {
                failed(lp, s, c, e);
            }
        }
    }
}

/// The connection could not be made: its request gets the error, then it leaves the pool.
fn failed<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId, e: Error) {
    let Some(conn) = get(lp, c) else { return };
    conn.dead = true;
    let req = conn.req.take();
    if let Some(tcp) = conn.tcp.take() {
        tcp.destroy(lp, None);
    }
    if let Some(req) = req {
        request::finish(lp, s, req, Some(e));
    }
    gone(lp, s, c);
}

/// The connection is closed: its request (if it still has one) ends with `socket hang up`
/// or `aborted`, then it leaves the registry and the pool.
fn gone<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId) {
    let Some(conn) = get(lp, c) else { return };
    let req = conn.req.take();
    if let Some(req) = req {
        let err = request::abort_error(lp, req);
        request::finish(lp, s, req, err);
    }
    let Some(h) = lp.handles::<Conn>().remove(c.0) else {
        return;
    };
    let conn = h.data;
    if let Some(t) = conn.timer {
        t.close(lp).ok();
    }
    agent::conn_gone(lp, conn.agent, &conn.name, c);
}

fn on_tcp<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId, tcp: Tcp, ev: StreamEvent<'_>) {
    let Some(conn) = get(lp, c) else { return };
    if conn.tcp != Some(tcp) {
        return; // a socket given up for the next address
    }
    match ev {
        StreamEvent::Data(d) => {
            touch(lp, c);
            response::on_data(lp, s, c, d);
        }
        StreamEvent::End => response::on_eof(lp, s, c),
        StreamEvent::Error(e) => {
            if let Some(req) = get(lp, c).and_then(|conn| conn.req.take()) {
                request::finish(lp, s, req, Some(e));
            }
            destroy(lp, c);
        }
        StreamEvent::Drain => {
            touch(lp, c);
            if let Some(req) = get(lp, c).and_then(|conn| conn.req) {
                request::on_drain(lp, s, req);
            }
        }
        // the writes of a connection closed after them are flushed (destroy_soon)
        StreamEvent::Finish => {
            if get(lp, c).is_some_and(|conn| conn.dead) {
                tcp.destroy(lp, None);
            }
        }
        StreamEvent::Close => gone(lp, s, c),
    }
}

/// Gives `c` to `req` (Node's `onSocket`): referenced again, timer set to the request's
/// timeout (or the agent's), the request's buffered output written if connected.
pub(crate) fn attach<S: 'static>(lp: &mut Loop<S>, c: ConnId, req: ClientRequest) {
    let Some((method_head, max_header, timeout, paused)) = request::conn_params(lp, req) else {
        return;
    };
    let Some(conn) = get(lp, c) else { return };
    let agent = conn.agent;
    conn.req = Some(req);
    conn.free = false;
    conn.phase = Phase::Head;
    conn.buf.clear();
    conn.reusable = true;
    conn.hint = None;
    conn.head_request = method_head;
    conn.max_header_size = max_header;
    let tcp = conn.tcp;
    let connected = conn.connected;
    if let Some(tcp) = tcp {
        tcp.set_ref(lp, true);
        if paused {
            tcp.pause(lp);
        } else {
            tcp.resume(lp);
        }
    }
    let ms = timeout.or_else(|| agent.options(lp).and_then(|o| o.timeout));
    set_timeout(lp, c, ms.unwrap_or(0));
    request::set_conn(lp, req, Some(c));
    if connected {
        request::flush_out(lp, req);
    }
}

/// `c` goes to the free list: no request, unreferenced, closed after `timeout` ms idle
/// (0: never).
pub(crate) fn make_free<S: 'static>(lp: &mut Loop<S>, c: ConnId, timeout: u64) {
    let Some(conn) = get(lp, c) else { return };
    conn.req = None;
    conn.free = true;
    conn.phase = Phase::Head;
    conn.buf.clear();
    if let Some(tcp) = conn.tcp {
        // reading, to see the server close it (a request paused at its end left it paused)
        tcp.set_ref(lp, false);
        tcp.resume(lp);
    }
    set_timeout(lp, c, timeout);
}

/// Detaches `req` from `c` if it is the one `c` carries.
pub(crate) fn detach<S: 'static>(lp: &mut Loop<S>, c: ConnId, req: ClientRequest) {
    if let Some(conn) = get(lp, c) {
        if conn.req == Some(req) {
            conn.req = None;
        }
    }
}

/// Closes `c` now (its queued writes are dropped); it leaves the pool when its socket's
/// `Close` comes. A no-op for a connection already closing.
pub(crate) fn destroy<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    let Some(conn) = get(lp, c) else { return };
    if conn.dead {
        return;
    }
    conn.dead = true;
    let (agent, name, free, tcp) = (conn.agent, conn.name.clone(), conn.free, conn.tcp);
    if let Some(t) = conn.timer {
        t.stop(lp);
    }
    if free {
        agent::forget_free(lp, agent, &name, c);
    }
    // without a socket, the lookup's callback or the pending failure removes it
    if let Some(tcp) = tcp {
        tcp.destroy(lp, None);
    }
}

/// Closes `c` once the writes queued on it are flushed (Node's `destroySoon`).
pub(crate) fn destroy_soon<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    let Some(tcp) = get(lp, c).and_then(|conn| conn.tcp) else {
        destroy(lp, c);
        return;
    };
    if tcp.write_queue_size(lp).unwrap_or(0) == 0 || tcp.end(lp).is_err() {
        destroy(lp, c);
        return;
    }
    if let Some(conn) = get(lp, c) {
        conn.dead = true;
        if let Some(t) = conn.timer {
            t.stop(lp);
        }
    }
}

/// Stops reading (the response is paused).
pub(crate) fn pause<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    if let Some(tcp) = get(lp, c).and_then(|conn| conn.tcp) {
        tcp.pause(lp);
    }
}

/// Reads again: input held while paused is processed first, from a tick.
pub(crate) fn resume<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    let Some(conn) = get(lp, c) else { return };
    let held = !conn.buf.is_empty();
    let tcp = conn.tcp;
    if !held {
        if let Some(tcp) = tcp {
            tcp.resume(lp);
        }
        return;
    }
    tick(lp, move |lp: &mut Loop<S>, s: &mut S| {
        response::process_held(lp, s, c)
    });
}

/// Activity: the idle timer starts over.
pub(crate) fn touch<S: 'static>(lp: &mut Loop<S>, c: ConnId) {
    if let Some(conn) = get(lp, c) {
        if let (Some(t), ms) = (conn.timer, conn.timeout) {
            if ms > 0 {
                t.restart(lp, ms, 0).ok();
            }
        }
    }
}

/// Sets the idle timeout of `c` (0: none), starting now. The timer never keeps the loop
/// alive.
pub(crate) fn set_timeout<S: 'static>(lp: &mut Loop<S>, c: ConnId, ms: u64) {
    let Some(conn) = get(lp, c) else { return };
    conn.timeout = ms;
    let timer = conn.timer;
    if ms == 0 {
        if let Some(t) = timer {
            t.stop(lp);
        }
        return;
    }
    let t = match timer {
        Some(t) => t,
        None => {
            let Ok(t) = Timer::new(lp) else { return };
            t.set_ref(lp, false);
            let started = t.start(lp, ms, 0, move |lp: &mut Loop<S>, s: &mut S, _| {
                on_timeout(lp, s, c)
            });
            if started.is_err() {
                t.close(lp).ok();
                return;
            }
            if let Some(conn) = get(lp, c) {
                conn.timer = Some(t);
            }
            return;
        }
    };
    t.restart(lp, ms, 0).ok();
}

/// The idle timer fired: a free connection is closed; one in use tells its request
/// (Node's `'timeout'`, which closes nothing).
fn on_timeout<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId) {
    let Some(conn) = get(lp, c) else { return };
    if conn.dead {
        return;
    }
    if conn.free {
        destroy(lp, c);
    } else if let Some(req) = conn.req {
        request::emit(lp, s, req, super::ClientEvent::Timeout);
    }
}
