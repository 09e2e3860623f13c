//! [`WriteStream`]: a file written in chunks with backpressure (Node's `fs.createWriteStream`).

use super::{get_write, get_write_mut, insert_write, remove_write, stale, Key};
use crate::error::{fd_err, CPath};
use crate::flags::{Fd, IntoOpenFlags, OpenFlags};
use crate::ops::submit;
use crate::sys;
use ruv_core::{Code, Error, Loop, WorkReq};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::path::Path;

/// Node's default `highWaterMark` for writable streams (Node 20): 16 KiB.
pub const WRITE_HIGH_WATER_MARK: usize = 16 * 1024;

/// Options of [`write_stream`] (Node's `createWriteStream` options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteStreamOptions {
    /// [`WriteStream::write`] returns `false` once this many bytes are buffered (queued or
    /// being written); default 16 KiB.
    pub high_water_mark: usize,
    /// Byte offset to write at: writes are positional (`pwrite`) from there. `None` (the
    /// default) writes at the current file position (`write`; at the end with `"a"`), which
    /// also works on pipes and terminals.
    pub start: Option<u64>,
    /// Flags to open the path with (default `"w"`).
    pub flags: OpenFlags,
    /// Mode if the file is created (default `0o666`, before the umask).
    pub mode: u32,
    /// Write to this already open descriptor instead of opening the path (then ignored).
    pub fd: Option<Fd>,
    /// Close the descriptor after `end`, an error or `destroy` (default `true`).
    pub auto_close: bool,
}

impl Default for WriteStreamOptions {
    fn default() -> Self {
        WriteStreamOptions {
            high_water_mark: WRITE_HIGH_WATER_MARK,
            start: None,
            flags: OpenFlags::WRITE,
            mode: 0o666,
            fd: None,
            auto_close: true,
        }
    }
}

impl WriteStreamOptions {
    /// Sets [`high_water_mark`](Self::high_water_mark).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.high_water_mark = bytes;
        self
    }

    /// Sets [`start`](Self::start).
    pub fn start(mut self, offset: u64) -> Self {
        self.start = Some(offset);
        self
    }

    /// Sets [`flags`](Self::flags).
    ///
    /// # Errors
    /// `ERR_INVALID_ARG_VALUE` for an unknown flag string.
    pub fn flags(mut self, flags: impl IntoOpenFlags) -> Result<Self, Error> {
        self.flags = flags.into_open_flags()?;
        Ok(self)
    }

    /// Sets [`fd`](Self::fd).
    pub fn fd(mut self, fd: Fd) -> Self {
        self.fd = Some(fd);
        self
    }

    /// Sets [`auto_close`](Self::auto_close).
    pub fn auto_close(mut self, on: bool) -> Self {
        self.auto_close = on;
        self
    }
}

type OpenCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, WriteStream, Fd)>;
type DrainCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, WriteStream)>;
type EventCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, WriteStream)>;
type ErrorCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, WriteStream, Error)>;
type EndCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<(), Error>)>;

/// The callbacks of a write stream, set with the `on_*` methods of [`WriteStream`].
pub(crate) struct Handlers<S> {
    open: Option<OpenCb<S>>,
    drain: Option<DrainCb<S>>,
    finish: Option<EventCb<S>>,
    error: Option<ErrorCb<S>>,
    close: Option<EventCb<S>>,
}

impl<S> Default for Handlers<S> {
    fn default() -> Self {
        Handlers {
            open: None,
            drain: None,
            finish: None,
            error: None,
            close: None,
        }
    }
}

/// A file written in chunks with backpressure: from [`write_stream`]. A `Copy` id; its methods
/// take the loop.
///
/// [`write`](Self::write) queues a chunk and returns whether the buffer (bytes queued plus
/// bytes being written) is still below the high-water mark; once it returned `false`,
/// `on_drain` is called when the buffer has emptied. One write job is in flight at a time; it
/// takes the chunks queued so far (up to about one high-water mark's worth, whole chunks) and
/// writes them in order. [`end`](Self::end) flushes, then calls its callback and `on_finish`,
/// then closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WriteStream(Key);

