//! Reading (`recvmsg` with `SCM_RIGHTS`), splitting into messages, and delivery: user and
//! internal messages, and the receiving side of handle passing (`NODE_HANDLE` →
//! `NODE_HANDLE_ACK` / `NODE_HANDLE_NACK`).

use super::channel::{self, state, Channel, Early, EventFn, Reader, State};
use super::handles::ReceivedHandle;
use super::wire::{self, Frame, Line, Payload};
use super::{codes, write, ChannelEvent, InternalMessage, Message, Serialization};
use rustix::io::Errno;
use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags};
use ruv_core::{Error, HandleId, Loop, Ready, Result};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::IoSliceMut;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// Reads per readiness event before the channel yields to other handles.
const READS_PER_EVENT: usize = 32;
/// The least free space a read gets (libuv's and Node's 64 KiB).
const READ_SIZE: usize = 64 * 1024;
/// A read buffer larger than this is given back once it is empty.
const RETAIN: usize = 4 << 20;
/// fds one read takes (Node's peers send one per handle message).
const FDS_PER_READ: usize = 8;
/// Received fds kept waiting for their `NODE_HANDLE` message; more are closed.
const MAX_WAITING_FDS: usize = 64;
/// Node's `MAX_HANDLE_RETRANSMISSIONS`.
const MAX_RETRANSMISSIONS: u32 = 3;

/// Calls the channel's event callback (through the loop's one dispatch helper).
pub(crate) fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ev: ChannelEvent<'_>) {
    let kind = ev.kind();
    lp.dispatch_handle::<State<S>, EventFn<S>>(
        s,
        id,
        kind,
        |st| &mut st.on_event,
        move |f, lp, s| f(lp, s, Channel(id), ev),
    );
}

/// The watcher's callback.
pub(crate) fn on_io<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ready: Ready) {
    let res = catch_unwind(AssertUnwindSafe(|| io(lp, s, id, ready)));
    if let Err(payload) = res {
        // A callback's uncaught error (or a panic) unwinds to `run` through the watcher's
        // dispatch, which loses the watcher's callback: re-arm it, and deliver what was
        // read and not delivered yet from the loop, so the channel goes on in a later run.
        if let Ok(st) = state(lp, id) {
            st.in_io = false;
            st.interest = None;
        }
        write::update_io(lp, id, true).ok();
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
            process(lp, s, id);
            after_delivery(lp, s, id);
        });
        resume_unwind(payload);
    }
}

fn io<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ready: Ready) {
    let Ok(st) = state(lp, id) else { return };
    if st.dead {
        return;
    }
    st.in_io = true;
    let mut rearm = false;
    if ready.is_readable() || ready.is_hup() || ready.is_error() {
        match read_all(lp, s, id, ready.is_hup()) {
            Ok(more) => rearm = more,
            Err(err) => {
                write::finish(lp, s, id, err);
                return;
            }
        }
    }
    let Ok(st) = state(lp, id) else { return };
    st.in_io = false;
    let writable = ready.is_writable() || ready.is_hup() || ready.is_error();
    if st.queued > 0 && (!st.blocked || writable) {
        if let Some(e) = write::flush(lp, id) {
            write::finish(lp, s, id, Some(e));
            return;
        }
    }
    write::maybe_close(lp, s, id);
    write::update_io(lp, id, rearm).ok();
}

/// Delivers what a deferred path (after an unwind, early messages) left to do: flush the
/// sends made from the callbacks, and close if `disconnect` was waiting.
fn after_delivery<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    write::after_queue(lp, id);
    write::maybe_close(lp, s, id);
}

