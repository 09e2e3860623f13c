//! `copyFile`.

use super::two_path_op;
use crate::flags::{
    COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, O_CREAT, O_EXCL, O_RDONLY, O_WRONLY,
};
use crate::stats::Stats;
use crate::sys::{self, Errno};
use rustix::fd::{AsFd, OwnedFd};
use ruv_core::{Error, Loop, WorkReq};
use std::ffi::CStr;
use std::path::Path;

/// Copies the file `src` to `dest` (Node's `fs.copyFile`), with its permission bits. `mode`:
/// 0 or an or of [`COPYFILE_EXCL`] (fail if `dest` exists), [`COPYFILE_FICLONE`] (clone
/// copy-on-write where possible) and [`COPYFILE_FICLONE_FORCE`] (clone or fail). Copying a file
/// onto itself does nothing.
///
/// Errors name both paths: `ENOENT: no such file or directory, copyfile 'nope' -> 'x'`,
/// `EEXIST: file already exists, copyfile 'f' -> 'g'`,
/// `EISDIR: illegal operation on a directory, copyfile 'd' -> 'x'`.
pub fn copy_file<S: 'static>(
    lp: &mut Loop<S>,
    src: impl AsRef<Path>,
    dest: impl AsRef<Path>,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let (a, b) = ((src.as_ref(), "src"), (dest.as_ref(), "dest"));
    two_path_op(lp, "copyfile", a, b, move |a, b| copy_sync(a, b, mode), cb)
}

/// Opens both files and copies; both are closed on every path (the source by drop, the
/// destination explicitly, so its `close` error is reported).
fn copy_sync(src: &CStr, dest: &CStr, mode: u32) -> Result<(), Errno> {
    let sfd = sys::open_owned(src, O_RDONLY, 0)?;
    let st = sys::fstat(&sfd)?;
    if st.is_directory() {
        return Err(Errno::ISDIR);
    }
    let mut flags = O_WRONLY | O_CREAT;
    if mode & COPYFILE_EXCL != 0 {
        flags |= O_EXCL;
    }
    let dfd = sys::open_owned(dest, flags, st.permissions())?;
    let r = copy_into(&sfd, &dfd, &st, mode);
    let closed = sys::close_owned(dfd);
    r.and(closed)
}

fn copy_into(sfd: &OwnedFd, dfd: &OwnedFd, st: &Stats, mode: u32) -> Result<(), Errno> {
    let dst = sys::fstat(dfd)?;
    if dst.dev == st.dev && dst.ino == st.ino {
        return Ok(()); // the same file: truncating it would lose the data
    }
    // Truncate only now (not with O_TRUNC at open), for the same reason.
    sys::ftruncate(dfd, 0)?;
    sys::fchmod(dfd, st.permissions())?;
    if mode & (COPYFILE_FICLONE | COPYFILE_FICLONE_FORCE) != 0 {
        match sys::ficlone(dfd, sfd) {
            Ok(()) => return Ok(()),
            Err(e) if mode & COPYFILE_FICLONE_FORCE != 0 => return Err(e),
            Err(_) => {}
        }
    }
    sys::copy_data(sfd.as_fd(), dfd.as_fd(), st.size)
}
