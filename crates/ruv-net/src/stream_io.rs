//! The I/O side of the stream core: readiness → connect completion, reads, accepts and
//! flushing the write queue.

use crate::stream::{self, emit, emit_deferred, entry, net, update_io, Entry, StreamId};
use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Error, Loop, Ready, Result};
use socket2::Socket;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;

/// Size of the loop-wide read buffer (Node's and libuv's 64 KiB).
const READ_BUF: usize = 64 * 1024;
/// Reads per readiness event before the socket yields to others (libuv reads up to 32).
const READS_PER_EVENT: usize = 32;

/// Writes to a socket without raising SIGPIPE (EPIPE is returned instead), or to another
/// kind of fd with write(2).
pub(crate) fn send(sock: &Socket, is_socket: bool, data: &[u8]) -> std::io::Result<usize> {
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

/// Lends the loop-wide receive buffer (`slot`) to one read: the caller puts it back when
/// done, so steady-state reads allocate nothing. Allocates only the first time (or if a
/// callback that kept it panicked).
pub(crate) fn lend_buf(slot: &mut Vec<u8>, size: usize) -> Vec<u8> {
    let buf = std::mem::take(slot);
    if buf.len() < size {
        vec![0; size]
    } else {
        buf
    }
}

/// Runs `f`, which calls user callbacks from inside the socket's I/O callback. An error a
/// callback returns (with no handler installed) or a panic unwinds to `Loop::run` through
/// the watcher's own dispatch, which loses the watcher's callback on the way: the watcher
/// is re-armed with a new one first, so the socket goes on working in a later `run`.
fn guarded<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    id: StreamId,
    f: impl FnOnce(&mut Loop<S>, &mut S),
) {
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(lp, s)));
    if let Err(payload) = res {
        if let Ok(e) = entry(lp, id) {
            e.interest = None;
        }
        let _ = update_io(lp, id, true);
        std::panic::resume_unwind(payload);
    }
}

pub(crate) fn on_io<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, ready: Ready) {
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
    if let Some(cb) = e.connect_cb.take() {
        guarded(lp, s, id, |lp, s| cb.run(lp, s, id.0, res));
    }
    if let Ok(e) = entry(lp, id) {
        if failed {
            fail_queue(lp, id, false);
        } else if !e.queue.is_empty() || e.shutdown_req {
            flush(lp, id);
        }
    }
}

/// What one read gave.
enum Got {
    Data(usize),
    End,
    Fail(Error),
}

/// Reads until the socket would block, the per-event budget is spent, or reading stops.
/// Returns true when the budget ran out (the watcher must be re-armed).
fn do_read<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId, hup: bool) -> bool {
    for _ in 0..READS_PER_EVENT {
        let mut buf = lend_buf(&mut net(lp).buf, READ_BUF);
        let Ok(e) = entry(lp, id) else {
            net(lp).buf = buf;
            return false;
        };
        let Some(sock) = e.sock.as_ref().filter(|_| e.reading) else {
            net(lp).buf = buf;
            return false;
        };
        let res = if e.is_socket {
            (&*sock).read(&mut buf)
        } else {
            fd_read(sock, &mut buf)
        };
        let (got, more) = match res {
            Ok(0) => (Got::End, false),
            // On Linux a short read drained the socket: new data raises a new edge. Only
            // with the peer's FIN already seen must we read on to find the end.
            Ok(n) => (Got::Data(n), n == buf.len() || hup),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                net(lp).buf = buf;
                return false;
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {
                net(lp).buf = buf;
                continue;
            }
            Err(err) => (Got::Fail(Error::from_io(&err, "read")), false),
        };
        if !matches!(got, Got::Data(_)) {
            e.reading = false;
            e.read_done = true;
        }
        guarded(lp, s, id, |lp, s| match got {
            Got::Data(len) => emit(lp, s, id, StreamEvent::Data(&buf[..len])),
            Got::End => emit(lp, s, id, StreamEvent::End),
            Got::Fail(err) => emit(lp, s, id, StreamEvent::Error(err)),
        });
        let n = net(lp);
        if n.buf.is_empty() {
            n.buf = buf;
        }
        if !more {
            return false;
        }
    }
    true
}

