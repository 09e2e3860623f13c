//! One server connection: reading and parsing requests (pipelined, in order), holding
//! input when a body, the output or the pipeline is backed up, writing responses in
//! order, client errors, keep-alive and idle timeouts.

use super::closing::{arm_keep_alive, client_error, linger, on_idle, touch};
use super::exchange;
use super::{emit_close_if_drained, state, Server};
use crate::body::{Decoder, Step};
use crate::codes::{HPE_HEADER_OVERFLOW, HPE_INVALID_EOF_STATE};
use crate::parse::{self, Limits, Parsed, RequestHead};
use ruv_core::registry::{Handle, HandleId};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, Result, Timer};
use ruv_net::Tcp;
use std::collections::VecDeque;
use std::net::SocketAddr;

/// A server's connection: a `Copy` id, stale once the connection is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection(pub(crate) HandleId);

pub(crate) struct Conn {
    pub(crate) tcp: Tcp,
    /// The server's options (a copy: read on every request).
    pub(crate) opts: super::ServerOptions,
    pub(crate) server: Server,
    /// This connection's place in the server's list.
    pub(crate) slot: usize,
    /// Input not processed yet: a partial head, or bytes held back.
    pub(crate) inbuf: Vec<u8>,
    /// The request whose body is arriving, and its decoder.
    pub(crate) body: Option<(HandleId, Decoder)>,
    /// Requests whose responses are not done, in order; the front one writes.
    pub(crate) queue: VecDeque<HandleId>,
    /// Output of the front response, written at the end of the current read or call.
    pub(crate) out: Vec<u8>,
    /// Processing input now: output is flushed when that ends.
    pub(crate) in_read: bool,
    /// `loop time` when the message now arriving began (headers and request timeouts).
    pub(crate) started: Option<u64>,
    pub(crate) headers_done: bool,
    /// Requests received.
    pub(crate) requests: usize,
    /// Input is held (and reading paused) until something drains.
    pub(crate) held: bool,
    /// No more requests are read: a response said `Connection: close`, or an error.
    pub(crate) no_more: bool,
    /// `end` was called on the socket.
    pub(crate) ended: bool,
    /// The peer ended its side.
    pub(crate) peer_ended: bool,
    /// The socket is being destroyed.
    pub(crate) dead: bool,
    /// Some response's `write` returned `false`; `Drain` is owed to the front one.
    pub(crate) need_drain: bool,
    /// A `Drain` of ours is queued (the socket took what made `write` say "wait").
    pub(crate) drain_queued: bool,
    pub(crate) keep_alive_timer: Option<Timer>,
    /// The keep-alive timer is armed (it is re-armed lazily, not on every request).
    pub(crate) ka_armed: bool,
    /// Loop time since which the connection is idle between requests.
    pub(crate) idle_since: Option<u64>,
    /// Bytes handed to the socket's write queue and not yet written.
    pub(crate) backlog: usize,
    /// Its server is closing: answers say `Connection: close`, idle means closed.
    pub(crate) server_closing: bool,
    pub(crate) idle_timer: Option<Timer>,
    /// A scratch head parsed into before it moves into its request.
    pub(crate) scratch: RequestHead,
}

pub(crate) fn get<S: 'static>(lp: &mut Loop<S>, c: HandleId) -> Option<&mut Conn> {
    lp.handles::<Conn>().get_mut(c).map(|h| &mut h.data)
}

/// Opens a connection of `server` on `tcp`.
pub(crate) fn open<S: 'static>(lp: &mut Loop<S>, server: Server, tcp: Tcp) -> Result<Connection> {
    let (slot, opts) =
        state(lp, server).map_or((0, Default::default()), |st| (st.conns.len(), st.opts));
    let id = lp.handles::<Conn>().insert(Handle::new(Conn {
        tcp,
        opts,
        server,
        slot,
        inbuf: Vec::new(),
        body: None,
        queue: VecDeque::new(),
        out: Vec::new(),
        in_read: false,
        started: None,
        headers_done: false,
        requests: 0,
        held: false,
        no_more: false,
        ended: false,
        peer_ended: false,
        dead: false,
        need_drain: false,
        drain_queued: false,
        keep_alive_timer: None,
        ka_armed: false,
        idle_since: None,
        backlog: 0,
        server_closing: false,
        idle_timer: None,
        scratch: RequestHead::default(),
    }));
    if let Err(e) = tcp.on_event(lp, move |lp, s, _, ev| on_event(lp, s, id, ev)) {
        lp.handles::<Conn>().remove(id);
        tcp.destroy(lp, None);
        return Err(e);
    }
    if let Some(st) = state(lp, server) {
        st.conns.push(id);
    }
    let idle = opts.timeout;
    if idle > 0 {
        let t = Timer::new(lp)?;
        t.start(lp, idle, 0, move |lp, s, _| on_idle(lp, s, id))?;
        t.set_ref(lp, false);
        if let Some(c) = get(lp, id) {
            c.idle_timer = Some(t);
        }
    }
    Ok(Connection(id))
}