pub(crate) struct Slot<S> {
    fd: Option<RawFd>,
    auto_close: bool,
    pos: Option<u64>,
    hwm: usize,
    pending: VecDeque<Vec<u8>>,
    /// Bytes queued plus bytes being written (Node's `writableLength`).
    length: usize,
    bytes_written: u64,
    /// The one job in flight: open, a write, or close.
    job: Option<WorkReq>,
    need_drain: bool,
    ending: bool,
    finished: bool,
    destroyed: bool,
    closing: bool,
    finish_scheduled: bool,
    end_cb: Option<EndCb<S>>,
    h: Handlers<S>,
}

/// Opens `path` for writing in chunks with backpressure (Node's `fs.createWriteStream`);
/// returns the stream's id at once; set its callbacks with the `on_*` methods. Writes may
/// start before the file is open: they are queued.
///
/// ```
/// use ruv_core::{Loop, RunMode};
/// use ruv_fs::{write_stream, WriteStreamOptions};
///
/// let mut lp: Loop<Vec<&str>> = Loop::new()?;
/// let path = std::env::temp_dir().join(format!("ruv-fs-ws-doc-{}", std::process::id()));
/// let ws = write_stream(&mut lp, &path, WriteStreamOptions::default().high_water_mark(8))?;
/// ws.on_drain(&mut lp, |_, log, _| log.push("drain"))?;
/// assert!(ws.write(&mut lp, "1234")?);      // 4 bytes buffered < 8
/// assert!(!ws.write(&mut lp, "5678")?);     // 8 bytes: stop writing until drain
/// let mut log = Vec::new();
/// lp.run(RunMode::Default, &mut log)?;
/// assert_eq!(log, ["drain"]);
/// ws.end(&mut lp, |_, log, res| { res.unwrap(); log.push("finished") })?;
/// lp.run(RunMode::Default, &mut log)?;
/// assert_eq!(log, ["drain", "finished"]);
/// assert_eq!(std::fs::read(&path).unwrap(), b"12345678");
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
/// Synchronously: `ERR_INVALID_ARG_VALUE` (NUL in the path) or the pool's start-up error.
/// Opening and writing errors go to `on_error`.
pub fn write_stream<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    options: WriteStreamOptions,
) -> Result<WriteStream, Error> {
    let path = match options.fd {
        Some(_) => None,
        None => Some(CPath::new(path.as_ref(), "path")?),
    };
    let slot = Slot {
        fd: options.fd.map(Fd::raw),
        auto_close: options.auto_close,
        pos: options.start,
        hwm: options.high_water_mark,
        pending: VecDeque::new(),
        length: 0,
        bytes_written: 0,
        job: None,
        need_drain: false,
        ending: false,
        finished: false,
        destroyed: false,
        closing: false,
        finish_scheduled: false,
        end_cb: None,
        h: Handlers::default(),
    };
    let id = WriteStream(insert_write(lp, slot));
    if let Some(p) = path {
        let (flags, mode) = (options.flags.bits(), options.mode);
        let res = submit(
            lp,
            "open",
            move || {
                sys::open(&p, flags, mode)
                    .map(Fd::from_raw)
                    .map_err(|e| p.err(e, "open"))
            },
            move |lp, s, res| on_open(lp, s, id, res),
        );
        match res {
            Ok(req) => slot_mut(lp, id).job = Some(req),
            Err(e) => {
                remove_write(lp, id.0);
                return Err(e);
            }
        }
    }
    Ok(id)
}

fn slot_mut<S: 'static>(lp: &mut Loop<S>, id: WriteStream) -> &mut Slot<S> {
    get_write_mut(lp, id.0).expect("a stream lives until its last job completed")
}

fn on_open<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, res: Result<Fd, Error>) {
    let slot = slot_mut(lp, id);
    slot.job = None;
    match res {
        Err(_) if slot.destroyed => begin_close(lp, s, id),
        Err(e) => fail(lp, s, id, e),
        Ok(fd) => {
            slot.fd = Some(fd.raw());
            if slot.destroyed {
                return begin_close(lp, s, id);
            }
            if let Some(cb) = slot.h.open.take() {
                cb(lp, s, id, fd);
            }
            after_io(lp, s, id);
        }
    }
}

