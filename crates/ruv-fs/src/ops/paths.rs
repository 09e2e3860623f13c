//! Calls on names in the file tree: `mkdir`, `rmdir`, `rm`, `unlink`, `rename`, `symlink`,
//! `link`, `readlink`, `realpath`, `mkdtemp`.

use super::{path_op, submit, two_path_op};
use crate::error::{code, CPath};
use crate::sys::{self, io_errno, Errno, StatTarget};
use ruv_core::{Error, Loop, WorkReq};
use std::path::{Path, PathBuf};

/// Options of [`mkdir`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MkdirOptions {
    /// Create missing parents too, and succeed if the directory exists (`mkdir -p`).
    pub recursive: bool,
    /// Permission bits for new directories, before the umask (default `0o777`).
    pub mode: u32,
}

impl Default for MkdirOptions {
    fn default() -> Self {
        MkdirOptions {
            recursive: false,
            mode: 0o777,
        }
    }
}

impl MkdirOptions {
    /// `{ recursive: true, mode: 0o777 }`.
    pub fn recursive() -> Self {
        MkdirOptions {
            recursive: true,
            ..Default::default()
        }
    }
}

/// Creates a directory (Node's `fs.mkdir`). Without `recursive`, `cb` gets `Ok(None)`; with
/// it, `Ok(Some(first))` where `first` is the first (outermost) directory it created, or
/// `Ok(None)` if the directory already existed — as Node.
///
/// Errors: `EEXIST: file already exists, mkdir 'd'` (exists; recursive: exists and is not a
/// directory), `ENOENT` (a parent is missing, not recursive), `ENOTDIR: not a directory,
/// mkdir 'f/x/y'` (a parent is a file). The path in the message is always the one asked for.
pub fn mkdir<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    options: MkdirOptions,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Option<PathBuf>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    if !options.recursive {
        let work = move |p: &_| sys::mkdir(p, options.mode).map(|()| None);
        return path_op(lp, "mkdir", path.as_ref(), work, cb);
    }
    let p = CPath::new(path.as_ref(), "path")?;
    submit(lp, "mkdir", move || mkdirp(&p, options.mode), cb)
}

/// `mkdir -p`: returns the first directory created, if any. Errors name the path asked for.
fn mkdirp(p: &CPath, mode: u32) -> Result<Option<PathBuf>, Error> {
    let full = p.as_path();
    // Walk up until a mkdir succeeds or finds an existing directory; remember the way down.
    let mut missing: Vec<&Path> = Vec::new();
    let mut cur = full;
    let mut first = None;
    loop {
        match sys::mkdir(cur, mode) {
            Ok(()) => {
                first = Some(cur.to_path_buf());
                break;
            }
            Err(Errno::EXIST) => {
                if sys::is_dir(cur) {
                    break;
                }
                let e = if cur == full {
                    Errno::EXIST
                } else {
                    Errno::NOTDIR
                };
                return Err(p.err(e, "mkdir"));
            }
            Err(Errno::NOENT) => match cur.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => {
                    missing.push(cur);
                    cur = parent;
                }
                _ => return Err(p.err(Errno::NOENT, "mkdir")),
            },
            Err(e) => return Err(p.err(e, "mkdir")),
        }
    }
    for dir in missing.into_iter().rev() {
        match sys::mkdir(dir, mode) {
            Ok(()) => {
                first.get_or_insert_with(|| dir.to_path_buf());
            }
            // made meanwhile by someone else: fine if it is a directory
            Err(Errno::EXIST) if sys::is_dir(dir) => {}
            Err(e) => return Err(p.err(e, "mkdir")),
        }
    }
    Ok(first)
}

/// Removes an empty directory (Node's `fs.rmdir`).
/// Errors: `ENOTEMPTY: directory not empty, rmdir 'd'`, `ENOTDIR: not a directory, rmdir 'f'`,
/// `ENOENT`.
pub fn rmdir<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(lp, "rmdir", path.as_ref(), sys::rmdir, cb)
}

/// Options of [`rm`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RmOptions {
    /// Remove directories and their contents (`rm -r`).
    pub recursive: bool,
    /// A missing path is not an error (`rm -f`).
    pub force: bool,
}

/// Removes a file, a symbolic link or (with `recursive`) a directory tree (Node's `fs.rm`).
///
/// Errors: `ENOENT: no such file or directory, lstat 'nope'` (without `force`); a directory
/// without `recursive` is Node's `ERR_FS_EISDIR: Path is a directory: rm returned EISDIR (is
/// a directory) d`.
pub fn rm<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    options: RmOptions,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    submit(lp, "rm", move || rm_sync(&p, options), cb)
}

