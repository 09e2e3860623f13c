//! The stream core shared by [`Tcp`](crate::Tcp) (and later pipes): a slab of sockets kept
//! in a loop extension, one edge-triggered [`IoWatcher`] per socket, a reused read buffer,
//! a FIFO write queue with per-write callbacks, half-close and close.
//!
//! Every user callback runs either from the socket's I/O callback (reads, connections,
//! connect completion) or from [`Loop::defer`] (write, shutdown and drain callbacks, errors
//! found inside an API call), never from inside the API call that caused it.

use ruv_core::{Code, Error, Interest, IoWatcher, Loop, Ready, Result};
use slab::Slab;
use socket2::Socket;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;

/// Node's default `writableHighWaterMark` for sockets.
pub const DEFAULT_HIGH_WATER_MARK: usize = 16 * 1024;

/// Size of the loop-wide read buffer (Node's and libuv's 64 KiB).
const READ_BUF: usize = 64 * 1024;
/// Reads per readiness event before the socket yields to others (libuv reads up to 32).
const READS_PER_EVENT: usize = 32;
/// Accepts per readiness event before the listener yields.
const ACCEPTS_PER_EVENT: usize = 128;

/// An id into the per-loop slab of sockets, with a generation so stale ids fail with EBADF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StreamId {
    pub(crate) index: u32,
    pub(crate) gen: u32,
}

pub(crate) type ReadCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, StreamId, Result<&[u8]>)>;
pub(crate) type ConnCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, StreamId, Result<()>)>;
pub(crate) type DoneCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<()>)>;
pub(crate) type DrainCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, StreamId)>;
pub(crate) type CloseCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S)>;

struct WriteReq<S> {
    data: Box<dyn AsRef<[u8]>>,
    off: usize,
    cb: Option<DoneCb<S>>,
}

pub(crate) struct Entry<S> {
    gen: u32,
    pub(crate) sock: Option<Socket>,
    /// False for a non-socket fd given to `Pipe::open` (a pipe, a tty): plain read/write.
    is_socket: bool,
    watcher: IoWatcher,
    interest: Option<Interest>,
    reading: bool,
    pub(crate) listening: bool,
    paused: bool,
    connecting: bool,
    closing: bool,
    need_drain: bool,
    shutdown_req: bool,
    shut: bool,
    hwm: usize,
    queued: usize,
    write_error: Option<Error>,
    queue: VecDeque<WriteReq<S>>,
    on_read: Option<ReadCb<S>>,
    on_conn: Option<ConnCb<S>>,
    on_drain: Option<DrainCb<S>>,
    connect_cb: Option<DoneCb<S>>,
    shutdown_cb: Option<DoneCb<S>>,
    accepted: Option<Socket>,
    /// The close callback attached through [`CloseToken::then`].
    pub(crate) user_close: Option<CloseCb<S>>,
}

/// Returned by `close`: the socket is closing; [`then`](CloseToken::then) attaches the close
/// callback (optional), which runs in the loop's closing phase.
pub struct CloseToken<'a, S> {
    pub(crate) lp: &'a mut Loop<S>,
    pub(crate) set: fn(&mut Loop<S>, u32, u64, CloseCb<S>),
    pub(crate) index: u32,
    pub(crate) gen: u64,
}

impl<S> std::fmt::Debug for CloseToken<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloseToken").finish_non_exhaustive()
    }
}

impl<S> CloseToken<'_, S> {
    /// Runs `cb` in the closing phase, after the socket is gone.
    pub fn then(self, cb: impl FnOnce(&mut Loop<S>, &mut S) + 'static) {
        (self.set)(self.lp, self.index, self.gen, Box::new(cb));
    }
}

pub(crate) fn set_user_close<S: 'static>(lp: &mut Loop<S>, index: u32, gen: u64, cb: CloseCb<S>) {
    if let Some(e) = entry_any(
        lp,
        StreamId {
            index,
            gen: gen as u32,
        },
    ) {
        e.user_close = Some(cb);
    }
}

