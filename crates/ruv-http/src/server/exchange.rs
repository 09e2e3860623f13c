//! A request and its response (one registry entry, two `Copy` views): the request body
//! as a readable stream, the response as a writable one.

use super::conn::{self};
use super::respond::Out;
use super::{emit, Server, ServerEvent, ServerOptions};
use crate::headers::Headers;
use crate::parse::RequestHead;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::stream::{EventFn, StreamEvent};
use ruv_core::{Code, Error, Loop, Result};

/// A request (Node's `IncomingMessage`): its head, and its body as a readable stream.
/// A `Copy` id, stale once the request and its response are done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Request(pub(crate) HandleId);

/// A response (Node's `ServerResponse`): a `Copy` id sharing its request's entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Response(pub(crate) HandleId);

pub(crate) struct Exchange<S> {
    pub(crate) conn: HandleId,
    pub(crate) server: Server,
    pub(crate) head: RequestHead,
    pub(crate) trailers: Headers,
    pub(crate) req_cb: Option<Callback<EventFn<S, Request>>>,
    /// A callback was set: the body is being consumed (Node's `_consuming`).
    pub(crate) consuming: bool,
    /// Body bytes not delivered yet.
    pub(crate) pending: Vec<u8>,
    pub(crate) req_paused: bool,
    pub(crate) body_complete: bool,
    pub(crate) end_delivered: bool,
    /// The response ended before the body was read: the rest is discarded.
    pub(crate) dumping: bool,
    pub(crate) flush_queued: bool,
    pub(crate) res_cb: Option<Callback<EventFn<S, Response>>>,
    pub(crate) out: Out,
    /// Left the connection's queue (its output is all in the connection's buffer).
    pub(crate) popped: bool,
    /// The connection closed under it: destroying it is a no-op.
    pub(crate) aborted: bool,
}

pub(super) fn ex<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Option<&mut Exchange<S>> {
    lp.handles::<Exchange<S>>().get_mut(id).map(|h| &mut h.data)
}

pub(super) fn live<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Result<&mut Exchange<S>> {
    ex(lp, id).ok_or_else(|| Error::new(Code::EBADF).with_detail("request is done"))
}

pub(crate) fn create<S: 'static>(
    lp: &mut Loop<S>,
    conn: HandleId,
    server: Server,
    head: RequestHead,
) -> HandleId {
    let body_complete = head.framing() == crate::parse::Framing::Empty;
    let recycled = super::with_shared(|sh| sh.outs.pop()).unwrap_or_default();
    let out = Out::new(&head, recycled);
    lp.handles::<Exchange<S>>().insert(Handle::new(Exchange {
        conn,
        server,
        head,
        trailers: Headers::default(),
        req_cb: None,
        consuming: false,
        pending: Vec::new(),
        req_paused: false,
        body_complete,
        end_delivered: false,
        dumping: false,
        flush_queued: false,
        res_cb: None,
        out,
        popped: false,
        aborted: false,
    }))
}

/// Decides keep-alive and `Expect`, then emits `'request'` (or answers by itself).
pub(crate) fn dispatch_request<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    o: &ServerOptions,
) {
    let Some(e) = ex::<S>(lp, id) else { return };
    let (conn_id, server) = (e.conn, e.server);
    let info = e.head.info;
    let minor = e.head.version_minor();
    let no_host = o.require_host_header && minor >= 1 && !e.head.headers().contains("host");
    let connect = e.head.method() == "CONNECT";
    let requests = conn::get(lp, conn_id).map_or(0, |c| c.requests);
    let closing = conn::get(lp, conn_id).is_none_or(|c| c.server_closing);
    let max = o.max_requests_per_socket;
    let drop_it = max > 0 && requests > max;
    // Node answers HTTP/1.0 with `Connection: close` whatever the request asked
    let keep = info.keep_alive
        && minor >= 1
        && !closing
        && !drop_it
        && !no_host
        && (max == 0 || requests < max);
    if let Some(e) = ex::<S>(lp, id) {
        e.out.keep_alive = keep;
        e.out.keep_alive_timeout = o.keep_alive_timeout;
        e.out.send_date = o.send_date;
    }
    if !keep {
        if let Some(c) = conn::get(lp, conn_id) {
            c.no_more = true;
        }
    }
    let (req, res) = (Request(id), Response(id));
    if connect {
        // no 'connect' handler: Node destroys the socket without an answer
        conn::destroy(lp, conn_id);
        return;
    }
    if no_host {
        res.write_head(lp, 400, &[("Connection", "close")]).ok();
        res.end(lp, b"").ok();
        return;
    }
    if drop_it {
        emit(lp, s, server, ServerEvent::DropRequest(req));
        res.write_head(lp, 503, &[]).ok();
        res.end(lp, b"").ok();
        return;
    }
    if info.expect_other && minor >= 1 {
        res.write_head(lp, 417, &[]).ok();
        res.end(lp, b"").ok();
        return;
    }
    if info.expect_continue && minor >= 1 {
        if o.check_continue {
            emit(lp, s, server, ServerEvent::CheckContinue(req, res));
            return;
        }
        res.write_continue(lp).ok();
    }
    emit(lp, s, server, ServerEvent::Request(req, res));
}

