//! Shared memory between threads (Node's `SharedArrayBuffer` and `Atomics`).
//!
//! A [`SharedBuffer`] is a fixed-size block of memory that every clone shares: cloning is
//! an `Arc` increment, so posting one to a worker moves a pointer, never the bytes. The
//! memory is stored as 32-bit atomics, so it is `Send + Sync` without `unsafe`; the
//! [`as_i32`](SharedBuffer::as_i32) view is what `Atomics.wait`/`notify` work on:
//!
//! ```
//! use ruv_worker::shared::{SharedBuffer, WaitResult};
//! use std::sync::atomic::Ordering;
//!
//! let buf = SharedBuffer::new(8)?;
//! let theirs = buf.clone(); // shared, not copied
//! let t = std::thread::spawn(move || theirs.wait(0, 0, None));
//! while buf.waiters(0) == 0 {
//!     std::thread::yield_now(); // until the other thread is enqueued
//! }
//! buf.write(4, b"hi!")?;
//! buf.as_i32()[0].store(1, Ordering::SeqCst);
//! assert_eq!(buf.notify(0, None)?, 1);
//! assert_eq!(t.join().unwrap()?, WaitResult::Ok);
//! # Ok::<(), ruv_core::Error>(())
//! ```
//!
//! See docs/worker.md ("Shared memory") for the design: word storage, the waiter table,
//! and how [`wait_async`](SharedBuffer::wait_async) relates to the event loop's liveness.

use ruv_core::{Code, Error, Result};
use std::fmt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

mod table;
mod wait;
mod wait_async;

pub use wait_async::WaitAsync;

/// The largest byte length a [`SharedBuffer`] can have (its words must fit in `isize`).
pub const MAX_BYTE_LEN: usize = (isize::MAX as usize) & !3;

/// A fixed-size buffer of atomics shared by threads without copying (Node's
/// `SharedArrayBuffer`).
///
/// `Clone` shares the memory (compare with [`ptr_eq`](SharedBuffer::ptr_eq)); the buffer is
/// freed when the last clone is dropped. Bytes start at zero.
#[derive(Clone)]
pub struct SharedBuffer {
    inner: Arc<Inner>,
}

struct Inner {
    /// `byte_len` rounded up to whole words; byte `i` is byte `i % 4` of word `i / 4` in the
    /// platform's byte order (as in a JavaScript `SharedArrayBuffer` viewed both ways).
    words: Box<[AtomicI32]>,
    byte_len: usize,
}

/// What a wait on a [`SharedBuffer`] ended with (Node's `Atomics.wait` strings, plus
/// [`Interrupted`](WaitResult::Interrupted)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitResult {
    /// Woken by a [`notify`](SharedBuffer::notify) (`'ok'`).
    Ok,
    /// The value was not the expected one, so the wait never began (`'not-equal'`).
    NotEqual,
    /// The timeout passed before a notify (`'timed-out'`).
    TimedOut,
    /// The waiting worker thread was terminated (JavaScript would be stopped instead).
    Interrupted,
}

impl WaitResult {
    /// The string Node returns: `"ok"`, `"not-equal"`, `"timed-out"` (and `"interrupted"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            WaitResult::Ok => "ok",
            WaitResult::NotEqual => "not-equal",
            WaitResult::TimedOut => "timed-out",
            WaitResult::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for WaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SharedBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBuffer")
            .field("byte_len", &self.inner.byte_len)
            .field("at", &Arc::as_ptr(&self.inner))
            .finish()
    }
}

impl SharedBuffer {
    /// A zeroed buffer of `byte_len` bytes.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` beyond [`MAX_BYTE_LEN`]; `ENOMEM` when the memory cannot be
    /// allocated (never an abort).
    pub fn new(byte_len: usize) -> Result<SharedBuffer> {
        if byte_len > MAX_BYTE_LEN {
            return Err(Error::out_of_range(
                "byte_len",
                &format!("<= {MAX_BYTE_LEN}"),
                byte_len as u64,
            ));
        }
        let n = byte_len.div_ceil(4);
        let mut words: Vec<AtomicI32> = Vec::new();
        words.try_reserve_exact(n).map_err(|_| {
            Error::op(Code::ENOMEM, "shared_buffer_new").with_detail(format!(
                "not enough memory for a shared buffer of {byte_len} bytes"
            ))
        })?;
        words.resize_with(n, || AtomicI32::new(0));
        Ok(SharedBuffer {
            inner: Arc::new(Inner {
                words: words.into_boxed_slice(),
                byte_len,
            }),
        })
    }

    /// The length in bytes, as asked of [`new`](SharedBuffer::new).
    #[inline]
    pub fn byte_len(&self) -> usize {
        self.inner.byte_len
    }