fn on_event<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ev: StreamEvent<'_>) {
    match ev {
        StreamEvent::Data(d) => on_data(lp, s, id, d),
        StreamEvent::End => on_end(lp, s, id),
        StreamEvent::Drain => on_drain(lp, s, id),
        // our `end` flushed: done once the peer ends too (lingering close)
        StreamEvent::Finish => linger(lp, id),
        StreamEvent::Error(_) => destroy(lp, id),
        StreamEvent::Close => on_close(lp, s, id),
    }
}

fn on_data<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, data: &[u8]) {
    let Some(c) = get(lp, id) else { return };
    // data came: not idle any more (the keep-alive timer checks this when it fires)
    c.idle_since = None;
    if c.idle_timer.is_some() {
        touch(lp, id);
    }
    let Some(c) = get(lp, id) else { return };
    if c.no_more && c.body.is_none() {
        // after `Connection: close` or an error, what comes is not read
        return;
    }
    if c.inbuf.is_empty() && !c.held {
        c.in_read = true;
        let used = process(lp, s, id, data);
        if let Some(c) = get(lp, id) {
            if used < data.len() && !c.dead {
                c.inbuf.extend_from_slice(&data[used..]);
            }
        }
    } else {
        c.inbuf.extend_from_slice(data);
        if c.held {
            return;
        }
        // a head completes only with a line end: skip the re-parse when none came
        if c.body.is_none() && !data.contains(&b'\n') {
            if c.inbuf.len() > c.opts.max_header_size {
                client_error(lp, s, id, Error::new(HPE_HEADER_OVERFLOW));
            }
            return;
        }
        run_inbuf(lp, s, id);
    }
    end_read(lp, id);
}

/// Processes the held input.
fn run_inbuf<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    c.in_read = true;
    let buf = std::mem::take(&mut c.inbuf);
    let used = process(lp, s, id, &buf);
    if let Some(c) = get(lp, id) {
        if !c.dead && used < buf.len() {
            let mut buf = buf;
            buf.drain(..used);
            if c.inbuf.is_empty() {
                c.inbuf = buf;
            } else {
                // more came meanwhile (not possible today: reads are not re-entrant)
                buf.extend_from_slice(&c.inbuf);
                c.inbuf = buf;
            }
        }
    }
}

/// After a read: flush the output, hold or resume reading, arm the keep-alive timer.
fn end_read<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    c.in_read = false;
    flush(lp, id);
    arm_keep_alive(lp, id);
}

/// Holds the input: reading pauses until something drains.
fn hold<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    c.held = true;
    let tcp = c.tcp;
    tcp.pause(lp);
}

/// Parses and dispatches what `input` holds; returns how much of it was used (the rest
/// is a partial head or held back).
fn process<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, input: &[u8]) -> usize {
    let mut pos = 0;
    loop {
        let now = lp.now();
        let Some(c) = get(lp, id) else {
            return input.len();
        };
        // a body whose last byte came needs no more input to complete
        let completing = c.body.as_ref().is_some_and(|(_, d)| d.is_done());
        if pos == input.len() && !completing {
            return pos;
        }
        if c.dead {
            return pos;
        }
        if !completing {
            // stop before a piece that would overfill a buffer: the body's, the
            // pipeline's, or the output's
            let hwm = c.opts.high_water_mark;
            let body = c.body.as_ref().map(|b| b.0);
            let blocked = match body {
                Some(ex) => exchange::body_blocked(lp, ex, hwm),
                None => c.queue.len() >= c.opts.max_pipelined || c.out.len() + c.backlog >= hwm,
            };
            if blocked {
                hold(lp, id);
                return pos;
            }
        }
        let Some(c) = get(lp, id) else {
            return input.len();
        };
        if let Some((ex, dec)) = &mut c.body {
            let ex = *ex;
            match dec.step(&input[pos..]) {
                Err(e) => {
                    client_error(lp, s, id, e);
                    return input.len();
                }
                Ok(Step::More) => return input.len(),
                Ok(Step::Data { data, used }) => {
                    pos += used;
                    exchange::body_data(lp, s, ex, data);
                }
                Ok(Step::Done { used }) => {
                    pos += used;
                    let trailers = c.body.take().map(|(_, mut d)| d.take_trailers());
                    c.started = None;
                    c.headers_done = false;
                    exchange::body_done(lp, s, ex, trailers.unwrap_or_default());
                }
            }
            continue;
        }
        if c.no_more {
            return input.len();
        }
        let (server, o) = (c.server, c.opts);
        let lim = Limits {
            max_header_size: o.max_header_size,
            max_headers_count: o.max_headers_count,
        };
        if c.started.is_none() {
            c.started = Some(now);
        }
        match parse::request(&input[pos..], &lim, &mut c.scratch) {
            Ok(Parsed::Partial) => return pos,
            Err(e) => {
                client_error(lp, s, id, e);
                return input.len();
            }
            Ok(Parsed::Complete(n)) => {
                pos += n;
                c.headers_done = true;
                let fresh = super::with_shared(|sh| sh.heads.pop()).unwrap_or_default();
                let Some(c) = get(lp, id) else {
                    return input.len();
                };
                let head = std::mem::replace(&mut c.scratch, fresh);
                c.requests += 1;
                let framing = head.framing();
                let ex = exchange::create(lp, id, server, head);
                let Some(c) = get(lp, id) else {
                    return input.len();
                };
                c.queue.push_back(ex);
                if framing == parse::Framing::Empty {
                    c.started = None;
                    c.headers_done = false;
                } else {
                    c.body = Some((ex, Decoder::new(framing, o.max_header_size)));
                }
                exchange::dispatch_request(lp, s, ex, &o);
            }
        }
    }
}

