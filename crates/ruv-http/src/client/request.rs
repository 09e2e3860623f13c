//! Node's `http.ClientRequest`: the request head and body as they are written (framing
//! chosen as Node chooses it), buffered until a connection is connected, and the events of
//! the request and its response through one callback.

use super::agent::{self, Agent};
use super::conn::{self, ConnId};
use super::{tick, ClientEvent};
use crate::body::chunk_head;
use crate::codes::{ERR_HTTP_HEADERS_SENT, ERR_STREAM_WRITE_AFTER_END};
use crate::headers::OutgoingHeaders;
use crate::parse::has_token;
use crate::ResponseHead;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::{Code, Error, Loop, Result};
use std::borrow::Cow;
use std::cell::Cell;

/// Node's `writableHighWaterMark` for what a request buffers before it has a connection.
const HIGH_WATER_MARK: usize = 16 * 1024;

/// A request in flight: a `Copy` id. Stale once its [`Close`](ClientEvent::Close) was
/// emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientRequest(pub(crate) HandleId);

/// The stored form of a request's callback.
pub(crate) type ReqFn<S> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, ClientRequest, ClientEvent<'a>) -> Result<()>>;

pub(crate) struct Req<S> {
    cb: Option<Callback<ReqFn<S>>>,
    method: String,
    /// As written: latin1.
    path: Vec<u8>,
    host: String,
    port: u16,
    name: String,
    headers: OutgoingHeaders,
    agent: Agent,
    /// Node's `shouldKeepAlive`.
    keep_alive: bool,
    timeout: Option<u64>,
    max_header_size: usize,
    head_sent: bool,
    chunked: bool,
    /// Written before a connection was connected.
    out: Vec<u8>,
    ended: bool,
    need_drain: bool,
    conn: Option<ConnId>,
    queued: bool,
    res: Option<ResponseHead>,
    /// The response head came (set before `Response` is emitted; `res` after).
    res_started: bool,
    res_complete: bool,
    paused: bool,
    destroyed: bool,
    closed: bool,
}

/// What [`create`] needs.
pub(crate) struct Init {
    pub(crate) method: String,
    pub(crate) path: Vec<u8>,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) headers: OutgoingHeaders,
    pub(crate) agent: Agent,
    pub(crate) timeout: Option<u64>,
    pub(crate) max_header_size: usize,
}

fn cb_field<S>(r: &mut Req<S>) -> &mut Option<Callback<ReqFn<S>>> {
    &mut r.cb
}

fn state<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) -> Option<&mut Req<S>> {
    lp.handles::<Req<S>>().get_mut(req.0).map(|h| &mut h.data)
}

fn state_ref<S: 'static>(lp: &Loop<S>, req: ClientRequest) -> Option<&Req<S>> {
    lp.handle::<Req<S>>(req.0).ok().map(|h| &h.data)
}

/// Registers a request and hands it to its agent.
pub(crate) fn create<S: 'static>(
    lp: &mut Loop<S>,
    init: Init,
    cb: Callback<ReqFn<S>>,
) -> ClientRequest {
    let keep_alive = agent::keeps_alive(lp, init.agent);
    let name = format!("{}:{}", init.host, init.port);
    let id = lp.handles::<Req<S>>().insert(Handle::new(Req {
        cb: Some(cb),
        method: init.method,
        path: init.path,
        host: init.host,
        port: init.port,
        name,
        headers: init.headers,
        agent: init.agent,
        keep_alive,
        timeout: init.timeout,
        max_header_size: init.max_header_size,
        head_sent: false,
        chunked: false,
        out: Vec::new(),
        ended: false,
        need_drain: false,
        conn: None,
        queued: false,
        res: None,
        res_started: false,
        res_complete: false,
        paused: false,
        destroyed: false,
        closed: false,
    }));
    let req = ClientRequest(id);
    let Some(r) = state(lp, req) else { return req };
    let (agent, host, port, name) = (r.agent, r.host.clone(), r.port, r.name.clone());
    agent::add_request(lp, agent, req, &host, port, &name);
    req
}