/// Queues the next write job if chunks are waiting; returns whether one was queued.
fn start_write<S: 'static>(lp: &mut Loop<S>, id: WriteStream) -> Result<bool, Error> {
    let slot = slot_mut(lp, id);
    let Some(fd) = slot.fd else { return Ok(false) };
    if slot.job.is_some() || slot.pending.is_empty() || slot.destroyed {
        return Ok(false);
    }
    let limit = slot.hwm.max(1);
    let mut batch = Vec::new();
    let mut bytes = 0;
    while let Some(chunk) = slot.pending.pop_front() {
        bytes += chunk.len();
        batch.push(chunk);
        if bytes >= limit {
            break;
        }
    }
    let pos = slot.pos;
    let req = submit(
        lp,
        "write",
        move || {
            let mut done = 0u64;
            for chunk in &batch {
                sys::write_all(fd, chunk, pos.map(|p| p + done)).map_err(|e| fd_err(e, "write"))?;
                done += chunk.len() as u64;
            }
            Ok(done as usize)
        },
        move |lp, s, res| on_written(lp, s, id, res),
    )?;
    slot_mut(lp, id).job = Some(req);
    Ok(true)
}

fn on_written<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, res: Result<usize, Error>) {
    let slot = slot_mut(lp, id);
    slot.job = None;
    if slot.destroyed {
        return begin_close(lp, s, id);
    }
    match res {
        Err(e) => fail(lp, s, id, e),
        Ok(n) => {
            slot.length -= n;
            slot.bytes_written += n as u64;
            slot.pos = slot.pos.map(|p| p + n as u64);
            after_io(lp, s, id);
        }
    }
}

/// After an open or a write: write on, or emit drain, or finish.
fn after_io<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream) {
    match start_write(lp, id) {
        Ok(true) => return,
        Ok(false) => {}
        Err(e) => return fail(lp, s, id, e),
    }
    let slot = slot_mut(lp, id);
    if slot.need_drain && slot.length == 0 && !slot.ending && !slot.destroyed {
        slot.need_drain = false;
        if let Some(mut cb) = slot.h.drain.take() {
            cb(lp, s, id);
            if let Some(slot) = get_write_mut(lp, id.0) {
                if slot.h.drain.is_none() {
                    slot.h.drain = Some(cb);
                }
            }
        }
    }
    maybe_finish(lp, s, id);
}

/// After `end`: once everything is written, the end callback, `on_finish`, then close.
fn maybe_finish<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream) {
    let Some(slot) = get_write_mut(lp, id.0) else {
        return;
    };
    if !slot.ending
        || slot.finished
        || slot.destroyed
        || slot.job.is_some()
        || !slot.pending.is_empty()
        || slot.fd.is_none()
    {
        return;
    }
    slot.finished = true;
    let end_cb = slot.end_cb.take();
    let finish_cb = slot.h.finish.take();
    if let Some(cb) = end_cb {
        cb(lp, s, Ok(()));
    }
    if let Some(cb) = finish_cb {
        cb(lp, s, id);
    }
    begin_close(lp, s, id);
}

fn fail<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, e: Error) {
    let Some(slot) = get_write_mut(lp, id.0) else {
        return;
    };
    slot.destroyed = true;
    slot.pending.clear();
    slot.length = 0;
    let end_cb = slot.end_cb.take();
    let error_cb = slot.h.error.take();
    let unhandled = error_cb.is_none();
    if let Some(cb) = error_cb {
        cb(lp, s, id, e.clone());
    }
    if let Some(cb) = end_cb {
        cb(lp, s, Err(e.clone()));
    }
    begin_close(lp, s, id);
    if unhandled {
        panic!("unhandled error on a write stream (set WriteStream::on_error): {e}");
    }
}