/// Per-loop state of the net layer (a loop extension).
pub(crate) struct Net<S> {
    entries: Slab<Entry<S>>,
    next_gen: u32,
    buf: Vec<u8>,
    /// The reserve fd for the EMFILE trick (see docs/networking.md).
    spare: Option<std::fs::File>,
    /// Listeners that stopped accepting because no fd could be freed.
    paused: Vec<StreamId>,
}

fn open_spare() -> Option<std::fs::File> {
    std::fs::File::open("/dev/null").ok()
}

pub(crate) fn net<S: 'static>(lp: &mut Loop<S>) -> &mut Net<S> {
    if lp.extension_mut::<Net<S>>().is_none() {
        lp.insert_extension(Net::<S> {
            entries: Slab::new(),
            next_gen: 0,
            buf: Vec::new(),
            spare: None,
            paused: Vec::new(),
        });
    }
    lp.extension_mut::<Net<S>>().expect("inserted above")
}

/// The open (not closing) entry of `id`, or EBADF.
pub(crate) fn entry<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> Result<&mut Entry<S>> {
    match net(lp).entries.get_mut(id.index as usize) {
        Some(e) if e.gen == id.gen && !e.closing => Ok(e),
        _ => Err(Error::new(Code::EBADF)),
    }
}

/// The entry of `id` even while it is closing (for callbacks that finish up).
fn entry_any<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> Option<&mut Entry<S>> {
    match net(lp).entries.get_mut(id.index as usize) {
        Some(e) if e.gen == id.gen => Some(e),
        _ => None,
    }
}

pub(crate) fn sock<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> Result<&Socket> {
    entry(lp, id)?
        .sock
        .as_ref()
        .ok_or_else(|| Error::new(Code::EBADF))
}

