//! The methods every stream handle type shares, generated for each.

/// Generates listen/accept, reading, writing, shutdown, close and ref methods for a
/// `Copy` handle type wrapping a `StreamId`.
macro_rules! stream_methods {
    ($ty:ident) => {
        impl $ty {
            /// Starts listening; `on_connection` runs for every incoming connection (call
            /// [`accept`](Self::accept) inside it: a connection not accepted there is closed) or
            /// with an accept error (`EMFILE` when out of fds: see docs/networking.md).
            pub fn listen<S: 'static>(
                self,
                lp: &mut Loop<S>,
                backlog: i32,
                mut on_connection: impl FnMut(&mut Loop<S>, &mut S, $ty, Result<()>) + 'static,
            ) -> Result<()> {
                stream::listen_start(
                    lp,
                    self.0,
                    backlog,
                    Box::new(move |lp, s, id, r| on_connection(lp, s, $ty(id), r)),
                )
            }

            /// Takes the connection being reported to the connection callback (`EAGAIN` outside it).
            pub fn accept<S: 'static>(self, lp: &mut Loop<S>) -> Result<$ty> {
                Ok($ty(stream::accept(lp, self.0)?))
            }

            /// Starts reading: `on_read` gets each chunk (a slice of a loop-wide 64 KiB buffer,
            /// valid during the call), then `Err(EOF)` at the end, or `Err(ECONNRESET)` etc. Reading
            /// stops by itself after EOF or an error.
            pub fn read_start<S: 'static>(
                self,
                lp: &mut Loop<S>,
                mut on_read: impl FnMut(&mut Loop<S>, &mut S, $ty, Result<&[u8]>) + 'static,
            ) -> Result<()> {
                stream::read_start(
                    lp,
                    self.0,
                    Box::new(move |lp, s, id, r| on_read(lp, s, $ty(id), r)),
                )
            }

            /// Stops reading (data waits in the kernel; the peer is slowed by TCP's flow control).
            pub fn read_stop<S: 'static>(self, lp: &mut Loop<S>) -> Result<()> {
                stream::read_stop(lp, self.0)
            }

            /// Queues `data` (FIFO) and tries to write it at once; `cb` runs from the loop once it
            /// is all written, or with the error (`EPIPE`, `ECONNRESET`, `ECANCELED` on close).
            ///
            /// Returns Node's backpressure signal: `false` once the queued bytes reach the
            /// high-water mark (16 KiB by default): wait for the drain callback before writing
            /// more. `EPIPE` (and `cb` is not called) after [`shutdown`](Self::shutdown).
            pub fn write<S: 'static>(
                self,
                lp: &mut Loop<S>,
                data: impl AsRef<[u8]> + 'static,
                cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
            ) -> Result<bool> {
                stream::write(lp, self.0, Box::new(data), Some(Box::new(cb)))
            }

            /// [`write`](Self::write) without a completion callback.
            pub fn write_nocb<S: 'static>(
                self,
                lp: &mut Loop<S>,
                data: impl AsRef<[u8]> + 'static,
            ) -> Result<bool> {
                stream::write(lp, self.0, Box::new(data), None)
            }

            /// Writes what the socket takes now, without queueing: the count written, or `EAGAIN`
            /// if writes are queued or the socket buffer is full.
            pub fn try_write<S: 'static>(self, lp: &mut Loop<S>, data: &[u8]) -> Result<usize> {
                stream::try_write(lp, self.0, data)
            }

            /// Bytes queued and not yet written.
            pub fn write_queue_size<S: 'static>(self, lp: &mut Loop<S>) -> Result<usize> {
                stream::write_queue_size(lp, self.0)
            }

            /// Sets the high-water mark for [`write`](Self::write)'s return value.
            pub fn set_high_water_mark<S: 'static>(
                self,
                lp: &mut Loop<S>,
                bytes: usize,
            ) -> Result<()> {
                stream::set_high_water_mark(lp, self.0, bytes)
            }

            /// Node's `'drain'`: `cb` runs (deferred) when the queue empties after a write returned
            /// `false`.
            pub fn on_drain<S: 'static>(
                self,
                lp: &mut Loop<S>,
                mut cb: impl FnMut(&mut Loop<S>, &mut S, $ty) + 'static,
            ) -> Result<()> {
                stream::set_on_drain(
                    lp,
                    self.0,
                    Some(Box::new(move |lp, s, id| cb(lp, s, $ty(id)))),
                )
            }

            /// Half-close: after the queued writes, sends FIN; reading continues. `cb` gets the
            /// outcome (ECANCELED if the socket closes first).
            pub fn shutdown<S: 'static>(
                self,
                lp: &mut Loop<S>,
                cb: impl FnOnce(&mut Loop<S>, &mut S, Result<()>) + 'static,
            ) -> Result<()> {
                stream::shutdown(lp, self.0, Box::new(cb))
            }

            /// Closes the socket now (its fd is released at once); queued writes, a pending connect
            /// or shutdown get `ECANCELED`, then `cb` runs in the loop's closing phase.
            pub fn close<S: 'static>(self, lp: &mut Loop<S>) -> Result<$crate::CloseToken<'_, S>> {
                stream::close(lp, self.0, None)?;
                Ok($crate::CloseToken {
                    lp,
                    set: stream::set_user_close::<S>,
                    index: self.0.index,
                    gen: self.0.gen as u64,
                })
            }

            /// Whether `close` was called (or the id is stale).
            pub fn is_closing<S: 'static>(self, lp: &mut Loop<S>) -> bool {
                stream::is_closing(lp, self.0)
            }

            /// Referenced (default) or not: an unreferenced socket does not keep the loop alive.
            pub fn set_ref<S: 'static>(self, lp: &mut Loop<S>, on: bool) -> Result<()> {
                stream::set_ref(lp, self.0, on)
            }
        }
    };
}
pub(crate) use stream_methods;
