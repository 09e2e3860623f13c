//! The system calls, through `rustix`'s safe wrappers, run on pool threads.
//!
//! Every function returns the raw [`Errno`] on failure; the operations in `ops/` turn it into
//! a [`ruv_core::Error`] with Node's syscall name and path. Interrupted calls (`EINTR`) are
//! retried, except `close` (on Linux the descriptor is gone even when `close` says `EINTR`).
//!
//! Calls on descriptors take any [`Desc`]: a descriptor ruv-fs owns (`&OwnedFd`), or a
//! caller's number ([`Fd`], `RawFd`), which is borrowed for the one call in [`raw`], the
//! crate's only `unsafe` code.

mod raw;

use crate::error::CPath;
use crate::flags::Fd;
use crate::stats::Stats;
use rustix::fd::{AsFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use rustix::fs::{Mode, OFlags, Timestamps};
use rustix::path::Arg;
use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

pub(crate) use rustix::io::Errno;

/// The `Errno` of a `std::io::Error` (for the few calls made through `std`).
pub(crate) fn io_errno(e: &std::io::Error) -> Errno {
    Errno::from_io_error(e).unwrap_or(Errno::IO)
}

/// Runs `f` until it does not fail with `EINTR`.
#[inline]
fn retry<T>(mut f: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match f() {
            Err(Errno::INTR) => continue,
            r => return r,
        }
    }
}

