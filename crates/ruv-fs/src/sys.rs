//! Thin wrappers over the system calls, run on pool threads.
//!
//! Every function returns the raw `errno` on failure; the operations in `ops.rs` turn it into
//! a [`ruv_core::Error`] with Node's syscall name and path. Interrupted calls (`EINTR`) are
//! retried, except `close` (on Linux the descriptor is gone even when `close` says `EINTR`).

use crate::error::CPath;
use crate::stats::Stats;
use std::ffi::CStr;
use std::os::fd::RawFd;

/// An `errno` value.
pub(crate) type Errno = i32;

/// The calling thread's `errno`.
#[inline]
pub(crate) fn errno() -> Errno {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// Runs `f` until it does not fail with `EINTR`; a negative result becomes `Err(errno)`.
#[inline]
fn retry<T: Copy + PartialOrd + Default>(mut f: impl FnMut() -> T) -> Result<T, Errno> {
    loop {
        let r = f();
        if r >= T::default() {
            return Ok(r);
        }
        let e = errno();
        if e != libc::EINTR {
            return Err(e);
        }
    }
}

/// `open(2)` with `O_CLOEXEC` added (as libuv does: descriptors do not leak into children).
pub(crate) fn open(path: &CPath, flags: i32, mode: u32) -> Result<RawFd, Errno> {
    retry(|| unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, mode as libc::c_uint) })
}

/// `close(2)`. `EINTR` counts as success: the descriptor is released either way on Linux,
/// and retrying could close a descriptor another thread has just been given.
pub(crate) fn close(fd: RawFd) -> Result<(), Errno> {
    if unsafe { libc::close(fd) } == 0 {
        return Ok(());
    }
    match errno() {
        libc::EINTR => Ok(()),
        e => Err(e),
    }
}

/// Reads at most `len` bytes into the spare capacity of `buf` (appending), at `pos` (`pread`)
/// or at the current position (`read`). Returns the count read; 0 means end of file.
pub(crate) fn read_append(
    fd: RawFd,
    buf: &mut Vec<u8>,
    len: usize,
    pos: Option<u64>,
) -> Result<usize, Errno> {
    buf.reserve(len);
    let start = buf.len();
    // SAFETY: `reserve` made room for `len` bytes after `start`; the kernel writes at most
    // `len` bytes there, and only the `n` it reports are then marked initialised.
    let ptr = unsafe { buf.as_mut_ptr().add(start) }.cast::<libc::c_void>();
    let n = retry(|| unsafe {
        match pos {
            Some(p) => libc::pread(fd, ptr, len, p as libc::off_t),
            None => libc::read(fd, ptr, len),
        }
    })? as usize;
    // SAFETY: the kernel initialised `n <= len` bytes from `start`.
    unsafe { buf.set_len(start + n) };
    Ok(n)
}

/// Reads into `buf` (overwriting it from the start) at `pos` or the current position.
pub(crate) fn read_into(fd: RawFd, buf: &mut [u8], pos: Option<u64>) -> Result<usize, Errno> {
    let ptr = buf.as_mut_ptr().cast::<libc::c_void>();
    let len = buf.len();
    retry(|| unsafe {
        match pos {
            Some(p) => libc::pread(fd, ptr, len, p as libc::off_t),
            None => libc::read(fd, ptr, len),
        }
    })
    .map(|n| n as usize)
}

/// One `write(2)`/`pwrite(2)`: may write less than `buf.len()` (as Node's `fs.write`).
pub(crate) fn write_once(fd: RawFd, buf: &[u8], pos: Option<u64>) -> Result<usize, Errno> {
    let ptr = buf.as_ptr().cast::<libc::c_void>();
    retry(|| unsafe {
        match pos {
            Some(p) => libc::pwrite(fd, ptr, buf.len(), p as libc::off_t),
            None => libc::write(fd, ptr, buf.len()),
        }
    })
    .map(|n| n as usize)
}