fn begin_close<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream) {
    let Some(slot) = get_write_mut(lp, id.0) else {
        return;
    };
    slot.destroyed = true;
    slot.pending.clear();
    if slot.closing || slot.job.is_some() {
        return;
    }
    slot.closing = true;
    // `end` was called but the stream was destroyed before it finished.
    if let Some(cb) = slot.end_cb.take() {
        cb(lp, s, Err(destroyed_error()));
    }
    let slot = slot_mut(lp, id);
    let fd = if slot.auto_close {
        slot.fd.take()
    } else {
        None
    };
    let Some(fd) = fd else {
        return finish(lp, s, id);
    };
    let res = submit(
        lp,
        "close",
        move || sys::close(fd).map_err(|e| fd_err(e, "close")),
        move |lp, s, res| {
            if let Err(e) = res {
                let cb = get_write_mut(lp, id.0).and_then(|slot| slot.h.error.take());
                if let Some(cb) = cb {
                    cb(lp, s, id, e);
                }
            }
            finish(lp, s, id)
        },
    );
    match res {
        Ok(req) => slot_mut(lp, id).job = Some(req),
        Err(_) => {
            let _ = sys::close(fd);
            finish(lp, s, id)
        }
    }
}

fn finish<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream) {
    if let Some(slot) = remove_write(lp, id.0) {
        if let Some(cb) = slot.h.close {
            cb(lp, s, id);
        }
    }
}

/// Node: `ERR_STREAM_DESTROYED` ("Cannot call end after a stream was destroyed").
fn destroyed_error() -> Error {
    Error::new(Code::ERR_STREAM_DESTROYED)
        .with_detail("Cannot call end after a stream was destroyed")
}

/// Node: `ERR_STREAM_WRITE_AFTER_END` ("write after end").
fn write_after_end() -> Error {
    Error::new(Code::ERR_STREAM_WRITE_AFTER_END).with_detail("write after end")
}

