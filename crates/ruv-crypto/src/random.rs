//! Random bytes: Node.js's `crypto.randomBytes` / `crypto.randomFill` with Node's argument
//! checks.
//!
//! Where the bytes come from:
//!
//! - requests of up to [`OS_RANDOM_MAX`] bytes are read straight from the OS
//!   (`getrandom(2)` on Linux, through the `getrandom` crate);
//! - larger ones come from a ChaCha20 generator kept per thread (16 blocks at a time in
//!   AVX-512 lanes where the CPU has them, see `chacha_lanes.rs`), seeded with 32 bytes of OS
//!   randomness, reseeded from the OS after every [`RESEED_BYTES`] bytes it produces and
//!   whenever the process id differs from the one it was seeded in (so a forked child
//!   never repeats its parent's stream).

use std::cell::RefCell;

use ruv_core::{Code, Error, Loop, WorkClass, WorkReq};

use crate::chacha_lanes::ChaChaLanes;
use crate::pbkdf2::{out_of_range, out_of_range_must, MAX_INT32};

/// Requests of at most this many bytes are read from the OS directly; larger ones from the
/// thread's ChaCha20 generator.
pub const OS_RANDOM_MAX: usize = 256;

/// A thread's ChaCha20 generator is reseeded from the OS after producing this many bytes.
pub const RESEED_BYTES: usize = 1 << 20;

/// One thread's generator and what decides when to reseed it.
struct Generator {
    rng: ChaChaLanes,
    /// Bytes it may still produce before the next reseed.
    left: usize,
    /// The process it was seeded in.
    pid: u32,
}

thread_local! {
    static GENERATOR: RefCell<Option<Generator>> = const { RefCell::new(None) };
}

/// An OS random failure as a ruv error (its errno where it has one, else `EIO`).
fn os_error(e: getrandom::Error) -> Error {
    let code = e.raw_os_error().map_or(Code::EIO, Code::from_errno);
    Error::new(code)
        .with_syscall("getrandom")
        .with_detail(e.to_string())
}

fn seeded() -> Result<Generator, Error> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(os_error)?;
    Ok(Generator {
        rng: ChaChaLanes::new(seed),
        left: RESEED_BYTES,
        pid: std::process::id(),
    })
}

/// Fills `buf` with cryptographically secure random bytes (see the module's notes for
/// where they come from).
fn fill(buf: &mut [u8]) -> Result<(), Error> {
    if buf.len() <= OS_RANDOM_MAX {
        return getrandom::fill(buf).map_err(os_error);
    }
    GENERATOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let pid = std::process::id();
        if slot.as_ref().is_none_or(|g| g.pid != pid) {
            *slot = Some(seeded()?);
        }
        let mut rest = buf;
        while !rest.is_empty() {
            let g = slot.as_mut().expect("seeded above");
            if g.left == 0 {
                *g = seeded()?;
            }
            let n = rest.len().min(g.left);
            let (now, later) = rest.split_at_mut(n);
            g.rng.fill(now);
            g.left -= n;
            rest = later;
        }
        Ok(())
    })
}

/// A zeroed `len`-byte buffer, or `ENOMEM`.
fn zeroed(len: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| {
        Error::new(Code::ENOMEM).with_detail(format!("cannot allocate {len} random bytes"))
    })?;
    out.resize(len, 0);
    Ok(out)
}

/// Node's check of `crypto.randomBytes(size)`: `size` in `0..=2**31 - 1`.
fn check_size(size: u64) -> Result<usize, Error> {
    if size > MAX_INT32 {
        return Err(out_of_range("size", 0, size));
    }
    Ok(size as usize)
}

/// Node's checks of `crypto.randomFill(buf, offset, size)` for a buffer of `len` bytes;
/// returns the byte range to fill.
fn check_fill(len: usize, offset: u64, size: Option<u64>) -> Result<(usize, usize), Error> {
    let max_offset = (len as u64).min(MAX_INT32);
    if offset > max_offset {
        return Err(out_of_range_must(
            "offset",
            &format!(">= 0 && <= {max_offset}"),
            offset,
        ));
    }
    let size = match size {
        None => len as u64 - offset,
        Some(size) => {
            if size > MAX_INT32 {
                return Err(out_of_range("size", 0, size));
            }
            if size + offset > len as u64 {
                return Err(out_of_range_must(
                    "size + offset",
                    &format!("<= {len}"),
                    size + offset,
                ));
            }
            size
        }
    };
    Ok((offset as usize, size as usize))
}