/// Whether the body's undelivered bytes are at the high-water mark.
pub(crate) fn body_blocked<S: 'static>(lp: &mut Loop<S>, id: HandleId, hwm: usize) -> bool {
    ex::<S>(lp, id).is_some_and(|e| {
        !e.dumping && (e.pending.len() >= hwm || (e.req_paused && !e.pending.is_empty()))
    })
}

/// Body bytes arrived.
pub(crate) fn body_data<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, data: &[u8]) {
    let Some(e) = ex::<S>(lp, id) else { return };
    if e.dumping {
        return;
    }
    if e.req_cb.is_some() && !e.req_paused && e.pending.is_empty() {
        emit_request(lp, s, id, StreamEvent::Data(data));
    } else {
        e.pending.extend_from_slice(data);
    }
}

/// The body is complete.
pub(crate) fn body_done<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, trailers: Headers) {
    let Some(e) = ex::<S>(lp, id) else { return };
    e.body_complete = true;
    e.trailers = trailers;
    if e.req_cb.is_some() && !e.req_paused && e.pending.is_empty() && !e.end_delivered {
        e.end_delivered = true;
        emit_request(lp, s, id, StreamEvent::End);
    }
    maybe_free(lp, id);
}

fn emit_request<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ev: StreamEvent<'_>) {
    lp.dispatch_handle::<Exchange<S>, EventFn<S, Request>>(
        s,
        id,
        "http.request.event",
        |e| &mut e.req_cb,
        |f, lp, s| f(lp, s, Request(id), ev),
    );
}

pub(crate) fn emit_response<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    ev: StreamEvent<'_>,
) {
    lp.dispatch_handle::<Exchange<S>, EventFn<S, Response>>(
        s,
        id,
        "http.response.event",
        |e| &mut e.res_cb,
        |f, lp, s| f(lp, s, Response(id), ev),
    );
}

/// Delivers what the body holds back (from the loop, after a resume or a new callback).
fn flush_request<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(e) = ex::<S>(lp, id) else { return };
    e.flush_queued = false;
    if e.req_cb.is_none() || e.req_paused || e.dumping {
        return;
    }
    let conn_id = e.conn;
    if !e.pending.is_empty() {
        let data = std::mem::take(&mut e.pending);
        emit_request(lp, s, id, StreamEvent::Data(&data));
        if let Some(e) = ex::<S>(lp, id) {
            if e.pending.is_empty() {
                let mut data = data;
                data.clear();
                e.pending = data;
            }
        }
    }
    let Some(e) = ex::<S>(lp, id) else { return };
    if e.body_complete && e.pending.is_empty() && !e.end_delivered && !e.req_paused {
        e.end_delivered = true;
        emit_request(lp, s, id, StreamEvent::End);
    }
    conn::resume(lp, s, conn_id);
    maybe_free(lp, id);
}

pub(super) fn queue_flush<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(e) = ex::<S>(lp, id) else { return };
    if e.flush_queued {
        return;
    }
    e.flush_queued = true;
    lp.defer(move |lp: &mut Loop<S>, s: &mut S| flush_request(lp, s, id));
}

