//! The stream core shared by [`Tcp`](crate::Tcp) and [`Pipe`](crate::Pipe): sockets are
//! handles in ruv-core's one registry (`lp.handles::<Entry<S>>()`), each driven by one
//! edge-triggered [`IoWatcher`] (an unreferenced core handle of its own: the stream's
//! [`Handle`](ruv_core::registry::Handle) flags carry its liveness), with a reused read
//! buffer, a FIFO write queue with optional per-write callbacks, half-close and close.
//!
//! Every user callback runs from the socket's I/O callback (data, connections, connect
//! completion), from [`Loop::defer`] (write, shutdown and drain callbacks, errors found
//! inside an API call), or from the close path (see `closing.rs`), never from inside the
//! API call that caused it. The I/O side lives in `stream_io.rs`.

use crate::closing::{self, DoneFn, OneShot};
use ruv_core::registry::{Callback, HandleId};
use ruv_core::stream::{EventFn, StreamEvent};
use ruv_core::{CloseToken, Code, Error, Interest, IoWatcher, Loop, Result};
use socket2::Socket;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::os::fd::AsRawFd;
use std::rc::Rc;

/// Node's default `writableHighWaterMark` for sockets.
pub const DEFAULT_HIGH_WATER_MARK: usize = 16 * 1024;

/// A stream's id in the registry (wrapped by [`Tcp`](crate::Tcp) and [`Pipe`](crate::Pipe)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StreamId(pub(crate) HandleId);

/// The stored event callback.
pub(crate) type EventCb<S> = EventFn<S, StreamId>;
/// The event callback is shared by the slot `dispatch_handle` takes it from and the
/// stream's own copy, which `close` keeps for `Close` even when it closes from inside the
/// event callback (while the slot is empty).
pub(crate) type SharedEvent<S> = Rc<RefCell<EventCb<S>>>;
/// The stored connection callback.
pub(crate) type ConnFn<S> =
    Box<dyn FnMut(&mut Loop<S>, &mut S, StreamId, Result<()>) -> Result<()>>;

pub(crate) struct WriteReq<S> {
    pub(crate) data: Box<dyn AsRef<[u8]>>,
    pub(crate) off: usize,
    pub(crate) cb: Option<OneShot<S>>,
}

/// A stream's own state (its liveness flags are the registry's `Handle` around it).
pub(crate) struct Entry<S> {
    pub(crate) sock: Option<Socket>,
    /// False for a non-socket fd given to `Pipe::open` (a pipe, a tty): plain read/write.
    pub(crate) is_socket: bool,
    /// A `Pipe` (event kinds are named `pipe.*`), else a `Tcp` (`tcp.*`).
    pub(crate) pipe: bool,
    pub(crate) watcher: IoWatcher,
    pub(crate) interest: Option<Interest>,
    pub(crate) reading: bool,
    /// End of data or a read error was seen: reading does not start again.
    pub(crate) read_done: bool,
    pub(crate) listening: bool,
    /// Out of fds and nothing to spare: not accepting until a socket closes.
    pub(crate) emfile_paused: bool,
    /// `pause_accept` was called: connections stay in the kernel backlog.
    pub(crate) accept_paused: bool,
    /// Connections taken per readiness event before the listener yields.
    pub(crate) accept_batch: usize,
    pub(crate) connecting: bool,
    pub(crate) need_drain: bool,
    pub(crate) shutdown_req: bool,
    pub(crate) shut: bool,
    /// `Error` was emitted (at most once).
    pub(crate) errored: bool,
    pub(crate) hwm: usize,
    pub(crate) queued: usize,
    pub(crate) write_error: Option<Error>,
    pub(crate) queue: VecDeque<WriteReq<S>>,
    pub(crate) on_event: Option<Callback<SharedEvent<S>>>,
    /// The same callback, kept for the close path.
    pub(crate) event_keep: Option<Callback<SharedEvent<S>>>,
    pub(crate) on_conn: Option<Callback<ConnFn<S>>>,
    pub(crate) connect_cb: Option<OneShot<S>>,
    pub(crate) shutdown_cb: Option<OneShot<S>>,
    pub(crate) accepted: Option<Socket>,
}

