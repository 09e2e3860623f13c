//! The callback API: one function per Node `fs` call, each one pool job (`WorkClass::FastIo`)
//! whose result reaches the callback on the loop thread.
//!
//! The calls come in a few shapes, each with one helper here, so a call is its arguments and
//! its system call:
//!
//! * [`path_op`]: one path; an OS error names it (`ENOENT: …, stat 'nope'`).
//! * [`fd_op`]: a descriptor; an OS error has no path (`EBADF: …, fstat`).
//! * [`two_path_op`]: two paths; an OS error names both (`ENOENT: …, rename 'a' -> 'b'`).
//! * [`submit`]: anything else (the job makes its own error); the others are built on it.
//!
//! Whole files are chains of jobs (`whole_file.rs`). The families: `open_close.rs`,
//! `read_write.rs` (read, write, fsync), `meta.rs` (stat, access, chmod, utimes, truncate),
//! `paths.rs` (mkdir, rm, rename, links, mkdtemp …), `copy.rs`, `dir.rs` (readdir),
//! `whole_file.rs` (readFile, writeFile, appendFile).

mod copy;
mod dir;
mod meta;
mod open_close;
mod paths;
mod read_write;
mod whole_file;

pub use copy::copy_file;
pub use dir::readdir;
pub use meta::{access, chmod, fchmod, fstat, ftruncate, futimes, lstat, stat, truncate, utimes};
pub use open_close::{close, open};
pub use paths::{
    link, mkdir, mkdtemp, readlink, realpath, rename, rm, rmdir, symlink, unlink, MkdirOptions,
    RmOptions,
};
pub use read_write::{fdatasync, fsync, read, write};
pub use whole_file::{append_file, read_file, write_file, FILE_CHUNK};

use crate::error::{fd_err, two_path_err, CPath};
use crate::flags::Fd;
use crate::sys::Errno;
use ruv_core::{Error, Loop, WorkReq};
use ruv_pool::WorkClass;
use std::ffi::CStr;
use std::path::Path;

/// Queues `work` as a `FastIo` pool job and hands its result to `cb`. A request that never ran
/// (cancelled: `ECANCELED`) or whose job panicked (`EPANIC`) is reported under the name of the
/// fs call, e.g. `ECANCELED: operation canceled, stat`.
///
/// If the job cannot be queued (the pool's start-up error), the error is returned and `cb`
/// is dropped uncalled: a public call returns it to its caller, who gets no callback then
/// (Node throws such errors synchronously); a chain of jobs reports it to its own callback.
pub(crate) fn submit<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    syscall: &'static str,
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<T, Error>) + 'static,
) -> Result<WorkReq, Error> {
    #[cfg(test)]
    if let Some(e) = test_hooks::injected_failure() {
        return Err(e);
    }
    lp.queue_work(WorkClass::FastIo, work, move |lp, s, res| {
        let res = match res {
            Ok(r) => r,
            Err(e) => Err(e.with_syscall(syscall)),
        };
        cb(lp, s, res)
    })
}

/// A call on one path (Node's argument `path`): `work` gets it NUL-terminated, and its OS
/// error reads `CODE: description, syscall 'path'`.
pub(crate) fn path_op<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    syscall: &'static str,
    path: &Path,
    work: impl FnOnce(&CStr) -> Result<T, Errno> + Send + 'static,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<T, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path, "path")?;
    submit(
        lp,
        syscall,
        move || work(p.as_c_str()).map_err(|e| p.err(e, syscall)),
        cb,
    )
}

/// A call on a descriptor: its OS error reads `CODE: description, syscall`, with no path, as
/// Node's.
pub(crate) fn fd_op<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    syscall: &'static str,
    fd: Fd,
    work: impl FnOnce(Fd) -> Result<T, Errno> + Send + 'static,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<T, Error>) + 'static,
) -> Result<WorkReq, Error> {
    submit(
        lp,
        syscall,
        move || work(fd).map_err(|e| fd_err(e, syscall)),
        cb,
    )
}

/// A call on two paths, each given with Node's argument name (for the NUL-byte error): its OS
/// error reads `CODE: description, syscall 'a' -> 'b'`.
pub(crate) fn two_path_op<S: 'static, T: Send + 'static>(
    lp: &mut Loop<S>,
    syscall: &'static str,
    (a, a_arg): (&Path, &'static str),
    (b, b_arg): (&Path, &'static str),
    work: impl FnOnce(&CStr, &CStr) -> Result<T, Errno> + Send + 'static,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<T, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let a = CPath::new(a, a_arg)?;
    let b = CPath::new(b, b_arg)?;
    submit(
        lp,
        syscall,
        move || {
            work(a.as_c_str(), b.as_c_str())
                .map_err(|e| two_path_err(e, syscall, a.as_path(), b.as_path()))
        },
        cb,
    )
}

/// Unit tests make [`submit`] fail on demand, to show that no callback is lost when a job of
/// a chain cannot be queued (which ruv-core cannot be made to do once its pool runs).
#[cfg(test)]
pub(crate) mod test_hooks {
    use ruv_core::{Code, Error};
    use std::cell::Cell;

    thread_local! {
        /// `Some(n)`: let `n` more submissions through, then fail the next one.
        static FAIL_AFTER: Cell<Option<u32>> = const { Cell::new(None) };
    }

    /// Makes the submission after the next `n` on this thread fail with
    /// [`injected_error`].
    pub(crate) fn fail_submit_after(n: u32) {
        FAIL_AFTER.with(|c| c.set(Some(n)));
    }

    /// The error an injected failure returns.
    pub(crate) fn injected_error() -> Error {
        Error::op(Code::EAGAIN, "pool_start").with_detail("injected by a test")
    }

    pub(super) fn injected_failure() -> Option<Error> {
        FAIL_AFTER.with(|c| match c.get() {
            Some(0) => {
                c.set(None);
                Some(injected_error())
            }
            Some(n) => {
                c.set(Some(n - 1));
                None
            }
            None => None,
        })
    }
}