/// Emits `ev` to the request's callback (nothing for a stale request).
pub(crate) fn emit<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    req: ClientRequest,
    ev: ClientEvent<'_>,
) {
    let kind = ev.kind();
    lp.dispatch_handle::<Req<S>, ReqFn<S>>(s, req.0, kind, cb_field::<S>, |f, lp, s| {
        f(lp, s, req, ev)
    });
}

/// Ends the request: `Error(err)` if given, then `Close`; the id is stale after. It leaves
/// its connection (the caller decides that connection's fate) and the agent's queue.
pub(crate) fn finish<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    req: ClientRequest,
    err: Option<Error>,
) {
    let Some(r) = state(lp, req) else { return };
    if r.closed {
        return;
    }
    r.closed = true;
    r.destroyed = true;
    let conn = r.conn.take();
    let queued = std::mem::take(&mut r.queued);
    let (agent, name) = (r.agent, r.name.clone());
    if let Some(c) = conn {
        conn::detach(lp, c, req);
    }
    if queued {
        agent::unqueue(lp, agent, &name, req);
    }
    // one dispatch for both events, so nothing queued meanwhile runs between them
    let kind = if err.is_some() {
        "http.error"
    } else {
        "http.close"
    };
    let late = Cell::new(false);
    lp.dispatch_handle::<Req<S>, ReqFn<S>>(s, req.0, kind, cb_field::<S>, |f, lp, s| {
        if let Some(e) = err {
            if let Err(e) = f(lp, s, req, ClientEvent::Error(e)) {
                // the error goes out of `run`; `Close` comes in the next one
                late.set(true);
                lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
                    emit(lp, s, req, ClientEvent::Close);
                    lp.handles::<Req<S>>().remove(req.0);
                });
                return Err(e);
            }
        }
        f(lp, s, req, ClientEvent::Close)
    });
    if !late.get() {
        lp.handles::<Req<S>>().remove(req.0);
    }
}

/// The error a request ends with when its connection goes away now: `socket hang up`
/// before a response, `aborted` inside one, none once it is complete (Node's
/// `ECONNRESET`s).
pub(crate) fn abort_error<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) -> Option<Error> {
    state(lp, req).and_then(|r| abort_error_of(r))
}

fn abort_error_of<S>(r: &Req<S>) -> Option<Error> {
    if r.res_complete {
        None
    } else if r.res_started {
        Some(Error::new(Code::ECONNRESET).with_detail("aborted"))
    } else {
        Some(Error::new(Code::ECONNRESET).with_detail("socket hang up"))
    }
}

pub(crate) fn set_queued<S: 'static>(lp: &mut Loop<S>, req: ClientRequest, on: bool) {
    if let Some(r) = state(lp, req) {
        r.queued = on;
    }
}

/// Whether `req` can still be given a connection.
pub(crate) fn is_open<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) -> bool {
    state(lp, req).is_some_and(|r| !r.destroyed)
}

pub(crate) fn is_paused<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) -> bool {
    state(lp, req).is_some_and(|r| r.paused)
}

/// Where `req` connects to.
pub(crate) fn target<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) -> Option<(String, u16)> {
    state(lp, req).map(|r| (r.host.clone(), r.port))
}

/// What a connection needs from the request it is given: whether it is a HEAD, the head
/// size limit, the request's own timeout, whether its response is paused.
pub(crate) fn conn_params<S: 'static>(
    lp: &mut Loop<S>,
    req: ClientRequest,
) -> Option<(bool, usize, Option<u64>, bool)> {
    state(lp, req).map(|r| (r.method == "HEAD", r.max_header_size, r.timeout, r.paused))
}

pub(crate) fn set_conn<S: 'static>(lp: &mut Loop<S>, req: ClientRequest, c: Option<ConnId>) {
    if let Some(r) = state(lp, req) {
        r.conn = c;
        r.queued = false;
    }
}

/// The connection, whether `end` was called, and `shouldKeepAlive`.
pub(crate) fn settle_params<S: 'static>(
    lp: &mut Loop<S>,
    req: ClientRequest,
) -> Option<(ConnId, bool, bool)> {
    let r = state(lp, req).filter(|r| !r.destroyed)?;
    Some((r.conn?, r.ended, r.keep_alive))
}

