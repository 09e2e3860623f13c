//! Streams: Node's `zlib.createGzip()` and friends on the loop, one pool job per write.

use std::collections::VecDeque;

use ruv_core::{Code, Error, Loop, WorkClass, WorkReq};
use slab::Slab;

use crate::codes;
use crate::engine::{Engine, Flush, Outcome};
use crate::options::{Mode, Options};

/// `write` returns `false` once this many bytes wait in a stream (written, not yet fully
/// processed): Node's default `writableHighWaterMark`, 16 KiB.
pub const HIGH_WATER_MARK: usize = 16 * 1024;

/// A pool job stops once it has produced this much output (or `chunk_size`, if larger);
/// the rest of its write goes to a follow-up job, after the output is handed over.
pub const JOB_OUTPUT: usize = 1 << 20;

/// What a stream tells its callback.
#[derive(Debug)]
pub enum Event {
    /// Output (Node's `'data'`): everything one pool job produced, in order; never empty.
    Data(Vec<u8>),
    /// Every byte written so far has been processed, after a [`ZlibStream::write`] returned
    /// `false` (Node's `'drain'`): time to write more.
    Drain,
    /// [`ZlibStream::end`] was called and the last output has been delivered (Node's
    /// `'end'`). The stream is gone: its id is stale from here on.
    End,
    /// The stream failed (Node's `'error'`), e.g. `Z_DATA_ERROR` on corrupt input; any
    /// output the failing job produced came first, as [`Event::Data`]. The stream is gone.
    Error(Error),
}

/// A compression or decompression stream: Node's `zlib.Deflate`, `Gzip`, `Gunzip`, ...
/// objects, on the loop.
///
/// A `ZlibStream` is a `Copy` id, like the loop's handles. [`write`](ZlibStream::write)
/// queues a chunk; each chunk is **one pool job** ([`WorkClass::Cpu`]), as each write of a
/// Node zlib stream is; [`end`](ZlibStream::end) finishes the stream. Output reaches the
/// callback given to [`new`](ZlibStream::new) as [`Event::Data`], in order, then
/// [`Event::End`] (or [`Event::Error`]).
///
/// ```
/// use ruv_core::{Loop, RunMode};
/// use ruv_zlib::{Event, Mode, Options, ZlibStream};
///
/// let mut lp: Loop<Vec<u8>> = Loop::new()?;
/// let gz = ZlibStream::new(&mut lp, Mode::Gzip, &Options::default(), |_lp, out, _gz, ev| {
///     match ev {
///         Event::Data(bytes) => out.extend_from_slice(&bytes),
///         Event::End => {}
///         Event::Drain => {}
///         Event::Error(e) => panic!("{e}"),
///     }
/// })?;
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
/// [`Event::Drain`], which comes once everything written has been processed. Writes made
/// anyway are queued, never dropped: backpressure is advisory, as in Node.
///
/// On the output side, one job produces at most [`JOB_OUTPUT`] (1 MiB, or `chunk_size` if
/// larger) before it hands its output over and a follow-up job continues the same chunk,
/// so a decompression bomb written to a stream never needs more memory than that per job.
/// [`Options::max_output_length`], when given, also caps the stream's total output
/// (`ERR_BUFFER_TOO_LARGE`).
///
/// # Life cycle
///
/// The stream lives until it ends, fails or is destroyed; then its id is stale and every
/// method answers `EBADF`. A stream keeps the loop alive only while a job is in flight: a
/// stream nobody writes to does not hold the loop (as in Node). A callback that panics
/// propagates out of `Loop::run`, as every loop callback does; its stream then reports
/// nothing more (destroy it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZlibStream {
    index: u32,
    gen: u32,
}

type Callback<S> = Box<dyn FnMut(&mut Loop<S>, &mut S, ZlibStream, Event)>;

enum Op {
    Write { data: Vec<u8>, pos: usize },
    Flush,
    End,
}

