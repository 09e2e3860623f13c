//! Read and write streams: data moved in chunks, one pool job per chunk, with backpressure.
//!
//! # Design
//!
//! A stream is a handle on ruv-core's one handle model (`docs/architecture.md`): a `Copy` id
//! ([`ReadStream`](crate::ReadStream), [`WriteStream`](crate::WriteStream)) wrapping a
//! [`HandleId`](ruv_core::HandleId) into the loop's registry of the stream type
//! (`lp.handles::<Read<S>>()`), with no generation counter of its own. The handle holds the
//! stream's state (descriptor, position, buffered chunks, flags) and its callbacks: the one
//! event callback ([`StreamEvent`](ruv_core::stream::StreamEvent)s, called only through
//! [`Loop::dispatch_handle`](ruv_core::Loop::dispatch_handle), kinds `fs.read.data`,
//! `fs.write.drain` …) and the optional `open` callback. The handle is active while a job of
//! it is in flight.
//!
//! A pool job never touches the handle: it gets the descriptor, a position and a length (or
//! the chunks to write) by value and returns its result; the job's completion runs on the
//! loop thread, finds the handle by id, updates it and emits what is due. At most one job per
//! stream is in flight (open, one read or write, or close), so a descriptor is never closed
//! under a running read or write.
//!
//! Every event is emitted with the stream's state already updated and its next step queued
//! (the close begun before `End`, `Finish` or `Error`; a deferred "flow" queued before
//! `Data`), so a callback that returns an error (it unwinds to `Loop::run`) or panics leaves
//! the stream consistent, and the next `run` goes on where it stopped. After the descriptor
//! is closed, [`Loop::close_handle`](ruv_core::Loop::close_handle) frees the handle in the
//! closing phase and `Close` comes last.

pub(crate) mod options;
pub(crate) mod read;
pub(crate) mod write;

use ruv_core::{Code, Error, Loop, WorkClass, WorkReq};

/// `EBADF`: the id names no stream (it closed).
fn stale(op: &'static str) -> Error {
    Error::op(Code::EBADF, op).with_detail("stream is closed")
}

/// Node's `ERR_STREAM_DESTROYED` ("Cannot call write after a stream was destroyed").
fn destroyed(op: &str) -> Error {
    Error::new(Code::ERR_STREAM_DESTROYED)
        .with_detail(format!("Cannot call {op} after a stream was destroyed"))
}

/// Queues a stream's job as a `FastIo` pool job and hands its result to `cb`. A job that
/// never ran (cancelled: `ECANCELED`) or panicked (`EPANIC`) is reported under the name of
/// its syscall, e.g. `ECANCELED: operation canceled, read`.
/// Opens a stream's file on the pool (`open(path, flags, mode)`), with Node's error text.
fn open_job<S: 'static>(
    lp: &mut Loop<S>,
    path: crate::error::CPath,
    flags: i32,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<crate::flags::Fd, Error>) + 'static,
) -> Result<WorkReq, Error> {
    job(
        lp,
        "open",
        move || {
            crate::sys::open(&path, flags, mode)
                .map(crate::flags::Fd::from_raw)
                .map_err(|e| path.err(e, "open"))
        },
        cb,
    )
}

fn job<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    syscall: &'static str,
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<T, Error>) + 'static,
) -> Result<WorkReq, Error> {
    lp.queue_work(WorkClass::FastIo, work, move |lp, s, res| {
        let res = match res {
            Ok(r) => r,
            Err(e) => Err(e.with_syscall(syscall)),
        };
        cb(lp, s, res)
    })
}