/// Whether the response's head went out (or is in the connection's buffer).
/// Before the head of `id`'s response is written: on a closing server, the answer that
/// will be its connection's last (no later request queued, none being read or waiting in
/// the input) says `Connection: close`. With more input pending, the request it holds is
/// answered first, and says it.
pub(crate) fn before_head<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(e) = ex::<S>(lp, id) else { return };
    if e.out.head_sent || !e.out.keep_alive {
        return;
    }
    let conn_id = e.conn;
    let last = conn::get(lp, conn_id).is_some_and(|c| {
        c.server_closing && c.queue.back() == Some(&id) && c.inbuf.is_empty() && !c.in_read
    });
    if last {
        if let Some(e) = ex::<S>(lp, id) {
            e.out.keep_alive = false;
        }
    }
}

pub(crate) fn head_sent<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> bool {
    ex::<S>(lp, id).is_some_and(|e| e.out.head_sent)
}

/// The connection closed under this exchange.
pub(crate) fn abort<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(e) = ex::<S>(lp, id) else { return };
    let cut = !e.body_complete && !e.dumping && e.consuming;
    e.aborted = true;
    e.body_complete = true;
    e.dumping = true;
    e.out.ended = true;
    e.popped = true;
    if cut {
        let err = Error::new(Code::ECONNRESET).with_detail("aborted");
        emit_request(lp, s, id, StreamEvent::Error(err));
    }
    emit_request(lp, s, id, StreamEvent::Close);
    emit_response(lp, s, id, StreamEvent::Close);
    free(lp, id);
}

fn free<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    if let Some(h) = lp.handles::<Exchange<S>>().remove(id) {
        let mut head = h.data.head;
        head.headers.fields.clear();
        let mut out = h.data.out;
        out.headers.clear();
        out.buf.clear();
        super::with_shared(|shared| {
            if shared.heads.len() < 64 {
                shared.heads.push(head);
            }
            if shared.outs.len() < 64 && out.buf.capacity() <= 64 * 1024 {
                shared.outs.push((out.headers, out.buf));
            }
        });
    }
}

/// Frees the exchange once the response is out and the body read or dumped; the
/// callbacks get `Finish` / `Close` first, from the loop.
fn maybe_free<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(e) = ex::<S>(lp, id) else { return };
    if !(e.popped && (e.body_complete || e.dumping)) {
        return;
    }
    if e.res_cb.is_none() && e.req_cb.is_none() {
        free(lp, id);
        return;
    }
    lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
        emit_response(lp, s, id, StreamEvent::Finish);
        emit_response(lp, s, id, StreamEvent::Close);
        emit_request(lp, s, id, StreamEvent::Close);
        free(lp, id);
    });
}

/// Moves output to the connection in response order: the front response's goes out, an
/// ended front leaves the queue and the next one's buffered output follows.
fn pump<S: 'static>(lp: &mut Loop<S>, conn_id: HandleId) {
    loop {
        let Some(c) = conn::get(lp, conn_id) else {
            return;
        };
        let Some(&front) = c.queue.front() else {
            // every answer owed is out: a connection whose peer ended is ended now
            if c.peer_ended {
                conn::end_socket(lp, conn_id);
            }
            return;
        };
        let mut out = std::mem::take(&mut c.out);
        let Some(e) = ex::<S>(lp, front) else {
            if let Some(c) = conn::get(lp, conn_id) {
                c.out = out;
                c.queue.pop_front();
            }
            continue;
        };
        if out.is_empty() {
            std::mem::swap(&mut out, &mut e.out.buf);
        } else {
            out.extend_from_slice(&e.out.buf);
            e.out.buf.clear();
        }
        let (ended, close) = (e.out.ended, !e.out.keep_alive);
        if ended {
            if !e.body_complete && !e.consuming {
                // never read: the rest of the body is discarded (Node's `_dump`)
                e.dumping = true;
                e.pending = Vec::new();
            }
            e.popped = true;
        }
        let Some(c) = conn::get(lp, conn_id) else {
            return;
        };
        c.out = out;
        if !ended {
            return;
        }
        c.queue.pop_front();
        let held = c.held;
        if close {
            c.no_more = true;
            maybe_free(lp, front);
            conn::end_socket(lp, conn_id);
            return;
        }
        maybe_free(lp, front);
        if held {
            conn::resume_later(lp, conn_id);
        }
    }
}

/// Hands new output of response `id` to its connection.
pub(super) fn output<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(e) = ex::<S>(lp, id) else { return };
    let conn_id = e.conn;
    pump::<S>(lp, conn_id);
    conn::flush(lp, conn_id);
}
