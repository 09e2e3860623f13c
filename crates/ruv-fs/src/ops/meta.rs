//! A file's status and metadata: `stat`, `lstat`, `fstat`, `access`, `chmod`, `fchmod`,
//! `utimes`, `futimes`, `truncate`, `ftruncate`.

use super::{fd_op, path_op, submit};
use crate::error::{fd_err, CPath};
use crate::flags::{Fd, O_RDWR};
use crate::stats::Stats;
use crate::sys::{self, StatTarget, Times};
use ruv_core::{Error, Loop, WorkReq};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// File status, following symbolic links (Node's `fs.stat`).
/// Errors: `ENOENT: no such file or directory, stat 'nope'`, `ENOTDIR` ….
pub fn stat<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Stats, Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(
        lp,
        "stat",
        path.as_ref(),
        |p| sys::stat(StatTarget::Follow(p)),
        cb,
    )
}

/// File status of a symbolic link itself (Node's `fs.lstat`).
/// Errors: `ENOENT: no such file or directory, lstat 'nope'`.
pub fn lstat<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Stats, Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(
        lp,
        "lstat",
        path.as_ref(),
        |p| sys::stat(StatTarget::NoFollow(p)),
        cb,
    )
}

/// File status of an open descriptor (Node's `fs.fstat`).
/// Errors: `EBADF: bad file descriptor, fstat`.
pub fn fstat<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Stats, Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(lp, "fstat", fd, sys::fstat, cb)
}

/// Checks the caller's access to `path` (Node's `fs.access`): `mode` is [`F_OK`](crate::F_OK)
/// or an or of [`R_OK`](crate::R_OK), [`W_OK`](crate::W_OK), [`X_OK`](crate::X_OK).
/// Errors: `ENOENT: no such file or directory, access 'nope'`,
/// `EACCES: permission denied, access 'f'`.
pub fn access<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(
        lp,
        "access",
        path.as_ref(),
        move |p| sys::access(p, mode),
        cb,
    )
}

/// Changes permission bits (Node's `fs.chmod`).
/// Errors: `ENOENT: no such file or directory, chmod 'nope'`, `EPERM` (not the owner).
pub fn chmod<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(lp, "chmod", path.as_ref(), move |p| sys::chmod(p, mode), cb)
}

/// Changes permission bits of an open file (Node's `fs.fchmod`).
/// Errors: `EBADF: bad file descriptor, fchmod`.
pub fn fchmod<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(lp, "fchmod", fd, move |fd| sys::fchmod(fd, mode), cb)
}

/// `(seconds, nanoseconds)` since the epoch for a `SystemTime` (before the epoch too:
/// seconds negative, nanoseconds counted forward from them).
fn timespec(t: SystemTime) -> (i64, i64) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos() as i64),
        Err(before) => {
            let d = before.duration();
            let (s, n) = (d.as_secs() as i64, d.subsec_nanos() as i64);
            if n == 0 {
                (-s, 0)
            } else {
                (-s - 1, 1_000_000_000 - n)
            }
        }
    }
}

/// Sets access and modification times, following symbolic links (Node's `fs.utimes`).
/// Errors: `ENOENT: no such file or directory, utime 'nope'` (Node's syscall name).
pub fn utimes<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    atime: SystemTime,
    mtime: SystemTime,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let times: Times = [timespec(atime), timespec(mtime)];
    path_op(
        lp,
        "utime",
        path.as_ref(),
        move |p| sys::utimens(p, &times),
        cb,
    )
}

/// Sets access and modification times of an open file (Node's `fs.futimes`).
/// Errors: `EBADF: bad file descriptor, futime`.
pub fn futimes<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    atime: SystemTime,
    mtime: SystemTime,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let times: Times = [timespec(atime), timespec(mtime)];
    fd_op(lp, "futime", fd, move |fd| sys::futimens(fd, &times), cb)
}

/// Truncates (or extends with zeros) the file at `path` to `len` bytes (Node's `fs.truncate`:
/// it opens the file `"r+"`, so a failure to open reports `open`).
/// Errors: `ENOENT: no such file or directory, open 'nope'`,
/// `EISDIR: illegal operation on a directory, open 'd'`.
pub fn truncate<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    len: u64,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    let work = move || {
        let fd = sys::open_owned(p.as_c_str(), O_RDWR, 0).map_err(|e| p.err(e, "open"))?;
        let r = sys::ftruncate(&fd, len).map_err(|e| fd_err(e, "ftruncate"));
        let closed = sys::close_owned(fd).map_err(|e| fd_err(e, "close"));
        r.and(closed)
    };
    submit(lp, "ftruncate", work, cb)
}

/// Truncates (or extends) an open file to `len` bytes (Node's `fs.ftruncate`).
/// Errors: `EBADF: bad file descriptor, ftruncate`, `EINVAL` (not open for writing).
pub fn ftruncate<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    len: u64,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    fd_op(lp, "ftruncate", fd, move |fd| sys::ftruncate(fd, len), cb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timespec_before_and_after_the_epoch() {
        assert_eq!(timespec(UNIX_EPOCH + Duration::new(5, 7)), (5, 7));
        assert_eq!(timespec(UNIX_EPOCH - Duration::from_secs(2)), (-2, 0));
        assert_eq!(
            timespec(UNIX_EPOCH - Duration::from_millis(1500)),
            (-2, 500_000_000)
        );
    }
}
