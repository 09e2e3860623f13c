//! `open` and `close`.

use super::{fd_op, path_op};
use crate::flags::{Fd, IntoOpenFlags};
use crate::sys;
use rustix::fd::IntoRawFd;
use ruv_core::{Error, Loop, WorkReq};
use std::path::Path;

/// Opens `path` (Node's `fs.open`). `flags` is a Node flag string (`"r"`, `"w"`, `"a+"`,
/// `"wx"` …), an [`OpenFlags`](crate::OpenFlags) or raw `O_*` bits; `mode` applies when the
/// file is created (Node's default is `0o666`, before the umask).
///
/// The [`Fd`] passed to `cb` belongs to the caller, who closes it with [`close`].
///
/// # Errors
/// Synchronously: `ERR_INVALID_ARG_VALUE` for an unknown flag string or a path with a NUL byte,
/// or the pool's start-up error. In the callback: the OS error, e.g.
/// `ENOENT: no such file or directory, open '/nope'`, `EEXIST: file already exists, open 'f'`
/// (`"wx"`), `EISDIR: illegal operation on a directory, open 'd'` (a directory for writing).
pub fn open<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    flags: impl IntoOpenFlags,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Fd, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let flags = flags.into_open_flags()?.bits();
    path_op(
        lp,
        "open",
        path.as_ref(),
        move |p| sys::open_owned(p, flags, mode).map(|fd| Fd::from_raw(fd.into_raw_fd())),
        cb,
    )
}

/// Closes `fd` (Node's `fs.close`). Errors: `EBADF: bad file descriptor, close`.
pub fn close<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(lp, "close", fd, |fd| sys::close(fd.raw()), cb)
}
