//! The methods every stream handle type shares, generated for each, and its
//! [`Readable`](ruv_core::stream::Readable) / [`Writable`](ruv_core::stream::Writable)
//! implementations.

/// Generates listen/accept, the event callback, reading, writing, shutdown, close and ref
/// methods for a `Copy` handle type wrapping a `StreamId`.
macro_rules! stream_methods {
    ($ty:ident) => {
        impl $ty {
            /// Starts listening; `on_connection` runs for every incoming connection (call
            /// [`accept`](Self::accept) inside it: a connection not accepted there is closed)
            /// or with an accept error (`EMFILE` when out of fds: see docs/networking.md).
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket; the `listen` error (`EADDRINUSE` …).
            #[track_caller]
            pub fn listen<S: 'static, R: CallbackResult>(
                self,
                lp: &mut Loop<S>,
                backlog: i32,
                mut on_connection: impl FnMut(&mut Loop<S>, &mut S, $ty, Result<()>) -> R + 'static,
            ) -> Result<()> {
                let f: stream::ConnFn<S> =
                    Box::new(move |lp, s, id, r| on_connection(lp, s, $ty(id), r).into_result());
                stream::listen_start(lp, self.0, backlog, Callback::new(f))
            }

            /// Stops taking connections off the listener's kernel backlog: the socket stays
            /// open and listening, so clients still connect (the kernel queues them, up to
            /// the backlog) and are not refused; [`resume_accept`](Self::resume_accept)
            /// takes them. Also stops within a batch, when called from `on_connection`.
            /// Pausing twice is a no-op.
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket, `EINVAL` if it is not listening.
            pub fn pause_accept<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
                stream::set_accept_paused(lp, self.0, true)
            }

            /// Takes connections again after [`pause_accept`](Self::pause_accept),
            /// starting with those queued in the backlog meanwhile.
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket, `EINVAL` if it is not listening.
            pub fn resume_accept<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
                stream::set_accept_paused(lp, self.0, false)
            }

            /// How many connections the listener takes per readiness event before it
            /// yields to other handles (default 128). 1 takes one at a time: listeners in
            /// several processes sharing one socket (cluster workers) then split a burst
            /// instead of one of them taking it all.
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket, `EINVAL` for 0.
            pub fn set_accept_batch<S: 'static>(self, lp: &mut Loop<S>, n: usize) -> Result<()> {
                stream::set_accept_batch(lp, self.0, n)
            }

            /// Takes the connection being reported to the connection callback (`EAGAIN`
            /// outside it).
            pub fn accept<S: 'static>(self, lp: &mut Loop<S>) -> Result<$ty> {
                Ok($ty(stream::accept(lp, self.0)?))
            }

            /// Sets the socket's one event callback (replacing any earlier one) and starts
            /// reading: [`StreamEvent::Data`] for each chunk (a slice of a loop-wide 64 KiB
            /// buffer, valid during the call), [`StreamEvent::End`] when the peer ends
            /// (reading stops; writing may go on: half-open), [`StreamEvent::Error`] (at
            /// most once: a read or write failure), [`StreamEvent::Drain`] when the write
            /// queue empties after a [`write`](Self::write) returned `false`,
            /// [`StreamEvent::Finish`] once [`end`](Self::end) or
            /// [`shutdown`](Self::shutdown) flushed everything and sent FIN, and
            /// [`StreamEvent::Close`] last, after the close callback.
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket, `EINVAL` for a listening one.
            #[track_caller]
            pub fn on_event<S: 'static, R: CallbackResult>(
                self,
                lp: &mut Loop<S>,
                mut cb: impl FnMut(&mut Loop<S>, &mut S, $ty, StreamEvent<'_>) -> R + 'static,
            ) -> Result<()> {
                let f: stream::EventCb<S> = Box::new(
                    move |lp: &mut Loop<S>,
                          s: &mut S,
                          id: stream::StreamId,
                          ev: StreamEvent<'_>| { cb(lp, s, $ty(id), ev).into_result() },
                );
                stream::set_on_event(lp, self.0, Callback::new(f))
            }

            /// Stops reading (data waits in the kernel; the peer is slowed by TCP's flow
            /// control). A no-op on a stale or closing socket.
            pub fn pause<S: 'static>(self, lp: &mut Loop<S>) {
                stream::pause(lp, self.0)
            }

            /// Reads again after [`pause`](Self::pause). A no-op on a stale or closing
            /// socket, and after `End` or a read error.
            pub fn resume<S: 'static>(self, lp: &mut Loop<S>) {
                stream::resume(lp, self.0)
            }

            /// Queues `data` (FIFO) and tries to write it at once. Returns Node's
            /// backpressure signal: `false` once the queued bytes reach the high-water mark
            /// (16 KiB by default): wait for [`StreamEvent::Drain`] before writing more. A
            /// write that fails later is reported as [`StreamEvent::Error`].
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket, `ENOTCONN` for a listener, `EPIPE`
            /// after [`shutdown`](Self::shutdown) / [`end`](Self::end).
            pub fn write<S: 'static>(
                self,
                lp: &mut Loop<S>,
                data: impl AsRef<[u8]> + 'static,
            ) -> Result<bool> {
                stream::write(lp, self.0, Box::new(data), None)
            }

            /// [`write`](Self::write) with a completion callback: `cb` runs exactly once,
            /// from the loop, when the data is all written, or with the error (`EPIPE`,
            /// `ECONNRESET`, `ECANCELED` on close). When this returns `Err`, `cb` is never
            /// called.
            #[track_caller]
            pub fn write_cb<S: 'static, R: CallbackResult>(
                self,
                lp: &mut Loop<S>,
                data: impl AsRef<[u8]> + 'static,
                cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
            ) -> Result<bool> {
                let f: DoneFn<S> = Box::new(move |lp, s, r| cb(lp, s, r).into_result());
                stream::write(lp, self.0, Box::new(data), Some(Callback::new(f)))
            }

            /// Writes what the socket takes now, without queueing: the count written, or
            /// `EAGAIN` if writes are queued or the socket buffer is full.
            pub fn try_write<S: 'static>(self, lp: &mut Loop<S>, data: &[u8]) -> Result<usize> {
                stream::try_write(lp, self.0, data)
            }

            /// Bytes queued and not yet written (`EBADF` for a stale or closing socket).
            pub fn write_queue_size<S: 'static>(self, lp: &Loop<S>) -> Result<usize> {
                Ok(stream::entry_ref(lp, self.0)?.queued)
            }

            /// Sets the high-water mark for [`write`](Self::write)'s return value.
            pub fn set_high_water_mark<S: 'static>(
                self,
                lp: &mut Loop<S>,
                bytes: usize,
            ) -> Result<()> {
                stream::entry(lp, self.0)?.hwm = bytes;
                Ok(())
            }

            /// Half-close: after the queued writes, sends FIN; reading continues. `cb` gets
            /// the outcome, exactly once (`ECANCELED` if the socket closes first); then
            /// [`StreamEvent::Finish`] is emitted.
            ///
            /// # Errors
            /// `EBADF` for a stale or closing socket, `ENOTCONN` for a listener, `EINVAL`
            /// if already shut down.
            #[track_caller]
            pub fn shutdown<S: 'static, R: CallbackResult>(
                self,
                lp: &mut Loop<S>,
                cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) -> R + 'static,
            ) -> Result<()> {
                let f: DoneFn<S> = Box::new(move |lp, s, r| cb(lp, s, r).into_result());
                stream::shutdown(lp, self.0, Some(Callback::new(f)))
            }

            /// Node's `end()`: [`shutdown`](Self::shutdown) without a callback (watch for
            /// [`StreamEvent::Finish`]).
            pub fn end<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
                stream::shutdown(lp, self.0, None)
            }

            /// Closes the socket now (its fd is released at once); queued writes, a pending
            /// connect or shutdown get `ECANCELED`, then the callback attached to the token
            /// runs in the loop's closing phase, then [`StreamEvent::Close`] is emitted.
            ///
            /// # Errors
            /// `EBADF` for a stale id, `EINVAL` if already closing.
            pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<CloseToken<'_, S>> {
                stream::close(lp, self.0, None)
            }

            /// Destroys the socket: as [`close`](Self::close), and with `Some(err)`,
            /// [`StreamEvent::Error`] before `Close` (unless an error was already
            /// emitted). A no-op on a stale or closing socket.
            pub fn destroy<S: 'static>(self, lp: &mut Loop<S>, err: Option<Error>) {
                let _ = stream::close(lp, self.0, err);
            }

            /// Whether `close` was called (or the id is stale).
            pub fn is_closing<S: 'static>(self, lp: &Loop<S>) -> bool {
                stream::entry_ref(lp, self.0).is_err()
            }

            /// Referenced (default) or not: an unreferenced socket does not keep the loop
            /// alive. A no-op on a stale id.
            pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) {
                lp.handle_set_ref::<stream::Entry<S>>(self.0 .0, on)
            }

            /// Whether the socket is referenced (`EBADF` for a stale id).
            pub fn has_ref<S: 'static>(self, lp: &Loop<S>) -> Result<bool> {
                Ok(lp.handle::<stream::Entry<S>>(self.0 .0)?.has_ref())
            }

            /// The socket's handle id (unique in the process, never reused).
            pub fn id(self) -> ruv_core::HandleId {
                self.0 .0
            }
        }

        impl<S: 'static> ruv_core::stream::Readable<S> for $ty {
            #[track_caller]
            fn set_on_event(self, lp: &mut Loop<S>, mut cb: EventFn<S, Self>) -> Result<()> {
                self.on_event(lp, move |lp, s, me, ev| cb(lp, s, me, ev))
            }

            fn pause(self, lp: &mut Loop<S>) {
                $ty::pause(self, lp)
            }

            fn resume(self, lp: &mut Loop<S>) {
                $ty::resume(self, lp)
            }

            fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
                $ty::destroy(self, lp, err)
            }
        }

        impl<S: 'static> ruv_core::stream::Writable<S> for $ty {
            #[track_caller]
            fn set_on_event(self, lp: &mut Loop<S>, mut cb: EventFn<S, Self>) -> Result<()> {
                self.on_event(lp, move |lp, s, me, ev| cb(lp, s, me, ev))
            }

            /// As [`write`]($ty::write), with Node's `ERR_STREAM_WRITE_AFTER_END` after
            /// `end`.
            fn write(self, lp: &mut Loop<S>, data: Vec<u8>) -> Result<bool> {
                let after_end = stream::entry(lp, self.0)?.shutdown_req;
                if after_end {
                    return Err(Error::new(Code::ERR_STREAM_WRITE_AFTER_END));
                }
                $ty::write(self, lp, data)
            }

            fn end(self, lp: &mut Loop<S>) -> Result<()> {
                $ty::end(self, lp)
            }

            fn destroy(self, lp: &mut Loop<S>, err: Option<Error>) {
                $ty::destroy(self, lp, err)
            }
        }
    };
}
pub(crate) use stream_methods;
