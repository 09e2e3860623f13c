//! The callback API: one function per Node `fs` call, each one pool job (`WorkClass::FastIo`)
//! whose result reaches the callback on the loop thread.

use crate::error::{fd_err, two_path, two_path_err, CPath};
use crate::flags::{Fd, IntoOpenFlags, COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE};
use crate::stats::{Dirent, FileType, Stats};
use crate::sys::{self, Errno, StatTarget};
use ruv_core::{Code, Error, Loop, WorkReq};
use ruv_pool::WorkClass;
use std::ffi::{CString, OsStr};
use std::os::fd::RawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// How much `read_file`, `write_file` and `append_file` move per pool job: a large file takes
/// several jobs, so it never holds a worker for long (Node reads files in 512 KiB pieces too).
pub const FILE_CHUNK: usize = 512 * 1024;

/// Queues `work` as a `FastIo` pool job and hands its result to `cb`. A request that never ran
/// (cancelled: `ECANCELED`) or whose job panicked (`EPANIC`) is reported under the name of the
/// fs call, e.g. `ECANCELED: operation canceled, stat`.
pub(crate) fn submit<S: 'static, T: Send + 'static>(
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
    let flags = flags.into_open_flags()?;
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "open",
        move || {
            sys::open(&p, flags.bits(), mode)
                .map(Fd::from_raw)
                .map_err(|e| p.err(e, "open"))
        },
        cb,
    )
}

/// Closes `fd` (Node's `fs.close`). Errors: `EBADF: bad file descriptor, close`.
pub fn close<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    submit(
        lp,
        "close",
        move || sys::close(fd.raw()).map_err(|e| fd_err(e, "close")),
        cb,
    )
}

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
    submit(
        lp,
        "read",
        move || match sys::read_into(fd.raw(), &mut buf, position) {
            Ok(n) => Ok((n, buf)),
            Err(e) => Err(fd_err(e, "read")),
        },
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
    submit(
        lp,
        "write",
        move || match sys::write_once(fd.raw(), &data, position) {
            Ok(n) => Ok((n, data)),
            Err(e) => Err(fd_err(e, "write")),
        },
        cb,
    )
}

/// A file being read by [`read_file`], between pool jobs.
struct FileRead {
    fd: RawFd,
    buf: Vec<u8>,
    /// The size `fstat` reported (0: unknown, read until end of file, as for `/proc` files).
    size: u64,
    done: bool,
}

impl FileRead {
    fn start(p: CPath) -> Result<FileRead, Error> {
        let fd = sys::open(&p, libc::O_RDONLY, 0).map_err(|e| p.err(e, "open"))?;
        let size = match sys::stat(StatTarget::Fd(fd)) {
            Ok(st) if st.is_file() => st.size,
            Ok(_) => 0,
            Err(e) => {
                let _ = sys::close(fd);
                return Err(fd_err(e, "fstat"));
            }
        };
        let cap = usize::try_from(size)
            .unwrap_or(usize::MAX)
            .min(isize::MAX as usize);
        let mut buf = Vec::new();
        if buf.try_reserve_exact(cap).is_err() {
            let _ = sys::close(fd);
            return Err(Error::op(Code::ENOMEM, "read"));
        }
        FileRead {
            fd,
            buf,
            size,
            done: false,
        }
        .step()
    }

    /// Reads one chunk; closes the file when it is all read (or on error).
    fn step(mut self) -> Result<FileRead, Error> {
        let left = if self.size > 0 {
            (self.size - (self.buf.len() as u64).min(self.size)).min(FILE_CHUNK as u64) as usize
        } else {
            FILE_CHUNK
        };
        let n = if left == 0 {
            0
        } else {
            match sys::read_append(self.fd, &mut self.buf, left, None) {
                Ok(n) => n,
                Err(e) => {
                    let _ = sys::close(self.fd);
                    return Err(fd_err(e, "read"));
                }
            }
        };
        if n == 0 || (self.size > 0 && self.buf.len() as u64 >= self.size) {
            self.done = true;
            sys::close(self.fd).map_err(|e| fd_err(e, "close"))?;
        }
        Ok(self)
    }
}

/// Reads a whole file (Node's `fs.readFile`), in pool jobs of at most [`FILE_CHUNK`] bytes.
/// The returned request is the first job's (open, fstat, first chunk): cancelling it cancels
/// the whole read.
///
/// Errors: `ENOENT: no such file or directory, open 'nope'`; a directory gives
/// `EISDIR: illegal operation on a directory, read` (no path, as in Node).
pub fn read_file<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "open",
        move || FileRead::start(p),
        move |lp, s, res| read_file_next(lp, s, res, cb),
    )
}

