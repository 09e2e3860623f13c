//! [`ReadStream`]: a file read in chunks (Node's `fs.createReadStream`).

use super::{get_read, get_read_mut, insert_read, remove_read, stale, Key};
use crate::error::{fd_err, CPath};
use crate::flags::{Fd, IntoOpenFlags, OpenFlags};
use crate::ops::submit;
use crate::sys;
use ruv_core::{Code, Error, Loop, WorkReq};
use std::os::fd::RawFd;
use std::path::Path;

/// Node's default `highWaterMark` for file read streams: 64 KiB per chunk.
pub const READ_HIGH_WATER_MARK: usize = 64 * 1024;

/// Options of [`read_stream`] (Node's `createReadStream` options).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadStreamOptions {
    /// Largest chunk, in bytes: each read job reads at most this much (default 64 KiB).
    pub high_water_mark: usize,
    /// Byte offset to start at: reads are positional (`pread`) from there. `None` (the
    /// default) reads from the current file position (`read`), which also works on pipes.
    pub start: Option<u64>,
    /// Offset of the last byte to read, inclusive (Node's `end`). `None`: to end of file.
    pub end: Option<u64>,
    /// Flags to open the path with (default `"r"`).
    pub flags: OpenFlags,
    /// Mode if the flags create the file (default `0o666`).
    pub mode: u32,
    /// Read this already open descriptor instead of opening the path (which is then ignored).
    pub fd: Option<Fd>,
    /// Close the descriptor when the stream ends, fails or is destroyed (default `true`).
    pub auto_close: bool,
}

impl Default for ReadStreamOptions {
    fn default() -> Self {
        ReadStreamOptions {
            high_water_mark: READ_HIGH_WATER_MARK,
            start: None,
            end: None,
            flags: OpenFlags::READ,
            mode: 0o666,
            fd: None,
            auto_close: true,
        }
    }
}

impl ReadStreamOptions {
    /// Sets [`high_water_mark`](Self::high_water_mark) (0 counts as 1).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.high_water_mark = bytes;
        self
    }

    /// Sets [`start`](Self::start).
    pub fn start(mut self, offset: u64) -> Self {
        self.start = Some(offset);
        self
    }

    /// Sets [`end`](Self::end) (inclusive).
    pub fn end(mut self, offset: u64) -> Self {
        self.end = Some(offset);
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

type OpenCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, ReadStream, Fd)>;
type DataCb<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, ReadStream, Vec<u8>)>;
type EventCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, ReadStream)>;
type ErrorCb<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, ReadStream, Error)>;

/// The callbacks of a read stream, set with the `on_*` methods of [`ReadStream`].
pub(crate) struct Handlers<S> {
    open: Option<OpenCb<S>>,
    data: Option<DataCb<S>>,
    end: Option<EventCb<S>>,
    error: Option<ErrorCb<S>>,
    close: Option<EventCb<S>>,
}

impl<S> Default for Handlers<S> {
    fn default() -> Self {
        Handlers {
            open: None,
            data: None,
            end: None,
            error: None,
            close: None,
        }
    }
}

/// A file being read in chunks, each chunk one pool job: from [`read_stream`]. A `Copy` id;
/// its methods take the loop.
///
/// Flow: open (a job) → read a chunk (a job) → `on_data` → read the next chunk … → `on_end`
/// → close (a job) → `on_close`. While [paused](ReadStream::pause) no read job is queued; a
/// chunk whose read was already in flight is kept and delivered after
/// [`resume`](ReadStream::resume). A paused stream with nothing in flight does not keep the
/// loop alive (as in Node).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReadStream(Key);

pub(crate) struct Slot<S> {
    fd: Option<RawFd>,
    auto_close: bool,
    /// Next read offset (`None`: current file position).
    pos: Option<u64>,
    end: Option<u64>,
    bytes_read: u64,
    hwm: usize,
    paused: bool,
    /// The one job in flight: open, read or close.
    job: Option<WorkReq>,
    /// A chunk read while paused.
    buffered: Option<Vec<u8>>,
    /// The last read found the end.
    eof: bool,
    /// `on_end` was called.
    ended: bool,
    /// No more data wanted (ended, failed or destroyed): close once no job is in flight.
    destroyed: bool,
    /// The close sequence has begun.
    closing: bool,
    /// A deferred flow (after `resume`) is pending.
    flow_scheduled: bool,
    h: Handlers<S>,
}

