//! The parent's end of a child's stdio pipe: a [`ruv_net::Pipe`] stream whose events the
//! child process watches, so that `Close` of the child waits for the end of its output.
//!
//! [`ChildPipe::on_event`] wraps the user's callback: every event is passed on, then, for
//! a slot the child writes to (1 and up), `End` or `Error` destroys the stream (Node's
//! child stdio sockets end themselves: `allowHalfOpen` is false), and `Close` tells the
//! child process that one more stream is done. Slot 0 (stdin) is not read: it is written to.
//! Until the user sets a callback the stream holds an internal one and does not read (the
//! data waits in the kernel, as an unconsumed Node stream keeps it); after `Exit`, a slot
//! still without a callback is read and its data dropped (Node's `flushStdio`), so that
//! `Close` can come.

use super::process::{stream_closed, subscribe};
use ruv_core::stream::{EventFn, StreamEvent};
use ruv_core::{CallbackResult, CloseToken, Error, HandleId, Loop, Result};
use ruv_net::Pipe;

/// One stdio slot's stream of a child process (Node's `child.stdin`, `child.stdout`,
/// `child.stderr`, `child.stdio[n]`): a `Copy` id, with the stream methods of
/// [`ruv_net::Pipe`] (events in Node's order, `write` with backpressure, `end`, `close`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildPipe {
    pub(crate) pipe: Pipe,
    pub(crate) child: HandleId,
    pub(crate) slot: u32,
}

/// What an event is, once it has been passed on.
#[derive(Clone, Copy, PartialEq)]
enum After {
    Nothing,
    Done,
    Close,
}

fn after(ev: &StreamEvent<'_>) -> After {
    match ev {
        StreamEvent::End | StreamEvent::Error(_) => After::Done,
        StreamEvent::Close => After::Close,
        _ => After::Nothing,
    }
}

/// Node's rules after an event of slot `slot`: a finished stream closes itself, and its
/// `Close` is counted by the child.
fn apply<S: 'static>(lp: &mut Loop<S>, me: ChildPipe, what: After) {
    match what {
        After::Done if !me.pipe.is_closing(lp) => me.pipe.destroy(lp, None),
        After::Close => stream_closed::<S>(lp, me.child, me.slot),
        _ => {}
    }
}