fn read_file_next<S: 'static, F>(lp: &mut Loop<S>, s: &mut S, res: Result<FileRead, Error>, cb: F)
where
    F: FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
{
    match res {
        Err(e) => cb(lp, s, Err(e)),
        Ok(st) if st.done => cb(lp, s, Ok(st.buf)),
        Ok(st) => {
            let fd = st.fd;
            let queued = submit(
                lp,
                "read",
                move || st.step(),
                move |lp, s, res| read_file_next(lp, s, res, cb),
            );
            if queued.is_err() {
                // Unreachable in practice: the loop's pool exists since the first job.
                let _ = sys::close(fd);
            }
        }
    }
}

/// A file being written by [`write_file`] / [`append_file`], between pool jobs.
struct FileWrite {
    fd: RawFd,
    data: Vec<u8>,
    off: usize,
    done: bool,
}

impl FileWrite {
    fn start(p: CPath, flags: i32, data: Vec<u8>) -> Result<FileWrite, Error> {
        let fd = sys::open(&p, flags, 0o666).map_err(|e| p.err(e, "open"))?;
        FileWrite {
            fd,
            data,
            off: 0,
            done: false,
        }
        .step()
    }

    fn step(mut self) -> Result<FileWrite, Error> {
        let end = (self.off + FILE_CHUNK).min(self.data.len());
        if let Err(e) = sys::write_all(self.fd, &self.data[self.off..end], None) {
            let _ = sys::close(self.fd);
            return Err(fd_err(e, "write"));
        }
        self.off = end;
        if self.off == self.data.len() {
            self.done = true;
            sys::close(self.fd).map_err(|e| fd_err(e, "close"))?;
        }
        Ok(self)
    }
}

fn write_file_flags<S: 'static>(
    lp: &mut Loop<S>,
    path: &Path,
    flags: i32,
    data: Vec<u8>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path, "path")?;
    submit(
        lp,
        "open",
        move || FileWrite::start(p, flags, data),
        move |lp, s, res| write_file_next(lp, s, res, cb),
    )
}

fn write_file_next<S: 'static, F>(lp: &mut Loop<S>, s: &mut S, res: Result<FileWrite, Error>, cb: F)
where
    F: FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
{
    match res {
        Err(e) => cb(lp, s, Err(e)),
        Ok(st) if st.done => cb(lp, s, Ok(())),
        Ok(st) => {
            let fd = st.fd;
            let queued = submit(
                lp,
                "write",
                move || st.step(),
                move |lp, s, res| write_file_next(lp, s, res, cb),
            );
            if queued.is_err() {
                let _ = sys::close(fd);
            }
        }
    }
}

/// Writes `data` to `path`, creating or truncating it (Node's `fs.writeFile`, flag `"w"`,
/// mode `0o666`), in pool jobs of at most [`FILE_CHUNK`] bytes.
///
/// Errors: `EISDIR: illegal operation on a directory, open 'd'`,
/// `ENOENT: no such file or directory, open 'missing/dir/f'`.
pub fn write_file<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    data: impl Into<Vec<u8>>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    write_file_flags(
        lp,
        path.as_ref(),
        crate::OpenFlags::WRITE.bits(),
        data.into(),
        cb,
    )
}

/// Appends `data` to `path`, creating it if missing (Node's `fs.appendFile`, flag `"a"`).
pub fn append_file<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    data: impl Into<Vec<u8>>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    write_file_flags(
        lp,
        path.as_ref(),
        crate::OpenFlags::APPEND.bits(),
        data.into(),
        cb,
    )
}

/// File status, following symbolic links (Node's `fs.stat`).
/// Errors: `ENOENT: no such file or directory, stat 'nope'`, `ENOTDIR` ….
pub fn stat<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Stats, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "stat",
        move || sys::stat(StatTarget::Follow(p.as_c_str())).map_err(|e| p.err(e, "stat")),
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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "lstat",
        move || sys::stat(StatTarget::NoFollow(p.as_c_str())).map_err(|e| p.err(e, "lstat")),
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
    submit(
        lp,
        "fstat",
        move || sys::stat(StatTarget::Fd(fd.raw())).map_err(|e| fd_err(e, "fstat")),
        cb,
    )
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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "access",
        move || sys::access(&p, mode as i32).map_err(|e| p.err(e, "access")),
        cb,
    )
}

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

fn io_errno(e: &std::io::Error) -> Errno {
    e.raw_os_error().unwrap_or(libc::EIO)
}

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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "mkdir",
        move || {
            if options.recursive {
                mkdirp(&p, options.mode)
            } else {
                sys::mkdir(p.as_c_str(), options.mode)
                    .map(|_| None)
                    .map_err(|e| p.err(e, "mkdir"))
            }
        },
        cb,
    )
}