/// Per-loop state of the stream layer (a loop extension).
pub(crate) struct Net {
    pub(crate) buf: Vec<u8>,
    /// The reserve fd for the EMFILE trick (see docs/networking.md).
    pub(crate) spare: Option<std::fs::File>,
    /// Listeners that stopped accepting because no fd could be freed.
    pub(crate) paused: Vec<StreamId>,
}

pub(crate) fn open_spare() -> Option<std::fs::File> {
    std::fs::File::open("/dev/null").ok()
}

pub(crate) fn net<S: 'static>(lp: &mut Loop<S>) -> &mut Net {
    lp.extension_or_insert_with(|| Net {
        buf: Vec::new(),
        spare: None,
        paused: Vec::new(),
    })
}

/// The open (not closing) entry of `id`, or EBADF.
pub(crate) fn entry<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> Result<&mut Entry<S>> {
    Ok(&mut lp.open_handle_mut::<Entry<S>>(id.0)?.data)
}

/// The open entry of `id`, shared, or EBADF.
pub(crate) fn entry_ref<S: 'static>(lp: &Loop<S>, id: StreamId) -> Result<&Entry<S>> {
    let h = lp.handle::<Entry<S>>(id.0)?;
    if h.is_closing() {
        return Err(Error::new(Code::EBADF).with_detail("handle is closing"));
    }
    Ok(&h.data)
}

pub(crate) fn sock<S: 'static>(lp: &Loop<S>, id: StreamId) -> Result<&Socket> {
    entry_ref(lp, id)?
        .sock
        .as_ref()
        .ok_or_else(|| Error::new(Code::EBADF))
}

/// Registers a (non-blocking) socket as a new stream.
pub(crate) fn insert<S: 'static>(lp: &mut Loop<S>, sock: Socket, pipe: bool) -> Result<StreamId> {
    sock.set_nonblocking(true)
        .map_err(|e| Error::from_io(&e, "fcntl"))?;
    let watcher = IoWatcher::new(lp, sock.as_raw_fd())?;
    // The stream's own handle flags keep the loop alive, not the watcher's.
    watcher.set_ref(lp, false);
    let is_socket = sock.r#type().is_ok();
    let id = lp
        .handles::<Entry<S>>()
        .insert(ruv_core::registry::Handle::new(Entry {
            sock: Some(sock),
            is_socket,
            pipe,
            watcher,
            interest: None,
            reading: false,
            read_done: false,
            listening: false,
            emfile_paused: false,
            accept_paused: false,
            accept_batch: DEFAULT_ACCEPT_BATCH,
            connecting: false,
            need_drain: false,
            shutdown_req: false,
            shut: false,
            errored: false,
            hwm: DEFAULT_HIGH_WATER_MARK,
            queued: 0,
            write_error: None,
            queue: VecDeque::new(),
            on_event: None,
            event_keep: None,
            on_conn: None,
            connect_cb: None,
            shutdown_cb: None,
            accepted: None,
        }));
    Ok(StreamId(id))
}