/// Opens `path` and reads it in chunks of at most `options.high_water_mark` bytes, one pool
/// job per chunk (Node's `fs.createReadStream`); returns the stream's id at once. Set its
/// callbacks with the `on_*` methods before running the loop: nothing is delivered until
/// the loop runs (as in Node, where listeners are attached before the next tick).
///
/// ```
/// use ruv_core::{Loop, RunMode};
/// use ruv_fs::{read_stream, ReadStreamOptions};
///
/// let mut lp: Loop<(usize, bool)> = Loop::new()?;
/// let path = std::env::temp_dir().join(format!("ruv-fs-rs-doc-{}", std::process::id()));
/// std::fs::write(&path, vec![7u8; 100_000]).unwrap();
/// let rs = read_stream(&mut lp, &path, ReadStreamOptions::default())?;
/// rs.on_data(&mut lp, |_, st, _, chunk| st.0 += chunk.len())?
///     .on_end(&mut lp, |_, st, _| st.1 = true)?
///     .on_error(&mut lp, |_, _, _, e| panic!("{e}"))?;
/// let mut st = (0, false);
/// lp.run(RunMode::Default, &mut st)?;
/// assert_eq!(st, (100_000, true));
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
/// Synchronously: `ERR_INVALID_ARG_VALUE` (NUL in the path), `ERR_OUT_OF_RANGE` (`start`
/// after `end`), or the pool's start-up error. Opening and reading errors go to `on_error`
/// (`ENOENT: no such file or directory, open 'nope'`).
pub fn read_stream<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    options: ReadStreamOptions,
) -> Result<ReadStream, Error> {
    if let (Some(start), Some(end)) = (options.start, options.end) {
        if start > end {
            return Err(Error::new(Code::ERR_OUT_OF_RANGE).with_detail(format!(
                "The value of \"start\" is out of range. It must be <= \"end\" (here: {end}). \
                 Received {start}"
            )));
        }
    }
    let path = match options.fd {
        Some(_) => None,
        None => Some(CPath::new(path.as_ref(), "path")?),
    };
    let slot = Slot {
        fd: options.fd.map(Fd::raw),
        auto_close: options.auto_close,
        pos: options.start,
        end: options.end,
        bytes_read: 0,
        hwm: options.high_water_mark.max(1),
        paused: false,
        job: None,
        buffered: None,
        eof: false,
        ended: false,
        destroyed: false,
        closing: false,
        flow_scheduled: false,
        h: Handlers::default(),
    };
    let id = ReadStream(insert_read(lp, slot));
    match path {
        None => {
            // Reading starts in the next pending phase, as Node starts on the next tick.
            schedule_flow(lp, id);
        }
        Some(p) => {
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
                    remove_read(lp, id.0);
                    return Err(e);
                }
            }
        }
    }
    Ok(id)
}

/// The slot of a stream that must exist (a job of it is completing, or it was just made).
fn slot_mut<S: 'static>(lp: &mut Loop<S>, id: ReadStream) -> &mut Slot<S> {
    get_read_mut(lp, id.0).expect("a stream lives until its last job completed")
}

fn schedule_flow<S: 'static>(lp: &mut Loop<S>, id: ReadStream) {
    let Some(slot) = get_read_mut(lp, id.0) else {
        return;
    };
    if slot.flow_scheduled {
        return;
    }
    slot.flow_scheduled = true;
    lp.defer(move |lp, s| {
        if let Some(slot) = get_read_mut(lp, id.0) {
            slot.flow_scheduled = false;
            pump(lp, s, id);
        }
    });
}

fn on_open<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, res: Result<Fd, Error>) {
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
            pump(lp, s, id);
        }
    }
}