fn rm_sync(p: &CPath, options: RmOptions) -> Result<(), Error> {
    let st = match sys::stat(StatTarget::NoFollow(p.as_c_str())) {
        Ok(st) => st,
        Err(Errno::NOENT) if options.force => return Ok(()),
        Err(e) => return Err(p.err(e, "lstat")),
    };
    if !st.is_directory() {
        return match sys::unlink(p.as_c_str()) {
            Err(Errno::NOENT) if options.force => Ok(()),
            r => r.map_err(|e| p.err(e, "unlink")),
        };
    }
    if !options.recursive {
        return Err(Error::new(crate::codes::ERR_FS_EISDIR).with_detail(format!(
            "Path is a directory: rm returned EISDIR (is a directory) {}",
            p.as_path().display()
        )));
    }
    match std::fs::remove_dir_all(p.as_path()) {
        Ok(()) => Ok(()),
        Err(e) if options.force && e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(p.err(io_errno(&e), "rm")),
    }
}

/// Removes a file or symbolic link (Node's `fs.unlink`).
/// Errors: `ENOENT: no such file or directory, unlink 'nope'`,
/// `EISDIR: illegal operation on a directory, unlink 'd'`.
pub fn unlink<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(lp, "unlink", path.as_ref(), sys::unlink, cb)
}

/// Renames `from` to `to`, replacing `to` (Node's `fs.rename`).
/// Errors: `ENOENT: no such file or directory, rename 'nope' -> 'x'`,
/// `ENOTEMPTY: directory not empty, rename 'a' -> 'b'`, `EXDEV` ….
pub fn rename<S: 'static>(
    lp: &mut Loop<S>,
    from: impl AsRef<Path>,
    to: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let (a, b) = ((from.as_ref(), "oldPath"), (to.as_ref(), "newPath"));
    two_path_op(lp, "rename", a, b, sys::rename, cb)
}

/// Creates a symbolic link at `path` pointing to `target` (Node's `fs.symlink`; `target` is
/// stored as given, relative targets are relative to the link's directory).
/// Errors: `EEXIST: file already exists, symlink 'target' -> 'path'`.
pub fn symlink<S: 'static>(
    lp: &mut Loop<S>,
    target: impl AsRef<Path>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let (t, p) = ((target.as_ref(), "target"), (path.as_ref(), "path"));
    two_path_op(lp, "symlink", t, p, sys::symlink, cb)
}

/// Hard link `existing` → `new_path` (Node's `fs.link`).
/// Errors: `EEXIST: file already exists, link 'a' -> 'b'`, `ENOENT`.
pub fn link<S: 'static>(
    lp: &mut Loop<S>,
    existing: impl AsRef<Path>,
    new_path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let (a, b) = (
        (existing.as_ref(), "existingPath"),
        (new_path.as_ref(), "newPath"),
    );
    two_path_op(lp, "link", a, b, sys::link, cb)
}

/// The target of a symbolic link (Node's `fs.readlink`).
/// Errors: `EINVAL: invalid argument, readlink 'f'` (not a link), `ENOENT`.
pub fn readlink<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<PathBuf, Error>) + 'static,
) -> Result<WorkReq, Error> {
    path_op(lp, "readlink", path.as_ref(), sys::readlink, cb)
}

/// The canonical absolute path, with every symbolic link, `.` and `..` resolved (Node's
/// `fs.realpath.native`, i.e. `realpath(3)`).
/// Errors: `ENOENT: no such file or directory, realpath 'nope'`. (Node's JavaScript
/// `fs.realpath` reports `lstat` with the absolute path instead.)
pub fn realpath<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<PathBuf, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let work = |p: &_| std::fs::canonicalize(as_path(p)).map_err(|e| io_errno(&e));
    path_op(lp, "realpath", path.as_ref(), work, cb)
}

fn as_path(p: &std::ffi::CStr) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(p.to_bytes()))
}

/// Creates a unique directory named `prefix` followed by six random characters (Node's
/// `fs.mkdtemp`; mode `0o700`) and passes its path.
/// Errors: `ENOENT: no such file or directory, mkdtemp 'nope/x-bLlUUk'` (the name tried).
pub fn mkdtemp<S: 'static>(
    lp: &mut Loop<S>,
    prefix: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<PathBuf, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(prefix.as_ref(), "prefix")?;
    let work = move || match sys::mkdtemp(p.as_path().as_os_str()) {
        (path, Ok(())) => Ok(path),
        (path, Err(e)) => Err(Error::op(code(e), "mkdtemp").with_path(path)),
    };
    submit(lp, "mkdtemp", work, cb)
}