struct Entry<S> {
    gen: u32,
    mode: Mode,
    /// `None` while a job has it.
    engine: Option<Engine>,
    queue: VecDeque<Op>,
    job: Option<WorkReq>,
    /// Bytes of writes not yet fully processed (queued and in flight).
    buffered: usize,
    ended: bool,
    need_drain: bool,
    bytes_written: u64,
    job_output: usize,
    chunk_size: usize,
    /// `None` while it runs.
    cb: Option<Callback<S>>,
}

/// The loop extension that holds a loop's streams.
struct Streams<S> {
    slab: Slab<Entry<S>>,
    next_gen: u32,
}

/// What a job hands back to the loop.
struct JobOut {
    engine: Engine,
    /// The op, with its position advanced when the job stopped at its output cap.
    op: Op,
    /// Whether the job also ran the `End` that followed its write.
    finishing: bool,
    out: Vec<u8>,
    result: Result<Outcome, Error>,
}

fn table<S: 'static>(lp: &mut Loop<S>) -> &mut Streams<S> {
    if lp.extension::<Streams<S>>().is_none() {
        lp.insert_extension(Streams::<S> {
            slab: Slab::new(),
            next_gen: 0,
        });
    }
    lp.extension_mut::<Streams<S>>().expect("inserted above")
}

fn stale() -> Error {
    Error::new(Code::EBADF).with_detail("zlib stream is closed")
}