fn c_path(p: &Path) -> CString {
    // a parent of a path without NUL bytes has none either
    CString::new(p.as_os_str().as_bytes()).expect("no NUL in a parent of a checked path")
}

fn is_dir(p: &Path) -> bool {
    let c = c_path(p);
    matches!(sys::stat(StatTarget::Follow(&c)), Ok(st) if st.is_directory())
}

/// `mkdir -p`: returns the first directory created, if any.
fn mkdirp(p: &CPath, mode: u32) -> Result<Option<PathBuf>, Error> {
    let full = p.as_path();
    // Walk up until a mkdir succeeds or finds an existing directory; remember the way down.
    let mut missing: Vec<&Path> = Vec::new();
    let mut cur = full;
    let mut first = None;
    loop {
        match sys::mkdir(&c_path(cur), mode) {
            Ok(()) => {
                first = Some(cur.to_path_buf());
                break;
            }
            Err(libc::EEXIST) => {
                if is_dir(cur) {
                    break;
                }
                let code = if cur == full {
                    libc::EEXIST
                } else {
                    libc::ENOTDIR
                };
                return Err(p.err(code, "mkdir"));
            }
            Err(libc::ENOENT) => match cur.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => {
                    missing.push(cur);
                    cur = parent;
                }
                _ => return Err(p.err(libc::ENOENT, "mkdir")),
            },
            Err(e) => return Err(p.err(e, "mkdir")),
        }
    }
    for dir in missing.into_iter().rev() {
        match sys::mkdir(&c_path(dir), mode) {
            Ok(()) => {
                first.get_or_insert_with(|| dir.to_path_buf());
            }
            // made meanwhile by someone else: fine if it is a directory
            Err(libc::EEXIST) if is_dir(dir) => {}
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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "rmdir",
        move || sys::rmdir(&p).map_err(|e| p.err(e, "rmdir")),
        cb,
    )
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
/// without `recursive` is `EISDIR: illegal operation on a directory, rm 'd'` (Node's code for
/// that case is `ERR_FS_EISDIR`, which `ruv_core::Code` does not have yet).
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
        Err(libc::ENOENT) if options.force => return Ok(()),
        Err(e) => return Err(p.err(e, "lstat")),
    };
    if !st.is_directory() {
        return match sys::unlink(p) {
            Err(libc::ENOENT) if options.force => Ok(()),
            r => r.map_err(|e| p.err(e, "unlink")),
        };
    }
    if !options.recursive {
        // Node: `ERR_FS_EISDIR: Path is a directory: rm returned EISDIR (is a directory) <path>`
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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "unlink",
        move || sys::unlink(&p).map_err(|e| p.err(e, "unlink")),
        cb,
    )
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
    let a = CPath::new(from.as_ref(), "oldPath")?;
    let b = CPath::new(to.as_ref(), "newPath")?;
    submit(
        lp,
        "rename",
        move || {
            sys::rename(&a, &b).map_err(|e| two_path_err(e, "rename", a.as_path(), b.as_path()))
        },
        cb,
    )
}

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
    let a = CPath::new(src.as_ref(), "src")?;
    let b = CPath::new(dest.as_ref(), "dest")?;
    submit(
        lp,
        "copyfile",
        move || {
            copy_sync(&a, &b, mode)
                .map_err(|e| two_path_err(e, "copyfile", a.as_path(), b.as_path()))
        },
        cb,
    )
}

fn copy_sync(src: &CPath, dest: &CPath, mode: u32) -> Result<(), Errno> {
    let sfd = sys::open(src, libc::O_RDONLY, 0)?;
    let r = copy_from(sfd, dest, mode);
    let _ = sys::close(sfd);
    r
}

fn copy_from(sfd: RawFd, dest: &CPath, mode: u32) -> Result<(), Errno> {
    let st = sys::stat(StatTarget::Fd(sfd))?;
    if st.is_directory() {
        return Err(libc::EISDIR);
    }
    let mut flags = libc::O_WRONLY | libc::O_CREAT;
    if mode & COPYFILE_EXCL != 0 {
        flags |= libc::O_EXCL;
    }
    let dfd = sys::open(dest, flags, st.permissions())?;
    let r = copy_into(sfd, dfd, &st, mode);
    let closed = sys::close(dfd);
    r.and(closed)
}

fn copy_into(sfd: RawFd, dfd: RawFd, st: &Stats, mode: u32) -> Result<(), Errno> {
    let dst = sys::stat(StatTarget::Fd(dfd))?;
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
    sys::copy_data(sfd, dfd, st.size)
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
    let t = CPath::new(target.as_ref(), "target")?;
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "symlink",
        move || {
            sys::symlink(&t, &p).map_err(|e| two_path_err(e, "symlink", t.as_path(), p.as_path()))
        },
        cb,
    )
}