/// The callback kind of event `ev` of a stream (`tcp.data`, `pipe.end` …).
pub(crate) fn event_kind(pipe: bool, ev: &StreamEvent<'_>) -> &'static str {
    match (pipe, ev) {
        (false, StreamEvent::Data(_)) => "tcp.data",
        (false, StreamEvent::End) => "tcp.end",
        (false, StreamEvent::Drain) => "tcp.drain",
        (false, StreamEvent::Finish) => "tcp.finish",
        (false, StreamEvent::Error(_)) => "tcp.error",
        (false, StreamEvent::Close) => "tcp.close",
        (true, StreamEvent::Data(_)) => "pipe.data",
        (true, StreamEvent::End) => "pipe.end",
        (true, StreamEvent::Drain) => "pipe.drain",
        (true, StreamEvent::Finish) => "pipe.finish",
        (true, StreamEvent::Error(_)) => "pipe.error",
        (true, StreamEvent::Close) => "pipe.close",
    }
}

/// A one-shot kind (`tcp.write`, `pipe.connect` …).
pub(crate) fn oneshot_kind(pipe: bool, what: &'static str) -> &'static str {
    match (pipe, what) {
        (false, "write") => "tcp.write",
        (false, "shutdown") => "tcp.shutdown",
        (false, _) => "tcp.connect",
        (true, "write") => "pipe.write",
        (true, "shutdown") => "pipe.shutdown",
        (true, _) => "pipe.connect",
    }
}

fn on_event_field<S>(e: &mut Entry<S>) -> &mut Option<Callback<SharedEvent<S>>> {
    &mut e.on_event
}

fn on_conn_field<S>(e: &mut Entry<S>) -> &mut Option<Callback<ConnFn<S>>> {
    &mut e.on_conn
}

/// Emits `ev` to the stream's event callback (nothing for a stale or closing stream).
pub(crate) fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, ev: StreamEvent<'_>) {
    let Ok(e) = entry(lp, id) else { return };
    if matches!(ev, StreamEvent::Error(_)) {
        if e.errored {
            return;
        }
        e.errored = true;
    }
    let kind = event_kind(e.pipe, &ev);
    lp.dispatch_handle::<Entry<S>, SharedEvent<S>>(
        s,
        id.0,
        kind,
        on_event_field::<S>,
        |f, lp, s| (*f.borrow_mut())(lp, s, id, ev),
    );
}

/// Emits `ev` from the next pending phase.
pub(crate) fn emit_deferred<S: 'static>(lp: &mut Loop<S>, id: StreamId, ev: StreamEvent<'static>) {
    lp.defer(move |lp: &mut Loop<S>, s: &mut S| emit(lp, s, id, ev));
}

/// Runs the connection callback.
pub(crate) fn call_conn<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, res: Result<()>) {
    let kind = match entry(lp, id) {
        Ok(e) if e.pipe => "pipe.connection",
        Ok(_) => "tcp.connection",
        Err(_) => return,
    };
    lp.dispatch_handle::<Entry<S>, ConnFn<S>>(s, id.0, kind, on_conn_field::<S>, |f, lp, s| {
        f(lp, s, id, res)
    });
}

/// Brings the watcher's interest (and the stream's active flag) in line with the stream's
/// state; `force` re-arms even when the interest is unchanged (epoll re-checks readiness
/// on re-registration).
pub(crate) fn update_io<S: 'static>(lp: &mut Loop<S>, id: StreamId, force: bool) -> Result<()> {
    let e = entry(lp, id)?;
    let read = e.reading || (e.listening && !e.emfile_paused && !e.accept_paused);
    let write = e.connecting || !e.queue.is_empty();
    let want = match (read, write) {
        (true, true) => Some(Interest::BOTH),
        (true, false) => Some(Interest::READABLE),
        (false, true) => Some(Interest::WRITABLE),
        (false, false) => None,
    };
    if want == e.interest && !force {
        return Ok(());
    }
    let w = e.watcher;
    e.interest = want;
    lp.handle_set_active::<Entry<S>>(id.0, want.is_some());
    match want {
        None => {
            w.stop(lp);
            Ok(())
        }
        Some(i) => w.start(lp, i, move |lp, s, _, ready| {
            crate::stream_io::on_io(lp, s, id, ready)
        }),
    }
}

// ----- operations used by the public handle types -----

pub(crate) fn set_on_event<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    cb: Callback<EventCb<S>>,
) -> Result<()> {
    let e = entry(lp, id)?;
    if e.listening {
        return Err(Error::new(Code::EINVAL).with_detail("a listening socket cannot read"));
    }
    let site = cb.site;
    let shared = Rc::new(RefCell::new(cb.f));
    e.on_event = Some(Callback::at(shared.clone(), site));
    e.event_keep = Some(Callback::at(shared, site));
    resume(lp, id);
    Ok(())
}

pub(crate) fn resume<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let Ok(e) = entry(lp, id) else { return };
    if e.listening || e.read_done {
        return;
    }
    e.reading = true;
    // Re-arm: data may have arrived while reading was stopped (its edge is gone).
    let _ = update_io(lp, id, true);
}

pub(crate) fn pause<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let Ok(e) = entry(lp, id) else { return };
    e.reading = false;
    let _ = update_io(lp, id, false);
}