impl ZlibStream {
    /// Creates a stream for `mode` (Node's `zlib.createDeflate(options)`,
    /// `createGzip`, ...). `on_event(loop, state, stream, event)` gets the output, the end
    /// and any error, on the loop thread.
    ///
    /// # Errors
    ///
    /// The option checks of [`Options::validate`].
    pub fn new<S: 'static>(
        lp: &mut Loop<S>,
        mode: Mode,
        opts: &Options,
        on_event: impl FnMut(&mut Loop<S>, &mut S, ZlibStream, Event) + 'static,
    ) -> Result<ZlibStream, Error> {
        let checked = opts.check(mode)?;
        let engine = Engine::new(&checked, checked.max_output_length);
        let t = table(lp);
        t.next_gen = t.next_gen.wrapping_add(1).max(1);
        let gen = t.next_gen;
        let index = t.slab.insert(Entry {
            gen,
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
            cb: Some(Box::new(on_event)),
        });
        Ok(ZlibStream {
            index: u32::try_from(index).expect("fewer than 2**32 streams"),
            gen,
        })
    }

    fn entry<S: 'static>(self, lp: &mut Loop<S>) -> Result<&mut Entry<S>, Error> {
        match table(lp).slab.get_mut(self.index as usize) {
            Some(e) if e.gen == self.gen => Ok(e),
            _ => Err(stale()),
        }
    }

    /// Queues `chunk` for processing as one pool job (Node's `stream.write(chunk)`).
    /// Returns whether the stream can take more now: `false` once [`HIGH_WATER_MARK`]
    /// bytes wait; then wait for [`Event::Drain`] (see the type's docs on backpressure).
    /// An empty chunk queues nothing.
    ///
    /// # Errors
    ///
    /// `EBADF` if the stream ended, failed or was destroyed; `ERR_STREAM_WRITE_AFTER_END`
    /// (see [`codes`]) after [`end`](ZlibStream::end); the pool's start-up error.
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        chunk: impl Into<Vec<u8>>,
    ) -> Result<bool, Error> {
        let data = chunk.into();
        let e = self.entry(lp)?;
        if e.ended {
            return Err(codes::write_after_end());
        }
        if !data.is_empty() {
            e.buffered += data.len();
            e.queue.push_back(Op::Write { data, pos: 0 });
        }
        let ok = e.buffered < HIGH_WATER_MARK;
        e.need_drain |= !ok;
        self.pump(lp)?;
        Ok(ok)
    }

    /// Queues a full flush (Node's `stream.flush()`, `Z_FULL_FLUSH`): after the writes
    /// before it, everything written so far comes out as [`Event::Data`], ending on a byte
    /// boundary, so the receiver can decompress all of it. Compresses slightly worse;
    /// a no-op for decompressors.
    ///
    /// # Errors
    ///
    /// As [`write`](ZlibStream::write).
    pub fn flush<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let e = self.entry(lp)?;
        if e.ended {
            return Err(codes::write_after_end());
        }
        e.queue.push_back(Op::Flush);
        self.pump(lp)
    }

    /// Ends the input (Node's `stream.end()`): after the queued writes, the stream is
    /// finished (compressors write their trailer; decompressors check that the compressed
    /// stream was complete, else `Z_BUF_ERROR` "unexpected end of file"), the last
    /// [`Event::Data`] comes, then [`Event::End`]. Calling `end` again before that is a
    /// no-op.
    ///
    /// # Errors
    ///
    /// `EBADF` if the stream already ended, failed or was destroyed; the pool's start-up
    /// error.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let e = self.entry(lp)?;
        if !e.ended {
            e.ended = true;
            e.queue.push_back(Op::End);
        }
        self.pump(lp)
    }

    /// Destroys the stream now (Node's `stream.destroy()`): queued chunks are dropped, a
    /// job not yet started is cancelled, the output of one already running is discarded,
    /// and no event comes any more.
    ///
    /// # Errors
    ///
    /// `EBADF` if the stream already ended, failed or was destroyed.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        self.entry(lp)?;
        let e = table(lp).slab.remove(self.index as usize);
        if let Some(req) = e.job {
            // A running job cannot be cancelled (EBUSY); its result finds a stale id.
            let _ = lp.cancel(req);
        }
        Ok(())
    }

    /// Bytes written and not yet fully processed (Node's `writableLength`).
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn writable_length<S: 'static>(self, lp: &mut Loop<S>) -> Result<usize, Error> {
        Ok(self.entry(lp)?.buffered)
    }

    /// Input bytes processed so far (Node's `bytesWritten`).
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn bytes_written<S: 'static>(self, lp: &mut Loop<S>) -> Result<u64, Error> {
        Ok(self.entry(lp)?.bytes_written)
    }

    /// The stream's mode.
    ///
    /// # Errors
    ///
    /// `EBADF` for a stale stream.
    pub fn mode<S: 'static>(self, lp: &mut Loop<S>) -> Result<Mode, Error> {
        Ok(self.entry(lp)?.mode)
    }

    /// Starts the next queued op as a pool job, unless one is in flight.
    fn pump<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let e = self.entry(lp)?;
        if e.job.is_some() || e.queue.is_empty() {
            return Ok(());
        }
        let mut engine = e
            .engine
            .take()
            .expect("no job in flight: the engine is home");
        let op = e.queue.pop_front().expect("checked non-empty");
        // A write followed by the end runs as one job, finishing the stream.
        let finishing = matches!(op, Op::Write { .. }) && matches!(e.queue.front(), Some(Op::End));
        if finishing {
            e.queue.pop_front();
        }
        let (cap, chunk, compress) = (e.job_output, e.chunk_size, e.mode.is_compress());
        let job = move || {
            let (input, flush): (&[u8], Flush) = match &op {
                Op::Write { data, pos } => (
                    &data[*pos..],
                    if finishing {
                        Flush::Finish
                    } else {
                        Flush::None
                    },
                ),
                Op::Flush => (&[], Flush::Full),
                Op::End => (&[], Flush::Finish),
            };
            let mut out = crate::engine::speculative_buffer(first_capacity(
                compress,
                input.len(),
                chunk,
                cap,
            ));
            let result = engine.run(input, flush, &mut out, cap);
            JobOut {
                engine,
                op,
                finishing,
                out,
                result,
            }
        };
        let done = move |lp: &mut Loop<S>, s: &mut S, res: Result<JobOut, Error>| {
            self.job_done(lp, s, res);
        };
        match lp.queue_work(WorkClass::Cpu, job, done) {
            Ok(req) => {
                self.entry(lp)?.job = Some(req);
                Ok(())
            }
            Err(err) => {
                // The pool could not start: the job (with the engine) is lost; so is the
                // stream.
                table(lp).slab.remove(self.index as usize);
                Err(err)
            }
        }
    }

    /// A job came back: update the stream, start the next job, then tell the callback.
    fn job_done<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, res: Result<JobOut, Error>) {
        let Ok(e) = self.entry(lp) else { return }; // destroyed meanwhile
        e.job = None;
        let (out, outcome) = match res {
            Err(err) => (Vec::new(), Err(err)), // a panic in the codec (EPANIC)
            Ok(JobOut {
                engine,
                op,
                finishing,
                out,
                result,
            }) => {
                e.engine = Some(engine);
                let outcome = result.map(|o| {
                    e.bytes_written += o.consumed as u64;
                    match op {
                        Op::Write { data, pos } if o.more => {
                            if finishing {
                                e.queue.push_front(Op::End);
                            }
                            e.queue.push_front(Op::Write {
                                data,
                                pos: pos + o.consumed,
                            });
                            false
                        }
                        Op::Write { data, .. } => {
                            e.buffered -= data.len(); // the whole chunk is done
                            finishing
                        }
                        Op::End if o.more => {
                            e.queue.push_front(Op::End);
                            false
                        }
                        Op::End => true,
                        Op::Flush => {
                            if o.more {
                                e.queue.push_front(Op::Flush);
                            }
                            false
                        }
                    }
                });
                (out, outcome)
            }
        };
        match outcome {
            Ok(finished) => {
                if !finished {
                    if let Err(err) = self.pump(lp) {
                        self.emit_data(lp, s, out);
                        self.fail(lp, s, err);
                        return;
                    }
                }
                self.emit_data(lp, s, out);
                if finished {
                    // Unless the callback destroyed it on the last data.
                    if self.entry(lp).is_ok() {
                        let mut e = table(lp).slab.remove(self.index as usize);
                        if let Some(mut cb) = e.cb.take() {
                            cb(lp, s, self, Event::End);
                        }
                    }
                } else if let Ok(e) = self.entry(lp) {
                    if e.need_drain && e.buffered == 0 {
                        e.need_drain = false;
                        self.emit(lp, s, Event::Drain);
                    }
                }
            }
            Err(err) => {
                self.emit_data(lp, s, out);
                self.fail(lp, s, err);
            }
        }
    }

    fn emit_data<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, out: Vec<u8>) {
        if !out.is_empty() {
            self.emit(lp, s, Event::Data(out));
        }
    }

    /// Removes the stream (if the callback has not destroyed it) and reports `err`.
    fn fail<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, err: Error) {
        if self.entry(lp).is_ok() {
            let mut e = table(lp).slab.remove(self.index as usize);
            if let Some(req) = e.job {
                let _ = lp.cancel(req);
            }
            if let Some(mut cb) = e.cb.take() {
                cb(lp, s, self, Event::Error(err));
            }
        }
    }

    /// Calls the callback, if the stream is alive; it may write, end or destroy.
    fn emit<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, ev: Event) {
        let Some(mut cb) = self.entry(lp).ok().and_then(|e| e.cb.take()) else {
            return;
        };
        cb(lp, s, self, ev);
        if let Ok(e) = self.entry(lp) {
            e.cb.get_or_insert(cb);
        }
    }
}

/// Output capacity for a job over `input_len` bytes: enough for typical text in one go
/// (compressed text is about a third of its size; inflated, about three times), at least a
/// chunk, at most the job's cap. Output beyond it grows the buffer.
fn first_capacity(compress: bool, input_len: usize, chunk: usize, cap: usize) -> usize {
    let guess = if compress {
        input_len / 2
    } else {
        input_len.saturating_mul(4)
    };
    guess.max(chunk).min(cap)
}