/// The target of a symbolic link (Node's `fs.readlink`).
/// Errors: `EINVAL: invalid argument, readlink 'f'` (not a link), `ENOENT`.
pub fn readlink<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<PathBuf, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "readlink",
        move || std::fs::read_link(p.as_path()).map_err(|e| p.err(io_errno(&e), "readlink")),
        cb,
    )
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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "realpath",
        move || std::fs::canonicalize(p.as_path()).map_err(|e| p.err(io_errno(&e), "realpath")),
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
    let p = CPath::new(path.as_ref(), "path")?;
    submit(
        lp,
        "chmod",
        move || sys::chmod(&p, mode).map_err(|e| p.err(e, "chmod")),
        cb,
    )
}

/// Changes permission bits of an open file (Node's `fs.fchmod`).
/// Errors: `EBADF: bad file descriptor, fchmod`.
pub fn fchmod<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    mode: u32,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    submit(
        lp,
        "fchmod",
        move || sys::fchmod(fd.raw(), mode).map_err(|e| fd_err(e, "fchmod")),
        cb,
    )
}

/// A `timespec` for a `SystemTime` (before the epoch too).
fn timespec(t: SystemTime) -> libc::timespec {
    let (sec, nsec) = match t.duration_since(UNIX_EPOCH) {
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
    };
    // SAFETY: timespec is plain data; zeroing also covers padding fields some targets have.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    ts.tv_sec = sec as libc::time_t;
    ts.tv_nsec = nsec as _;
    ts
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
    let p = CPath::new(path.as_ref(), "path")?;
    let times = [timespec(atime), timespec(mtime)];
    submit(
        lp,
        "utime",
        move || sys::utimens(&p, &times).map_err(|e| p.err(e, "utime")),
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
    let times = [timespec(atime), timespec(mtime)];
    submit(
        lp,
        "futime",
        move || sys::futimens(fd.raw(), &times).map_err(|e| fd_err(e, "futime")),
        cb,
    )
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
    submit(
        lp,
        "ftruncate",
        move || {
            let fd = sys::open(&p, libc::O_RDWR, 0).map_err(|e| p.err(e, "open"))?;
            let r = sys::ftruncate(fd, len).map_err(|e| fd_err(e, "ftruncate"));
            let closed = sys::close(fd).map_err(|e| fd_err(e, "close"));
            r.and(closed)
        },
        cb,
    )
}

/// Truncates (or extends) an open file to `len` bytes (Node's `fs.ftruncate`).
/// Errors: `EBADF: bad file descriptor, ftruncate`, `EINVAL` (not open for writing).
pub fn ftruncate<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    len: u64,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    submit(
        lp,
        "ftruncate",
        move || sys::ftruncate(fd.raw(), len).map_err(|e| fd_err(e, "ftruncate")),
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
    submit(
        lp,
        "fsync",
        move || sys::fsync(fd.raw()).map_err(|e| fd_err(e, "fsync")),
        cb,
    )
}

/// Flushes a file's data (and only the metadata needed to read it) to storage (Node's
/// `fs.fdatasync`). Errors: `EBADF: bad file descriptor, fdatasync`.
pub fn fdatasync<S: 'static>(
    lp: &mut Loop<S>,
    fd: Fd,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    submit(
        lp,
        "fdatasync",
        move || sys::fdatasync(fd.raw()).map_err(|e| fd_err(e, "fdatasync")),
        cb,
    )
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
    submit(
        lp,
        "mkdtemp",
        move || {
            let mut template = p.as_path().as_os_str().as_bytes().to_vec();
            template.extend_from_slice(b"XXXXXX\0");
            let r = sys::mkdtemp(&mut template);
            template.pop();
            let path = PathBuf::from(OsStr::from_bytes(&template));
            match r {
                Ok(()) => Ok(path),
                Err(e) => Err(Error::op(Code::from_errno(e), "mkdtemp").with_path(path)),
            }
        },
        cb,
    )
}

/// Hard link `existing` → `new_path` (Node's `fs.link`).
/// Errors: `EEXIST: file already exists, link 'a' -> 'b'`, `ENOENT`.
pub fn link<S: 'static>(
    lp: &mut Loop<S>,
    existing: impl AsRef<Path>,
    new_path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let a = CPath::new(existing.as_ref(), "existingPath")?;
    let b = CPath::new(new_path.as_ref(), "newPath")?;
    submit(
        lp,
        "link",
        move || {
            std::fs::hard_link(a.as_path(), b.as_path()).map_err(|e| {
                two_path(
                    Error::op(Code::from_errno(io_errno(&e)), "link"),
                    a.as_path(),
                    b.as_path(),
                )
            })
        },
        cb,
    )
}