/// Writes to a socket without raising SIGPIPE (EPIPE is returned instead), or to another
/// kind of fd with write(2).
fn send(sock: &Socket, is_socket: bool, data: &[u8]) -> std::io::Result<usize> {
    if is_socket {
        return sock.send_with_flags(data, libc::MSG_NOSIGNAL);
    }
    // SAFETY: the fd is open (owned by `sock`), and `data` is a valid readable region of
    // `data.len()` bytes for the duration of the call.
    let n = unsafe { libc::write(sock.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// read(2) on a non-socket fd.
fn fd_read(sock: &Socket, buf: &mut [u8]) -> std::io::Result<usize> {
    // SAFETY: the fd is open (owned by `sock`), and `buf` is a valid writable region of
    // `buf.len()` bytes for the duration of the call.
    let n = unsafe { libc::read(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Registers a (non-blocking) socket as a new stream.
pub(crate) fn insert<S: 'static>(lp: &mut Loop<S>, sock: Socket) -> Result<StreamId> {
    sock.set_nonblocking(true)
        .map_err(|e| Error::from_io(&e, "fcntl"))?;
    let watcher = IoWatcher::new(lp, sock.as_raw_fd())?;
    let is_socket = sock.r#type().is_ok();
    let n = net(lp);
    n.next_gen = n.next_gen.wrapping_add(1).max(1);
    let gen = n.next_gen;
    let index = n.entries.insert(Entry {
        gen,
        sock: Some(sock),
        is_socket,
        watcher,
        interest: None,
        reading: false,
        listening: false,
        paused: false,
        connecting: false,
        closing: false,
        need_drain: false,
        shutdown_req: false,
        shut: false,
        hwm: DEFAULT_HIGH_WATER_MARK,
        queued: 0,
        write_error: None,
        queue: VecDeque::new(),
        on_read: None,
        on_conn: None,
        on_drain: None,
        connect_cb: None,
        shutdown_cb: None,
        accepted: None,
        user_close: None,
    });
    Ok(StreamId {
        index: index as u32,
        gen,
    })
}

/// Brings the watcher's interest in line with the stream's state; `force` re-arms even when
/// the interest is unchanged (epoll re-checks readiness on re-registration).
fn update_io<S: 'static>(lp: &mut Loop<S>, id: StreamId, force: bool) -> Result<()> {
    let e = entry(lp, id)?;
    let read = e.reading || (e.listening && !e.paused);
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
    match want {
        None => {
            w.stop(lp);
            Ok(())
        }
        Some(i) => w.start(lp, i, move |lp, s, _, ready| on_io(lp, s, id, ready)),
    }
}

fn on_io<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, ready: Ready) {
    let Ok(e) = entry(lp, id) else { return };
    let mut rearm = false;
    if e.connecting {
        finish_connect(lp, s, id);
        // Data may have come with the connection's edge: re-arm so epoll reports it.
        rearm = true;
    } else if e.listening {
        rearm = do_accept(lp, s, id);
    } else {
        if e.reading && (ready.is_readable() || ready.is_hup() || ready.is_error()) {
            rearm = do_read(lp, s, id, ready.is_hup());
        }
        if let Ok(e) = entry(lp, id) {
            if !e.queue.is_empty() && (ready.is_writable() || ready.is_error() || ready.is_hup()) {
                flush(lp, id);
            }
        }
    }
    let _ = update_io(lp, id, rearm);
}

fn finish_connect<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId) {
    let Ok(e) = entry(lp, id) else { return };
    let res = match e.sock.as_ref().map(|s| s.take_error()) {
        Some(Ok(None)) => Ok(()),
        Some(Ok(Some(err))) | Some(Err(err)) => Err(Error::from_io(&err, "connect")),
        None => Err(Error::new(Code::EBADF)),
    };
    e.connecting = false;
    let failed = res.is_err();
    if let Err(err) = &res {
        e.write_error = Some(err.clone());
    }
    let cb = e.connect_cb.take();
    if let Some(cb) = cb {
        cb(lp, s, res);
    }
    if let Ok(e) = entry(lp, id) {
        if failed {
            fail_queue(lp, id);
        } else if !e.queue.is_empty() || e.shutdown_req {
            flush(lp, id);
        }
    }
}

/// Lends the loop-wide receive buffer (`slot`) to one read: the caller puts it back when done,
/// so steady-state reads allocate nothing. Allocates only the first time (or if a callback
/// that kept it panicked).
pub(crate) fn lend_buf(slot: &mut Vec<u8>, size: usize) -> Vec<u8> {
    let buf = std::mem::take(slot);
    if buf.len() < size {
        vec![0; size]
    } else {
        buf
    }
}

/// Reads until the socket would block, the per-event budget is spent, or reading stops.
/// Returns true when the budget ran out (the watcher must be re-armed).
fn do_read<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, hup: bool) -> bool {
    for _ in 0..READS_PER_EVENT {
        let n = net(lp);
        let mut buf = lend_buf(&mut n.buf, READ_BUF);
        let Some(e) = n.entries.get_mut(id.index as usize) else {
            n.buf = buf;
            return false;
        };
        if e.gen != id.gen || e.closing || !e.reading {
            n.buf = buf;
            return false;
        }
        let Some(sock) = e.sock.as_ref() else {
            n.buf = buf;
            return false;
        };
        let res = if e.is_socket {
            (&*sock).read(&mut buf)
        } else {
            fd_read(sock, &mut buf)
        };
        let (outcome, more): (Result<usize>, bool) = match res {
            Ok(0) => {
                e.reading = false;
                (Err(Error::new(Code::EOF)), false)
            }
            // On Linux a short read drained the socket: new data raises a new edge. Only
            // with the peer's FIN already seen must we read on to find the EOF.
            Ok(n) => (Ok(n), n == buf.len() || hup),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                net(lp).buf = buf;
                return false;
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {
                net(lp).buf = buf;
                continue;
            }
            Err(err) => {
                e.reading = false;
                (Err(Error::from_io(&err, "read")), false)
            }
        };
        let Some(mut cb) = e.on_read.take() else {
            n.buf = buf;
            return false;
        };
        match outcome {
            Ok(len) => cb(lp, s, id, Ok(&buf[..len])),
            Err(err) => cb(lp, s, id, Err(err)),
        }
        let n = net(lp);
        if n.buf.is_empty() {
            n.buf = buf;
        }
        if let Some(e) = entry_any(lp, id) {
            if e.on_read.is_none() && !e.closing {
                e.on_read = Some(cb);
            }
        }
        if !more {
            return false;
        }
    }
    true
}

/// Accepts pending connections, handing each to the connection callback.
fn do_accept<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId) -> bool {
    for _ in 0..ACCEPTS_PER_EVENT {
        let Ok(e) = entry(lp, id) else { return false };
        if !e.listening || e.paused {
            return false;
        }
        let Some(sock) = e.sock.as_ref() else {
            return false;
        };
        let res = match sock.accept() {
            Ok((c, _)) => match c.set_nonblocking(true) {
                Ok(()) => {
                    e.accepted = Some(c);
                    Ok(())
                }
                Err(err) => Err(Error::from_io(&err, "accept")),
            },
            Err(err) if err.kind() == ErrorKind::WouldBlock => return false,
            Err(err)
                if err.kind() == ErrorKind::Interrupted
                    || err.raw_os_error() == Some(libc::ECONNABORTED) =>
            {
                continue
            }
            Err(err) if matches!(err.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE)) => {
                let drained = emfile_trick(lp, id);
                if !drained {
                    // No fd to spare: stop accepting until one of our sockets closes.
                    if let Ok(e) = entry(lp, id) {
                        e.paused = true;
                        net(lp).paused.push(id);
                    }
                }
                Err(Error::from_io(&err, "accept"))
            }
            Err(err) => Err(Error::from_io(&err, "accept")),
        };
        let failed = res.is_err();
        call_conn(lp, s, id, res);
        if let Ok(e) = entry(lp, id) {
            // A connection the callback did not accept is closed.
            e.accepted = None;
        }
        if failed {
            return false;
        }
    }
    true
}