/// The response head came: kept (for [`ClientRequest::response`]) and emitted.
pub(crate) fn on_response<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    req: ClientRequest,
    head: ResponseHead,
) {
    if let Some(r) = state(lp, req) {
        r.res_started = true;
        r.keep_alive &= head.keep_alive();
    }
    emit(lp, s, req, ClientEvent::Response(&head));
    if let Some(r) = state(lp, req) {
        r.res = Some(head);
    }
}

pub(crate) fn set_complete<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) {
    if let Some(r) = state(lp, req) {
        r.res_complete = true;
    }
}

/// The connection of `req` is connected: what was written so far goes out.
pub(crate) fn flush_out<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) {
    let Some(r) = state(lp, req) else { return };
    let Some(c) = r.conn else { return };
    let out = std::mem::take(&mut r.out);
    let Some(tcp) = conn::writable(lp, c) else {
        if let Some(r) = state(lp, req) {
            r.out = out;
        }
        return;
    };
    let below = out.is_empty() || tcp.write(lp, out).unwrap_or(false);
    conn::touch(lp, c);
    let Some(r) = state(lp, req) else { return };
    if below && r.need_drain {
        r.need_drain = false;
        tick(lp, move |lp: &mut Loop<S>, s: &mut S| {
            if state(lp, req).is_some_and(|r| !r.destroyed) {
                emit(lp, s, req, ClientEvent::Drain);
            }
        });
    }
}

/// The connection's write queue drained.
pub(crate) fn on_drain<S: 'static>(lp: &mut Loop<S>, s: &mut S, req: ClientRequest) {
    let Some(r) = state(lp, req) else { return };
    if r.need_drain && !r.destroyed {
        r.need_drain = false;
        emit(lp, s, req, ClientEvent::Drain);
    }
}

/// Whether a request with this method frames a body of unknown length as chunked (Node's
/// `useChunkedEncodingByDefault`).
fn frames_body(method: &str) -> bool {
    !matches!(
        method,
        "GET" | "HEAD" | "DELETE" | "OPTIONS" | "TRACE" | "CONNECT"
    )
}

/// Appends the head, choosing the framing as Node's `_storeHeader`: the headers as set,
/// `Connection` unless set, then `Content-Length` when `end` gives the whole body at once,
/// `Transfer-Encoding: chunked` otherwise, or nothing for methods without a default body.
fn write_head<S>(r: &mut Req<S>, out: &mut Vec<u8>, whole_body: Option<usize>) {
    out.extend_from_slice(r.method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(&r.path);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in r.headers.iter() {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    match r.headers.get("connection") {
        Some(v) => r.keep_alive = !has_token(v, "close"),
        None if r.keep_alive => out.extend_from_slice(b"Connection: keep-alive\r\n"),
        None => out.extend_from_slice(b"Connection: close\r\n"),
    }
    if let Some(te) = r.headers.get("transfer-encoding") {
        r.chunked = has_token(te, "chunked");
    } else if !r.headers.has("content-length") && frames_body(&r.method) {
        match whole_body {
            Some(n) => {
                out.extend_from_slice(b"Content-Length: ");
                crate::body::push_decimal(out, n as u64);
                out.extend_from_slice(b"\r\n");
            }
            None => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
                r.chunked = true;
            }
        }
    }
    out.extend_from_slice(b"\r\n");
    r.head_sent = true;
}

/// Appends `data` as the framing says (a chunk, or as it is).
fn frame(chunked: bool, out: &mut Vec<u8>, data: &[u8]) {
    if !chunked {
        out.extend_from_slice(data);
    } else if !data.is_empty() {
        chunk_head(out, data.len());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
}

/// Sends `piece` now if connected, else buffers it; Node's backpressure signal.
fn send<S: 'static>(lp: &mut Loop<S>, req: ClientRequest, piece: Vec<u8>) -> Result<bool> {
    let Some(r) = state(lp, req) else {
        return Err(destroyed());
    };
    let conn = r.conn;
    let tcp = conn.and_then(|c| conn::writable(lp, c));
    let below = match (tcp, conn) {
        (Some(tcp), Some(c)) if state(lp, req).is_some_and(|r| r.out.is_empty()) => {
            let below = piece.is_empty() || tcp.write(lp, piece)?;
            conn::touch(lp, c);
            below
        }
        _ => {
            let Some(r) = state(lp, req) else {
                return Err(destroyed());
            };
            r.out.extend_from_slice(&piece);
            r.out.len() < HIGH_WATER_MARK
        }
    };
    if !below {
        if let Some(r) = state(lp, req) {
            r.need_drain = true;
        }
    }
    Ok(below)
}

fn destroyed() -> Error {
    Error::new(Code::ERR_STREAM_DESTROYED)
}

/// The request, open for writing: `EBADF` once closed, `ERR_STREAM_DESTROYED` once
/// destroyed, `ERR_STREAM_WRITE_AFTER_END` after `end`.
fn writable<S: 'static>(lp: &mut Loop<S>, req: ClientRequest) -> Result<&mut Req<S>> {
    let r = state(lp, req).ok_or_else(|| Error::new(Code::EBADF).with_detail("request closed"))?;
    if r.destroyed {
        return Err(destroyed());
    }
    if r.ended {
        return Err(Error::new(ERR_STREAM_WRITE_AFTER_END));
    }
    Ok(r)
}

