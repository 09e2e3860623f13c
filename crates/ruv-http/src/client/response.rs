//! The response side of a connection: heads parsed with `parse::response` (1xx interim
//! heads reported and skipped), bodies decoded with `body::Decoder`, each piece emitted as
//! it comes; what is left unread while the response is paused is held for `resume`.

use super::conn::{self, ConnId};
use super::request::{self, ClientRequest};
use super::ClientEvent;
use crate::body::{Decoder, Step};
use crate::parse::{self, Framing, Limits, Parsed};
use crate::ResponseHead;
use ruv_core::Loop;

/// Node's default `maxHeadersCount`.
const MAX_HEADERS_COUNT: usize = 2000;

/// Where a connection is in the response of its request.
pub(crate) enum Phase {
    /// Waiting for (the rest of) a head.
    Head,
    /// Inside the body.
    Body(Decoder),
    /// The response is complete.
    Done,
}

/// Socket data for `c`.
pub(crate) fn on_data<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId, d: &[u8]) {
    let Some(conn) = conn::get(lp, c) else { return };
    if conn.req.is_none() {
        // a free connection the server writes to is in no state to carry a request
        conn::destroy(lp, c);
        return;
    }
    let mut held = std::mem::take(&mut conn.buf);
    if held.is_empty() {
        let used = guarded(lp, s, c, d);
        hold(lp, c, &d[used..]);
    } else {
        held.extend_from_slice(d);
        let used = guarded(lp, s, c, &held);
        hold(lp, c, &held[used..]);
    }
}

/// Processes the input held while the response was paused, then reads again (if the
/// response is still not paused).
pub(crate) fn process_held<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId) {
    let Some(conn) = conn::get(lp, c) else { return };
    let held = std::mem::take(&mut conn.buf);
    let used = guarded(lp, s, c, &held);
    hold(lp, c, &held[used..]);
    let Some(conn) = conn::get(lp, c) else { return };
    let (tcp, req) = (conn.tcp, conn.req);
    let paused = req.is_some_and(|r| request::is_paused(lp, r));
    if let (Some(tcp), false) = (tcp, paused) {
        tcp.resume(lp);
    }
}

/// Keeps `rest` (input not processed) for later, if the connection still carries a
/// request.
fn hold<S: 'static>(lp: &mut Loop<S>, c: ConnId, rest: &[u8]) {
    if rest.is_empty() {
        return;
    }
    if let Some(conn) = conn::get(lp, c) {
        if conn.req.is_some() && !conn.dead {
            conn.buf.extend_from_slice(rest);
        }
    }
}

/// [`process`], closing the connection if a callback's uncaught error unwinds through it
/// (the input it was in the middle of is lost, so the connection cannot go on).
fn guarded<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId, input: &[u8]) -> usize {
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(lp, s, c, input)));
    match res {
        Ok(used) => used,
        Err(payload) => {
            conn::destroy(lp, c);
            std::panic::resume_unwind(payload)
        }
    }
}

/// Parses and emits what `input` holds for the request `c` carries; returns how many bytes
/// were used (less than all when the response is paused or a head is incomplete).
fn process<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId, input: &[u8]) -> usize {
    let mut pos = 0;
    loop {
        let Some(req) = conn::get(lp, c).filter(|c| !c.dead).and_then(|c| c.req) else {
            return input.len();
        };
        if request::is_paused(lp, req) {
            return pos;
        }
        let Some(conn) = conn::get(lp, c) else {
            return input.len();
        };
        match &mut conn.phase {
            Phase::Head => {
                if pos == input.len() {
                    return pos;
                }
                let lim = Limits {
                    max_header_size: conn.max_header_size,
                    max_headers_count: MAX_HEADERS_COUNT,
                };
                let mut head = ResponseHead::default();
                match parse::response(&input[pos..], &lim, conn.head_request, &mut head) {
                    Ok(Parsed::Partial) => return pos,
                    Ok(Parsed::Complete(n)) => {
                        pos += n;
                        on_head(lp, s, c, req, head);
                    }
                    Err(e) => {
                        request::finish(lp, s, req, Some(e));
                        conn::destroy(lp, c);
                        return input.len();
                    }
                }
            }
            Phase::Body(dec) => match dec.step(&input[pos..]) {
                Ok(Step::More) => return input.len(),
                Ok(Step::Data { data, used }) => {
                    let (start, end) = (pos + used - data.len(), pos + used);
                    pos = end;
                    if start < end {
                        request::emit(lp, s, req, ClientEvent::Data(&input[start..end]));
                    }
                }
                Ok(Step::Done { used }) => {
                    pos += used;
                    conn.phase = Phase::Done;
                    if pos < input.len() {
                        // more than the response: the server is out of step with us
                        conn.reusable = false;
                    }
                    complete(lp, s, req);
                    return input.len();
                }
                Err(e) => {
                    request::finish(lp, s, req, Some(e));
                    conn::destroy(lp, c);
                    return input.len();
                }
            },
            Phase::Done => {
                // bytes after a complete response, while the request is still being sent
                conn.reusable = false;
                return input.len();
            }
        }
    }
}