/// The peer ended its side.
fn on_end<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    c.peer_ended = true;
    if c.ended {
        // lingering after our answer: now both sides are done
        destroy(lp, id);
        return;
    }
    let mid_message = c.body.as_ref().is_some_and(|(_, d)| !d.until_close())
        || c.inbuf.iter().any(|&b| b != b'\r' && b != b'\n') && c.body.is_none();
    if mid_message {
        client_error(lp, s, id, Error::new(HPE_INVALID_EOF_STATE));
        return;
    }
    // Node (httpAllowHalfOpen off): our side ends too, once the answers owed are out
    c.no_more = true;
    if c.queue.is_empty() {
        end_socket(lp, id);
    }
}

/// Half-closes once the queued output is written; `Finish` then destroys.
pub(crate) fn end_socket<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    if let Some(c) = get(lp, id) {
        // nothing more is read: what is buffered goes out now
        c.in_read = false;
    }
    flush(lp, id);
    let Some(c) = get(lp, id) else { return };
    if c.ended || c.dead {
        return;
    }
    c.ended = true;
    c.no_more = true;
    let tcp = c.tcp;
    if tcp.end(lp).is_err() {
        destroy(lp, id);
    }
}

fn on_drain<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    let owed = std::mem::take(&mut c.need_drain);
    let front = c.queue.front().copied();
    if owed {
        if let Some(ex) = front {
            exchange::emit_response(lp, s, ex, StreamEvent::Drain);
        }
    }
    resume(lp, s, id);
}

/// Reads again if input was held and nothing holds it now.
pub(crate) fn resume<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    if !c.held || c.dead {
        return;
    }
    c.held = false;
    run_inbuf(lp, s, id);
    end_read(lp, id);
    let Some(c) = get(lp, id) else { return };
    if !c.held && !c.ended && !c.dead {
        let tcp = c.tcp;
        tcp.resume(lp);
    }
}

/// [`resume`] from the loop, not from inside a user's call.
pub(crate) fn resume_later<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    if get(lp, id).is_some_and(|c| c.held) {
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| resume(lp, s, id));
    }
}

/// Writes the pending output: straight from the buffer when the socket takes it all.
pub(crate) fn flush<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    if c.out.is_empty() || c.in_read {
        return;
    }
    if c.ended || c.dead {
        c.out.clear();
        return;
    }
    let tcp = c.tcp;
    let mut out = std::mem::take(&mut c.out);
    let rest = match tcp.try_write(lp, &out) {
        Ok(n) if n == out.len() => Ok(None),
        Ok(n) => Ok(Some(out.split_off(n))),
        Err(e) if e.code() == Code::EAGAIN => Ok(Some(out.clone())),
        Err(e) => Err(e),
    };
    // what the socket did not take waits in its queue; we count it ourselves
    let res = match rest {
        Ok(Some(rest)) => {
            let n = rest.len();
            if let Some(c) = get(lp, id) {
                c.backlog += n;
            }
            tcp.write_cb(lp, rest, move |lp, s, r| written(lp, s, id, n, r))
                .map(drop)
        }
        Ok(None) => Ok(()),
        Err(e) => Err(e),
    };
    out.clear();
    if let Some(c) = get(lp, id) {
        c.out = out;
    }
    if res.is_err() {
        destroy(lp, id);
        return;
    }
    // a `write` said "wait" because of output buffered here: if the socket took it, the
    // socket will never say `Drain` itself
    let Some(c) = get(lp, id) else { return };
    let (owed, hwm, scheduled) = (c.need_drain, c.opts.high_water_mark, c.drain_queued);
    if owed && !scheduled && c.backlog < hwm {
        if let Some(c) = get(lp, id) {
            c.drain_queued = true;
        }
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
            if let Some(c) = get(lp, id) {
                c.drain_queued = false;
            }
            on_drain(lp, s, id)
        });
    }
    // Input held because the output had reached the high-water mark, and the socket took
    // it all: no `Drain` will come to release it, so read on from the loop.
    let Some(c) = get(lp, id) else { return };
    if c.held && c.out.len() + c.backlog < hwm {
        resume_later(lp, id);
    }
}