/// Reads until the socket is drained, delivering after each read. On Linux a Unix stream
/// read goes on through every queued segment until the buffer is full, except that it
/// stops right after a segment that carried fds: so a short read that brought no fds
/// drained the socket (new data raises a new edge), while one that brought fds may have
/// left data behind and is followed by another read. With the peer's hang-up already seen
/// (`hup`), reads go on to find the end. `Ok(true)`: the budget ran out (re-arm);
/// `Err(reason)`: the channel ends (`None`: the peer closed it).
fn read_all<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    hup: bool,
) -> Result<bool, Option<Error>> {
    for _ in 0..READS_PER_EVENT {
        let Ok(st) = state(lp, id) else {
            return Ok(false);
        };
        let State {
            sock, reader, fds, ..
        } = st;
        let (Some(sock), Some(r)) = (sock.as_ref(), reader.as_mut()) else {
            return Ok(false);
        };
        let want = r.dec.wanted(&r.buf[..r.filled], r.pos);
        r.make_room(want);
        let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(FDS_PER_READ))];
        let mut anc = RecvAncillaryBuffer::new(&mut space);
        let room = r.buf.len() - r.filled;
        let mut iov = [IoSliceMut::new(&mut r.buf[r.filled..])];
        let drained = match rustix::net::recvmsg(sock, &mut iov, &mut anc, RecvFlags::CMSG_CLOEXEC)
        {
            Ok(m) if m.bytes == 0 => return Err(None),
            Ok(m) => {
                r.filled += m.bytes;
                let mut with_fds = m.flags.contains(ReturnFlags::CTRUNC);
                for msg in anc.drain() {
                    if let RecvAncillaryMessage::ScmRights(got) = msg {
                        with_fds = true;
                        for fd in got {
                            if fds.len() < MAX_WAITING_FDS {
                                fds.push_back(fd);
                            }
                        }
                    }
                }
                m.bytes < room && !with_fds && !hup
            }
            Err(Errno::AGAIN) => return Ok(false),
            Err(Errno::INTR) => continue,
            // the peer is gone: the end of the channel, not an error
            Err(Errno::CONNRESET) => return Err(None),
            Err(e) => return Err(Some(Error::from_io(&e.into(), "read"))),
        };
        process(lp, s, id);
        if drained {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Reader {
    /// Makes room for a read: at least [`READ_SIZE`] bytes free, or what the message being
    /// read needs in all (`want`), moving a partial message to the front first.
    fn make_room(&mut self, want: usize) {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
        }
        let need = (self.filled + READ_SIZE).max(want);
        if self.buf.len() < need {
            let grown = need.max(self.buf.len() * 2);
            self.buf.resize(grown, 0);
        }
    }

    /// After delivery: forget consumed bytes, and give back a large buffer once empty.
    fn settle(&mut self) {
        if self.pos == self.filled {
            self.pos = 0;
            self.filled = 0;
            if self.buf.len() > RETAIN {
                self.buf = Vec::new();
            }
        }
    }
}

/// Delivers every complete message in the read buffer. The buffer is lent out for the
/// callbacks (they get slices of it) and put back after each one returns, or unwinds.
pub(crate) fn process<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    let Ok(st) = state(lp, id) else { return };
    if st.dead {
        return;
    }
    let mode = st.mode;
    let Some(mut r) = st.reader.take() else {
        return;
    };
    let put_back = |lp: &mut Loop<S>, mut r: Reader| {
        if let Ok(st) = state(lp, id) {
            r.dec.max = st.max;
            st.reader = Some(r);
        }
    };
    while let Some(frame) = r.dec.next(&r.buf[..r.filled], &mut r.pos) {
        let buf = &r.buf;
        let res = catch_unwind(AssertUnwindSafe(|| deliver(lp, s, id, mode, buf, frame)));
        if let Err(payload) = res {
            put_back(lp, r);
            resume_unwind(payload);
        }
        match state(lp, id) {
            Ok(st) if !st.dead => r.dec.max = st.max,
            _ => return,
        }
    }
    r.settle();
    put_back(lp, r);
}

fn invalid(detail: String) -> Error {
    Error::new(codes::ERR_IPC_INVALID_MESSAGE).with_detail(detail)
}

