//! [`ReadStream`]: a file read in chunks (Node's `fs.createReadStream`).

use super::options::ReadStreamOptions;
use super::{destroyed, job, open_job, stale};
use crate::error::{fd_err, CPath};
use crate::flags::Fd;
use crate::sys;
use ruv_core::registry::{Callback, Handle, HandleId};
use ruv_core::stream::{EventFn, Readable, StreamEvent};
use ruv_core::{CallbackResult, Code, Error, Loop, WorkReq};
use std::os::fd::RawFd;
use std::path::Path;

type OpenFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, ReadStream, Fd) -> Result<(), Error>>;

/// A file being read in chunks, each chunk one pool job: from [`read_stream`]. A `Copy` id
/// (a handle on ruv-core's one registry); its methods take the loop. It is
/// [`Readable`]: [`ruv_core::stream::pipeline`] can pipe it into any writable stream.
///
/// Events, through the one callback set with [`on_event`](ReadStream::on_event), in Node's
/// order: `Data`* (chunks of at most `high_water_mark` bytes, never empty) → `End` → `Close`;
/// or `Error` → `Close`. Flow: open (a job) → read a chunk (a job) → `Data` → read the next
/// chunk … → `End` → close the descriptor (a job) → `Close`. Nothing is read until the event
/// callback is set (or [`resume`](ReadStream::resume) is called). While
/// [paused](ReadStream::pause) no read job is queued; a chunk whose read was already in
/// flight is kept and delivered after `resume`. A paused stream with nothing in flight does
/// not keep the loop alive (as in Node).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReadStream(HandleId);

/// A read stream's state: the data of its handle.
pub(crate) struct Read<S> {
    fd: Option<RawFd>,
    auto_close: bool,
    /// Next read offset (`None`: current file position).
    pos: Option<u64>,
    end: Option<u64>,
    bytes_read: u64,
    hwm: usize,
    /// An event callback was set (or `resume` called).
    flowing: bool,
    paused: bool,
    /// The one job in flight: open, read or close.
    job: Option<WorkReq>,
    /// A chunk read and not delivered yet (paused, or its `Data` is next).
    buffered: Option<Vec<u8>>,
    /// The last read found the end.
    eof: bool,
    /// `End` was emitted.
    ended: bool,
    /// No more data wanted (ended, failed or destroyed): close once no job is in flight.
    destroyed: bool,
    /// The error to emit (the stream fails with it).
    error: Option<Error>,
    /// An `Error` was emitted or is due (at most one).
    errored: bool,
    /// The descriptor's close has begun.
    closing: bool,
    /// A deferred flow is queued.
    flow_scheduled: bool,
    on_open: Option<Callback<Option<OpenFn<S>>>>,
    on_event: Option<Callback<EventFn<S, ReadStream>>>,
}

fn kind(ev: &StreamEvent<'_>) -> &'static str {
    match ev {
        StreamEvent::Data(_) => "fs.read.data",
        StreamEvent::End => "fs.read.end",
        StreamEvent::Drain => "fs.read.drain",
        StreamEvent::Finish => "fs.read.finish",
        StreamEvent::Error(_) => "fs.read.error",
        StreamEvent::Close => "fs.read.close",
    }
}

fn st<S: 'static>(lp: &mut Loop<S>, id: ReadStream) -> Option<&mut Read<S>> {
    lp.handles::<Read<S>>().get_mut(id.0).map(|h| &mut h.data)
}

