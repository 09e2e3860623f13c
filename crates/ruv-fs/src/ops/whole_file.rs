//! `readFile`, `writeFile` and `appendFile`: a chain of pool jobs, one chunk each.
//!
//! The first job opens the file (and for a read `fstat`s it, to size the buffer); each job
//! moves at most [`FILE_CHUNK`] bytes; the last one closes the file. Between jobs the state
//! (the open file, the buffer) travels by value in the job's result. The descriptor is an
//! `OwnedFd`, so a state dropped anywhere — a job that panicked, a follow-up that could not
//! be queued, a loop dropped with the job in flight — closes the file. The user's callback
//! runs exactly once, with the data or the first error ([`next`]).

use super::submit;
use crate::error::{fd_err, CPath};
use crate::flags::{OpenFlags, O_RDONLY};
use crate::sys;
use rustix::fd::OwnedFd;
use ruv_core::{Code, Error, Loop, WorkReq};
use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;

/// How much `read_file`, `write_file` and `append_file` move per pool job: a large file takes
/// several jobs, so it never holds a worker for long (Node reads files in 512 KiB pieces too).
pub const FILE_CHUNK: usize = 512 * 1024;

/// The most bytes [`read_file`] returns: Node's `kIoMaxLength`, 2 GiB - 1. A larger file is
/// Node's `ERR_FS_FILE_TOO_LARGE`, whether its size is known beforehand or not.
pub(crate) const READ_FILE_LIMIT: u64 = (1 << 31) - 1;

/// Node's error for a file over [`READ_FILE_LIMIT`]:
/// `ERR_FS_FILE_TOO_LARGE: File size (2147483648) is greater than 2 GiB`.
fn too_large(size: u64) -> Error {
    Error::new(crate::codes::ERR_FS_FILE_TOO_LARGE)
        .with_detail(format!("File size ({size}) is greater than 2 GiB"))
}

/// A buffer that could not be had: `ENOMEM: not enough memory, read`.
fn no_memory() -> Error {
    Error::op(Code::ENOMEM, "read")
}

/// What one job of a chain leaves: more work, or the result.
enum Step<C: Chunked> {
    More(C),
    Done(C::Out),
}

/// A whole-file operation in progress, moved from job to job.
trait Chunked: Sized + Send + 'static {
    /// What the callback gets.
    type Out: Send + 'static;
    /// Node's syscall name for a follow-up job that never ran or panicked.
    const SYSCALL: &'static str;
    /// Moves one chunk (and closes the file after the last).
    fn step(self) -> Result<Step<Self>, Error>;
}

/// Queues the first job (reported as `open` if cancelled, as Node names it) and chains the
/// rest. The returned request is the first job's: cancelling it cancels the whole call.
fn start<S: 'static, C: Chunked>(
    lp: &mut Loop<S>,
    first: impl FnOnce() -> Result<Step<C>, Error> + Send + 'static,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<C::Out, Error>) + 'static,
) -> Result<WorkReq, Error> {
    submit(lp, "open", first, move |lp, s, res| next(lp, s, res, cb))
}

/// After a job: calls back with the result or error, or queues the next job. `cb` runs
/// exactly once: it waits in a shared slot that the next job's completion takes it from, and
/// if that job cannot be queued (its state, and so the file, dropped with it) `cb` gets the
/// error at once.
fn next<S: 'static, C: Chunked, F>(lp: &mut Loop<S>, s: &mut S, res: Result<Step<C>, Error>, cb: F)
where
    F: FnOnce(&mut Loop<S>, &mut S, Result<C::Out, Error>) + 'static,
{
    let state = match res {
        Err(e) => return cb(lp, s, Err(e)),
        Ok(Step::Done(out)) => return cb(lp, s, Ok(out)),
        Ok(Step::More(state)) => state,
    };
    let slot = Rc::new(Cell::new(Some(cb)));
    let held = Rc::clone(&slot);
    let queued = submit(
        lp,
        C::SYSCALL,
        move || state.step(),
        move |lp, s, res| {
            if let Some(cb) = held.take() {
                next(lp, s, res, cb)
            }
        },
    );
    if let Err(e) = queued {
        if let Some(cb) = slot.take() {
            cb(lp, s, Err(e))
        }
    }
}