/// Writes all of `buf`, at `pos` onwards or at the current position.
pub(crate) fn write_all(fd: RawFd, mut buf: &[u8], pos: Option<u64>) -> Result<(), Errno> {
    let mut pos = pos;
    while !buf.is_empty() {
        let n = write_once(fd, buf, pos)?;
        if n == 0 {
            return Err(libc::EIO);
        }
        buf = &buf[n..];
        pos = pos.map(|p| p + n as u64);
    }
    Ok(())
}

/// Maps a `0 / -1` libc result to `Result`, retrying `EINTR`.
#[inline]
fn check(f: impl FnMut() -> libc::c_int) -> Result<(), Errno> {
    retry(f).map(|_| ())
}

pub(crate) fn unlink(p: &CPath) -> Result<(), Errno> {
    check(|| unsafe { libc::unlink(p.as_ptr()) })
}

pub(crate) fn rmdir(p: &CPath) -> Result<(), Errno> {
    check(|| unsafe { libc::rmdir(p.as_ptr()) })
}

pub(crate) fn mkdir(p: &CStr, mode: u32) -> Result<(), Errno> {
    check(|| unsafe { libc::mkdir(p.as_ptr(), mode as libc::mode_t) })
}

pub(crate) fn rename(from: &CPath, to: &CPath) -> Result<(), Errno> {
    check(|| unsafe { libc::rename(from.as_ptr(), to.as_ptr()) })
}

pub(crate) fn symlink(target: &CPath, path: &CPath) -> Result<(), Errno> {
    check(|| unsafe { libc::symlink(target.as_ptr(), path.as_ptr()) })
}

pub(crate) fn access(p: &CPath, mode: i32) -> Result<(), Errno> {
    check(|| unsafe { libc::access(p.as_ptr(), mode) })
}

pub(crate) fn chmod(p: &CPath, mode: u32) -> Result<(), Errno> {
    check(|| unsafe { libc::chmod(p.as_ptr(), mode as libc::mode_t) })
}

pub(crate) fn fchmod(fd: RawFd, mode: u32) -> Result<(), Errno> {
    check(|| unsafe { libc::fchmod(fd, mode as libc::mode_t) })
}

pub(crate) fn ftruncate(fd: RawFd, len: u64) -> Result<(), Errno> {
    let len = libc::off_t::try_from(len).map_err(|_| libc::EINVAL)?;
    check(|| unsafe { libc::ftruncate(fd, len) })
}

pub(crate) fn fsync(fd: RawFd) -> Result<(), Errno> {
    check(|| unsafe { libc::fsync(fd) })
}

pub(crate) fn fdatasync(fd: RawFd) -> Result<(), Errno> {
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    return check(|| unsafe { libc::fsync(fd) });
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    check(|| unsafe { libc::fdatasync(fd) })
}

/// `utimensat(AT_FDCWD, path, times, 0)` (follows symlinks, like `utimes`).
pub(crate) fn utimens(p: &CPath, times: &[libc::timespec; 2]) -> Result<(), Errno> {
    check(|| unsafe { libc::utimensat(libc::AT_FDCWD, p.as_ptr(), times.as_ptr(), 0) })
}

pub(crate) fn futimens(fd: RawFd, times: &[libc::timespec; 2]) -> Result<(), Errno> {
    check(|| unsafe { libc::futimens(fd, times.as_ptr()) })
}

/// `mkdtemp(3)` on a template ending in `XXXXXX`; the template is filled in place (also when
/// it fails, so the error can name the path that was tried, as Node's does).
pub(crate) fn mkdtemp(template: &mut [u8]) -> Result<(), Errno> {
    debug_assert_eq!(template.last(), Some(&0));
    let r = unsafe { libc::mkdtemp(template.as_mut_ptr().cast::<libc::c_char>()) };
    if r.is_null() {
        Err(errno())
    } else {
        Ok(())
    }
}