/// Opens `path` and reads it in chunks of at most `options.high_water_mark` bytes, one pool
/// job per chunk (Node's `fs.createReadStream`); returns the stream's id at once. Reading
/// starts once its event callback is set ([`ReadStream::on_event`]); nothing is delivered
/// before the loop runs (as in Node, where listeners are attached before the next tick).
///
/// ```
/// use ruv_core::{stream::StreamEvent, Loop, RunMode};
/// use ruv_fs::{read_stream, ReadStreamOptions};
///
/// let mut lp: Loop<(usize, bool)> = Loop::new()?;
/// let path = std::env::temp_dir().join(format!("ruv-fs-rs-doc-{}", std::process::id()));
/// std::fs::write(&path, vec![7u8; 100_000]).unwrap();
/// read_stream(&mut lp, &path, ReadStreamOptions::default())?
///     .on_event(&mut lp, |_, st: &mut (usize, bool), _, ev| match ev {
///         StreamEvent::Data(chunk) => Ok(st.0 += chunk.len()),
///         StreamEvent::End => Ok(st.1 = true),
///         StreamEvent::Error(e) => Err(e), // the loop's uncaught error
///         _ => Ok(()),
///     })?;
/// let mut st = (0, false);
/// lp.run(RunMode::Default, &mut st)?;
/// assert_eq!(st, (100_000, true));
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
/// Synchronously: `ERR_INVALID_ARG_VALUE` (NUL in the path), `ERR_OUT_OF_RANGE` (`start`
/// after `end`), or the pool's start-up error. Opening and reading errors are `Error`
/// events (`ENOENT: no such file or directory, open 'nope'`); with no event callback set,
/// the loop's uncaught error (`Loop::run` returns it), as an unhandled `'error'` in Node.
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
    let id = ReadStream(lp.handles::<Read<S>>().insert(Handle::new(Read {
        fd: options.fd.map(Fd::raw),
        auto_close: options.auto_close,
        pos: options.start,
        end: options.end,
        bytes_read: 0,
        hwm: options.high_water_mark.max(1),
        flowing: false,
        paused: false,
        job: None,
        buffered: None,
        eof: false,
        ended: false,
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
                lp.handles::<Read<S>>().remove(id.0);
                return Err(e);
            }
        }
    }
    Ok(id)
}

/// Records the job in flight (the handle is active while there is one).
fn set_job<S: 'static>(lp: &mut Loop<S>, id: ReadStream, req: Option<WorkReq>) {
    if let Some(r) = st(lp, id) {
        r.job = req;
    }
    lp.handle_set_active::<Read<S>>(id.0, req.is_some());
}

fn schedule_flow<S: 'static>(lp: &mut Loop<S>, id: ReadStream) {
    let Some(r) = st(lp, id) else { return };
    if r.flow_scheduled || r.closing {
        return;
    }
    r.flow_scheduled = true;
    lp.defer(move |lp, s| flow(lp, s, id));
}

fn on_open<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, res: Result<Fd, Error>) {
    set_job(lp, id, None);
    let Some(r) = st(lp, id) else { return };
    match res {
        Err(_) if r.destroyed => begin_close(lp, id),
        Err(e) => {
            r.error.get_or_insert(e);
            flow(lp, s, id);
        }
        Ok(fd) => {
            r.fd = Some(fd.raw());
            if r.destroyed {
                return begin_close(lp, id);
            }
            // Reading starts from the next pending phase, after the `open` callback.
            schedule_flow(lp, id);
            lp.dispatch_handle::<Read<S>, _>(
                s,
                id.0,
                "fs.read.open",
                |r| &mut r.on_open,
                |f, lp, s| f.take().map_or(Ok(()), |f| f(lp, s, id, fd)),
            );
        }
    }
}