/// A file being read by [`read_file`].
struct FileRead {
    fd: OwnedFd,
    buf: Vec<u8>,
    /// The size `fstat` reported, for a regular file; `None`: read until end of file (a
    /// size of 0, as `/proc` files report, or not a regular file).
    size: Option<u64>,
    /// The most bytes to read ([`READ_FILE_LIMIT`]; lower in unit tests).
    limit: u64,
}

impl FileRead {
    fn start(p: CPath, limit: u64) -> Result<Step<FileRead>, Error> {
        let fd = sys::open_owned(p.as_c_str(), O_RDONLY, 0).map_err(|e| p.err(e, "open"))?;
        let st = sys::fstat(&fd).map_err(|e| fd_err(e, "fstat"))?;
        let size = (st.is_file() && st.size > 0).then_some(st.size);
        let mut buf = Vec::new();
        if let Some(size) = size {
            if size > limit {
                return Err(too_large(size));
            }
            let size = usize::try_from(size).map_err(|_| no_memory())?;
            buf.try_reserve_exact(size).map_err(|_| no_memory())?;
        }
        FileRead {
            fd,
            buf,
            size,
            limit,
        }
        .step()
    }
}

/// Makes room in `buf` for `want` more bytes of a file of unknown size: doubling (so the
/// copies stay amortised), but never past `limit` (`want` never asks past it), and
/// fallibly.
fn grow(buf: &mut Vec<u8>, want: usize, limit: u64) -> Result<(), Error> {
    let (len, cap) = (buf.len(), buf.capacity());
    if cap - len >= want {
        return Ok(());
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(len + want);
    let new_cap = cap.saturating_mul(2).max(len + want).min(limit);
    buf.try_reserve_exact(new_cap - len)
        .map_err(|_| no_memory())
}

impl Chunked for FileRead {
    type Out = Vec<u8>;
    const SYSCALL: &'static str = "read";

    fn step(mut self) -> Result<Step<FileRead>, Error> {
        let len = self.buf.len() as u64;
        let want = match self.size {
            Some(size) => size.saturating_sub(len).min(FILE_CHUNK as u64) as usize,
            None if len < self.limit => {
                let want = (self.limit - len).min(FILE_CHUNK as u64) as usize;
                grow(&mut self.buf, want, self.limit)?;
                want
            }
            None => {
                // At the limit: one more byte and the file is too large (without growing the
                // buffer for it).
                let mut probe = [0u8; 1];
                let n =
                    sys::read_into(&self.fd, &mut probe, None).map_err(|e| fd_err(e, "read"))?;
                if n > 0 {
                    return Err(too_large(len + n as u64));
                }
                0
            }
        };
        let n = if want == 0 {
            0
        } else {
            sys::read_append(&self.fd, &mut self.buf, want, None).map_err(|e| fd_err(e, "read"))?
        };
        let all = self.size.is_some_and(|size| self.buf.len() as u64 >= size);
        if n > 0 && !all {
            return Ok(Step::More(self));
        }
        sys::close_owned(self.fd).map_err(|e| fd_err(e, "close"))?;
        Ok(Step::Done(self.buf))
    }
}

/// Reads a whole file (Node's `fs.readFile`), in pool jobs of at most [`FILE_CHUNK`] bytes.
/// The returned request is the first job's (open, fstat, first chunk): cancelling it cancels
/// the whole read (`ECANCELED: operation canceled, open`).
///
/// A file of unknown size (`/proc` files, devices, pipes) is read until end of file. At most
/// 2 GiB - 1 bytes are read, as Node limits regular files; past that the callback gets
/// `ERR_FS_FILE_TOO_LARGE: File size (N) is greater than 2 GiB` (for a file of unknown size,
/// N is what was read, 2147483648), so `read_file("/dev/zero")` ends instead of growing
/// until the process dies. Buffers are reserved fallibly: `ENOMEM: not enough memory, read`.
///
/// Errors: `ENOENT: no such file or directory, open 'nope'`; a directory gives
/// `EISDIR: illegal operation on a directory, read` (no path, as in Node).
pub fn read_file<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    read_file_limited(lp, path.as_ref(), READ_FILE_LIMIT, cb)
}

