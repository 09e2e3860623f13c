//! How a server's connections end: the keep-alive and idle timers, the periodic request
//! timeouts, client errors and their default answers, and the lingering close after a
//! connection's last answer.

use super::conn::{abort_exchanges, destroy, detach, end_socket, get, is_idle, Connection};
use super::exchange;
use super::{emit, state, Server, ServerEvent};
use crate::codes::{ERR_HTTP_REQUEST_TIMEOUT, HPE_HEADER_OVERFLOW};
use ruv_core::registry::HandleId;
use ruv_core::{Error, Loop, Timer};

/// Restarts the idle timer (`ServerOptions::timeout`).
pub(super) fn touch<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    if let Some(t) = c.idle_timer {
        if t.again(lp).is_err() {
            t.stop(lp);
        }
    }
}

/// How long a closing connection keeps reading (and discarding) after its last answer, so
/// that unread input does not make the kernel send RST before the peer has read it.
const LINGER_MS: u64 = 2_000;

/// Our side is ended and flushed: destroy once the peer ends, or after [`LINGER_MS`].
pub(super) fn linger<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    if c.peer_ended {
        destroy(lp, id);
        return;
    }
    let (tcp, server, slot) = (c.tcp, c.server, c.slot);
    tcp.resume(lp);
    // best effort: a lingering connection does not keep the loop alive, nor its server
    tcp.set_ref(lp, false);
    detach(lp, server, id, slot);
    match Timer::new(lp) {
        Ok(t) => {
            let started = t.start(lp, LINGER_MS, 0, move |lp, _, t| {
                destroy(lp, id);
                t.close(lp).map(drop)
            });
            t.set_ref(lp, false);
            if started.is_err() {
                destroy(lp, id);
            }
        }
        Err(_) => destroy(lp, id),
    }
}

pub(super) fn arm_keep_alive<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    if !c.queue.is_empty()
        || c.started.is_some()
        || c.no_more
        || c.dead
        || c.held
        || c.requests == 0
    {
        // busy, or held (input waits for the client to read): `resume` re-arms
        return;
    }
    if c.server_closing {
        // a closing server lets no connection idle
        end_socket(lp, id);
        return;
    }
    let ms = c.opts.keep_alive_timeout;
    if ms == 0 || c.idle_since.is_some() {
        return;
    }
    let (armed, existing) = (c.ka_armed, c.keep_alive_timer);
    let now = lp.now();
    let Some(c) = get(lp, id) else { return };
    c.idle_since = Some(now);
    if armed {
        // it fires at an earlier deadline and re-arms itself for this one
        return;
    }
    c.ka_armed = true;
    let t = match existing {
        Some(t) => t,
        None => {
            let Ok(t) = Timer::new(lp) else { return };
            t.set_ref(lp, false);
            if let Some(c) = get(lp, id) {
                c.keep_alive_timer = Some(t);
            }
            t
        }
    };
    if t.start(lp, ms, 0, move |lp, _, _| keep_alive_expired(lp, id))
        .is_err()
    {
        if let Some(c) = get(lp, id) {
            c.ka_armed = false;
        }
    }
}

/// The keep-alive timer fired: close the connection if it has been idle for the whole
/// timeout, else wait for the rest of its idle time (no timer work per request).
pub(super) fn keep_alive_expired<S: 'static>(lp: &mut Loop<S>, id: HandleId) {
    let now = lp.now();
    let Some(c) = get(lp, id) else { return };
    c.ka_armed = false;
    let (ms, timer) = (c.opts.keep_alive_timeout, c.keep_alive_timer);
    let Some(since) = c.idle_since else { return };
    if !is_idle(lp, id) {
        // busy again (or held): the next idle spell starts afresh
        if let Some(c) = get(lp, id) {
            c.idle_since = None;
        }
        return;
    }
    let due = since.saturating_add(ms);
    if now >= due {
        destroy(lp, id);
        return;
    }
    if let (Some(t), Some(c)) = (timer, get(lp, id)) {
        c.ka_armed = true;
        if t.restart(lp, due - now, 0).is_err() {
            if let Some(c) = get(lp, id) {
                c.ka_armed = false;
            }
        }
    }
}

pub(super) fn on_idle<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Some(c) = get(lp, id) else { return };
    let server = c.server;
    emit(lp, s, server, ServerEvent::Timeout(Connection(id)));
    destroy(lp, id);
}

/// The periodic `headers_timeout` / `request_timeout` check (Node's `checkConnections`).
pub(crate) fn check_timeouts<S: 'static>(lp: &mut Loop<S>, s: &mut S, server: Server) {
    let Some(st) = state(lp, server) else { return };
    let (o, conns) = (st.opts, st.conns.clone());
    let now = lp.now();
    for id in conns {
        let Some(c) = get(lp, id) else { continue };
        let Some(t) = c.started else { continue };
        let age = now.saturating_sub(t);
        let headers = o.headers_timeout > 0 && !c.headers_done && age >= o.headers_timeout;
        let request = o.request_timeout > 0 && age >= o.request_timeout;
        if headers || request {
            client_error(lp, s, id, Error::new(ERR_HTTP_REQUEST_TIMEOUT));
        }
    }
}

/// A malformed request or a timeout: `'clientError'`, then Node's default answer and
/// close.
pub(crate) fn client_error<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, err: Error) {
    let Some(c) = get(lp, id) else { return };
    if c.dead {
        return;
    }
    c.no_more = true;
    let server = c.server;
    // a closed server has no callback: emit does nothing then
    emit(
        lp,
        s,
        server,
        ServerEvent::ClientError {
            conn: Connection(id),
            error: &err,
        },
    );
    let Some(c) = get(lp, id) else { return };
    if c.dead {
        return;
    }
    // answer only if no response has started on the connection
    let started = c
        .queue
        .front()
        .copied()
        .is_some_and(|ex| exchange::head_sent(lp, ex));
    if !started {
        let answer: &[u8] = if err.code() == crate::codes::HPE_CHUNK_EXTENSIONS_OVERFLOW {
            b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n"
        } else if err.code() == HPE_HEADER_OVERFLOW {
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"
        } else if err.code() == ERR_HTTP_REQUEST_TIMEOUT {
            b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"
        } else {
            b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
        };
        if let Some(c) = get(lp, id) {
            // complete answers to earlier requests still go out first (Node drops those
            // of the same read)
            c.out.extend_from_slice(answer);
            c.in_read = false;
        }
    }
    // the answer goes out before the requests in flight hear of the abort
    end_socket(lp, id);
    abort_exchanges(lp, s, id);
}