pub(crate) fn write<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    data: Box<dyn AsRef<[u8]>>,
    cb: Option<Callback<DoneFn<S>>>,
) -> Result<bool> {
    let e = entry(lp, id)?;
    if e.listening {
        return Err(Error::op(Code::ENOTCONN, "write"));
    }
    if e.shutdown_req {
        return Err(Error::op(Code::EPIPE, "write").with_detail("write after shutdown"));
    }
    let cb = cb.map(|cb| OneShot::new(oneshot_kind(e.pipe, "write"), cb));
    if let Some(err) = e.write_error.clone() {
        if let Some(cb) = cb {
            cb.defer(lp, id.0, Err(err));
        }
        return Ok(false);
    }
    let len = (*data).as_ref().len();
    e.queued += len;
    e.queue.push_back(WriteReq { data, off: 0, cb });
    if e.queue.len() == 1 && !e.connecting {
        crate::stream_io::flush(lp, id);
    }
    let e = entry(lp, id)?;
    let below = e.queued < e.hwm;
    if !below {
        e.need_drain = true;
    }
    update_io(lp, id, false)?;
    Ok(below)
}

pub(crate) fn try_write<S: 'static>(lp: &mut Loop<S>, id: StreamId, data: &[u8]) -> Result<usize> {
    let e = entry(lp, id)?;
    if e.connecting || !e.queue.is_empty() {
        return Err(Error::op(Code::EAGAIN, "write"));
    }
    if e.shutdown_req {
        return Err(Error::op(Code::EPIPE, "write"));
    }
    if let Some(err) = e.write_error.clone() {
        return Err(err);
    }
    let sock = e.sock.as_ref().ok_or_else(|| Error::new(Code::EBADF))?;
    loop {
        match crate::stream_io::send(sock, e.is_socket, data) {
            Ok(n) => return Ok(n),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Error::from_io(&err, "write")),
        }
    }
}

pub(crate) fn shutdown<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    cb: Option<Callback<DoneFn<S>>>,
) -> Result<()> {
    let e = entry(lp, id)?;
    if e.listening {
        return Err(Error::op(Code::ENOTCONN, "shutdown"));
    }
    if e.shutdown_req {
        return Err(Error::op(Code::EINVAL, "shutdown").with_detail("already shut down"));
    }
    e.shutdown_req = true;
    let cb = cb.map(|cb| OneShot::new(oneshot_kind(e.pipe, "shutdown"), cb));
    if let Some(err) = e.write_error.clone() {
        if let Some(cb) = cb {
            cb.defer(lp, id.0, Err(err));
        }
        return Ok(());
    }
    e.shutdown_cb = cb;
    if e.queue.is_empty() && !e.connecting {
        crate::stream_io::on_drained(lp, id);
    }
    Ok(())
}

pub(crate) fn connect_start<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    addr: &socket2::SockAddr,
    cb: Callback<DoneFn<S>>,
) -> Result<()> {
    let e = entry(lp, id)?;
    let cb = OneShot::new(oneshot_kind(e.pipe, "connect"), cb);
    let sock = e.sock.as_ref().ok_or_else(|| Error::new(Code::EBADF))?;
    match sock.connect(addr) {
        Ok(()) => {
            cb.defer(lp, id.0, Ok(()));
            Ok(())
        }
        Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {
            e.connecting = true;
            e.connect_cb = Some(cb);
            update_io(lp, id, false)
        }
        Err(err) => {
            let err = Error::from_io(&err, "connect");
            e.write_error = Some(err.clone());
            cb.defer(lp, id.0, Err(err));
            Ok(())
        }
    }
}

pub(crate) fn listen_start<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    backlog: i32,
    cb: Callback<ConnFn<S>>,
) -> Result<()> {
    let n = net(lp);
    if n.spare.is_none() {
        n.spare = open_spare();
    }
    let e = entry(lp, id)?;
    let sock = e.sock.as_ref().ok_or_else(|| Error::new(Code::EBADF))?;
    sock.listen(backlog)
        .map_err(|err| Error::from_io(&err, "listen"))?;
    e.listening = true;
    e.reading = false;
    e.on_conn = Some(cb);
    update_io(lp, id, true)
}

/// Connections a listener takes per readiness event unless told otherwise.
pub(crate) const DEFAULT_ACCEPT_BATCH: usize = 128;

