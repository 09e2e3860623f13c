//! The one event model of stream-like handles (TCP and pipe sockets, fs read and write
//! streams, zlib streams, and next child stdio and IPC channels).
//!
//! A stream reports everything through one callback of one shape, with a
//! [`StreamEvent`]: data, end of data, drain, finish, error and close, as Node's stream
//! events. End of data is [`StreamEvent::End`], never an error. Each crate implements
//! [`Readable`] and/or [`Writable`] for its stream types, which is what lets
//! `pipeline(src, dst, cb)` connect any two of them with Node's `stream.pipeline`
//! semantics.
//!
//! Order, as Node's: `Data`* → `End` → `Close` for a readable that reaches its end;
//! `Drain` after a `write` returned `false` and the queue emptied; `Finish` once `end` was
//! called and everything written is flushed; `Error` (at most once) → `Close` when a stream
//! fails or is destroyed with an error. `Close` is always the last event.
//!
//! [`pipeline`] (and [`pipeline3`] for a chain through a transform such as a gzip stream)
//! is Node's `stream.pipeline` for any [`Readable`] and [`Writable`]: data flows with
//! backpressure, the destination is ended at the source's end, and the callback gets
//! `Ok(())` once the destination finished, or the first error, after every stream of the
//! pipeline was destroyed.

use std::rc::Rc;

use crate::callback::CallbackResult;
use crate::error::{Code, Error, Result};
use crate::event_loop::Loop;
use crate::registry::{Callback, Handle, HandleId};

/// What a stream tells its event callback.
#[derive(Debug)]
pub enum StreamEvent<'a> {
    /// Data read (Node's `'data'`): valid for the call; copy what you keep.
    Data(&'a [u8]),
    /// No more data will come (Node's `'end'`).
    End,
    /// The write queue drained below the high-water mark after a `write` returned `false`
    /// (Node's `'drain'`).
    Drain,
    /// `end` was called and every write has been flushed (Node's `'finish'`).
    Finish,
    /// The stream failed (Node's `'error'`); `Close` follows.
    Error(Error),
    /// The stream is closed and its id is stale from now on (Node's `'close'`).
    Close,
}

impl StreamEvent<'_> {
    /// The event's name, as Node names it (`"data"`, `"end"` …).
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Data(_) => "data",
            StreamEvent::End => "end",
            StreamEvent::Drain => "drain",
            StreamEvent::Finish => "finish",
            StreamEvent::Error(_) => "error",
            StreamEvent::Close => "close",
        }
    }
}

/// The stored form of a stream's event callback, for handle type `H`.
pub type EventFn<S, H> =
    Box<dyn for<'a> FnMut(&mut Loop<S>, &mut S, H, StreamEvent<'a>) -> Result<()>>;

/// A stream that produces data.
///
/// A stream that is both readable and writable (a transform such as a zlib stream) has one
/// event callback: its two `set_on_event`s set the same one.
pub trait Readable<S>: Copy + 'static {
    /// Sets the stream's event callback (replacing any earlier one) and starts the flow of
    /// data.
    ///
    /// # Errors
    /// `EBADF` for a stale id, `ERR_STREAM_DESTROYED` for a destroyed stream.
    fn set_on_event(self, lp: &mut Loop<S>, cb: EventFn<S, Self>) -> Result<()>;
    /// Stops the flow of `Data` events until [`resume`](Readable::resume) (idempotent).
    fn pause(self, lp: &mut Loop<S>);
    /// Starts the flow again (idempotent).
    fn resume(self, lp: &mut Loop<S>);
    /// Destroys the stream: with `Some(err)`, `Error(err)` then `Close` are emitted;
    /// with `None`, just `Close`. A no-op on a stale or destroyed stream.
    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>);
}

/// A stream that consumes data.
pub trait Writable<S>: Copy + 'static {
    /// Sets the stream's event callback (replacing any earlier one).
    ///
    /// # Errors
    /// `EBADF` for a stale id, `ERR_STREAM_DESTROYED` for a destroyed stream.
    fn set_on_event(self, lp: &mut Loop<S>, cb: EventFn<S, Self>) -> Result<()>;
    /// Queues `data`; `Ok(false)` once the queue is at or above the high-water mark (wait
    /// for `Drain`).
    ///
    /// # Errors
    /// `ERR_STREAM_WRITE_AFTER_END` after `end`, `ERR_STREAM_DESTROYED` (or `EBADF` for a
    /// stale id) after destroy or close.
    fn write(self, lp: &mut Loop<S>, data: Vec<u8>) -> Result<bool>;
    /// Ends the stream once queued data is flushed (`Finish`, then `Close` where the stream
    /// closes on finish).
    fn end(self, lp: &mut Loop<S>) -> Result<()>;
    /// Destroys the stream (see [`Readable::destroy`]).
    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>);
}

