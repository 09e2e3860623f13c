//! Streams: Node's `zlib.createGzip()` and friends on the loop, one pool job per write.
//!
//! A stream is a handle on ruv-core's one handle model: its state is a `Zlib<S>` in the
//! loop's registry of that type, its id a [`HandleId`], its events go through
//! [`Loop::dispatch_handle`], and it closes in two phases ([`Loop::close_handle`]), with
//! [`StreamEvent::Close`] last.

use std::collections::VecDeque;

use ruv_core::registry::{Callback, HandleId};
use ruv_core::stream::{EventFn, Readable, StreamEvent, Writable};
use ruv_core::{CallbackResult, Code, Error, Loop, WorkReq};

mod job;

use crate::codes;
use crate::engine::Engine;
use crate::options::{Mode, Options};

/// `write` returns `false` once this many bytes wait in a stream (written, not yet fully
/// processed): Node's default `writableHighWaterMark`, 16 KiB.
pub const HIGH_WATER_MARK: usize = 16 * 1024;

/// A pool job stops once it has produced this much output (or `chunk_size`, if larger);
/// the rest of its write goes to a follow-up job, after the output is handed over.
pub const JOB_OUTPUT: usize = 1 << 20;

/// A compression or decompression stream: Node's `zlib.Deflate`, `Gzip`, `Gunzip`, ...
/// objects, on the loop. It is both [`Readable`] (its output) and [`Writable`] (its input),
/// so it can sit in the middle of a [`pipeline3`](ruv_core::stream::pipeline3).
///
/// A `ZlibStream` is a `Copy` id, like the loop's handles. [`write`](ZlibStream::write)
/// queues a chunk; each chunk is **one pool job** ([`WorkClass::Cpu`](ruv_core::WorkClass::Cpu)), as each write of a
/// Node zlib stream is; [`end`](ZlibStream::end) finishes the stream. Everything the
/// stream has to say reaches the one callback set with [`on_event`](ZlibStream::on_event),
/// as [`StreamEvent`]s in Node's order: `Data`* (output, in order), `Drain` (after a
/// `write` returned `false`), `Finish` (after `end`, once all input is processed), the last
/// `Data`, `End`, then `Close`; or `Error` then `Close`. Nothing is processed until the
/// callback is set (as a Node stream does not flow without a consumer).
///
/// ```
/// use ruv_core::{stream::StreamEvent, Loop, RunMode};
/// use ruv_zlib::{Mode, Options, ZlibStream};
///
/// let mut lp: Loop<Vec<u8>> = Loop::new()?;
/// let gz = ZlibStream::new(&mut lp, Mode::Gzip, &Options::default())?
///     .on_event(&mut lp, |_lp, out, _gz, ev| match ev {
///         StreamEvent::Data(bytes) => Ok(out.extend_from_slice(bytes)),
///         StreamEvent::Error(e) => Err(e), // the loop's uncaught error
///         _ => Ok(()),
///     })?;
/// gz.write(&mut lp, "hello, ")?;
/// gz.write(&mut lp, "world")?;
/// gz.end(&mut lp)?;
/// let mut out = Vec::new();
/// lp.run(RunMode::Default, &mut out)?;
/// assert_eq!(ruv_zlib::gunzip_sync(&out, &Options::default())?, b"hello, world");
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Backpressure
///
/// A stream has at most **one job in flight** (the codec's state is sequential); further
/// writes wait in the stream's queue, in order. [`write`](ZlibStream::write) returns
/// `false` when the bytes waiting (queued plus the chunk being processed) reach
/// [`HIGH_WATER_MARK`] (16 KiB, Node's default): stop writing and wait for
/// `StreamEvent::Drain`, which comes once everything written has been processed. Writes
/// made anyway are queued, never dropped: backpressure is advisory, as in Node.
///
/// On the output side, [`pause`](ZlibStream::pause) stops the flow of `Data`: no further
/// job starts (so the writable side fills up and `write` says `false`), and output of a job
/// already running is kept until [`resume`](ZlibStream::resume). One job produces at most
/// [`JOB_OUTPUT`] (1 MiB, or `chunk_size` if larger) before it hands its output over and a
/// follow-up job continues the same chunk, so a decompression bomb written to a stream
/// never needs more memory than that per job. [`Options::max_output_length`], when given,
/// also caps the stream's total output (`ERR_BUFFER_TOO_LARGE`).
///
/// # Life cycle
///
/// The stream lives until it ends, fails or is destroyed; then `Close` comes and its id is
/// stale: `write`, `end` and the getters answer `EBADF`, `pause`, `resume` and `destroy` do
/// nothing. A stream keeps the loop alive only while a job is in flight: a stream nobody
/// writes to does not hold the loop (as in Node). An `Error` without an event callback is
/// the loop's uncaught error (`Loop::run` returns it), as an `'error'` nobody listens to is
/// in Node. A callback that panics propagates out of `Loop::run`, as every loop callback
/// does; its stream then reports nothing more (destroy it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZlibStream(HandleId);