/// Accepts pending connections, handing each to the connection callback.
fn do_accept<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: StreamId) -> bool {
    let mut taken = 0;
    loop {
        let Ok(e) = entry(lp, id) else { return false };
        // Re-read each time: the connection callback may pause or change the batch.
        if !e.listening || e.emfile_paused || e.accept_paused {
            return false;
        }
        if taken >= e.accept_batch {
            return true;
        }
        taken += 1;
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
                        e.emfile_paused = true;
                        net(lp).paused.push(id);
                    }
                }
                Err(Error::from_io(&err, "accept"))
            }
            Err(err) => Err(Error::from_io(&err, "accept")),
        };
        let failed = res.is_err();
        guarded(lp, s, id, |lp, s| stream::call_conn(lp, s, id, res));
        if let Ok(e) = entry(lp, id) {
            // A connection the callback did not accept is closed.
            e.accepted = None;
        }
        if failed {
            return false;
        }
    }
}

/// libuv's reserve-fd trick: give the spare fd back, accept and close what is pending, take
/// the spare again. Returns whether the backlog was drained.
fn emfile_trick<S: 'static>(lp: &mut Loop<S>, id: StreamId) -> bool {
    if net(lp).spare.take().is_none() {
        return false;
    }
    let mut drained = false;
    if let Ok(Some(sock)) = entry(lp, id).map(|e| e.sock.as_ref()) {
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
    net(lp).spare = stream::open_spare();
    drained
}

/// Writes queued data until the socket would block. Completed writes' callbacks are
/// deferred.
pub(crate) fn flush<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let mut done = Vec::new();
    let mut failed = None;
    let mut drained = false;
    {
        let Ok(e) = entry(lp, id) else { return };
        if e.connecting {
            return;
        }
        let e: &mut Entry<S> = e;
        let Some(sock) = e.sock.as_ref() else { return };
        while let Some(front) = e.queue.front_mut() {
            let data = (*front.data).as_ref();
            let rest = &data[front.off..];
            if rest.is_empty() {
                let req = e.queue.pop_front().expect("front exists");
                done.extend(req.cb);
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
        cb.defer(lp, id.0, Ok(()));
    }
    if let Some(err) = failed {
        if let Ok(e) = entry(lp, id) {
            e.write_error = Some(err);
        }
        fail_queue(lp, id, true);
        return;
    }
    if drained {
        on_drained(lp, id);
    }
}

/// The write queue emptied: emit drain if a write returned false, run a pending shutdown
/// (its callback, then `Finish`).
pub(crate) fn on_drained<S: 'static>(lp: &mut Loop<S>, id: StreamId) {
    let Ok(e) = entry(lp, id) else { return };
    if e.need_drain {
        e.need_drain = false;
        emit_deferred(lp, id, StreamEvent::Drain);
    }
    let Ok(e) = entry(lp, id) else { return };
    if e.shutdown_req && !e.shut {
        e.shut = true;
        let res: Result<()> = match e.sock.as_ref() {
            Some(sock) => sock
                .shutdown(std::net::Shutdown::Write)
                .map_err(|err| Error::from_io(&err, "shutdown")),
            None => Err(Error::new(Code::EBADF)),
        };
        let cb = e.shutdown_cb.take();
        lp.defer(move |lp: &mut Loop<S>, s: &mut S| {
            let ok = res.is_ok();
            if let Some(cb) = cb {
                cb.run(lp, s, id.0, res);
            }
            if ok {
                emit(lp, s, id, StreamEvent::Finish);
            }
        });
    }
}

/// A write failed (or connect did): every queued write gets the error, as does a shutdown;
/// with `event`, the stream's `Error` too.
fn fail_queue<S: 'static>(lp: &mut Loop<S>, id: StreamId, event: bool) {
    let Ok(e) = entry(lp, id) else { return };
    let err = e
        .write_error
        .clone()
        .unwrap_or_else(|| Error::new(Code::EPIPE));
    let reqs: Vec<_> = e.queue.drain(..).filter_map(|r| r.cb).collect();
    e.queued = 0;
    let sd = e.shutdown_cb.take();
    for cb in reqs.into_iter().chain(sd) {
        cb.defer(lp, id.0, Err(err.clone()));
    }
    if event {
        emit_deferred(lp, id, StreamEvent::Error(err));
    }
}