/// Queued output of `n` bytes was written (or failed).
fn written<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, n: usize, r: Result<()>) {
    let Some(c) = get(lp, id) else { return };
    c.backlog = c.backlog.saturating_sub(n);
    if r.is_err() {
        destroy(lp, id);
        return;
    }
    if c.backlog < c.opts.high_water_mark {
        on_drain(lp, s, id);
    }
}

/// Whether `write` may go on without waiting for `Drain`.
pub(crate) fn writable_below_hwm<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> bool {
    let Some(c) = get(lp, id) else { return false };
    let ok = c.out.len() + c.backlog < c.opts.high_water_mark;
    if !ok {
        c.need_drain = true;
    }
    ok
}

/// Whether the connection owes no response and no request is arriving.
pub(crate) fn is_idle<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> bool {
    // a held connection has input waiting for its answers to drain: not idle
    get(lp, id)
        .is_some_and(|c| c.queue.is_empty() && c.started.is_none() && c.body.is_none() && !c.held)
}

/// Destroys the connection (its exchanges are aborted when it closes).
pub(crate) fn destroy<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    if c.dead {
        return;
    }
    c.dead = true;
    let tcp = c.tcp;
    tcp.destroy(lp, None);
}

/// Requests in flight are aborted: their bodies get `ECONNRESET` ("aborted"), both sides
/// `Close`.
pub(super) fn abort_exchanges<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    let mut all: Vec<HandleId> = c.queue.drain(..).collect();
    if let Some((ex, _)) = c.body.take() {
        if !all.contains(&ex) {
            all.push(ex);
        }
    }
    for ex in all {
        exchange::abort(lp, s, ex);
    }
}

fn on_close<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    abort_exchanges(lp, s, id);
    let Some(h) = lp.handles::<Conn>().remove(id) else {
        return;
    };
    let c = h.data;
    for t in [c.keep_alive_timer, c.idle_timer].into_iter().flatten() {
        t.stop(lp);
        t.close(lp).ok();
    }
    detach(lp, c.server, id, c.slot);
}

/// Takes connection `id` off its server's list (it no longer counts for `Close`).
pub(super) fn detach<S: 'static>(lp: &mut Loop<S>, server: Server, id: HandleId, slot: usize) {
    if let Some(st) = state(lp, server) {
        if slot < st.conns.len() && st.conns[slot] == id {
            st.conns.swap_remove(slot);
            if let Some(&moved) = st.conns.get(slot) {
                if let Some(m) = get(lp, moved) {
                    m.slot = slot;
                }
            }
        }
    }
    if let Some(c) = get(lp, id) {
        c.slot = usize::MAX;
    }
    emit_close_if_drained(lp, server);
}

impl Connection {
    /// The connection's socket.
    ///
    /// # Errors
    /// `EBADF` once the connection is closed.
    pub fn tcp<S: 'static>(self, lp: &Loop<S>) -> Result<Tcp> {
        Ok(lp.handle::<Conn>(self.0)?.data.tcp)
    }

    /// Requests received on it whose responses are not done (the cluster's graceful
    /// shutdown waits for 0).
    ///
    /// # Errors
    /// `EBADF` once the connection is closed.
    pub fn in_flight<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        Ok(lp.handle::<Conn>(self.0)?.data.queue.len())
    }

    /// Requests received on it so far.
    ///
    /// # Errors
    /// `EBADF` once the connection is closed.
    pub fn requests<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        Ok(lp.handle::<Conn>(self.0)?.data.requests)
    }

    /// The peer's address.
    ///
    /// # Errors
    /// `EBADF` once the connection is closed.
    pub fn remote_addr<S: 'static>(self, lp: &Loop<S>) -> Result<SocketAddr> {
        lp.handle::<Conn>(self.0)?.data.tcp.peer_addr(lp)
    }

    /// Destroys the connection now (Node's `socket.destroy()`): requests in flight are
    /// aborted. A no-op on a closed connection.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) {
        destroy(lp, self.0)
    }

    /// Whether the connection is closed or being destroyed.
    pub fn is_destroyed<S: 'static>(self, lp: &Loop<S>) -> bool {
        lp.handle::<Conn>(self.0).map_or(true, |h| h.data.dead)
    }
}