/// Emits what is due and queues the next read, as far as the state allows: a failure
/// (`Error`, after the close has begun), a kept chunk (`Data`, with a flow queued first so
/// that a failing callback leaves the stream resumable), the end (`End`, after the close has
/// begun).
fn flow<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream) {
    if let Some(r) = st(lp, id) {
        r.flow_scheduled = false;
    }
    loop {
        let Some(r) = st(lp, id) else { return };
        if let Some(err) = r.error.take() {
            r.destroyed = true;
            r.buffered = None;
            begin_close(lp, id);
            return emit_error(lp, s, id, err);
        }
        if r.destroyed || r.ended || !r.flowing || r.paused {
            return;
        }
        if let Some(chunk) = r.buffered.take() {
            schedule_flow(lp, id);
            emit(lp, s, id, StreamEvent::Data(&chunk));
            continue;
        }
        if r.eof {
            r.ended = true;
            begin_close(lp, id);
            return emit(lp, s, id, StreamEvent::End);
        }
        let Some(fd) = r.fd else { return };
        if r.job.is_some() {
            return;
        }
        let done = r.pos.unwrap_or(r.bytes_read);
        let want = match r.end {
            Some(end) if end < done => 0,
            Some(end) => (end - done + 1).min(r.hwm as u64) as usize,
            None => r.hwm,
        };
        if want == 0 {
            r.eof = true;
            continue;
        }
        let pos = r.pos;
        let res = job(
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
            Ok(req) => return set_job(lp, id, Some(req)),
            Err(e) => {
                if let Some(r) = st(lp, id) {
                    r.error = Some(e);
                }
            }
        }
    }
}

fn on_read<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, res: Result<Vec<u8>, Error>) {
    set_job(lp, id, None);
    let Some(r) = st(lp, id) else { return };
    if r.destroyed {
        return begin_close(lp, id);
    }
    match res {
        Err(e) => r.error = Some(e),
        Ok(chunk) if chunk.is_empty() => r.eof = true,
        Ok(chunk) => {
            let n = chunk.len() as u64;
            r.bytes_read += n;
            r.pos = r.pos.map(|p| p + n);
            r.buffered = Some(chunk);
        }
    }
    flow(lp, s, id);
}

fn emit<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, ev: StreamEvent<'_>) {
    lp.dispatch_handle::<Read<S>, _>(
        s,
        id.0,
        kind(&ev),
        |r| &mut r.on_event,
        |f, lp, s| f(lp, s, id, ev),
    );
}

/// `Error` to the event callback, or, without one, the loop's uncaught error.
fn emit_error<S: 'static>(lp: &mut Loop<S>, s: &mut S, id: ReadStream, err: Error) {
    let Some(r) = st(lp, id) else { return };
    if r.errored {
        return;
    }
    r.errored = true;
    if r.on_event.is_some() {
        emit(lp, s, id, StreamEvent::Error(err));
    } else {
        lp.report_error(s, err);
    }
}