impl ClientRequest {
    /// Writes part of the request body (Node's `req.write`); the head goes first, with
    /// `Transfer-Encoding: chunked` unless a `Content-Length` or `Transfer-Encoding`
    /// header was set (or the method is one without a default body: GET, HEAD, DELETE,
    /// OPTIONS, TRACE, CONNECT, whose bytes go as they are, as Node sends them). Returns
    /// Node's backpressure signal: `false` once 16 KiB wait to be written; wait for
    /// [`Drain`](ClientEvent::Drain) before writing more.
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END` after [`end`](Self::end), `ERR_STREAM_DESTROYED` after
    /// [`destroy`](Self::destroy), `EBADF` once closed.
    pub fn write<S: 'static>(self, lp: &mut Loop<S>, data: impl AsRef<[u8]>) -> Result<bool> {
        let r = writable(lp, self)?;
        let data = data.as_ref();
        let mut piece = Vec::with_capacity(data.len() + 16);
        if !r.head_sent {
            write_head(r, &mut piece, None);
        }
        frame(r.chunked, &mut piece, data);
        send(lp, self, piece)
    }

    /// Finishes the request (Node's `req.end([data])`): `data` is the last of the body. A
    /// request ended before anything was written says `Content-Length` (the length of
    /// `data`, 0 without), except for the methods without a default body, which get no
    /// framing header. A no-op once ended, destroyed or closed.
    ///
    /// # Errors
    /// The socket's synchronous write error.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>, data: Option<Vec<u8>>) -> Result<()> {
        let Ok(r) = writable(lp, self) else {
            return Ok(());
        };
        let data = data.unwrap_or_default();
        let mut piece = Vec::with_capacity(data.len() + 16);
        if !r.head_sent {
            write_head(r, &mut piece, Some(data.len()));
        }
        frame(r.chunked, &mut piece, &data);
        if r.chunked {
            piece.extend_from_slice(b"0\r\n\r\n");
        }
        r.ended = true;
        let complete = r.res_complete;
        send(lp, self, piece)?;
        if complete {
            let req = self;
            tick(lp, move |lp: &mut Loop<S>, s: &mut S| {
                super::response::settle(lp, s, req)
            });
        }
        Ok(())
    }

    /// Sets a header (Node's `req.setHeader`), replacing earlier values.
    ///
    /// # Errors
    /// `ERR_HTTP_HEADERS_SENT` once the head was written, `ERR_INVALID_HTTP_TOKEN` /
    /// `ERR_INVALID_CHAR` for a bad name or value, `EBADF` once closed.
    pub fn set_header<S: 'static>(
        self,
        lp: &mut Loop<S>,
        name: impl Into<Cow<'static, str>>,
        value: impl crate::headers::IntoHeaderValue,
    ) -> Result<()> {
        let r = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        if r.head_sent {
            return Err(Error::new(ERR_HTTP_HEADERS_SENT));
        }
        r.headers.set(name, value)
    }

    /// Removes a header (Node's `req.removeHeader`).
    ///
    /// # Errors
    /// `ERR_HTTP_HEADERS_SENT` once the head was written, `EBADF` once closed.
    pub fn remove_header<S: 'static>(self, lp: &mut Loop<S>, name: &str) -> Result<()> {
        let r = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        if r.head_sent {
            return Err(Error::new(ERR_HTTP_HEADERS_SENT));
        }
        r.headers.remove(name);
        Ok(())
    }

    /// The first value of a header set on the request (Node's `req.getHeader`).
    pub fn get_header<S: 'static>(self, lp: &Loop<S>, name: &str) -> Option<Vec<u8>> {
        state_ref(lp, self).and_then(|r| r.headers.get(name).map(<[u8]>::to_vec))
    }

    /// Whether the head was written (Node's `req.headersSent`).
    pub fn headers_sent<S: 'static>(self, lp: &Loop<S>) -> bool {
        state_ref(lp, self).is_some_and(|r| r.head_sent)
    }

    /// The response head, once [`Response`](ClientEvent::Response) was emitted.
    pub fn response<S: 'static>(self, lp: &Loop<S>) -> Option<&ResponseHead> {
        state_ref(lp, self).and_then(|r| r.res.as_ref())
    }

    /// Node's `req.destroy([err])`: closes the request's connection now; `Error` follows
    /// (`err`, or `ECONNRESET`: `socket hang up` before the response, `aborted` inside
    /// it; none once it is complete), then `Close`, from the loop. A no-op once destroyed
    /// or closed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
        let Some(r) = state(lp, self) else { return };
        if r.destroyed {
            return;
        }
        r.destroyed = true;
        let err = err.or_else(|| abort_error_of(r));
        let conn = r.conn.take();
        let queued = std::mem::take(&mut r.queued);
        let (agent, name) = (r.agent, r.name.clone());
        if let Some(c) = conn {
            conn::detach(lp, c, self);
            conn::destroy(lp, c);
        }
        if queued {
            agent::unqueue(lp, agent, &name, self);
        }
        let req = self;
        tick(lp, move |lp: &mut Loop<S>, s: &mut S| {
            finish(lp, s, req, err)
        });
    }

    /// Whether [`destroy`](Self::destroy) was called or the request is done (Node's
    /// `req.destroyed`).
    pub fn is_destroyed<S: 'static>(self, lp: &Loop<S>) -> bool {
        state_ref(lp, self).is_none_or(|r| r.destroyed)
    }

    /// Stops the response body (Node's `res.pause()`): no `Data` until
    /// [`resume`](Self::resume); the connection stops reading, so the server is slowed by
    /// TCP's flow control. A no-op once closed.
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
        let Some(r) = state(lp, self) else { return };
        r.paused = true;
        if let Some(c) = r.conn {
            conn::pause(lp, c);
        }
    }

    /// Lets the response body flow again (Node's `res.resume()`); what came before the
    /// pause and was not emitted is emitted first, from the loop.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
        let Some(r) = state(lp, self) else { return };
        if !r.paused {
            return;
        }
        r.paused = false;
        if let Some(c) = r.conn {
            conn::resume(lp, c);
        }
    }

    /// Node's `req.setTimeout(ms)`: [`Timeout`](ClientEvent::Timeout) after `ms` without
    /// socket activity (again after the next activity); 0 turns it off. Nothing is closed.
    ///
    /// # Errors
    /// `EBADF` once closed.
    pub fn set_timeout<S: 'static>(self, lp: &mut Loop<S>, ms: u64) -> Result<()> {
        let r = state(lp, self).ok_or_else(|| Error::new(Code::EBADF))?;
        r.timeout = Some(ms);
        if let Some(c) = r.conn {
            conn::set_timeout(lp, c, ms);
        }
        Ok(())
    }

    /// The agent the request goes through.
    pub fn agent<S: 'static>(self, lp: &Loop<S>) -> Option<Agent> {
        state_ref(lp, self).map(|r| r.agent)
    }

    /// The request's id (unique in the process, never reused).
    pub fn id(self) -> HandleId {
        self.0
    }
}