/// libuv's reserve-fd trick: give the spare fd back, accept and close what is pending, take
/// the spare again. Returns whether the backlog was drained.
fn emfile_trick<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> bool {
    let n = net(lp);
    if n.spare.take().is_none() {
        return false;
    }
    let mut drained = false;
    if let Some(e) = n.entries.get_mut(id.index as usize) {
        if let Some(sock) = e.sock.as_ref() {
            loop {
                match sock.accept() {
                    Ok((c, _)) => drop(c),
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        drained = true;
                        break;
                    }
                    Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        }
    }
    n.spare = open_spare();
    drained
}

fn call_conn<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, res: Result<()>) {
    let Ok(e) = entry(lp, id) else { return };
    let Some(mut cb) = e.on_conn.take() else {
        return;
    };
    cb(lp, s, id, res);
    if let Ok(e) = entry(lp, id) {
        if e.on_conn.is_none() {
            e.on_conn = Some(cb);
        }
    }
}

/// Writes queued data until the socket would block. Completed writes' callbacks are deferred.
fn flush<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let mut done: Vec<DoneCb<S>> = Vec::new();
    let mut failed = None;
    let mut drained = false;
    {
        let Ok(e) = entry(lp, id) else { return };
        if e.connecting {
            return;
        }
        let Some(sock) = e.sock.as_ref() else { return };
        while let Some(front) = e.queue.front_mut() {
            let data = (*front.data).as_ref();
            let rest = &data[front.off..];
            if rest.is_empty() {
                let req = e.queue.pop_front().expect("front exists");
                if let Some(cb) = req.cb {
                    done.push(cb);
                }
                continue;
            }
            match send(sock, e.is_socket, rest) {
                Ok(n) => {
                    front.off += n;
                    e.queued -= n;
                    if n < rest.len() {
                        // The send buffer is full: the next writable edge resumes.
                        break;
                    }
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => break,
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => {
                    failed = Some(Error::from_io(&err, "write"));
                    break;
                }
            }
        }
        if failed.is_none() && e.queue.is_empty() {
            drained = true;
        }
    }
    for cb in done {
        lp.defer(move |lp, s| cb(lp, s, Ok(())));
    }
    if let Some(err) = failed {
        if let Ok(e) = entry(lp, id) {
            e.write_error = Some(err);
        }
        fail_queue(lp, id);
        return;
    }
    if drained {
        on_drained(lp, id);
    }
}

