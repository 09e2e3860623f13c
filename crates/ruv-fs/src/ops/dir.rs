//! `readdir` (the whole directory at once; [`crate::Dir`] reads it entry by entry).

use super::submit;
use crate::error::CPath;
use crate::stats::{Dirent, FileType};
use crate::sys::io_errno;
use ruv_core::{Error, Loop, WorkReq};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Lists a directory with each entry's type (Node's `fs.readdir` with `withFileTypes: true`),
/// without `.` and `..`, sorted by name bytes (libuv's scandir sorts the same way).
/// Errors: `ENOENT: no such file or directory, scandir 'nope'`,
/// `ENOTDIR: not a directory, scandir 'f'`.
pub fn readdir<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<Dirent>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    submit(lp, "scandir", move || scandir(&p), cb)
}

/// Reads the directory through `std::fs::read_dir` (safe, and it finds an entry's type with
/// `lstat` where the file system does not say).
fn scandir(p: &CPath) -> Result<Vec<Dirent>, Error> {
    let err = |e: std::io::Error| p.err(io_errno(&e), "scandir");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(p.as_path()).map_err(err)? {
        let entry = entry.map_err(err)?;
        let file_type = match entry.file_type() {
            Ok(t) => FileType::from_std(t),
            // removed between readdir and the lstat std makes when d_type is unknown
            Err(_) => FileType::Unknown,
        };
        out.push(Dirent {
            name: entry.file_name(),
            file_type,
        });
    }
    out.sort_unstable_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok(out)
}