/// `ioctl(FICLONE)`: makes `dst` share `src`'s blocks (copy-on-write) where the file system can.
#[cfg(target_os = "linux")]
pub(crate) fn ficlone(dst: RawFd, src: RawFd) -> Result<(), Errno> {
    // _IOW(0x94, 9, int)
    const FICLONE: libc::c_ulong = 0x4004_9409;
    check(|| unsafe { libc::ioctl(dst, FICLONE as _, src) })
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn ficlone(_dst: RawFd, _src: RawFd) -> Result<(), Errno> {
    Err(libc::ENOTSUP)
}

/// Copies `len` bytes from `src` to `dst` (both at their current positions): in the kernel
/// with `copy_file_range` where possible, else through a buffer.
pub(crate) fn copy_data(src: RawFd, dst: RawFd, len: u64) -> Result<(), Errno> {
    let mut left = len;
    #[cfg(target_os = "linux")]
    {
        while left > 0 {
            let chunk = left.min(1 << 30) as usize;
            let r = unsafe {
                libc::copy_file_range(
                    src,
                    std::ptr::null_mut(),
                    dst,
                    std::ptr::null_mut(),
                    chunk,
                    0,
                )
            };
            if r > 0 {
                left -= r as u64;
                continue;
            }
            if r == 0 {
                // the source shrank: copy what is there, as a plain read loop would
                return Ok(());
            }
            match errno() {
                libc::EINTR => continue,
                libc::EXDEV | libc::ENOSYS | libc::EOPNOTSUPP | libc::EINVAL | libc::EPERM => break,
                e => return Err(e),
            }
        }
        if left == 0 {
            return Ok(());
        }
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = read_into(src, &mut buf, None)?;
        if n == 0 {
            return Ok(());
        }
        write_all(dst, &buf[..n], None)?;
        left = left.saturating_sub(n as u64);
    }
}

/// Whether `statx` is missing (old kernel or a seccomp filter): then the stat family is used.
#[cfg(target_os = "linux")]
static NO_STATX: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How a `stat`-like call names its file.
#[derive(Clone, Copy)]
pub(crate) enum StatTarget<'a> {
    /// `stat(path)`.
    Follow(&'a CStr),
    /// `lstat(path)`.
    NoFollow(&'a CStr),
    /// `fstat(fd)`.
    Fd(RawFd),
}

/// `stat`/`lstat`/`fstat`, by `statx` on Linux (for the birth time), falling back to the
/// classic calls where `statx` is not available.
pub(crate) fn stat(target: StatTarget<'_>) -> Result<Stats, Errno> {
    #[cfg(target_os = "linux")]
    {
        use std::sync::atomic::Ordering;
        if !NO_STATX.load(Ordering::Relaxed) {
            let (dirfd, path, flags) = match target {
                StatTarget::Follow(p) => (libc::AT_FDCWD, p, 0),
                StatTarget::NoFollow(p) => (libc::AT_FDCWD, p, libc::AT_SYMLINK_NOFOLLOW),
                StatTarget::Fd(fd) => (fd, c"", libc::AT_EMPTY_PATH),
            };
            let mut buf = std::mem::MaybeUninit::<libc::statx>::zeroed();
            let r = retry(|| unsafe {
                libc::statx(
                    dirfd,
                    path.as_ptr(),
                    flags | libc::AT_STATX_SYNC_AS_STAT,
                    libc::STATX_BASIC_STATS | libc::STATX_BTIME,
                    buf.as_mut_ptr(),
                )
            });
            match r {
                // SAFETY: statx filled the buffer (and it started zeroed anyway).
                Ok(_) => return Ok(Stats::from_statx(unsafe { buf.assume_init_ref() })),
                Err(libc::ENOSYS) => NO_STATX.store(true, Ordering::Relaxed),
                Err(e) => return Err(e),
            }
        }
    }
    let mut buf = std::mem::MaybeUninit::<libc::stat>::zeroed();
    retry(|| unsafe {
        match target {
            StatTarget::Follow(p) => libc::stat(p.as_ptr(), buf.as_mut_ptr()),
            StatTarget::NoFollow(p) => libc::lstat(p.as_ptr(), buf.as_mut_ptr()),
            StatTarget::Fd(fd) => libc::fstat(fd, buf.as_mut_ptr()),
        }
    })?;
    // SAFETY: the call succeeded, so it filled the buffer.
    Ok(Stats::from_stat(unsafe { buf.assume_init_ref() }))
}