/// Node.js's `crypto.randomBytes(size)`: `size` cryptographically secure random bytes, on
/// the calling thread.
///
/// ```
/// use ruv_core::Code;
/// let a = ruv_crypto::random_bytes_sync(32)?;
/// let b = ruv_crypto::random_bytes_sync(32)?;
/// assert_eq!(a.len(), 32);
/// assert_ne!(a, b);
/// assert!(ruv_crypto::random_bytes_sync(0)?.is_empty());
///
/// let err = ruv_crypto::random_bytes_sync(1 << 31).unwrap_err();
/// assert_eq!(err.code(), Code::ERR_OUT_OF_RANGE);
/// assert_eq!(
///     err.to_string(),
///     "ERR_OUT_OF_RANGE: The value of \"size\" is out of range. \
///      It must be >= 0 && <= 2147483647. Received 2147483648"
/// );
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Code::ERR_OUT_OF_RANGE`] with Node's message if `size > 2**31 - 1`; `ENOMEM` if the
/// buffer cannot be allocated; the OS's error if it cannot give random bytes.
pub fn random_bytes_sync(size: u64) -> Result<Vec<u8>, Error> {
    let mut out = zeroed(check_size(size)?)?;
    fill(&mut out)?;
    Ok(out)
}

/// Node.js's `crypto.randomFillSync(buf, offset, size)`: overwrites `size` bytes of `buf`
/// from `offset` (all of it from `offset` when `size` is `None`) with random bytes.
///
/// ```
/// let mut buf = [0u8; 64];
/// ruv_crypto::random_fill_sync(&mut buf, 60, None)?;
/// assert_eq!(buf[..60], [0u8; 60]);
///
/// let err = ruv_crypto::random_fill_sync(&mut buf, 10, Some(60)).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "ERR_OUT_OF_RANGE: The value of \"size + offset\" is out of range. \
///      It must be <= 64. Received 70"
/// );
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// [`Code::ERR_OUT_OF_RANGE`] with Node's messages, in Node's order: `offset` above
/// `min(buf.len(), 2**31 - 1)`; `size` above `2**31 - 1`; `size + offset` above
/// `buf.len()`. Nothing is written then. The OS's error if it cannot give random bytes.
pub fn random_fill_sync(buf: &mut [u8], offset: u64, size: Option<u64>) -> Result<(), Error> {
    let (offset, size) = check_fill(buf.len(), offset, size)?;
    fill(&mut buf[offset..offset + size])
}

/// Node.js's `crypto.randomBytes(size, callback)`: makes the bytes on the worker pool
/// ([`WorkClass::Cpu`]) and calls `cb` on the loop with them.
///
/// `size` is checked first, synchronously (Node throws): a bad call returns the error,
/// queues nothing and never calls `cb`. `cb` gets the bytes, or `ECANCELED` after
/// [`Loop::cancel`] on the returned request, `ENOMEM`, or the OS's error.
///
/// ```
/// use ruv_core::{Loop, RunMode};
///
/// let mut lp: Loop<Vec<Vec<u8>>> = Loop::new()?;
/// for size in [16, 4096] {
///     ruv_crypto::random_bytes(&mut lp, size, |_lp, out, res| out.push(res.unwrap()))?;
/// }
/// let mut out = Vec::new();
/// lp.run(RunMode::Default, &mut out)?;
/// let mut lens: Vec<usize> = out.iter().map(Vec::len).collect();
/// lens.sort();
/// assert_eq!(lens, [16, 4096]);
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The argument error of [`random_bytes_sync`]; the pool's start-up error from
/// [`Loop::queue_work`].
pub fn random_bytes<S: 'static>(
    lp: &mut Loop<S>,
    size: u64,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let size = check_size(size)?;
    lp.queue_work(
        WorkClass::Cpu,
        move || {
            let mut out = zeroed(size)?;
            fill(&mut out)?;
            Ok(out)
        },
        move |lp, state, res| cb(lp, state, res.and_then(|r| r)),
    )
}

/// Node.js's `crypto.randomFill(buf, offset, size, callback)`: fills `size` bytes of `buf`
/// from `offset` (the rest of it when `size` is `None`) on the worker pool and hands the
/// buffer back to `cb` on the loop.
///
/// The arguments are checked first, synchronously, as [`random_fill_sync`] checks them;
/// a bad call returns the error (the buffer is dropped) and `cb` is never called. If the
/// request is cancelled (`ECANCELED`) or fails, the buffer is dropped too.
///
/// ```
/// use ruv_core::{Loop, RunMode};
///
/// let mut lp: Loop<Option<Vec<u8>>> = Loop::new()?;
/// ruv_crypto::random_fill(&mut lp, vec![0u8; 1000], 900, Some(50), |_lp, out, res| {
///     *out = Some(res.unwrap());
/// })?;
/// let mut out = None;
/// lp.run(RunMode::Default, &mut out)?;
/// let buf = out.unwrap();
/// assert_eq!(buf.len(), 1000);
/// assert!(buf[..900].iter().chain(&buf[950..]).all(|&b| b == 0));
/// # Ok::<(), ruv_core::Error>(())
/// ```
///
/// # Errors
///
/// The argument errors of [`random_fill_sync`]; the pool's start-up error from
/// [`Loop::queue_work`].
pub fn random_fill<S: 'static>(
    lp: &mut Loop<S>,
    mut buf: Vec<u8>,
    offset: u64,
    size: Option<u64>,
    cb: impl FnOnce(&mut Loop<S>, &mut S, Result<Vec<u8>, Error>) + 'static,
) -> Result<WorkReq, Error> {
    let (offset, size) = check_fill(buf.len(), offset, size)?;
    lp.queue_work(
        WorkClass::Cpu,
        move || {
            fill(&mut buf[offset..offset + size])?;
            Ok(buf)
        },
        move |lp, state, res| cb(lp, state, res.and_then(|r| r)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reseeds_after_reseed_bytes() {
        let mut buf = vec![0u8; RESEED_BYTES + 1000];
        fill(&mut buf).unwrap();
        GENERATOR.with(|cell| {
            let g = cell.borrow();
            let g = g.as_ref().unwrap();
            assert_eq!(g.left, RESEED_BYTES - 1000);
            assert_eq!(g.pid, std::process::id());
        });
        // Not all zero, and the two halves differ.
        assert_ne!(buf[..512], buf[512..1024]);
    }

    #[test]
    fn check_fill_matches_node() {
        assert_eq!(check_fill(10, 10, None).unwrap(), (10, 0));
        assert_eq!(check_fill(10, 3, None).unwrap(), (3, 7));
        assert_eq!(check_fill(10, 3, Some(7)).unwrap(), (3, 7));
        let e = check_fill(10, 11, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERR_OUT_OF_RANGE: The value of \"offset\" is out of range. \
             It must be >= 0 && <= 10. Received 11"
        );
    }
}