enum Op {
    Write { data: Vec<u8>, pos: usize },
    Flush,
    End,
}

/// A stream's state: the data of its handle in the loop's registry of `Zlib<S>`.
struct Zlib<S> {
    mode: Mode,
    /// `None` while a job has it.
    engine: Option<Engine>,
    queue: VecDeque<Op>,
    job: Option<WorkReq>,
    /// Bytes of writes not yet fully processed (queued and in flight).
    buffered: usize,
    /// `end` was called.
    ended: bool,
    need_drain: bool,
    bytes_written: u64,
    job_output: usize,
    chunk_size: usize,
    /// An event callback was set (or `resume` called): output may flow.
    flowing: bool,
    paused: bool,
    /// Output made while paused, delivered in order on resume.
    held: VecDeque<Vec<u8>>,
    /// The codec is done: `End` follows the held output.
    finished: bool,
    /// `Finish` is to be emitted (before the last output, as Node does).
    finish_due: bool,
    /// An error to emit (after the output before it): the stream fails.
    error: Option<Error>,
    /// Destroyed or failed: nothing more is processed or delivered.
    destroyed: bool,
    /// `End` was emitted or the stream destroyed: the close is on its way.
    close_scheduled: bool,
    flow_scheduled: bool,
    on_event: Option<Callback<EventFn<S, ZlibStream>>>,
}

fn kind(ev: &StreamEvent<'_>) -> &'static str {
    match ev {
        StreamEvent::Data(_) => "zlib.data",
        StreamEvent::End => "zlib.end",
        StreamEvent::Drain => "zlib.drain",
        StreamEvent::Finish => "zlib.finish",
        StreamEvent::Error(_) => "zlib.error",
        StreamEvent::Close => "zlib.close",
    }
}

fn stale() -> Error {
    Error::new(Code::EBADF).with_detail("zlib stream is closed")
}

/// Node's `ERR_STREAM_DESTROYED` ("Cannot call write after a stream was destroyed").
fn destroyed(op: &str) -> Error {
    Error::new(Code::ERR_STREAM_DESTROYED)
        .with_detail(format!("Cannot call {op} after a stream was destroyed"))
}

fn state<S: 'static>(lp: &mut Loop<S>, id: HandleId) -> Option<&mut Zlib<S>> {
    lp.handles::<Zlib<S>>().get_mut(id).map(|h| &mut h.data)
}