    /// The buffer as 32-bit atomics (JavaScript's `new Int32Array(sab)`): `byte_len / 4`
    /// words, so a trailing partial word is reachable only through the byte methods. Indexes
    /// of [`wait`](SharedBuffer::wait) and [`notify`](SharedBuffer::notify) are into this.
    #[inline]
    pub fn as_i32(&self) -> &[AtomicI32] {
        &self.inner.words[..self.inner.byte_len / 4]
    }

    /// Whether both handles share one buffer.
    #[inline]
    pub fn ptr_eq(&self, other: &SharedBuffer) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Reads byte `index` (sequentially consistent, as `Atomics.load` on a `Uint8Array`).
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `index < byte_len()`.
    pub fn load_u8(&self, index: usize) -> Result<u8> {
        self.check_byte(index)?;
        let w = self.inner.words[index / 4].load(Ordering::SeqCst);
        Ok(w.to_ne_bytes()[index % 4])
    }

    /// Writes byte `index` (sequentially consistent, as `Atomics.store` on a `Uint8Array`):
    /// the other three bytes of its word are left as they are, even under concurrent writes.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `index < byte_len()`.
    pub fn store_u8(&self, index: usize, value: u8) -> Result<()> {
        self.check_byte(index)?;
        set_bytes(
            &self.inner.words[index / 4],
            index % 4,
            &[value],
            Ordering::SeqCst,
        );
        Ok(())
    }

    /// Copies `dst.len()` bytes from `offset` into `dst`. Each word is read atomically but
    /// without ordering (as a plain typed-array read in JavaScript): order it against other
    /// threads with an atomic store/load, or a [`notify`](SharedBuffer::notify)/wait.
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `offset + dst.len() <= byte_len()` (nothing is read).
    pub fn read(&self, offset: usize, dst: &mut [u8]) -> Result<()> {
        self.check_span(offset, dst.len())?;
        let mut at = offset;
        let mut out = dst;
        while !out.is_empty() {
            let bytes = self.inner.words[at / 4]
                .load(Ordering::Relaxed)
                .to_ne_bytes();
            let from = at % 4;
            let n = (4 - from).min(out.len());
            let (head, rest) = out.split_at_mut(n);
            head.copy_from_slice(&bytes[from..from + n]);
            out = rest;
            at += n;
        }
        Ok(())
    }

    /// Copies `src` into the buffer at `offset`. Whole words are stored atomically, the
    /// partial words at either end by compare-and-swap (bytes outside the span are never
    /// overwritten); no ordering (see [`read`](SharedBuffer::read)).
    ///
    /// # Errors
    /// `ERR_OUT_OF_RANGE` unless `offset + src.len() <= byte_len()` (nothing is written).
    pub fn write(&self, offset: usize, src: &[u8]) -> Result<()> {
        self.check_span(offset, src.len())?;
        let mut at = offset;
        let mut rest = src;
        while !rest.is_empty() {
            let word = &self.inner.words[at / 4];
            let from = at % 4;
            let n = (4 - from).min(rest.len());
            let (head, tail) = rest.split_at(n);
            if n == 4 {
                let whole = [head[0], head[1], head[2], head[3]];
                word.store(i32::from_ne_bytes(whole), Ordering::Relaxed);
            } else {
                set_bytes(word, from, head, Ordering::Relaxed);
            }
            rest = tail;
            at += n;
        }
        Ok(())
    }

    /// The buffer's bytes, copied (see [`read`](SharedBuffer::read)).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0; self.byte_len()];
        self.read(0, &mut v).expect("the whole buffer is in range");
        v
    }

    fn check_byte(&self, index: usize) -> Result<()> {
        if index < self.byte_len() {
            Ok(())
        } else {
            Err(Error::out_of_range(
                "index",
                &format!(">= 0 && < {}", self.byte_len()),
                index as u64,
            ))
        }
    }

    fn check_span(&self, offset: usize, len: usize) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.byte_len() => Ok(()),
            _ => Err(Error::out_of_range(
                "offset",
                &format!(">= 0 && <= {}", self.byte_len().saturating_sub(len)),
                offset as u64,
            )),
        }
    }

    /// Checks a word index for wait/notify.
    fn check_word(&self, index: usize) -> Result<&AtomicI32> {
        let words = self.as_i32();
        words.get(index).ok_or_else(|| {
            Error::out_of_range("index", &format!(">= 0 && < {}", words.len()), index as u64)
        })
    }

    /// This buffer's identity in the waiter table.
    fn addr(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }
}

/// Replaces `bytes.len()` bytes of `word` from byte `from`, leaving the others (a CAS loop).
fn set_bytes(word: &AtomicI32, from: usize, bytes: &[u8], order: Ordering) {
    let mut cur = word.load(Ordering::Relaxed);
    loop {
        let mut b = cur.to_ne_bytes();
        b[from..from + bytes.len()].copy_from_slice(bytes);
        match word.compare_exchange_weak(cur, i32::from_ne_bytes(b), order, Ordering::Relaxed) {
            Ok(_) => return,
            Err(now) => cur = now,
        }
    }
}

#[cfg(test)]
mod tests;