/// Closes the descriptor (with `auto_close`) once no job is in flight, then frees the
/// handle (`Close`). Never emits anything itself, so callers emit after it.
fn begin_close<S: 'static>(lp: &mut Loop<S>, id: ReadStream) {
    let Some(r) = st(lp, id) else { return };
    r.destroyed = true;
    r.buffered = None;
    if r.closing || r.job.is_some() {
        return;
    }
    r.closing = true;
    let fd = if r.auto_close { r.fd.take() } else { None };
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
fn close_now<S: 'static>(lp: &mut Loop<S>, id: ReadStream) {
    let cb = st(lp, id).and_then(|r| r.on_event.take());
    if let Ok(token) = lp.close_handle::<Read<S>>(id.0) {
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

impl ReadStream {
    /// The untyped id of this stream.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Sets the callback run once the file is open, before the first read (Node's `'open'`;
    /// not called for a stream made on a given `fd`). It may return `()` or `Result<()>`.
    /// Returns the stream, for chaining.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    #[track_caller]
    pub fn on_open<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        cb: impl FnOnce(&mut Loop<S>, &mut S, ReadStream, Fd) -> R + 'static,
    ) -> Result<ReadStream, Error> {
        let f: OpenFn<S> = Box::new(move |lp, s, rs, fd| cb(lp, s, rs, fd).into_result());
        let cb = Callback::new(Some(f));
        st(lp, self).ok_or_else(|| stale("on_open"))?.on_open = Some(cb);
        Ok(self)
    }

    /// Sets the stream's one event callback (replacing any earlier one) and starts reading:
    /// `cb(loop, state, stream, event)` gets `Data`, `End`, `Error` and `Close` (see the
    /// type's docs) and may return `()` or `Result<()>` (an error is the loop's uncaught
    /// error). The next read job is queued only after a `Data` callback returns, and only if
    /// the stream was not paused meanwhile. Returns the stream, for chaining.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed, `ERR_STREAM_DESTROYED` once it was destroyed.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, ReadStream, StreamEvent<'a>) -> R + 'static,
    ) -> Result<ReadStream, Error> {
        let f: EventFn<S, ReadStream> =
            Box::new(move |lp, s, rs, ev| cb(lp, s, rs, ev).into_result());
        self.set_event(lp, Callback::new(f))?;
        Ok(self)
    }

    fn set_event<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: Callback<EventFn<S, ReadStream>>,
    ) -> Result<(), Error> {
        let r = st(lp, self).ok_or_else(|| stale("on_event"))?;
        if r.destroyed || r.closing {
            return Err(destroyed("on_event"));
        }
        r.on_event = Some(cb);
        r.flowing = true;
        schedule_flow(lp, self);
        Ok(())
    }

    /// Stops the flow of data (Node's `readable.pause()`): no read job is queued until
    /// [`resume`](Self::resume). A read already in flight completes; its chunk is kept. A
    /// no-op on a closed stream.
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(r) = st(lp, self) {
            r.paused = true;
        }
    }

    /// Restarts the flow (Node's `readable.resume()`): in the next pending phase, a kept
    /// chunk is delivered and reading goes on. A no-op on a closed stream.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(r) = st(lp, self) {
            r.paused = false;
            r.flowing = true;
            schedule_flow(lp, self);
        }
    }

    fn get<'a, S: 'static>(self, lp: &'a Loop<S>, op: &'static str) -> Result<&'a Read<S>, Error> {
        lp.handle::<Read<S>>(self.0)
            .map(|h| &h.data)
            .map_err(|_| stale(op))
    }

    /// Whether the stream is paused.
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn is_paused<S: 'static>(self, lp: &Loop<S>) -> Result<bool, Error> {
        Ok(self.get(lp, "is_paused")?.paused)
    }

    /// Bytes delivered so far (or read and kept while paused).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn bytes_read<S: 'static>(self, lp: &Loop<S>) -> Result<u64, Error> {
        Ok(self.get(lp, "bytes_read")?.bytes_read)
    }

    /// The descriptor, once open (`None` before, and after it was closed).
    ///
    /// # Errors
    /// `EBADF` if the stream is closed.
    pub fn fd<S: 'static>(self, lp: &Loop<S>) -> Result<Option<Fd>, Error> {
        Ok(self.get(lp, "fd")?.fd.map(Fd::from_raw))
    }

    /// Stops the stream (Node's `readable.destroy([err])`): no more `Data` or `End`; a
    /// queued job is cancelled, a running one is waited for; then the descriptor is closed
    /// (with `auto_close`) and `Close` comes, after `Error(err)` with `Some`. A no-op on a
    /// stream that is already ending, failed, destroyed or closed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
        let Some(r) = st(lp, self) else { return };
        if r.destroyed {
            return;
        }
        r.destroyed = true;
        r.buffered = None;
        if let Some(e) = err {
            r.error = Some(e);
            schedule_flow(lp, self); // emits it before the close
        }
        match st(lp, self).and_then(|r| r.job) {
            // Its completion (ECANCELED if the cancel won) continues the close.
            Some(req) => {
                let _ = lp.cancel(req);
            }
            None => begin_close(lp, self),
        }
    }
}

impl<S: 'static> Readable<S> for ReadStream {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, cb: EventFn<S, Self>) -> Result<(), Error> {
        self.set_event(lp, Callback::new(cb))
    }

    fn pause(self, lp: &mut Loop<S>) {
        ReadStream::pause(self, lp)
    }

    fn resume(self, lp: &mut Loop<S>) {
        ReadStream::resume(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
        ReadStream::destroy(self, lp, err)
    }
}