/// Delivers what is buffered and queues the next read, as far as the state allows.
fn pump<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream) {
    loop {
        let Some(slot) = get_read_mut(lp, id.0) else {
            return;
        };
        if slot.destroyed || slot.ended || slot.paused {
            return;
        }
        if let Some(chunk) = slot.buffered.take() {
            deliver(lp, s, id, chunk);
            continue;
        }
        if slot.eof {
            slot.ended = true;
            if let Some(cb) = slot.h.end.take() {
                cb(lp, s, id);
            }
            return begin_close(lp, s, id);
        }
        let Some(fd) = slot.fd else { return };
        if slot.job.is_some() {
            return;
        }
        let done = match slot.pos {
            Some(p) => p,
            None => slot.bytes_read,
        };
        let want = match slot.end {
            Some(end) if end < done => 0,
            Some(end) => (end - done + 1).min(slot.hwm as u64) as usize,
            None => slot.hwm,
        };
        if want == 0 {
            slot.eof = true;
            continue;
        }
        let pos = slot.pos;
        let res = submit(
            lp,
            "read",
            move || {
                let mut buf = Vec::new();
                sys::read_append(fd, &mut buf, want, pos)
                    .map(|_| buf)
                    .map_err(|e| fd_err(e, "read"))
            },
            move |lp, s, res| on_read(lp, s, id, res),
        );
        match res {
            Ok(req) => slot_mut(lp, id).job = Some(req),
            Err(e) => fail(lp, s, id, e),
        }
        return;
    }
}

fn on_read<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, res: Result<Vec<u8>, Error>) {
    let slot = slot_mut(lp, id);
    slot.job = None;
    if slot.destroyed {
        return begin_close(lp, s, id);
    }
    match res {
        Err(e) => fail(lp, s, id, e),
        Ok(chunk) => {
            if chunk.is_empty() {
                slot.eof = true;
            } else {
                let n = chunk.len() as u64;
                slot.bytes_read += n;
                slot.pos = slot.pos.map(|p| p + n);
                slot.buffered = Some(chunk);
            }
            pump(lp, s, id);
        }
    }
}

fn deliver<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, chunk: Vec<u8>) {
    let Some(mut cb) = get_read_mut(lp, id.0).and_then(|slot| slot.h.data.take()) else {
        return;
    };
    cb(lp, s, id, chunk);
    if let Some(slot) = get_read_mut(lp, id.0) {
        if slot.h.data.is_none() {
            slot.h.data = Some(cb);
        }
    }
}

fn fail<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, e: Error) {
    let Some(slot) = get_read_mut(lp, id.0) else {
        return;
    };
    slot.destroyed = true;
    slot.buffered = None;
    match slot.h.error.take() {
        Some(cb) => {
            cb(lp, s, id, e);
            begin_close(lp, s, id);
        }
        None => {
            begin_close(lp, s, id);
            panic!("unhandled error on a read stream (set ReadStream::on_error): {e}");
        }
    }
}

/// Closes the descriptor (with `auto_close`) once no job is in flight, then calls `on_close`
/// and frees the slot.
fn begin_close<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream) {
    let Some(slot) = get_read_mut(lp, id.0) else {
        return;
    };
    slot.destroyed = true;
    slot.buffered = None;
    if slot.closing || slot.job.is_some() {
        return;
    }
    slot.closing = true;
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
                let cb = get_read_mut(lp, id.0).and_then(|slot| slot.h.error.take());
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

fn finish<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream) {
    if let Some(slot) = remove_read(lp, id.0) {
        if let Some(cb) = slot.h.close {
            cb(lp, s, id);
        }
    }
}

