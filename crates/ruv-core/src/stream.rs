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

use crate::error::{Error, Result};
use crate::event_loop::Loop;

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
pub trait Readable<S>: Copy + 'static {
    /// Sets the stream's event callback (replacing any earlier one) and starts the flow of
    /// data.
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