/// [`read_file`] with another limit (unit tests use a small one).
fn read_file_limited<S: 'static>(
    lp: &mut Loop<S>,
    path: &Path,
    limit: u64,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path, "path")?;
    start(lp, move || FileRead::start(p, limit), cb)
}

/// A file being written by [`write_file`] / [`append_file`].
struct FileWrite {
    fd: OwnedFd,
    data: Vec<u8>,
    off: usize,
}

impl FileWrite {
    fn start(p: CPath, flags: i32, data: Vec<u8>) -> Result<Step<FileWrite>, Error> {
        let fd = sys::open_owned(p.as_c_str(), flags, 0o666).map_err(|e| p.err(e, "open"))?;
        FileWrite { fd, data, off: 0 }.step()
    }
}

impl Chunked for FileWrite {
    type Out = ();
    const SYSCALL: &'static str = "write";

    fn step(mut self) -> Result<Step<FileWrite>, Error> {
        let end = (self.off + FILE_CHUNK).min(self.data.len());
        sys::write_all(&self.fd, &self.data[self.off..end], None)
            .map_err(|e| fd_err(e, "write"))?;
        self.off = end;
        if self.off < self.data.len() {
            return Ok(Step::More(self));
        }
        sys::close_owned(self.fd).map_err(|e| fd_err(e, "close"))?;
        Ok(Step::Done(()))
    }
}

fn write_file_flags<S: 'static>(
    lp: &mut Loop<S>,
    path: &Path,
    flags: OpenFlags,
    data: Vec<u8>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    let p = CPath::new(path, "path")?;
    start(lp, move || FileWrite::start(p, flags.bits(), data), cb)
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
    write_file_flags(lp, path.as_ref(), OpenFlags::WRITE, data.into(), cb)
}

/// Appends `data` to `path`, creating it if missing (Node's `fs.appendFile`, flag `"a"`).
pub fn append_file<S: 'static>(
    lp: &mut Loop<S>,
    path: impl AsRef<Path>,
    data: impl Into<Vec<u8>>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<(), Error>) + 'static,
) -> Result<WorkReq, Error> {
    write_file_flags(lp, path.as_ref(), OpenFlags::APPEND, data.into(), cb)
}

#[cfg(test)]
mod tests {
    use super::super::test_hooks::{fail_submit_after, injected_error};
    use super::*;
    use ruv_core::RunMode;
    use std::path::PathBuf;