/// A complete head: a 1xx interim one is reported and skipped (Node's `'information'`);
/// any other starts the response.
fn on_head<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    c: ConnId,
    req: ClientRequest,
    head: ResponseHead,
) {
    let status = head.status_code();
    if (100..200).contains(&status) && status != 101 {
        request::emit(lp, s, req, ClientEvent::Information(&head));
        return;
    }
    let Some(conn) = conn::get(lp, c) else { return };
    // an upgrade (101) is not followed: its connection is closed after the head
    conn.reusable &= head.keep_alive() && head.framing() != Framing::UntilClose && status != 101;
    conn.hint = keep_alive_hint(&head);
    conn.phase = Phase::Body(Decoder::new(head.framing(), conn.max_header_size));
    request::on_response(lp, s, req, head);
}

/// The `timeout=N` of a `Keep-Alive` header (Node reads only a leading `timeout=`).
fn keep_alive_hint(head: &ResponseHead) -> Option<u64> {
    let v = head.headers().get("keep-alive")?;
    let digits: String = v
        .strip_prefix("timeout=")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The body is complete: `End`, then the request settles. (A request destroyed in its
/// `End` callback closed its connection itself.)
fn complete<S: 'static>(lp: &mut Loop<S>, s: &mut S, req: ClientRequest) {
    request::set_complete(lp, req);
    request::emit(lp, s, req, ClientEvent::End);
    settle(lp, s, req);
}

/// A request whose response is complete is done once it was ended (or at once when its
/// connection cannot be reused): `Close`, then the connection goes back to the agent or is
/// closed.
pub(crate) fn settle<S: 'static>(lp: &mut Loop<S>, s: &mut S, req: ClientRequest) {
    let Some((c, ended, keep_alive)) = request::settle_params(lp, req) else {
        return;
    };
    let Some(conn) = conn::get(lp, c) else { return };
    if conn.req != Some(req) || !matches!(conn.phase, Phase::Done) {
        return;
    }
    let reusable = conn.reusable && keep_alive && !conn.dead;
    if !ended && reusable {
        return; // waits for `end`
    }
    request::finish(lp, s, req, None);
    if reusable {
        super::agent::release(lp, c);
    } else {
        conn::destroy_soon(lp, c);
    }
}

/// The server ended the connection: an until-close body is complete; any other response
/// not complete yet fails (`socket hang up` before a head, `aborted` inside a body).
pub(crate) fn on_eof<S: 'static>(lp: &mut Loop<S>, s: &mut S, c: ConnId) {
    let Some(conn) = conn::get(lp, c) else { return };
    let until_close = matches!(&conn.phase, Phase::Body(d) if d.until_close());
    if let Some(req) = conn.req.filter(|_| !conn.dead) {
        if until_close {
            conn.phase = Phase::Done;
            conn.reusable = false;
            complete(lp, s, req);
        } else {
            let err = request::abort_error(lp, req);
            request::finish(lp, s, req, err);
        }
    }
    conn::destroy(lp, c);
}