/// One message (or the error of one that could not be read).
fn deliver<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    mode: Serialization,
    buf: &[u8],
    frame: Result<Frame>,
) {
    match frame {
        Err(e) => emit(lp, s, id, ChannelEvent::Error(e)),
        Ok(Frame::Json { start, end }) => {
            let line = &buf[start..end];
            // as Node's StringDecoder: invalid UTF-8 becomes U+FFFD
            let text: Cow<'_, [u8]> = match std::str::from_utf8(line) {
                Ok(_) => Cow::Borrowed(line),
                Err(_) => Cow::Owned(String::from_utf8_lossy(line).into_owned().into_bytes()),
            };
            match wire::classify_json(&text) {
                Err(e) => emit(lp, s, id, ChannelEvent::Error(e)),
                Ok(Line::User) => user(lp, s, id, mode, text, None),
                Ok(Line::Internal(v)) => internal(lp, s, id, mode, v),
            }
        }
        Ok(Frame::Ruv { kind, start, end }) => {
            let payload = &buf[start..end];
            match kind {
                wire::KIND_USER => user(lp, s, id, mode, Cow::Borrowed(payload), None),
                wire::KIND_INTERNAL => match serde_json::from_slice::<Value>(payload) {
                    Ok(v) => internal(lp, s, id, mode, v),
                    Err(e) => emit(lp, s, id, ChannelEvent::Error(wire::invalid_json(e))),
                },
                wire::KIND_HANDLE => match wire::split_ruv_handle(payload) {
                    Ok((_header, inner, payload)) => {
                        let Some(handle) = take_handle(lp, s, id) else {
                            return;
                        };
                        match inner {
                            wire::KIND_USER => {
                                user(lp, s, id, mode, Cow::Borrowed(payload), handle)
                            }
                            wire::KIND_INTERNAL => match serde_json::from_slice(payload) {
                                Ok(v) => user_internal(lp, s, id, &v, handle),
                                Err(e) => {
                                    emit(lp, s, id, ChannelEvent::Error(wire::invalid_json(e)))
                                }
                            },
                            k => emit(
                                lp,
                                s,
                                id,
                                ChannelEvent::Error(invalid(format!(
                                    "invalid ruv frame: unknown inner kind {k}"
                                ))),
                            ),
                        }
                    }
                    Err(e) => emit(lp, s, id, ChannelEvent::Error(e)),
                },
                k => emit(
                    lp,
                    s,
                    id,
                    ChannelEvent::Error(invalid(format!("invalid ruv frame: unknown kind {k}"))),
                ),
            }
        }
    }
}

/// A user message: to the callback, or kept until one is set.
fn user<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    mode: Serialization,
    bytes: Cow<'_, [u8]>,
    handle: Option<ReceivedHandle>,
) {
    let Ok(st) = state(lp, id) else { return };
    if !st.listening {
        st.early.push_back(Early {
            internal: None,
            bytes: bytes.into_owned(),
            handle,
        });
        return;
    }
    let cell = Cell::new(handle);
    emit(
        lp,
        s,
        id,
        ChannelEvent::Message(Message::new(mode, bytes, &cell)),
    );
    if let Some(h) = cell.take() {
        h.close(lp);
    }
}

/// An internal message for the callback (not one of handle passing's own).
fn user_internal<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
    v: &Value,
    handle: Option<ReceivedHandle>,
) {
    let Ok(st) = state(lp, id) else { return };
    if !st.listening {
        st.early.push_back(Early {
            internal: Some(v.clone()),
            bytes: Vec::new(),
            handle,
        });
        return;
    }
    let cell = Cell::new(handle);
    emit(
        lp,
        s,
        id,
        ChannelEvent::Internal(InternalMessage::new(v, &cell)),
    );
    if let Some(h) = cell.take() {
        h.close(lp);
    }
}

/// An internal message: handle passing's are handled here, the others go to the callback.
fn internal<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, mode: Serialization, v: Value) {
    match v.get("cmd").and_then(Value::as_str) {
        Some("NODE_HANDLE") => {
            let Some(handle) = take_handle(lp, s, id) else {
                return;
            };
            let msg = v.get("msg").unwrap_or(&Value::Null);
            if wire::is_internal(msg) {
                user_internal(lp, s, id, msg, handle);
            } else {
                // serializing a `Value` cannot fail
                let bytes = serde_json::to_vec(msg).unwrap_or_default();
                user(lp, s, id, mode, Cow::Owned(bytes), handle);
            }
        }
        Some("NODE_HANDLE_ACK") => on_ack(lp, s, id, true),
        Some("NODE_HANDLE_NACK") => on_ack(lp, s, id, false),
        _ => user_internal(lp, s, id, &v, None),
    }
}