    /// A file in the temp dir, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(tag: &str, data: &[u8]) -> TempFile {
            let name = format!("ruv-fs-unit-{tag}-{}", std::process::id());
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, data).unwrap();
            TempFile(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    type Calls<T> = Vec<Result<T, Error>>;

    fn run<T: 'static>(start: impl FnOnce(&mut Loop<Calls<T>>)) -> Calls<T> {
        let mut lp: Loop<Calls<T>> = Loop::new().unwrap();
        start(&mut lp);
        let mut calls = Vec::new();
        lp.run(RunMode::Default, &mut calls).unwrap();
        calls
    }

    #[test]
    fn read_file_calls_back_once_when_a_follow_up_job_cannot_be_queued() {
        let f = TempFile::new("read-followup", &vec![7u8; FILE_CHUNK * 2 + 1]);
        let calls = run(|lp| {
            fail_submit_after(1); // the first job is queued, its follow-up is not
            read_file(lp, &f.0, |_, calls, r| calls.push(r)).unwrap();
        });
        assert_eq!(calls.len(), 1);
        let e = calls[0].as_ref().unwrap_err();
        assert_eq!(e.to_string(), injected_error().to_string());
    }

    #[test]
    fn write_file_calls_back_once_when_a_follow_up_job_cannot_be_queued() {
        let f = TempFile::new("write-followup", b"");
        let data = vec![7u8; FILE_CHUNK * 2 + 1];
        let calls = run(|lp| {
            fail_submit_after(1);
            write_file(lp, &f.0, data, |_, calls, r| calls.push(r)).unwrap();
        });
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].as_ref().unwrap_err().code(), Code::EAGAIN);
        // the first chunk was written, the rest never was
        assert_eq!(std::fs::metadata(&f.0).unwrap().len(), FILE_CHUNK as u64);
    }

    #[test]
    fn a_first_job_that_cannot_be_queued_is_returned_not_called_back() {
        let f = TempFile::new("read-first", b"x");
        let calls = run(|lp| {
            fail_submit_after(0);
            let e = read_file(lp, &f.0, |_, calls: &mut Calls<Vec<u8>>, r| calls.push(r));
            assert_eq!(e.unwrap_err().code(), Code::EAGAIN);
        });
        assert!(calls.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn endless_file_stops_one_byte_past_the_limit() {
        // /dev/zero never ends: the read stops at the limit, with Node's error and the count
        // read (the limit plus the probe byte); the buffer never grows past the limit.
        let limit = FILE_CHUNK as u64 * 3 + 5;
        let calls = run(|lp| {
            read_file_limited(lp, Path::new("/dev/zero"), limit, |_, calls, r| {
                calls.push(r)
            })
            .unwrap();
        });
        assert_eq!(calls.len(), 1);
        let e = calls[0].as_ref().unwrap_err();
        assert_eq!(e.code(), crate::codes::ERR_FS_FILE_TOO_LARGE);
        assert_eq!(
            e.to_string(),
            format!(
                "ERR_FS_FILE_TOO_LARGE: File size ({}) is greater than 2 GiB",
                limit + 1
            )
        );
    }

    #[test]
    fn a_file_of_unknown_size_exactly_at_the_limit_is_read() {
        // a pipe has no size: written with the limit's worth of bytes and closed, it reads
        // back whole, with no error
        let limit = FILE_CHUNK as u64 + 3;
        let fifo_data = vec![9u8; limit as usize];
        let (r, mut w) = std::io::pipe().unwrap();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            w.write_all(&fifo_data).unwrap();
        });
        let path = PathBuf::from(format!(
            "/proc/self/fd/{}",
            std::os::fd::AsRawFd::as_raw_fd(&r)
        ));
        let calls = run(|lp| {
            read_file_limited(lp, &path, limit, |_, calls, r| calls.push(r)).unwrap();
        });
        writer.join().unwrap();
        drop(r);
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].as_ref().unwrap().len(), limit as usize);
    }

    #[test]
    fn growth_doubles_and_stops_at_the_limit() {
        let (limit, mut buf, mut caps) = (1000u64, Vec::new(), Vec::new());
        while buf.len() < limit as usize {
            let want = (limit as usize - buf.len()).min(100);
            grow(&mut buf, want, limit).unwrap();
            assert!(buf.capacity() - buf.len() >= want);
            assert!(buf.capacity() <= limit as usize, "{}", buf.capacity());
            if caps.last() != Some(&buf.capacity()) {
                caps.push(buf.capacity());
            }
            buf.resize(buf.len() + want, 0);
        }
        // 100, 200, 400, 800, 1000: a handful of reallocations, none past the limit
        assert!(caps.len() <= 5, "{caps:?}");
        assert_eq!(
            grow(&mut Vec::new(), usize::MAX >> 1, u64::MAX)
                .unwrap_err()
                .code(),
            Code::ENOMEM
        );
    }
}