impl ChildPipe {
    /// Installs the internal callback and stops reading (see the module docs).
    pub(crate) fn install<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.pipe.on_event(lp, move |lp, _s: &mut S, pipe, ev| {
            let me = ChildPipe { pipe, ..self };
            apply(lp, me, after(&ev));
        })?;
        self.pipe.pause(lp);
        Ok(())
    }

    /// Sets the stream's one event callback (replacing any earlier one): `Data` for each
    /// chunk the child wrote, `End` at the end of its output, `Drain`, `Finish`, `Error`,
    /// and `Close` last (see [`ruv_net::Pipe::on_event`]). A slot the child writes to starts
    /// reading; after `End` or `Error` it is destroyed, as Node's are. Slot 0 (stdin) is
    /// not read.
    ///
    /// # Errors
    /// `EBADF` for a stale or closing stream.
    #[track_caller]
    pub fn on_event<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        mut cb: impl FnMut(&mut Loop<S>, &mut S, ChildPipe, StreamEvent<'_>) -> R + 'static,
    ) -> Result<()> {
        let tmpl = self;
        self.pipe.on_event(lp, move |lp, s, pipe, ev| {
            let me = ChildPipe { pipe, ..tmpl };
            let what = after(&ev);
            let res = cb(lp, s, me, ev).into_result();
            apply(lp, me, what);
            res
        })?;
        subscribe::<S>(lp, self.child, self.slot);
        if self.slot == 0 {
            self.pipe.pause(lp);
        }
        Ok(())
    }

    /// Stops reading (the child blocks once the socket buffer is full). A no-op on a stale
    /// or closing stream.
    pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
        self.pipe.pause(lp)
    }

    /// Reads again after [`pause`](Self::pause) (slots 1 and up). A no-op on a stale or
    /// closing stream.
    pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
        if self.slot > 0 {
            self.pipe.resume(lp)
        }
    }

    /// Writes `data` to the child; `false` once the queue reaches the high-water mark (wait
    /// for `Drain`). See [`ruv_net::Pipe::write`].
    ///
    /// # Errors
    /// `EBADF` for a stale or closing stream, `EPIPE` after [`end`](Self::end).
    pub fn write<S: 'static>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
    ) -> Result<bool> {
        self.pipe.write(lp, data)
    }

    /// [`write`](Self::write) with a completion callback, run exactly once (see
    /// [`ruv_net::Pipe::write_cb`]).
    ///
    /// # Errors
    /// As [`write`](Self::write); then `cb` is never called.
    #[track_caller]
    pub fn write_cb<S: 'static, R: CallbackResult>(
        self,
        lp: &mut Loop<S>,
        data: impl AsRef<[u8]> + 'static,
        cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
    ) -> Result<bool> {
        self.pipe.write_cb(lp, data, cb)
    }

    /// Ends the parent's writing side once the queue is written (the child reads end of
    /// file); `Finish` follows.
    ///
    /// # Errors
    /// `EBADF` for a stale or closing stream, `EINVAL` if already ended.
    pub fn end<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
        self.pipe.end(lp)
    }

    /// Closes the stream now (queued writes get `ECANCELED`); `Close` follows.
    ///
    /// # Errors
    /// `EBADF` for a stale id, `EINVAL` if already closing.
    pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<CloseToken<'_, S>> {
        self.pipe.close(lp)
    }

    /// Destroys the stream, with `Error(err)` before `Close` if given. A no-op on a stale
    /// or closing stream.
    pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
        self.pipe.destroy(lp, err)
    }

    /// Whether the stream is closing or closed.
    pub fn is_closing<S: 'static>(self, lp: &Loop<S>) -> bool {
        self.pipe.is_closing(lp)
    }

    /// Bytes queued for the child and not yet written.
    ///
    /// # Errors
    /// `EBADF` for a stale or closing stream.
    pub fn write_queue_size<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
        self.pipe.write_queue_size(lp)
    }

    /// Referenced (default) or not: see [`ruv_net::Pipe::set_ref`].
    pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
        self.pipe.set_ref(lp, on)
    }

    /// The stdio slot (0 for stdin, 1 for stdout …).
    pub fn slot(self) -> usize {
        self.slot as usize
    }

    /// The underlying stream, for its getters. Setting its event callback directly
    /// replaces the child's accounting: the child's `Close` then waits until this stream
    /// is closed by you.
    pub fn pipe(self) -> Pipe {
        self.pipe
    }
}

impl<S: 'static> ruv_core::stream::Readable<S> for ChildPipe {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, mut cb: EventFn<S, Self>) -> Result<()> {
        self.on_event(lp, move |lp, s, me, ev| cb(lp, s, me, ev))
    }

    fn pause(self, lp: &mut Loop<S>) {
        ChildPipe::pause(self, lp)
    }

    fn resume(self, lp: &mut Loop<S>) {
        ChildPipe::resume(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
        ChildPipe::destroy(self, lp, err)
    }
}

impl<S: 'static> ruv_core::stream::Writable<S> for ChildPipe {
    #[track_caller]
    fn set_on_event(self, lp: &mut Loop<S>, mut cb: EventFn<S, Self>) -> Result<()> {
        self.on_event(lp, move |lp, s, me, ev| cb(lp, s, me, ev))
    }

    fn write(self, lp: &mut Loop<S>, data: Vec<u8>) -> Result<bool> {
        <Pipe as ruv_core::stream::Writable<S>>::write(self.pipe, lp, data)
    }

    fn end(self, lp: &mut Loop<S>) -> Result<()> {
        ChildPipe::end(self, lp)
    }

    fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
        ChildPipe::destroy(self, lp, err)
    }
}