impl ZlibStream {
    /// Creates a stream for `mode` (Node's `zlib.createDeflate(options)`, `createGzip`,
    /// ...). Set its event callback with [`on_event`](ZlibStream::on_event).
    ///
    /// # Errors
    ///
    /// The option checks of [`Options::validate`].
    pub fn new<S: 'static>(
        lp: &mut Loop<S>,
        mode: Mode,
        opts: &Options,
    ) -> Result<ZlibStream, Error> {
        let checked = opts.check(mode)?;
        let engine = Engine::new(&checked, checked.max_output_length);
        let id = lp
            .handles::<Zlib<S>>()
            .insert(ruv_core::registry::Handle::new(Zlib {
                mode,
                engine: Some(engine),
                queue: VecDeque::new(),
                job: None,
                buffered: 0,
                ended: false,
                need_drain: false,
                bytes_written: 0,
                job_output: JOB_OUTPUT.max(checked.chunk_size),
                chunk_size: checked.chunk_size,
                flowing: false,
                paused: false,
                held: VecDeque::new(),
                finished: false,
                finish_due: false,
                error: None,
                destroyed: false,
                close_scheduled: false,
                flow_scheduled: false,
                on_event: None,
            }));
        Ok(ZlibStream(id))
    }

    /// The untyped id of this stream.
    pub fn id(self) -> HandleId {
        self.0
    }

    /// Sets the stream's one event callback (replacing any earlier one) and starts the
    /// flow: `cb(loop, state, stream, event)` gets every [`StreamEvent`] on the loop thread
    /// and may return `()` or `Result<()>` (an error is the loop's uncaught error). Returns
    /// the stream, for chaining.
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream, `ERR_STREAM_DESTROYED` once it was destroyed or ended.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl for<'a> FnMut(&mut Loop<S>, &mut S, ZlibStream, StreamEvent<'a>) -> R + 'static,
    ) -> Result<ZlibStream, Error> {
        let f: EventFn<S, ZlibStream> =
            Box::new(move |lp, s, z, ev| cb(lp, s, z, ev).into_result());
        self.set_event(lp, Callback::new(f))?;
        Ok(self)
    }

    fn set_event<S: 'static>(
        self,
        lp: &mut Loop<S>,
        cb: Callback<EventFn<S, ZlibStream>>,
    ) -> Result<(), Error> {
        let z = self.open_state(lp, "on_event")?;
        if z.close_scheduled {
            return Err(destroyed("on_event"));
        }
        z.on_event = Some(cb);
        z.flowing = true;
        self.schedule_flow(lp);
        Ok(())
    }

    /// The state of a live stream that was not destroyed.
    fn open_state<'a, S: 'static>(
        self,
        lp: &'a mut Loop<S>,
        op: &'static str,
    ) -> Result<&'a mut Zlib<S>, Error> {
        let h = lp.handles::<Zlib<S>>().get_mut(self.0).ok_or_else(stale)?;
        if h.data.destroyed || h.is_closing() {
            return Err(destroyed(op));
        }
        Ok(&mut h.data)
    }

    /// Queues `chunk` for processing as one pool job (Node's `stream.write(chunk)`).
    /// Returns whether the stream can take more now: `false` once [`HIGH_WATER_MARK`]
    /// bytes wait; then wait for `StreamEvent::Drain` (see the type's docs on
    /// backpressure). An empty chunk queues nothing.
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream; `ERR_STREAM_DESTROYED` once it was destroyed or failed;
    /// `ERR_STREAM_WRITE_AFTER_END` (see [`codes`]) after [`end`](ZlibStream::end); the
    /// pool's start-up error.
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        chunk: impl Into<Vec<u8>>,
    ) -> Result<bool, Error> {
        let data = chunk.into();
        let z = self.open_state(lp, "write")?;
        if z.ended {
            return Err(codes::write_after_end());
        }
        if !data.is_empty() {
            z.buffered += data.len();
            z.queue.push_back(Op::Write { data, pos: 0 });
        }
        let ok = z.buffered < HIGH_WATER_MARK;
        z.need_drain |= !ok;
        self.pump(lp)?;
        Ok(ok)
    }

    /// Queues a full flush (Node's `stream.flush()`, `Z_FULL_FLUSH`): after the writes
    /// before it, everything written so far comes out as `Data`, ending on a byte boundary,
    /// so the receiver can decompress all of it. Compresses slightly worse; a no-op for
    /// decompressors.
    ///
    /// # Errors
    ///
    /// As [`write`](ZlibStream::write).
    pub fn flush<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let z = self.open_state(lp, "flush")?;
        if z.ended {
            return Err(codes::write_after_end());
        }
        z.queue.push_back(Op::Flush);
        self.pump(lp)
    }

    /// Ends the input (Node's `stream.end()`): after the queued writes, the stream is
    /// finished (compressors write their trailer; decompressors check that the compressed
    /// stream was complete, else `Z_BUF_ERROR` "unexpected end of file"): `Finish`, the
    /// last `Data`, `End`, then `Close` come. Calling `end` again before that is a no-op.
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream, `ERR_STREAM_DESTROYED` once it was destroyed or failed;
    /// the pool's start-up error.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let z = self.open_state(lp, "end")?;
        if !z.ended {
            z.ended = true;
            z.queue.push_back(Op::End);
        }
        self.pump(lp)
    }

    /// Stops the flow of output (Node's `readable.pause()`): no further job starts, and the
    /// output of one already running is kept for [`resume`](ZlibStream::resume). A no-op on
    /// a stale stream.
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(z) = state(lp, self.0) {
            z.paused = true;
        }
    }

    /// Restarts the flow (Node's `readable.resume()`): in the next pending phase, kept
    /// output is delivered and processing goes on. A no-op on a stale stream.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
        if let Some(z) = state(lp, self.0) {
            z.paused = false;
            z.flowing = true;
            self.schedule_flow(lp);
        }
    }

    /// Whether the stream is paused.
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn is_paused<S: 'static>(self, lp: &Loop<S>) -> Result<bool, Error> {
        Ok(self.get(lp)?.paused)
    }

    /// Destroys the stream now (Node's `stream.destroy([err])`): queued chunks are dropped,
    /// a job not yet started is cancelled, the output of one already running is discarded;
    /// then `Error(err)` (with `Some`) and `Close` come, nothing else. A no-op on a stale,
    /// ended or already destroyed stream.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
        let Some(z) = state(lp, self.0) else { return };
        if z.destroyed || z.close_scheduled {
            return;
        }
        z.destroyed = true;
        z.queue.clear();
        z.held.clear();
        z.buffered = 0;
        if let Some(e) = err {
            // `flow` emits it, from the next pending phase, before the close.
            z.error = Some(e);
            self.schedule_flow(lp);
        }
        self.schedule_close(lp);
    }

    fn get<S: 'static>(self, lp: &Loop<S>) -> Result<&Zlib<S>, Error> {
        lp.handle::<Zlib<S>>(self.0)
            .map(|h| &h.data)
            .map_err(|_| stale())
    }

    /// Bytes written and not yet fully processed (Node's `writableLength`).
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn writable_length<S: 'static>(self, lp: &Loop<S>) -> Result<usize, Error> {
        Ok(self.get(lp)?.buffered)
    }

    /// Input bytes processed so far (Node's `bytesWritten`).
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn bytes_written<S: 'static>(self, lp: &Loop<S>) -> Result<u64, Error> {
        Ok(self.get(lp)?.bytes_written)
    }

    /// The stream's mode.
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn mode<S: 'static>(self, lp: &Loop<S>) -> Result<Mode, Error> {
        Ok(self.get(lp)?.mode)
    }

    /// Runs [`flow`](Self::flow) from the next pending phase (once, however often asked).
    /// `flow` asks before each event it emits, so that if the callback fails (its error
    /// unwinds to `run`) or panics, the next `run` goes on where the stream stopped.
    fn schedule_flow<S: 'static>(self, lp: &mut Loop<S>) {
        let Some(z) = state(lp, self.0) else { return };
        if z.flow_scheduled || z.close_scheduled {
            return;
        }
        z.flow_scheduled = true;
        lp.defer(move |lp, s| self.flow(lp, s));
    }

    /// Emits what is due, in Node's order: an error (after the output before it, unless
    /// paused), `Finish`, kept output while flowing; then starts the next job, then ends
    /// or drains as due. Each event is emitted with the stream's state already updated.
    pub(super) fn flow<S: 'static>(self, lp: &mut Loop<S>, s: &mut S) {
        if let Some(z) = state(lp, self.0) {
            z.flow_scheduled = false;
        }
        loop {
            let Some(z) = state(lp, self.0) else { return };
            let can_flow = z.flowing && !z.paused;
            if z.error.is_some() && (!can_flow || z.held.is_empty()) {
                let err = z.error.take().expect("checked");
                z.destroyed = true;
                z.queue.clear();
                z.held.clear();
                z.buffered = 0;
                self.schedule_close(lp);
                return self.emit_error(lp, s, err);
            }
            if z.destroyed || z.close_scheduled {
                return;
            }
            if z.finish_due {
                z.finish_due = false;
                self.schedule_flow(lp);
                self.emit(lp, s, StreamEvent::Finish);
                continue;
            }
            if can_flow {
                if let Some(out) = z.held.pop_front() {
                    self.schedule_flow(lp);
                    self.emit(lp, s, StreamEvent::Data(&out));
                    continue;
                }
            }
            if z.error.is_none() {
                if let Err(err) = self.pump(lp) {
                    if let Some(z) = state(lp, self.0) {
                        z.error = Some(err);
                    }
                    continue;
                }
            }
            break;
        }
        self.settle(lp, s);
    }

    /// `End` once the codec is done and all output delivered (the close goes first, so a
    /// failing `End` callback still leaves the stream closing); else `Drain` once
    /// everything written was processed after a `write` said `false`.
    fn settle<S: 'static>(self, lp: &mut Loop<S>, s: &mut S) {
        let Some(z) = state(lp, self.0) else { return };
        if z.destroyed || z.close_scheduled || z.error.is_some() {
            return;
        }
        if z.finished {
            if z.paused || !z.flowing || !z.held.is_empty() {
                return;
            }
            self.schedule_close(lp);
            return self.emit(lp, s, StreamEvent::End);
        }
        if z.need_drain && z.buffered == 0 {
            z.need_drain = false;
            self.emit(lp, s, StreamEvent::Drain);
        }
    }

    fn emit_error<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, err: Error) {
        match state(lp, self.0) {
            Some(z) if z.on_event.is_some() => self.emit(lp, s, StreamEvent::Error(err)),
            _ => lp.report_error(s, err),
        }
    }

    /// Closes the stream from the next pending phase: the handle is freed in the closing
    /// phase after that, and `Close` comes.
    fn schedule_close<S: 'static>(self, lp: &mut Loop<S>) {
        let Some(z) = state(lp, self.0) else { return };
        if z.close_scheduled {
            return;
        }
        z.close_scheduled = true;
        if let Some(req) = z.job {
            // A running job cannot be cancelled (EBUSY); its result finds the stream gone.
            let _ = lp.cancel(req);
        }
        lp.defer(move |lp, _| self.close_now(lp));
    }

    fn close_now<S: 'static>(self, lp: &mut Loop<S>) {
        let cb = state(lp, self.0).and_then(|z| z.on_event.take());
        if let Ok(token) = lp.close_handle::<Zlib<S>>(self.0) {
            token.then(move |lp, s| {
                if let Some(mut cb) = cb {
                    let ev = StreamEvent::Close;
                    lp.run_callback(s, kind(&ev), Some(self.0), cb.site, |lp, s| {
                        (cb.f)(lp, s, self, ev)
                    });
                }
            });
        }
    }

    /// Calls the event callback (the one dispatch path); it may write, end, pause or
    /// destroy.
    fn emit<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, ev: StreamEvent<'_>) {
        lp.dispatch_handle::<Zlib<S>, _>(
            s,
            self.0,
            kind(&ev),
            |z| &mut z.on_event,
            |f, lp, s| f(lp, s, self, ev),
        );
    }
}

impl<S: 'static> Readable<S> for ZlibStream {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, cb: EventFn<S, Self>) -> Result<(), Error> {
        self.set_event(lp, Callback::new(cb))
    }

    fn pause(self, lp: &mut Loop<S>) {
        ZlibStream::pause(self, lp)
    }

    fn resume(self, lp: &mut Loop<S>) {
        ZlibStream::resume(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
        ZlibStream::destroy(self, lp, err)
    }
}

impl<S: 'static> Writable<S> for ZlibStream {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, cb: EventFn<S, Self>) -> Result<(), Error> {
        self.set_event(lp, Callback::new(cb))
    }

    fn write(self, lp: &mut Loop<S>, data: Vec<u8>) -> Result<bool, Error> {
        ZlibStream::write(self, lp, data)
    }

    fn end(self, lp: &mut Loop<S>) -> Result<(), Error> {
        ZlibStream::end(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
        ZlibStream::destroy(self, lp, err)
    }
}