impl ReadStream {
    fn set<S: 'static>(
        self,
        lp: &mut Loop<S>,
        op: &'static str,
        f: impl FnOnce(&mut Handlers<S>),
    ) -> Result<ReadStream, Error> {
        let slot = get_read_mut(lp, self.0).ok_or_else(|| stale(op))?;
        f(&mut slot.h);
        Ok(self)
    }

    /// Sets the callback run once the file is open, before the first read (Node's `'open'`;
    /// not called for a stream made on a given `fd`). Returns the stream, for chaining.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed (true of every `on_*` method).
    pub fn on_open<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, ReadStream, Fd) + 'static,
    ) -> Result<ReadStream, Error> {
        self.set(lp, "on_open", |h| h.open = Some(Box::new(f)))
    }

    /// Sets the callback that gets each chunk (Node's `'data'`): at most `high_water_mark`
    /// bytes, never empty. The next read job is queued only after it returns, and only if the
    /// stream was not paused meanwhile. Without it, chunks are read and dropped.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_data<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnMut(&mut Loop<S>, &mut S, ReadStream, Vec<u8>) + 'static,
    ) -> Result<ReadStream, Error> {
        self.set(lp, "on_data", |h| h.data = Some(Box::new(f)))
    }

    /// Sets the callback run once after the last chunk was delivered (end of file, or of the
    /// `end` range) (Node's `'end'`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_end<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, ReadStream) + 'static,
    ) -> Result<ReadStream, Error> {
        self.set(lp, "on_end", |h| h.end = Some(Box::new(f)))
    }

    /// Sets the callback run once if opening or reading fails (Node's `'error'`); the stream
    /// is then closed and `on_close` follows.
    ///
    /// **Without it, an error panics** (after the descriptor is closed), and the panic
    /// propagates out of `Loop::run` — as Node throws for an `'error'` event nobody listens to.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_error<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, ReadStream, Error) + 'static,
    ) -> Result<ReadStream, Error> {
        self.set(lp, "on_error", |h| h.error = Some(Box::new(f)))
    }

    /// Sets the callback run last (Node's `'close'`), once the stream is finished with (after
    /// end, error or [`destroy`](Self::destroy)) and its descriptor closed (with
    /// `auto_close`). The id is stale from then on.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn on_close<S: 'static>(
        self,
        lp: &mut Loop<S>,
        f: impl FnOnce(&mut Loop<S>, &mut S, ReadStream) + 'static,
    ) -> Result<ReadStream, Error> {
        self.set(lp, "on_close", |h| h.close = Some(Box::new(f)))
    }

    /// Stops the flow of data (Node's `readable.pause()`): no read job is queued until
    /// [`resume`](Self::resume). A read already in flight completes; its chunk is kept.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let slot = get_read_mut(lp, self.0).ok_or_else(|| stale("pause"))?;
        slot.paused = true;
        Ok(())
    }

    /// Restarts the flow (Node's `readable.resume()`): in the next pending phase, a kept chunk
    /// is delivered and reading goes on.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let slot = get_read_mut(lp, self.0).ok_or_else(|| stale("resume"))?;
        if slot.paused {
            slot.paused = false;
            if !slot.destroyed {
                schedule_flow(lp, self);
            }
        }
        Ok(())
    }

    /// Whether the stream is paused.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn is_paused<S: 'static>(self, lp: &Loop<S>) -> Result<bool, Error> {
        get_read(lp, self.0)
            .map(|s| s.paused)
            .ok_or_else(|| stale("is_paused"))
    }

    /// Bytes delivered so far (or read and kept while paused).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn bytes_read<S: 'static>(self, lp: &Loop<S>) -> Result<u64, Error> {
        get_read(lp, self.0)
            .map(|s| s.bytes_read)
            .ok_or_else(|| stale("bytes_read"))
    }

    /// The descriptor, once open (`None` before, and after it was closed).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn fd<S: 'static>(self, lp: &Loop<S>) -> Result<Option<Fd>, Error> {
        get_read(lp, self.0)
            .map(|s| s.fd.map(Fd::from_raw))
            .ok_or_else(|| stale("fd"))
    }

    /// Stops the stream (Node's `readable.destroy()`): no more `on_data` or `on_end`; a queued
    /// job is cancelled, a running one is waited for; then the descriptor is closed (with
    /// `auto_close`) and `on_close` runs. Destroying a stream that is already ending or closing
    /// does nothing more.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let slot = get_read_mut(lp, self.0).ok_or_else(|| stale("destroy"))?;
        if slot.destroyed {
            return Ok(());
        }
        slot.destroyed = true;
        slot.buffered = None;
        if let Some(job) = slot.job {
            // Its completion (ECANCELED if the cancel won) continues the close.
            let _ = lp.cancel(job);
            return Ok(());
        }
        lp.defer(move |lp, s| begin_close(lp, s, self));
        Ok(())
    }
}