/// Stops (`true`) or resumes (`false`) taking connections off a listener's backlog.
pub(crate) fn set_accept_paused<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    paused: bool,
) -> Result<()> {
    let e = entry(lp, id)?;
    if !e.listening {
        return Err(Error::new(Code::EINVAL).with_detail("not a listening socket"));
    }
    if e.accept_paused == paused {
        return Ok(());
    }
    e.accept_paused = paused;
    // Re-registering makes epoll report connections that queued while paused.
    update_io(lp, id, true)
}

/// Sets how many connections a listener takes per readiness event (at least 1).
pub(crate) fn set_accept_batch<S: 'static>(lp: &mut Loop<S>, id: StreamId, n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::new(Code::EINVAL).with_detail("accept batch must be at least 1"));
    }
    entry(lp, id)?.accept_batch = n;
    Ok(())
}

pub(crate) fn accept<S: 'static>(lp: &mut Loop<S>, server: StreamId) -> Result<StreamId> {
    let e = entry(lp, server)?;
    let pipe = e.pipe;
    let Some(c) = e.accepted.take() else {
        return Err(Error::op(Code::EAGAIN, "accept"));
    };
    insert(lp, c, pipe)
}

/// Closes the stream: the fd is closed at once; pending write, connect and shutdown
/// callbacks get ECANCELED before the close callback; then `Error(err)` (for a destroy
/// with an error) and `Close` are emitted, and the id is stale.
pub(crate) fn close<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    err: Option<Error>,
) -> Result<CloseToken<'_, S>> {
    let h = lp.handle_mut::<Entry<S>>(id.0)?;
    if h.is_closing() {
        return Err(Error::new(Code::EINVAL).with_detail("handle is already closing"));
    }
    let e = &mut h.data;
    e.reading = false;
    e.listening = false;
    let mut cancel: VecDeque<OneShot<S>> = e.queue.drain(..).filter_map(|r| r.cb).collect();
    e.queued = 0;
    cancel.extend(e.connect_cb.take());
    cancel.extend(e.shutdown_cb.take());
    e.on_event = None;
    let on_event = e.event_keep.take();
    let err = if e.errored { None } else { err };
    let pipe = e.pipe;
    e.on_conn = None;
    e.accepted = None;
    let w = e.watcher;
    let sock = e.sock.take();
    let set = closing::cancel_on_close(lp, id.0, cancel);
    // Deregister first, then close the fd. The watcher closes before the stream, so its
    // close callback runs after the stream's (the user's): cancellations left, then the
    // stream's last events.
    if let Ok(t) = w.close(lp) {
        t.then(move |lp: &mut Loop<S>, s: &mut S| {
            closing::deliver(lp, s, &set);
            let Some(Callback { f, site }) = on_event else {
                return;
            };
            if let Some(err) = err {
                let ev = StreamEvent::Error(err);
                let kind = event_kind(pipe, &ev);
                lp.run_callback(s, kind, Some(id.0), site, |lp, s| {
                    (*f.borrow_mut())(lp, s, id, ev)
                });
            }
            let kind = event_kind(pipe, &StreamEvent::Close);
            lp.run_callback(s, kind, Some(id.0), site, |lp, s| {
                (*f.borrow_mut())(lp, s, id, StreamEvent::Close)
            });
        });
    }
    drop(sock);
    resume_paused::<S>(lp);
    lp.close_handle::<Entry<S>>(id.0)
}

/// An fd was freed: listeners paused on EMFILE get it (they accept again); with none
/// paused, a spare given up earlier is retaken.
fn resume_paused<S: 'static>(lp: &mut Loop<S>) {
    if net(lp).paused.is_empty() {
        let listening = lp
            .handles_ref::<Entry<S>>()
            .is_some_and(|r| r.iter().any(|(_, h)| h.data.listening && !h.is_closing()));
        let n = net(lp);
        if n.spare.is_none() && listening {
            n.spare = open_spare();
        }
        return;
    }
    let paused = std::mem::take(&mut net(lp).paused);
    for id in paused {
        if let Ok(e) = entry(lp, id) {
            e.emfile_paused = false;
            let _ = update_io(lp, id, true);
        }
    }
}