type Act<S> = Rc<dyn Fn(&mut Loop<S>)>;
type WriteAct<S> = Rc<dyn Fn(&mut Loop<S>, Vec<u8>) -> Result<bool>>;
type EndAct<S> = Rc<dyn Fn(&mut Loop<S>) -> Result<()>>;
type DoneFn<S> = Box<dyn FnOnce(&mut Loop<S>, &mut S, Result<()>) -> Result<()>>;

/// One stream of a pipeline, with its type erased to what the pipeline does with it.
struct Stage<S> {
    /// Its readable side (every stage but the last).
    pause: Option<Act<S>>,
    resume: Option<Act<S>>,
    /// Its writable side (every stage but the first).
    write: Option<WriteAct<S>>,
    end: Option<EndAct<S>>,
    destroy: Act<S>,
    /// Its part is done: `End` (a stage that feeds the next) or `Finish` (the last).
    done: bool,
}

/// A running pipeline: a handle in the loop's registry of pipelines, never active (the
/// streams keep the loop alive), removed when its callback is called.
struct Pipe<S> {
    stages: Vec<Stage<S>>,
    cb: Option<Callback<DoneFn<S>>>,
}

fn source<S: 'static, R: Readable<S>>(r: R) -> Stage<S> {
    Stage {
        pause: Some(Rc::new(move |lp| r.pause(lp))),
        resume: Some(Rc::new(move |lp| r.resume(lp))),
        write: None,
        end: None,
        destroy: Rc::new(move |lp| <R as Readable<S>>::destroy(r, lp, None)),
        done: false,
    }
}

fn middle<S: 'static, M: Readable<S> + Writable<S>>(m: M) -> Stage<S> {
    Stage {
        write: Some(Rc::new(move |lp, data| m.write(lp, data))),
        end: Some(Rc::new(move |lp| m.end(lp))),
        ..source(m)
    }
}

fn sink<S: 'static, W: Writable<S>>(w: W) -> Stage<S> {
    Stage {
        pause: None,
        resume: None,
        write: Some(Rc::new(move |lp, data| w.write(lp, data))),
        end: Some(Rc::new(move |lp| w.end(lp))),
        destroy: Rc::new(move |lp| <W as Writable<S>>::destroy(w, lp, None)),
        done: false,
    }
}

/// Node's `ERR_STREAM_PREMATURE_CLOSE`.
fn premature_close() -> Error {
    Error::new(Code::ERR_STREAM_PREMATURE_CLOSE).with_detail("Premature close")
}

fn pipe_mut<S: 'static>(lp: &mut Loop<S>, pipe: HandleId) -> Option<&mut Pipe<S>> {
    lp.handles::<Pipe<S>>().get_mut(pipe).map(|h| &mut h.data)
}

/// The event callback the pipeline gives stage `i`.
fn stage_events<S: 'static, H: 'static>(pipe: HandleId, i: usize) -> EventFn<S, H> {
    Box::new(move |lp, s, _stream, ev| {
        on_stage_event(lp, s, pipe, i, ev);
        Ok(())
    })
}

fn on_stage_event<S: 'static>(
    lp: &mut Loop<S>,
    s: &mut S,
    pipe: HandleId,
    i: usize,
    ev: StreamEvent<'_>,
) {
    let Some(p) = pipe_mut(lp, pipe) else {
        return; // the pipeline is done: what its streams say now is of no concern
    };
    let next = p
        .stages
        .get(i + 1)
        .map(|n| (n.write.clone(), n.end.clone()));
    match ev {
        StreamEvent::Data(data) => {
            let Some((Some(write), _)) = next else { return };
            match write(lp, data.to_vec()) {
                Ok(true) => {}
                Ok(false) => {
                    // The next stage is full: wait for its `Drain`.
                    let pause = pipe_mut(lp, pipe).and_then(|p| p.stages[i].pause.clone());
                    if let Some(pause) = pause {
                        pause(lp);
                    }
                }
                Err(e) => done(lp, s, pipe, Err(e)),
            }
        }
        StreamEvent::Drain if i > 0 => {
            if let Some(resume) = p.stages[i - 1].resume.clone() {
                resume(lp);
            }
        }
        StreamEvent::End => {
            let Some((_, Some(end))) = next else { return };
            p.stages[i].done = true;
            if let Err(e) = end(lp) {
                done(lp, s, pipe, Err(e));
            }
        }
        StreamEvent::Finish if next.is_none() => {
            p.stages[i].done = true;
            done(lp, s, pipe, Ok(()));
        }
        StreamEvent::Error(e) => done(lp, s, pipe, Err(e)),
        StreamEvent::Close if !p.stages[i].done => done(lp, s, pipe, Err(premature_close())),
        _ => {}
    }
}

