//! The only `unsafe` code in ruv-fs: three blocks, each with its reason.
//!
//! * Borrowing a descriptor *number* (Node's numeric `fd`, [`crate::Fd`]) for one system call:
//!   rustix, like std, takes descriptors as `BorrowedFd`, and making one from a number is
//!   `unsafe` because the number must stay open while it is borrowed.
//! * Closing a descriptor number and getting `close`'s error back (Node reports
//!   `EBADF: bad file descriptor, close`; dropping an `OwnedFd` would swallow it).
//! * Marking the bytes a `read` put into a `Vec`'s spare capacity as initialised, so reads do
//!   not have to zero their buffers first (a whole file is read straight into its `Vec`).
//!
//! Everything else in the crate is safe code (`#![deny(unsafe_code)]` in `lib.rs`; this
//! module alone allows it).

#![allow(unsafe_code)]

use rustix::fd::{BorrowedFd, RawFd};
use rustix::io::Errno;

/// Runs `f` with the descriptor number `fd` borrowed for the call.
///
/// A negative number is `EBADF` (as the kernel answers; -1 cannot be a `BorrowedFd` at all).
pub(crate) fn with_raw<R>(
    fd: RawFd,
    f: impl FnOnce(BorrowedFd<'_>) -> Result<R, Errno>,
) -> Result<R, Errno> {
    if fd < 0 {
        return Err(Errno::BADF);
    }
    // SAFETY: `borrow_raw` requires the number to stay open while the borrow lives, which is
    // the duration of `f` (the higher-ranked lifetime keeps the borrow from escaping it).
    // Keeping it open is the caller's part of Node's descriptor contract, documented on `Fd`:
    // a descriptor is not closed while a call on it is in flight. If it is closed anyway, the
    // kernel still checks the number at the system call: `EBADF`, or, if the number was
    // reused, the call acts on that other file, exactly as in Node. ruv-fs maps no memory
    // from a descriptor, so no memory safety rests on the number.
    f(unsafe { BorrowedFd::borrow_raw(fd) })
}

/// `close(2)` of a descriptor number, reporting its error. `EINTR` counts as success: on
/// Linux the number is released even then, and retrying could close a descriptor another
/// thread has just been given.
pub(crate) fn close_raw(fd: RawFd) -> Result<(), Errno> {
    if fd < 0 {
        return Err(Errno::BADF);
    }
    // SAFETY: closing ends a descriptor's life, which only its owner may do. The numbers
    // closed here are either released from an `OwnedFd` by ruv-fs itself (`into_raw_fd`, so
    // nothing else owns them) or handed over by their owner to be closed (`fs::close`, or a
    // stream's `auto_close`: Node's contract on `Fd`). ruv-fs keeps no `OwnedFd` or
    // `BorrowedFd` of a number across its close. A number that is not open is `EBADF`.
    match unsafe { rustix::io::try_close(fd) } {
        Err(Errno::INTR) => Ok(()),
        r => r,
    }
}

/// Reads at most `len` bytes (`pread` at `pos`, or `read` at the current position) into the
/// spare capacity of `buf`, appending them; `EINTR` is retried. `buf` must have room for
/// `len` more bytes (`EINVAL` otherwise). Returns the count read; 0 means end of file.
pub(crate) fn read_spare(
    fd: BorrowedFd<'_>,
    buf: &mut Vec<u8>,
    len: usize,
    pos: Option<u64>,
) -> Result<usize, Errno> {
    let start = buf.len();
    let spare = buf
        .spare_capacity_mut()
        .get_mut(..len)
        .ok_or(Errno::INVAL)?;
    let n = loop {
        let r = match pos {
            Some(p) => rustix::io::pread(fd, &mut *spare, p),
            None => rustix::io::read(fd, &mut *spare),
        };
        match r {
            Ok((init, _)) => break init.len(),
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    };
    // SAFETY: rustix handed back the first `n` bytes of `spare` as initialised (`init`), and
    // `spare` starts right at `buf.len() == start`, so the first `start + n` bytes of `buf`
    // are initialised; `n <= len <= buf.capacity() - start`.
    unsafe { buf.set_len(start + n) };
    Ok(n)
}
