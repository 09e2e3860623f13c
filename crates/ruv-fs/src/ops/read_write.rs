//! `read`, `write`, `fsync` and `fdatasync` on a descriptor.

use super::fd_op;
use crate::flags::Fd;
use crate::sys;
use ruv_core::{Error, Loop, WorkReq};

/// Reads up to `buf.len()` bytes from `fd` into `buf` (Node's `fs.read`): at `position`
/// (`pread`, the file position is not moved) or, with `None`, at the current file position
/// (`read`, which advances it). `cb` gets `(bytes_read, buf)`; 0 bytes means end of file.
///
/// Errors: `EBADF: bad file descriptor, read`; `EISDIR: illegal operation on a directory,
/// read` for a directory's descriptor.
pub fn read<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    mut buf: Vec<u8>,
    position: Option<u64>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(usize, Vec<u8>), Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(
        lp,
        "read",
        fd,
        move |fd| sys::read_into(fd, &mut buf, position).map(|n| (n, buf)),
        cb,
    )
}

/// Writes `data` to `fd` (Node's `fs.write`): at `position` (`pwrite`) or, with `None`, at
/// the current position (`write`; with `O_APPEND`, at the end). One system call: like Node,
/// it may write less than all of `data`; `cb` gets `(bytes_written, data)`.
///
/// Errors: `EBADF: bad file descriptor, write`, `ENOSPC`, `EPIPE` ….
pub fn write<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    data: impl Into<Vec<u8>>,
    position: Option<u64>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(usize, Vec<u8>), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let data = data.into();
    fd_op(
        lp,
        "write",
        fd,
        move |fd| sys::write_once(fd, &data, position).map(|n| (n, data)),
        cb,
    )
}

/// Flushes a file's data and metadata to storage (Node's `fs.fsync`).
/// Errors: `EBADF: bad file descriptor, fsync`.
pub fn fsync<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(lp, "fsync", fd, sys::fsync, cb)
}

/// Flushes a file's data (and only the metadata needed to read it) to storage (Node's
/// `fs.fdatasync`). Errors: `EBADF: bad file descriptor, fdatasync`.
pub fn fdatasync<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(lp, "fdatasync", fd, sys::fdatasync, cb)
}