/// Ends the pipeline: on an error every stream is destroyed (a no-op for those already
/// done); then the callback runs, once, as the last thing.
fn done<S: 'static>(lp: &mut Loop<S>, s: &mut S, pipe: HandleId, res: Result<()>) {
    let Some(h) = lp.handles::<Pipe<S>>().remove(pipe) else {
        return;
    };
    let p = h.data;
    if res.is_err() {
        for stage in &p.stages {
            (stage.destroy)(lp);
        }
    }
    if let Some(cb) = p.cb {
        lp.run_callback(s, "pipeline", Some(pipe), cb.site, |lp, s| {
            (cb.f)(lp, s, res)
        });
    }
}

/// Registers a pipeline of `stages` (their streams get their event callbacks next).
fn start<S: 'static>(lp: &mut Loop<S>, stages: Vec<Stage<S>>, cb: Callback<DoneFn<S>>) -> HandleId {
    lp.handles::<Pipe<S>>().insert(Handle::new(Pipe {
        stages,
        cb: Some(cb),
    }))
}

/// A stream could not join (stale or destroyed): the others are destroyed, as Node's
/// pipeline destroys every stream on an error; the callback is never called.
fn joined<S: 'static>(lp: &mut Loop<S>, pipe: HandleId, res: Result<()>) -> Result<()> {
    let Err(e) = res else { return Ok(()) };
    if let Some(h) = lp.handles::<Pipe<S>>().remove(pipe) {
        for stage in &h.data.stages {
            (stage.destroy)(lp);
        }
    }
    Err(if e.code() == Code::ERR_STREAM_DESTROYED {
        Error::new(Code::ERR_STREAM_DESTROYED).with_detail("Cannot pipe a destroyed stream")
    } else {
        e
    })
}

fn boxed<S: 'static, R: CallbackResult>(
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
) -> DoneFn<S> {
    Box::new(move |lp, s, res| cb(lp, s, res).into_result())
}

/// Pipes `src` into `dst` (Node's `stream.pipeline(src, dst, cb)`): every `Data` of `src`
/// is written to `dst`; when `write` returns `false`, `src` is paused until `dst`'s
/// `Drain`; at `src`'s `End`, `dst` is ended; once `dst` emits `Finish`, `cb` gets
/// `Ok(())`. On the first `Error` of either stream (or a `write`/`end` that fails, or a
/// `Close` before the stream's part was done: `ERR_STREAM_PREMATURE_CLOSE`), both streams
/// are destroyed and `cb` gets that error. `cb` runs exactly once, as the last thing the
/// pipeline does, and may return `()` or `Result<()>` (an error is the loop's uncaught
/// error).
///
/// The pipeline sets both streams' event callbacks (replacing what was set): the streams
/// are the pipeline's from here on.
///
/// # Errors
/// Synchronously, if a stream cannot take the pipeline's event callback: `EBADF` for a
/// stale id, `ERR_STREAM_DESTROYED` ("Cannot pipe a destroyed stream") for a destroyed
/// one. Both streams are destroyed then, and `cb` is never called.
#[track_caller]
pub fn pipeline<S: 'static, R: Readable<S>, W: Writable<S>, Res: CallbackResult>(
    lp: &mut Loop<S>,
    src: R,
    dst: W,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> Res + 'static,
) -> Result<()> {
    let pipe = start(lp, vec![source(src), sink(dst)], Callback::new(boxed(cb)));
    // Called here, not in a closure, so the streams' callbacks record the caller's site.
    let mut res = dst.set_on_event(lp, stage_events(pipe, 1));
    if res.is_ok() {
        res = src.set_on_event(lp, stage_events(pipe, 0));
    }
    joined(lp, pipe, res)
}

/// [`pipeline`] through a transform: `src` → `mid` → `dst` (Node's
/// `stream.pipeline(src, mid, dst, cb)`, e.g. a file read stream, a gzip stream and a file
/// write stream). Backpressure holds at each link (`mid` is paused while `dst` is full,
/// `src` while `mid` is); `mid` is ended at `src`'s end, `dst` at `mid`'s; `cb` gets
/// `Ok(())` once `dst` finished, or the first error of any of the three, after all three
/// were destroyed.
///
/// # Errors
/// As [`pipeline`]; all three streams are destroyed then.
#[track_caller]
pub fn pipeline3<S, R, M, W, Res>(
    lp: &mut Loop<S>,
    src: R,
    mid: M,
    dst: W,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> Res + 'static,
) -> Result<()>
where
    S: 'static,
    R: Readable<S>,
    M: Readable<S> + Writable<S>,
    W: Writable<S>,
    Res: CallbackResult,
{
    let stages = vec![source(src), middle(mid), sink(dst)];
    let pipe = start(lp, stages, Callback::new(boxed(cb)));
    let mut res = dst.set_on_event(lp, stage_events(pipe, 2));
    if res.is_ok() {
        res = <M as Writable<S>>::set_on_event(mid, lp, stage_events(pipe, 1));
    }
    if res.is_ok() {
        res = src.set_on_event(lp, stage_events(pipe, 0));
    }
    joined(lp, pipe, res)
}
