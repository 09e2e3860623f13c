//! [`WriteStream`]: a file written in chunks with backpressure (Node's `fs.createWriteStream`).

use super::options::WriteStreamOptions;
use super::{destroyed, job, open_job, stale};
use crate::error::{fd_err, CPath};
use crate::flags::Fd;
use crate::sys;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::stream::{EventFn, StreamEvent, Writable};
use ruv_core::{CallbackResult, Code, Error, Loop, WorkReq};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::path::Path;

type OpenFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, WriteStream, Fd) -> Result<(), Error>>;

/// A file written in chunks with backpressure: from [`write_stream`]. A `Copy` id (a handle
/// on ruv-core's one registry); its methods take the loop. It is [`Writable`]:
/// [`ruv_core::stream::pipeline`] can pipe any readable stream into it.
///
/// [`write`](Self::write) queues a chunk and returns whether the buffer (bytes queued plus
/// bytes being written) is still below the high-water mark; once it returned `false`, a
/// `Drain` event comes when the buffer has emptied. One write job is in flight at a time; it
/// takes the chunks queued so far (up to about one high-water mark's worth, whole chunks) and
/// writes them in order. [`end`](Self::end) flushes, then `Finish` comes, then the descriptor
/// is closed and `Close` comes. Events go to the one callback set with
/// [`on_event`](Self::on_event): `Drain`*, `Finish`, `Close`; or `Error`, `Close`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WriteStream(HandleId);

/// A write stream's state: the data of its handle.
pub(crate) struct Write<S> {
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
    /// The error to emit (the stream fails with it).
    error: Option<Error>,
    /// An `Error` was emitted (at most one).
    errored: bool,
    closing: bool,
    flow_scheduled: bool,
    on_open: Option<Callback<Option<OpenFn<S>>>>,
    on_event: Option<Callback<EventFn<S, WriteStream>>>,
}

fn kind(ev: &StreamEvent<'_>) -> &'static str {
    match ev {
        StreamEvent::Data(_) => "fs.write.data",
        StreamEvent::End => "fs.write.end",
        StreamEvent::Drain => "fs.write.drain",
        StreamEvent::Finish => "fs.write.finish",
        StreamEvent::Error(_) => "fs.write.error",
        StreamEvent::Close => "fs.write.close",
    }
}

fn st<S: 'static>(lp: &mut Loop<S>, id: WriteStream) -> Option<&mut Write<S>> {
    lp.handles::<Write<S>>().get_mut(id.0).map(|h| &mut h.data)
}

/// Opens `path` for writing in chunks with backpressure (Node's `fs.createWriteStream`);
/// returns the stream's id at once; set its event callback with [`WriteStream::on_event`].
/// Writes may start before the file is open: they are queued.
///
/// ```
/// use ruv_core::{stream::StreamEvent, Loop, RunMode};
/// use ruv_fs::{write_stream, WriteStreamOptions};
///
/// let mut lp: Loop<Vec<&str>> = Loop::new()?;
/// let path = std::env::temp_dir().join(format!("ruv-fs-ws-doc-{}", std::process::id()));
/// let ws = write_stream(&mut lp, &path, WriteStreamOptions::default().high_water_mark(8))?
///     .on_event(&mut lp, |_, log: &mut Vec<&str>, _, ev| match ev {
///         StreamEvent::Error(e) => Err(e),
///         ev => Ok(log.push(ev.name())),
///     })?;
/// assert!(ws.write(&mut lp, "1234")?);      // 4 bytes buffered < 8
/// assert!(!ws.write(&mut lp, "5678")?);     // 8 bytes: stop writing until drain
/// let mut log = Vec::new();
/// lp.run(RunMode::Default, &mut log)?;
/// assert_eq!(log, ["drain"]);
/// ws.end(&mut lp)?;
/// lp.run(RunMode::Default, &mut log)?;
/// assert_eq!(log, ["drain", "finish", "close"]);
/// assert_eq!(std::fs::read(&path).unwrap(), b"12345678");
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
/// Synchronously: `ERR_INVALID_ARG_VALUE` (NUL in the path) or the pool's start-up error.
/// Opening and writing errors are `Error` events (with no event callback, the loop's
/// uncaught error).
pub fn write_stream<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    options: WriteStreamOptions,
) -> Result<WriteStream, Error> {
    let path = match options.fd {
        Some(_) => None,
        None => Some(CPath::new(path.as_ref(), "path")?),
    };
    let id = WriteStream(lp.handles::<Write<S>>().insert(Handle::new(Write {
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
        error: None,
        errored: false,
        closing: false,
        flow_scheduled: false,
        on_open: None,
        on_event: None,
    })));
    if let Some(p) = path {
        let (flags, mode) = (options.flags.bits(), options.mode);
        let res = open_job(lp, p, flags, mode, move |lp, s, res| {
            on_open(lp, s, id, res)
        });
        match res {
            Ok(req) => set_job(lp, id, Some(req)),
            Err(e) => {
                lp.handles::<Write<S>>().remove(id.0);
                return Err(e);
            }
        }
    }
    Ok(id)
}