/// The write queue emptied: emit drain if a write returned false, run a pending shutdown.
fn on_drained<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let Ok(e) = entry(lp, id) else { return };
    if e.need_drain {
        e.need_drain = false;
        lp.defer(move |lp, s| {
            let Ok(e) = entry(lp, id) else { return };
            let Some(mut cb) = e.on_drain.take() else {
                return;
            };
            cb(lp, s, id);
            if let Ok(e) = entry(lp, id) {
                if e.on_drain.is_none() {
                    e.on_drain = Some(cb);
                }
            }
        });
    }
    let Ok(e) = entry(lp, id) else { return };
    if e.shutdown_req && !e.shut {
        e.shut = true;
        let res = match e.sock.as_ref() {
            Some(sock) => sock
                .shutdown(std::net::Shutdown::Write)
                .map_err(|err| Error::from_io(&err, "shutdown")),
            None => Err(Error::new(Code::EBADF)),
        };
        if let Some(cb) = e.shutdown_cb.take() {
            lp.defer(move |lp, s| cb(lp, s, res));
        }
    }
}

/// A write failed (or connect did): every queued write gets the error, as does a shutdown.
fn fail_queue<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let Ok(e) = entry(lp, id) else { return };
    let err = e
        .write_error
        .clone()
        .unwrap_or_else(|| Error::new(Code::EPIPE));
    let reqs: Vec<_> = e.queue.drain(..).collect();
    e.queued = 0;
    let sd = e.shutdown_cb.take();
    for req in reqs {
        if let Some(cb) = req.cb {
            let err = err.clone();
            lp.defer(move |lp, s| cb(lp, s, Err(err)));
        }
    }
    if let Some(cb) = sd {
        lp.defer(move |lp, s| cb(lp, s, Err(err)));
    }
}

// ----- operations used by the public handle types -----

pub(crate) fn read_start<S: 'static>(lp: &mut Loop<S>, id: StreamId, cb: ReadCb<S>) -> Result<()> {
    let e = entry(lp, id)?;
    if e.listening {
        return Err(Error::new(Code::EINVAL).with_detail("a listening socket cannot read"));
    }
    e.reading = true;
    e.on_read = Some(cb);
    // Re-arm: data may have arrived while reading was stopped (its edge is gone).
    update_io(lp, id, true)
}

pub(crate) fn read_stop<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> Result<()> {
    let e = entry(lp, id)?;
    e.reading = false;
    update_io(lp, id, false)
}

pub(crate) fn write<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    data: Box<dyn AsRef<[u8]>>,
    cb: Option<DoneCb<S>>,
) -> Result<bool> {
    let e = entry(lp, id)?;
    if e.listening {
        return Err(Error::op(Code::ENOTCONN, "write"));
    }
    if e.shutdown_req {
        return Err(Error::op(Code::EPIPE, "write").with_detail("write after shutdown"));
    }
    if let Some(err) = e.write_error.clone() {
        if let Some(cb) = cb {
            lp.defer(move |lp, s| cb(lp, s, Err(err)));
        }
        return Ok(false);
    }
    let len = (*data).as_ref().len();
    e.queued += len;
    e.queue.push_back(WriteReq { data, off: 0, cb });
    if e.queue.len() == 1 && !e.connecting {
        flush(lp, id);
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
        match send(sock, e.is_socket, data) {
            Ok(n) => return Ok(n),
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => return Err(Error::from_io(&err, "write")),
        }
    }
}

pub(crate) fn write_queue_size<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> Result<usize> {
    Ok(entry(lp, id)?.queued)
}

pub(crate) fn set_high_water_mark<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    hwm: usize,
) -> Result<()> {
    entry(lp, id)?.hwm = hwm;
    Ok(())
}

pub(crate) fn set_on_drain<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    cb: Option<DrainCb<S>>,
) -> Result<()> {
    entry(lp, id)?.on_drain = cb;
    Ok(())
}