impl WriteStream {
    fn set<S: 'static>(
        self,
        lp: &mut Loop<S>,
        op: &'static str,
        f: impl FnOnce(&mut Handlers<S>),
    ) -> Result<WriteStream, Error> {
        let slot = get_write_mut(lp, self.0).ok_or_else(|| stale(op))?;
        f(&mut slot.h);
        Ok(self)
    }

    /// Sets the callback run once the file is open (Node's `'open'`; not called for a stream
    /// made on a given `fd`). Returns the stream, for chaining.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed (true of every `on_*` method).
    pub fn on_open<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, WriteStream, Fd) + 'static,
    ) -> Result<WriteStream, Error> {
        self.set(lp, "on_open", |h| h.open = Some(Box::new(f)))
    }

    /// Sets the callback run when a [`write`](Self::write) had returned `false` and everything
    /// buffered has been written: the time to write more (Node's `'drain'`; not after `end`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_drain<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnMut(&mut Loop<S>, &mut S, WriteStream) + 'static,
    ) -> Result<WriteStream, Error> {
        self.set(lp, "on_drain", |h| h.drain = Some(Box::new(f)))
    }

    /// Sets the callback run once after [`end`](Self::end), when all data has been written
    /// (Node's `'finish'`; after the `end` callback).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_finish<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, WriteStream) + 'static,
    ) -> Result<WriteStream, Error> {
        self.set(lp, "on_finish", |h| h.finish = Some(Box::new(f)))
    }

    /// Sets the callback run once if opening or writing fails (Node's `'error'`); buffered
    /// data is dropped, a pending `end` callback gets the error too, and the stream is closed.
    ///
    /// **Without it, an error panics** (after the descriptor is closed), and the panic
    /// propagates out of `Loop::run` — as Node throws for an `'error'` event nobody listens to.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_error<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, WriteStream, Error) + 'static,
    ) -> Result<WriteStream, Error> {
        self.set(lp, "on_error", |h| h.error = Some(Box::new(f)))
    }

    /// Sets the callback run last (Node's `'close'`), once the stream is finished with and its
    /// descriptor closed (with `auto_close`). The id is stale from then on.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_close<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, WriteStream) + 'static,
    ) -> Result<WriteStream, Error> {
        self.set(lp, "on_close", |h| h.close = Some(Box::new(f)))
    }

    /// Queues `chunk` (Node's `writable.write`). Returns `Ok(true)` while the bytes buffered
    /// (queued plus being written, this chunk included) stay below the high-water mark, and
    /// `Ok(false)` once they reach it: stop writing then and wait for `on_drain`. (Writing on
    /// regardless is allowed: the data is queued, memory grows.)
    ///
    /// # Errors
    /// `EPIPE: write after end, write` after [`end`](Self::end) or after the stream failed
    /// (Node's `ERR_STREAM_WRITE_AFTER_END`), `EBADF` if the stream is closed.
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        chunk: impl Into<Vec<u8>>,
    ) -> Result<bool, Error> {
        let slot = get_write_mut(lp, self.0).ok_or_else(|| stale("write"))?;
        if slot.ending || slot.destroyed {
            return Err(write_after_end());
        }
        let chunk = chunk.into();
        slot.length += chunk.len();
        slot.pending.push_back(chunk);
        let below = slot.length < slot.hwm;
        if !below {
            slot.need_drain = true;
        }
        start_write(lp, self)?;
        Ok(below)
    }

    /// Ends the stream (Node's `writable.end(cb)`): no more writes; once all buffered data is
    /// written, `cb` gets `Ok(())`, then `on_finish` runs, then the descriptor is closed (with
    /// `auto_close`) and `on_close` runs. If writing fails, `cb` gets the error (after
    /// `on_error`); if the stream is destroyed first, an `ECANCELED` error.
    ///
    /// # Errors
    /// `EPIPE: write after end, end` if `end` was already called or the stream failed;
    /// `EBADF` if it is closed.
    pub fn end<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
    ) -> Result<(), Error> {
        let slot = get_write_mut(lp, self.0).ok_or_else(|| stale("end"))?;
        if slot.ending || slot.destroyed {
            return Err(write_after_end().with_syscall("end"));
        }
        slot.ending = true;
        slot.end_cb = Some(Box::new(cb));
        if slot.job.is_none() && !slot.finish_scheduled {
            // Nothing in flight to finish it (already open and idle, or a given fd):
            // finish from the next pending phase.
            slot.finish_scheduled = true;
            lp.defer(move |lp, s| {
                if let Some(slot) = get_write_mut(lp, self.0) {
                    slot.finish_scheduled = false;
                    maybe_finish(lp, s, self);
                }
            });
        }
        Ok(())
    }

    /// Bytes buffered: queued plus being written (Node's `writableLength`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn buffered<S: 'static>(self, lp: &Loop<S>) -> Result<usize, Error> {
        get_write(lp, self.0)
            .map(|s| s.length)
            .ok_or_else(|| stale("buffered"))
    }

    /// Bytes written to the file so far (Node's `bytesWritten`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn bytes_written<S: 'static>(self, lp: &Loop<S>) -> Result<u64, Error> {
        get_write(lp, self.0)
            .map(|s| s.bytes_written)
            .ok_or_else(|| stale("bytes_written"))
    }

    /// Whether a write returned `false` and `on_drain` has not run yet (Node's
    /// `writableNeedDrain`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn needs_drain<S: 'static>(self, lp: &Loop<S>) -> Result<bool, Error> {
        get_write(lp, self.0)
            .map(|s| s.need_drain)
            .ok_or_else(|| stale("needs_drain"))
    }

    /// The descriptor, once open.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn fd<S: 'static>(self, lp: &Loop<S>) -> Result<Option<Fd>, Error> {
        get_write(lp, self.0)
            .map(|s| s.fd.map(Fd::from_raw))
            .ok_or_else(|| stale("fd"))
    }

    /// Stops the stream at once (Node's `writable.destroy()`): queued data is dropped, a queued
    /// job is cancelled (a running write completes), the descriptor is closed (with
    /// `auto_close`) and `on_close` runs; a pending `end` callback gets `ECANCELED`.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let slot = get_write_mut(lp, self.0).ok_or_else(|| stale("destroy"))?;
        if slot.destroyed {
            return Ok(());
        }
        slot.destroyed = true;
        slot.pending.clear();
        slot.length = 0;
        if let Some(job) = slot.job {
            let _ = lp.cancel(job);
            return Ok(());
        }
        lp.defer(move |lp, s| begin_close(lp, s, self));
        Ok(())
    }
}