/// Queues one of handle passing's own messages, ahead of any held ones.
fn reply<S: 'static>(lp: &mut Loop<S>, id: HandleId, cmd: &str) {
    let Ok(st) = state(lp, id) else { return };
    let mode = st.mode;
    let seg = channel::tail(st);
    let before = seg.bytes.len();
    // a small JSON object: cannot fail, and leaves the buffer as it was if it did
    wire::encode(
        mode,
        &mut seg.bytes,
        Payload::Internal(&json!({ "cmd": cmd })),
    )
    .ok();
    let added = seg.bytes.len() - before;
    st.queued += added;
    write::after_queue(lp, id);
}

/// The fd of a `NODE_HANDLE` message, acknowledged and opened on this loop. `None` when no
/// fd came with it (a `NODE_HANDLE_NACK` is sent: the sender retransmits); `Some(None)`
/// when it could not be opened (an error event; the message is delivered without it).
fn take_handle<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: HandleId,
) -> Option<Option<ReceivedHandle>> {
    let fd = state(lp, id).ok()?.fds.pop_front();
    let Some(fd) = fd else {
        reply(lp, id, "NODE_HANDLE_NACK");
        return None;
    };
    reply(lp, id, "NODE_HANDLE_ACK");
    match ReceivedHandle::open(lp, fd) {
        Ok(h) => Some(Some(h)),
        Err(e) => {
            emit(lp, s, id, ChannelEvent::Error(e));
            Some(None)
        }
    }
}

/// `NODE_HANDLE_ACK` (`ack`) or `NODE_HANDLE_NACK` for the handle in flight.
fn on_ack<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, ack: bool) {
    let Ok(st) = state(lp, id) else { return };
    let Some(f) = st.in_flight.as_mut() else {
        return;
    };
    if !ack && f.retransmissions < MAX_RETRANSMISSIONS {
        f.retransmissions += 1;
        let bytes = f.bytes.clone();
        match rustix::io::fcntl_dupfd_cloexec(&f.fd, 0) {
            Ok(dup) => {
                st.queued += bytes.len();
                st.out.push_back(channel::Seg::new(bytes, Some(dup)));
                write::after_queue(lp, id);
                return;
            }
            Err(e) => {
                let e = Error::from_io(&e.into(), "dup");
                finish_in_flight(lp, s, id, Err(e));
                return;
            }
        }
    }
    let res = if ack {
        Ok(())
    } else {
        Err(Error::new(codes::ERR_IPC_HANDLE_NOT_RECEIVED))
    };
    finish_in_flight(lp, s, id, res);
}

/// The handle in flight is done with: its fd is closed, its callback runs, and the messages
/// held behind it go out (up to the next handle).
fn finish_in_flight<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId, res: Result<()>) {
    let Ok(st) = state(lp, id) else { return };
    let Some(f) = st.in_flight.take() else {
        return;
    };
    drop(f.fd);
    let mut failed = None;
    while st.in_flight.is_none() {
        let Some(h) = st.held.pop_front() else { break };
        st.held_bytes -= h.bytes.len();
        match h.fd {
            Some(fd) => {
                if let Err(e) = channel::start_handle(st, h.bytes, fd, h.cb) {
                    failed = Some(e);
                    break;
                }
            }
            None => channel::append(st, &h.bytes, h.cb),
        }
    }
    if let Some(e) = failed {
        write::fail_later(lp, id, e);
    }
    write::after_queue(lp, id);
    if let Some(cb) = f.cb {
        cb.run(lp, s, id, res);
    }
}

/// Delivers the messages kept while no event callback was set.
pub(crate) fn deliver_early<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: HandleId) {
    loop {
        let Ok(st) = state(lp, id) else { return };
        if !st.listening || st.dead {
            break;
        }
        let Some(e) = st.early.pop_front() else { break };
        let mode = st.mode;
        match e.internal {
            Some(v) => user_internal(lp, s, id, &v, e.handle),
            None => user(lp, s, id, mode, Cow::Owned(e.bytes), e.handle),
        }
    }
    after_delivery(lp, s, id);
}