/// A descriptor a system call can act on: one ruv-fs owns, or a caller's number.
pub(crate) trait Desc: Copy {
    /// Runs `f` with the descriptor borrowed for the call.
    fn with<R>(self, f: impl FnOnce(BorrowedFd<'_>) -> Result<R, Errno>) -> Result<R, Errno>;
}

impl Desc for BorrowedFd<'_> {
    fn with<R>(self, f: impl FnOnce(BorrowedFd<'_>) -> Result<R, Errno>) -> Result<R, Errno> {
        f(self)
    }
}

impl Desc for &OwnedFd {
    fn with<R>(self, f: impl FnOnce(BorrowedFd<'_>) -> Result<R, Errno>) -> Result<R, Errno> {
        f(self.as_fd())
    }
}

impl Desc for RawFd {
    fn with<R>(self, f: impl FnOnce(BorrowedFd<'_>) -> Result<R, Errno>) -> Result<R, Errno> {
        raw::with_raw(self, f)
    }
}

impl Desc for Fd {
    fn with<R>(self, f: impl FnOnce(BorrowedFd<'_>) -> Result<R, Errno>) -> Result<R, Errno> {
        raw::with_raw(self.raw(), f)
    }
}

/// `open(2)` with `O_CLOEXEC` added (as libuv does: descriptors do not leak into children).
/// `flags` and `mode` are passed to the kernel as given, as libc's `open` does.
pub(crate) fn open_owned(path: &CStr, flags: i32, mode: u32) -> Result<OwnedFd, Errno> {
    let flags = OFlags::from_bits_retain(flags as _) | OFlags::CLOEXEC;
    let mode = Mode::from_bits_retain(mode as _);
    retry(|| rustix::fs::open(path, flags, mode))
}

/// [`open_owned`], giving the descriptor away as a number (Node's `fd`).
pub(crate) fn open(path: &CPath, flags: i32, mode: u32) -> Result<RawFd, Errno> {
    open_owned(path.as_c_str(), flags, mode).map(IntoRawFd::into_raw_fd)
}

/// `close(2)` of a descriptor number, with its error (`EINTR` counts as success).
pub(crate) fn close(fd: RawFd) -> Result<(), Errno> {
    raw::close_raw(fd)
}

/// `close(2)` of an owned descriptor, with its error (dropping an `OwnedFd` ignores it).
pub(crate) fn close_owned(fd: OwnedFd) -> Result<(), Errno> {
    raw::close_raw(fd.into_raw_fd())
}

/// Reads at most `len` bytes, appending them to `buf`, at `pos` (`pread`) or at the current
/// position (`read`). Room for `len` bytes is reserved fallibly: `ENOMEM` rather than an
/// abort when `len` (which may come from a caller's option) cannot be had. Returns the count
/// read; 0 means end of file.
pub(crate) fn read_append(
    fd: impl Desc,
    buf: &mut Vec<u8>,
    len: usize,
    pos: Option<u64>,
) -> Result<usize, Errno> {
    buf.try_reserve_exact(len).map_err(|_| Errno::NOMEM)?;
    fd.with(|fd| raw::read_spare(fd, buf, len, pos))
}

/// Reads into `buf` (overwriting it from the start) at `pos` or the current position.
pub(crate) fn read_into(fd: impl Desc, buf: &mut [u8], pos: Option<u64>) -> Result<usize, Errno> {
    fd.with(|fd| {
        retry(|| match pos {
            Some(p) => rustix::io::pread(fd, &mut *buf, p),
            None => rustix::io::read(fd, &mut *buf),
        })
    })
}

/// One `write(2)`/`pwrite(2)`: may write less than `buf.len()` (as Node's `fs.write`).
pub(crate) fn write_once(fd: impl Desc, buf: &[u8], pos: Option<u64>) -> Result<usize, Errno> {
    fd.with(|fd| {
        retry(|| match pos {
            Some(p) => rustix::io::pwrite(fd, buf, p),
            None => rustix::io::write(fd, buf),
        })
    })
}

/// Writes all of `buf`, at `pos` onwards or at the current position.
pub(crate) fn write_all(fd: impl Desc, mut buf: &[u8], pos: Option<u64>) -> Result<(), Errno> {
    let mut pos = pos;
    while !buf.is_empty() {
        let n = write_once(fd, buf, pos)?;
        if n == 0 {
            return Err(Errno::IO);
        }
        buf = &buf[n..];
        pos = pos.map(|p| p + n as u64);
    }
    Ok(())
}

/// `unlink(2)`.
pub(crate) fn unlink(p: &CStr) -> Result<(), Errno> {
    retry(|| rustix::fs::unlink(p))
}

/// `rmdir(2)`.
pub(crate) fn rmdir(p: &CStr) -> Result<(), Errno> {
    retry(|| rustix::fs::rmdir(p))
}

/// `mkdir(2)` (any path: `mkdir -p` walks the parents of a checked one).
pub(crate) fn mkdir<P: Arg + Copy>(p: P, mode: u32) -> Result<(), Errno> {
    retry(|| rustix::fs::mkdir(p, Mode::from_bits_retain(mode as _)))
}

/// `rename(2)`.
pub(crate) fn rename(from: &CStr, to: &CStr) -> Result<(), Errno> {
    retry(|| rustix::fs::rename(from, to))
}

/// `symlink(2)`: a link at `path` whose contents are `target`.
pub(crate) fn symlink(target: &CStr, path: &CStr) -> Result<(), Errno> {
    retry(|| rustix::fs::symlink(target, path))
}

/// `link(2)`: a hard link `new` to `existing` (symbolic links are not followed).
pub(crate) fn link(existing: &CStr, new: &CStr) -> Result<(), Errno> {
    retry(|| rustix::fs::link(existing, new))
}

/// `readlink(2)`: the contents of a symbolic link.
pub(crate) fn readlink(p: &CStr) -> Result<PathBuf, Errno> {
    let target = retry(|| rustix::fs::readlink(p, Vec::new()))?;
    Ok(PathBuf::from(OsStr::from_bytes(target.as_bytes())))
}

/// `access(2)` with `F_OK` or an or of `R_OK`, `W_OK`, `X_OK` (other bits: `EINVAL`, from the
/// kernel).
pub(crate) fn access(p: &CStr, mode: u32) -> Result<(), Errno> {
    retry(|| rustix::fs::access(p, rustix::fs::Access::from_bits_retain(mode as _)))
}

/// `chmod(2)`.
pub(crate) fn chmod(p: &CStr, mode: u32) -> Result<(), Errno> {
    retry(|| rustix::fs::chmod(p, Mode::from_bits_retain(mode as _)))
}

/// `fchmod(2)`.
pub(crate) fn fchmod(fd: impl Desc, mode: u32) -> Result<(), Errno> {
    fd.with(|fd| retry(|| rustix::fs::fchmod(fd, Mode::from_bits_retain(mode as _))))
}

/// `ftruncate(2)`; a length past `i64::MAX` is `EINVAL`, as the kernel answers for a
/// negative `off_t`.
pub(crate) fn ftruncate(fd: impl Desc, len: u64) -> Result<(), Errno> {
    if i64::try_from(len).is_err() {
        return Err(Errno::INVAL);
    }
    fd.with(|fd| retry(|| rustix::fs::ftruncate(fd, len)))
}

/// `fsync(2)`.
pub(crate) fn fsync(fd: impl Desc) -> Result<(), Errno> {
    fd.with(|fd| retry(|| rustix::fs::fsync(fd)))
}

/// `fdatasync(2)` (`fsync` where there is none).
pub(crate) fn fdatasync(fd: impl Desc) -> Result<(), Errno> {
    fd.with(|fd| retry(|| rustix::fs::fdatasync(fd)))
}

/// Access and modification times, as `(seconds, nanoseconds)` since the epoch.
pub(crate) type Times = [(i64, i64); 2];

fn timestamps(t: &Times) -> Timestamps {
    let ts = |(sec, nsec): (i64, i64)| rustix::fs::Timespec {
        tv_sec: sec as _,
        tv_nsec: nsec as _,
    };
    Timestamps {
        last_access: ts(t[0]),
        last_modification: ts(t[1]),
    }
}

/// `utimensat(AT_FDCWD, path, times, 0)` (follows symlinks, like `utimes`).
pub(crate) fn utimens(p: &CStr, times: &Times) -> Result<(), Errno> {
    let t = timestamps(times);
    retry(|| rustix::fs::utimensat(rustix::fs::CWD, p, &t, rustix::fs::AtFlags::empty()))
}

/// `futimens(2)`.
pub(crate) fn futimens(fd: impl Desc, times: &Times) -> Result<(), Errno> {
    let t = timestamps(times);
    fd.with(|fd| retry(|| rustix::fs::futimens(fd, &t)))
}

/// `mkdtemp(3)`: creates a directory named `prefix` followed by six random characters from
/// `[A-Za-z0-9]` (as glibc), mode `0o700`, trying other names while the name is taken.
/// Returns the name tried last with the result, so an error can name it, as Node's does.
pub(crate) fn mkdtemp(prefix: &OsStr) -> (PathBuf, Result<(), Errno>) {
    const CHARS: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const ATTEMPTS: u32 = 1000;
    let prefix = prefix.as_bytes();
    let mut name = Vec::new();
    if name.try_reserve_exact(prefix.len() + 6).is_err() {
        return (PathBuf::from(OsStr::from_bytes(prefix)), Err(Errno::NOMEM));
    }
    let mut attempt = 0;
    loop {
        name.clear();
        name.extend_from_slice(prefix);
        let mut bits = random_u64();
        for _ in 0..6 {
            name.push(CHARS[(bits % 62) as usize]);
            bits /= 62;
        }
        let path = OsStr::from_bytes(&name);
        attempt += 1;
        match mkdir(path, 0o700) {
            Err(Errno::EXIST) if attempt < ATTEMPTS => continue,
            r => return (PathBuf::from(path), r),
        }
    }
}

/// 64 unpredictable bits for [`mkdtemp`]'s names: std's per-process random hash keys over a
/// counter and the clock. (Uniqueness does not rest on them: `mkdir` fails on a taken name.)
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}

/// `ioctl(FICLONE)`: makes `dst` share `src`'s blocks (copy-on-write) where the file system can.
#[cfg(target_os = "linux")]
pub(crate) fn ficlone(dst: impl Desc, src: impl Desc) -> Result<(), Errno> {
    dst.with(|d| src.with(|s| retry(|| rustix::fs::ioctl_ficlone(d, s))))
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn ficlone(_dst: impl Desc, _src: impl Desc) -> Result<(), Errno> {
    Err(Errno::NOTSUP)
}

/// Copies `len` bytes from `src` to `dst` (both at their current positions): in the kernel
/// with `copy_file_range` where possible, else through a buffer.
pub(crate) fn copy_data(src: BorrowedFd<'_>, dst: BorrowedFd<'_>, len: u64) -> Result<(), Errno> {
    #[cfg(target_os = "linux")]
    {
        let mut left = len;
        while left > 0 {
            let chunk = left.min(1 << 30) as usize;
            match rustix::fs::copy_file_range(src, None, dst, None, chunk) {
                // the source shrank: copy what is there, as a plain read loop would
                Ok(0) => return Ok(()),
                Ok(n) => left -= n as u64,
                Err(Errno::INTR) => continue,
                Err(Errno::XDEV | Errno::NOSYS | Errno::OPNOTSUPP | Errno::INVAL | Errno::PERM) => {
                    break
                }
                Err(e) => return Err(e),
            }
        }
        if left == 0 {
            return Ok(());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = len;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = read_into(src, &mut buf, None)?;
        if n == 0 {
            return Ok(());
        }
        write_all(dst, &buf[..n], None)?;
    }
}

/// How a `stat`-like call names its file.
#[derive(Clone, Copy)]
pub(crate) enum StatTarget<'a> {
    /// `stat(path)`.
    Follow(&'a CStr),
    /// `lstat(path)`.
    NoFollow(&'a CStr),
    /// `fstat(fd)`.
    Fd(BorrowedFd<'a>),
}

/// `stat`/`lstat`/`fstat`, by `statx` on Linux (for the birth time), falling back to the
/// classic calls where `statx` is not available (rustix remembers that it is not).
pub(crate) fn stat(target: StatTarget<'_>) -> Result<Stats, Errno> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{statx, AtFlags, StatxFlags, CWD};
        let flags = AtFlags::STATX_SYNC_AS_STAT;
        let mask = StatxFlags::BASIC_STATS | StatxFlags::BTIME;
        let r = retry(|| match target {
            StatTarget::Follow(p) => statx(CWD, p, flags, mask),
            StatTarget::NoFollow(p) => statx(CWD, p, flags | AtFlags::SYMLINK_NOFOLLOW, mask),
            StatTarget::Fd(fd) => statx(fd, c"", flags | AtFlags::EMPTY_PATH, mask),
        });
        match r {
            Ok(st) => return Ok(Stats::from_statx(&st)),
            Err(Errno::NOSYS) => {}
            Err(e) => return Err(e),
        }
    }
    let st = retry(|| match target {
        StatTarget::Follow(p) => rustix::fs::stat(p),
        StatTarget::NoFollow(p) => rustix::fs::lstat(p),
        StatTarget::Fd(fd) => rustix::fs::fstat(fd),
    })?;
    Ok(Stats::from_stat(&st))
}

/// Whether `p` is a directory (following symbolic links); any error counts as "no".
pub(crate) fn is_dir<P: Arg>(p: P) -> bool {
    matches!(rustix::fs::stat(p), Ok(st) if Stats::from_stat(&st).is_directory())
}

/// [`stat`] of a descriptor.
pub(crate) fn fstat(fd: impl Desc) -> Result<Stats, Errno> {
    fd.with(|fd| stat(StatTarget::Fd(fd)))
}