pub(crate) fn shutdown<S: 'static>(lp: &mut Loop<S>, id: StreamId, cb: DoneCb<S>) -> Result<()> {
    let e = entry(lp, id)?;
    if e.listening {
        return Err(Error::op(Code::ENOTCONN, "shutdown"));
    }
    if e.shutdown_req {
        return Err(Error::op(Code::EINVAL, "shutdown").with_detail("already shut down"));
    }
    e.shutdown_req = true;
    e.shutdown_cb = Some(cb);
    if let Some(err) = e.write_error.clone() {
        let cb = e.shutdown_cb.take().expect("set above");
        lp.defer(move |lp, s| cb(lp, s, Err(err)));
        return Ok(());
    }
    if e.queue.is_empty() && !e.connecting {
        on_drained(lp, id);
    }
    Ok(())
}

pub(crate) fn connect_start<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    addr: &socket2::SockAddr,
    cb: DoneCb<S>,
) -> Result<()> {
    let e = entry(lp, id)?;
    let sock = e.sock.as_ref().ok_or_else(|| Error::new(Code::EBADF))?;
    match sock.connect(addr) {
        Ok(()) => {
            lp.defer(move |lp, s| cb(lp, s, Ok(())));
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
            lp.defer(move |lp, s| cb(lp, s, Err(err)));
            Ok(())
        }
    }
}

pub(crate) fn listen_start<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    backlog: i32,
    cb: ConnCb<S>,
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
    e.on_conn = Some(cb);
    update_io(lp, id, true)
}

pub(crate) fn accept<S: 'static>(lp: &mut Loop<S>, server: StreamId) -> Result<StreamId> {
    let e = entry(lp, server)?;
    let Some(c) = e.accepted.take() else {
        return Err(Error::op(Code::EAGAIN, "accept"));
    };
    insert(lp, c)
}

pub(crate) fn set_ref<S: 'static>(lp: &mut Loop<S>, id: StreamId, on: bool) -> Result<()> {
    let w = entry(lp, id)?.watcher;
    w.set_ref(lp, on);
    Ok(())
}

pub(crate) fn is_closing<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> bool {
    entry(lp, id).is_err()
}

/// Closes the stream: the fd is closed at once; pending write, connect and shutdown
/// callbacks get ECANCELED in the closing phase, then `cb` runs and the id goes stale.
pub(crate) fn close<S: 'static>(
    lp: &mut Loop<S>,
    id: StreamId,
    cb: Option<CloseCb<S>>,
) -> Result<()> {
    let e = entry(lp, id)?;
    e.closing = true;
    e.reading = false;
    e.listening = false;
    let reqs: Vec<_> = e.queue.drain(..).filter_map(|r| r.cb).collect();
    e.queued = 0;
    let mut cancel: Vec<DoneCb<S>> = reqs;
    cancel.extend(e.connect_cb.take());
    cancel.extend(e.shutdown_cb.take());
    e.on_read = None;
    e.on_conn = None;
    e.on_drain = None;
    e.accepted = None;
    let w = e.watcher;
    // Deregister first, then close the fd.
    let closed = w.close(lp).map(|t| {
        t.then(move |lp, s| {
            for c in cancel {
                c(lp, s, Err(Error::new(Code::ECANCELED)));
            }
            let removed = net(lp).entries.remove(id.index as usize);
            if let Some(cb) = cb.or(removed.user_close) {
                cb(lp, s);
            }
        })
    });
    if let Some(e) = entry_any(lp, id) {
        e.sock = None;
    }
    closed?;
    resume_paused(lp);
    Ok(())
}

/// An fd was freed: listeners paused on EMFILE get it (they accept again); with none
/// paused, a spare given up earlier is retaken.
fn resume_paused<S: 'static>(lp: &mut Loop<S>) {
    let n = net(lp);
    if n.paused.is_empty() {
        if n.spare.is_none() && n.entries.iter().any(|(_, e)| e.listening) {
            n.spare = open_spare();
        }
        return;
    }
    let paused = std::mem::take(&mut n.paused);
    for id in paused {
        if let Ok(e) = entry(lp, id) {
            e.paused = false;
            let _ = update_io(lp, id, true);
        }
    }
}