/// Records the job in flight (the handle is active while there is one).
fn set_job<S: 'static>(lp: &mut Loop<S>, id: WriteStream, req: Option<WorkReq>) {
    if let Some(w) = st(lp, id) {
        w.job = req;
    }
    lp.handle_set_active::<Write<S>>(id.0, req.is_some());
}

fn schedule_flow<S: 'static>(lp: &mut Loop<S>, id: WriteStream) {
    let Some(w) = st(lp, id) else { return };
    if w.flow_scheduled || w.closing {
        return;
    }
    w.flow_scheduled = true;
    lp.defer(move |lp, s| flow(lp, s, id));
}

fn on_open<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, res: Result<Fd, Error>) {
    set_job(lp, id, None);
    let Some(w) = st(lp, id) else { return };
    match res {
        Err(_) if w.destroyed => begin_close(lp, id),
        Err(e) => {
            w.error.get_or_insert(e);
            flow(lp, s, id);
        }
        Ok(fd) => {
            w.fd = Some(fd.raw());
            if w.destroyed {
                return begin_close(lp, id);
            }
            // Writing starts now; what else is due comes after the `open` callback.
            if let Err(e) = start_write(lp, id) {
                if let Some(w) = st(lp, id) {
                    w.error = Some(e);
                }
            }
            schedule_flow(lp, id);
            lp.dispatch_handle::<Write<S>, _>(
                s,
                id.0,
                "fs.write.open",
                |w| &mut w.on_open,
                |f, lp, s| f.take().map_or(Ok(()), |f| f(lp, s, id, fd)),
            );
        }
    }
}

/// Queues the next write job if chunks are waiting; returns whether one was queued.
fn start_write<S: 'static>(lp: &mut Loop<S>, id: WriteStream) -> Result<bool, Error> {
    let Some(w) = st(lp, id) else {
        return Ok(false);
    };
    let Some(fd) = w.fd else { return Ok(false) };
    if w.job.is_some() || w.pending.is_empty() || w.destroyed {
        return Ok(false);
    }
    let limit = w.hwm.max(1);
    let mut batch = Vec::new();
    let mut bytes = 0;
    while let Some(chunk) = w.pending.pop_front() {
        bytes += chunk.len();
        batch.push(chunk);
        if bytes >= limit {
            break;
        }
    }
    let pos = w.pos;
    let req = job(
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
    set_job(lp, id, Some(req));
    Ok(true)
}

fn on_written<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, res: Result<usize, Error>) {
    set_job(lp, id, None);
    let Some(w) = st(lp, id) else { return };
    if w.destroyed {
        return begin_close(lp, id);
    }
    match res {
        Err(e) => w.error = Some(e),
        Ok(n) => {
            w.length -= n;
            w.bytes_written += n as u64;
            w.pos = w.pos.map(|p| p + n as u64);
        }
    }
    flow(lp, s, id);
}

/// After an open, a write or `end`: fail, write on, or emit `Drain`, or finish (`Finish`
/// after the close has begun). Each event is the last thing it does.
fn flow<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream) {
    if let Some(w) = st(lp, id) {
        w.flow_scheduled = false;
    }
    loop {
        let Some(w) = st(lp, id) else { return };
        if let Some(err) = w.error.take() {
            w.destroyed = true;
            w.pending.clear();
            w.length = 0;
            begin_close(lp, id);
            return emit_error(lp, s, id, err);
        }
        if w.destroyed {
            return;
        }
        match start_write(lp, id) {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) => {
                if let Some(w) = st(lp, id) {
                    w.error = Some(e);
                }
                continue;
            }
        }
        let Some(w) = st(lp, id) else { return };
        if w.need_drain && w.length == 0 && !w.ending {
            w.need_drain = false;
            return emit(lp, s, id, StreamEvent::Drain);
        }
        if w.ending && !w.finished && w.job.is_none() && w.pending.is_empty() && w.fd.is_some() {
            w.finished = true;
            begin_close(lp, id);
            return emit(lp, s, id, StreamEvent::Finish);
        }
        return;
    }
}

fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, ev: StreamEvent<'_>) {
    lp.dispatch_handle::<Write<S>, _>(
        s,
        id.0,
        kind(&ev),
        |w| &mut w.on_event,
        |f, lp, s| f(lp, s, id, ev),
    );
}

/// `Error` to the event callback, or, without one, the loop's uncaught error.
fn emit_error<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: WriteStream, err: Error) {
    let Some(w) = st(lp, id) else { return };
    if w.errored {
        return;
    }
    w.errored = true;
    if w.on_event.is_some() {
        emit(lp, s, id, StreamEvent::Error(err));
    } else {
        lp.report_error(s, err);
    }
}

/// Closes the descriptor (with `auto_close`) once no job is in flight, then frees the
/// handle (`Close`). Never emits anything itself, so callers emit after it.
fn begin_close<S: 'static>(lp: &mut Loop<S>, id: WriteStream) {
    let Some(w) = st(lp, id) else { return };
    w.destroyed = true;
    w.pending.clear();
    if w.closing || w.job.is_some() {
        return;
    }
    w.closing = true;
    let fd = if w.auto_close { w.fd.take() } else { None };
    let Some(fd) = fd else {
        return lp.defer(move |lp, _| close_now(lp, id));
    };
    let res = job(
        lp,
        "close",
        move || sys::close(fd).map_err(|e| fd_err(e, "close")),
        move |lp, s, res| {
            set_job(lp, id, None);
            lp.defer(move |lp, _| close_now(lp, id));
            if let Err(e) = res {
                emit_error(lp, s, id, e);
            }
        },
    );
    match res {
        Ok(req) => set_job(lp, id, Some(req)),
        Err(_) => {
            let _ = sys::close(fd);
            lp.defer(move |lp, _| close_now(lp, id));
        }
    }
}

/// Frees the handle in the closing phase; then `Close` is the last event.
fn close_now<S: 'static>(lp: &mut Loop<S>, id: WriteStream) {
    let cb = st(lp, id).and_then(|w| w.on_event.take());
    if let Ok(token) = lp.close_handle::<Write<S>>(id.0) {
        token.then(move |lp, s| {
            if let Some(mut cb) = cb {
                let ev = StreamEvent::Close;
                lp.run_callback(s, kind(&ev), Some(id.0), cb.site, |lp, s| {
                    (cb.f)(lp, s, id, ev)
                });
            }
        });
    }
}

/// Node: `ERR_STREAM_WRITE_AFTER_END` ("write after end").
fn write_after_end() -> Error {
    Error::new(Code::ERR_STREAM_WRITE_AFTER_END).with_detail("write after end")
}

impl WriteStream {
    /// The untyped id of this stream.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Sets the callback run once the file is open (Node's `'open'`; not called for a
    /// stream made on a given `fd`). Returns the stream, for chaining.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    #[track_caller]
    pub fn on_open<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, WriteStream, Fd) -> R + 'static,
    ) -> Result<WriteStream, Error> {
        let f: OpenFn<S> = Box::new(move |lp, s, ws, fd| cb(lp, s, ws, fd).into_result());
        let cb = Callback::new(Some(f));
        st(lp, self).ok_or_else(|| stale("on_open"))?.on_open = Some(cb);
        Ok(self)
    }

    /// Sets the stream's one event callback (replacing any earlier one): it gets `Drain`,
    /// `Finish`, `Error` and `Close` (see the type's docs) and may return `()` or
    /// `Result<()>` (an error is the loop's uncaught error). Returns the stream, for
    /// chaining.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed, `ERR_STREAM_DESTROYED` once it was destroyed.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, WriteStream, StreamEvent<'a>) -> R + 'static,
    ) -> Result<WriteStream, Error> {
        let f: EventFn<S, WriteStream> =
            Box::new(move |lp, s, ws, ev| cb(lp, s, ws, ev).into_result());
        self.set_event(lp, Callback::new(f))?;
        Ok(self)
    }

    fn set_event<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: Callback<EventFn<S, WriteStream>>,
    ) -> Result<(), Error> {
        let w = st(lp, self).ok_or_else(|| stale("on_event"))?;
        if w.destroyed || w.closing {
            return Err(destroyed("on_event"));
        }
        w.on_event = Some(cb);
        Ok(())
    }

    /// Queues `chunk` (Node's `writable.write`). Returns `Ok(true)` while the bytes buffered
    /// (queued plus being written, this chunk included) stay below the high-water mark, and
    /// `Ok(false)` once they reach it: stop writing then and wait for `Drain`. (Writing on
    /// regardless is allowed: the data is queued, memory grows.)
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END` after [`end`](Self::end); `ERR_STREAM_DESTROYED` after
    /// [`destroy`](Self::destroy) or a failure; `EBADF` if the stream is closed.
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        chunk: impl Into<Vec<u8>>,
    ) -> Result<bool, Error> {
        let w = st(lp, self).ok_or_else(|| stale("write"))?;
        if w.destroyed {
            return Err(destroyed("write"));
        }
        if w.ending {
            return Err(write_after_end());
        }
        let chunk = chunk.into();
        w.length += chunk.len();
        w.pending.push_back(chunk);
        let below = w.length < w.hwm;
        if !below {
            w.need_drain = true;
        }
        start_write(lp, self)?;
        Ok(below)
    }

    /// Ends the stream (Node's `writable.end()`): no more writes; once all buffered data is
    /// written, `Finish` comes, then the descriptor is closed (with `auto_close`) and
    /// `Close` comes. If writing fails, `Error` comes instead of `Finish`.
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END` if `end` was already called; `ERR_STREAM_DESTROYED`
    /// after [`destroy`](Self::destroy) or a failure; `EBADF` if the stream is closed.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let w = st(lp, self).ok_or_else(|| stale("end"))?;
        if w.destroyed {
            return Err(destroyed("end"));
        }
        if w.ending {
            return Err(write_after_end().with_syscall("end"));
        }
        w.ending = true;
        // Finishes from the next pending phase if nothing in flight does it first.
        schedule_flow(lp, self);
        Ok(())
    }

    fn get<'a, S: 'static>(self, lp: &'a Loop<S>, op: &'static str) -> Result<&'a Write<S>, Error> {
        lp.handle::<Write<S>>(self.0)
            .map(|h| &h.data)
            .map_err(|_| stale(op))
    }

    /// Bytes buffered: queued plus being written (Node's `writableLength`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn buffered<S: 'static>(self, lp: &Loop<S>) -> Result<usize, Error> {
        Ok(self.get(lp, "buffered")?.length)
    }

    /// Bytes written to the file so far (Node's `bytesWritten`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn bytes_written<S: 'static>(self, lp: &Loop<S>) -> Result<u64, Error> {
        Ok(self.get(lp, "bytes_written")?.bytes_written)
    }

    /// Whether a write returned `false` and `Drain` has not come yet (Node's
    /// `writableNeedDrain`).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn needs_drain<S: 'static>(self, lp: &Loop<S>) -> Result<bool, Error> {
        Ok(self.get(lp, "needs_drain")?.need_drain)
    }

    /// The descriptor, once open.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn fd<S: 'static>(self, lp: &Loop<S>) -> Result<Option<Fd>, Error> {
        Ok(self.get(lp, "fd")?.fd.map(Fd::from_raw))
    }

    /// Stops the stream at once (Node's `writable.destroy([err])`): queued data is dropped,
    /// a queued job is cancelled (a running write completes), the descriptor is closed
    /// (with `auto_close`) and `Close` comes, after `Error(err)` with `Some`; no `Finish`.
    /// A no-op on a stream already destroyed, failed or closed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
        let Some(w) = st(lp, self) else { return };
        if w.destroyed {
            return;
        }
        w.destroyed = true;
        w.pending.clear();
        w.length = 0;
        if let Some(e) = err {
            w.error = Some(e);
            schedule_flow(lp, self); // emits it before the close
        }
        match st(lp, self).and_then(|w| w.job) {
            Some(req) => {
                let _ = lp.cancel(req);
            }
            None => begin_close(lp, self),
        }
    }
}

impl<S: 'static> Writable<S> for WriteStream {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, cb: EventFn<S, Self>) -> Result<(), Error> {
        self.set_event(lp, Callback::new(cb))
    }

    fn write(self, lp: &mut Loop<S>, data: Vec<u8>) -> Result<bool, Error> {
        WriteStream::write(self, lp, data)
    }

    fn end(self, lp: &mut Loop<S>) -> Result<(), Error> {
        WriteStream::end(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
        WriteStream::destroy(self, lp, err)
    }
}
