//! scrypt's key derivation (RFC 7914): PBKDF2-HMAC-SHA256 (the `pbkdf2` crate) around
//! ROMix, BlockMix and Salsa20/8 written here for speed.
//!
//! - Salsa20/8 is scalar. Each 64-byte block is one dependency chain of `add`, `rotate`,
//!   `xor` steps (32 per Salsa20/8, 4 independent quarter rounds at a time), so its speed is
//!   3 × 32 ALU latencies whatever the register width. Scalar ALU operations have one-cycle
//!   latency; on the AMD Zen 5 we run on the vector versions were slower (consistent with
//!   its two-cycle latency for simple vector integer operations). Measured there (N=16384,
//!   r=8, compute only): scalar 18 ms; SSE2 / AVX2 diagonal SIMD (Percival's layout) 38 ms;
//!   AVX-512VL with `vprold` 27 ms. So there is no SIMD path.
//! - ROMix writes BlockMix's output straight into V and XORs V_j inside BlockMix (no copies);
//!   Integerify reads word 0 of the last block (`N < 2**32`, so 32 bits are enough). The hot
//!   loops use raw pointers whose bounds are checked once, before the loops.
//! - V (`128 r N` bytes) is allocated fallibly (`ENOMEM`, not an abort); from 2 MiB up it is
//!   2 MiB-aligned and advised as transparent huge pages (Linux): 8 page faults instead of
//!   4096 for the default 16 MiB and few TLB misses on the random V_j (27 → 21 ms).
//! - The 2r cache lines of V_j are prefetched together as soon as j is known, so the
//!   second loop waits for about one memory latency per step, not 2r.

use std::alloc::Layout;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use ruv_core::{Code, Error};
use sha2::Sha256;

/// One 64-byte Salsa20 block as 16 little-endian words, aligned to a cache line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(64))]
struct Block([u32; 16]);

const ZERO: Block = Block([0; 16]);

fn enomem(what: &str, bytes: usize) -> Error {
    Error::new(Code::ENOMEM).with_detail(format!("cannot allocate {bytes} bytes of scrypt {what}"))
}

/// A vector of `len` zero blocks, or ENOMEM.
fn alloc_blocks(len: usize, what: &str) -> Result<Vec<Block>, Error> {
    let mut v: Vec<Block> = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| enomem(what, len * 64))?;
    v.resize(len, ZERO);
    Ok(v)
}

/// Transparent huge pages: 2 MiB.
const HUGE_PAGE: usize = 2 << 20;

/// ROMix's memory V, uninitialised. From 2 MiB up it is aligned to 2 MiB and (on Linux)
/// advised as transparent huge pages: the default 16 MiB then costs 8 page faults instead of
/// 4096, and the random reads of V_j miss the TLB far less.
struct Memory {
    ptr: NonNull<MaybeUninit<Block>>,
    len: usize,
    layout: Layout,
}

impl Memory {
    fn new(len: usize) -> Result<Memory, Error> {
        let bytes = len
            .checked_mul(64)
            .ok_or_else(|| enomem("memory", usize::MAX))?;
        let align = if bytes >= HUGE_PAGE { HUGE_PAGE } else { 64 };
        let layout =
            Layout::from_size_align(bytes.max(64), align).map_err(|_| enomem("memory", bytes))?;
        // SAFETY: the layout's size is not zero.
        let p = unsafe { std::alloc::alloc(layout) };
        let ptr = NonNull::new(p.cast()).ok_or_else(|| enomem("memory", bytes))?;
        #[cfg(target_os = "linux")]
        if align == HUGE_PAGE {
            // SAFETY: `p..p + bytes` is our own fresh allocation, 2 MiB aligned; the advice
            // changes no contents, only how the pages are backed. Its failure is harmless.
            unsafe { libc::madvise(p.cast(), bytes, libc::MADV_HUGEPAGE) };
        }
        Ok(Memory { ptr, len, layout })
    }

    fn blocks(&mut self) -> &mut [MaybeUninit<Block>] {
        // SAFETY: `ptr` holds `len` blocks' worth of memory that this struct owns;
        // MaybeUninit needs no initialisation.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr().cast(), self.layout) }
    }
}

/// Derives `out.len()` bytes with scrypt(`password`, `salt`, N = 2**`log_n`, `r`, `p`).
/// `r`, `p` and N must have passed `ScryptParams::validate` (so `128 r p` and
/// `128 r N` fit in memory sizes); `out` must not be empty.
///
/// # Errors
///
/// `ENOMEM` if the working memory (`128 r (N + p + 2)` bytes) cannot be allocated.
pub(crate) fn scrypt(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    out: &mut [u8],
) -> Result<(), Error> {
    let (r, p) = (r as usize, p as usize);
    let n = 1usize << log_n;
    let chunk = 128 * r;
    let mut b = Vec::new();
    b.try_reserve_exact(chunk * p)
        .map_err(|_| enomem("state", chunk * p))?;
    b.resize(chunk * p, 0u8);
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, 1, &mut b);

    let mut x = alloc_blocks(2 * r, "state")?;
    let mut y = alloc_blocks(2 * r, "state")?;
    let v_blocks = n
        .checked_mul(2 * r)
        .ok_or_else(|| enomem("memory", usize::MAX))?;
    let mut v = Memory::new(v_blocks)?;
    for c in b.chunks_exact_mut(chunk) {
        load(c, &mut x);
        smix(&mut x, &mut y, v.blocks(), n);
        store(&x, c);
    }
    pbkdf2::pbkdf2_hmac::<Sha256>(password, &b, 1, out);
    Ok(())
}

/// Little-endian bytes into blocks of words.
fn load(bytes: &[u8], blocks: &mut [Block]) {
    for (blk, src) in blocks.iter_mut().zip(bytes.chunks_exact(64)) {
        for (i, w) in blk.0.iter_mut().enumerate() {
            let at = i * 4;
            *w = u32::from_le_bytes([src[at], src[at + 1], src[at + 2], src[at + 3]]);
        }
    }
}

/// The inverse of [`load`].
fn store(blocks: &[Block], bytes: &mut [u8]) {
    for (blk, dst) in blocks.iter().zip(bytes.chunks_exact_mut(64)) {
        for (i, w) in blk.0.iter().enumerate() {
            let at = i * 4;
            dst[at..at + 4].copy_from_slice(&w.to_le_bytes());
        }
    }
}

/// ROMix on one `128 r`-byte chunk `x` (2r blocks), with `y` (2r blocks) as scratch and
/// `v` (at least N·2r blocks, contents ignored) as the memory.
fn smix(x: &mut [Block], y: &mut [Block], v: &mut [MaybeUninit<Block>], n: usize) {
    let r2 = x.len();
    assert!(r2 >= 2 && r2.is_multiple_of(2) && y.len() == r2 && n >= 2 && n.is_power_of_two());
    assert!(v.len() / r2 >= n);
    let (x, y, v, r) = (
        x.as_mut_ptr(),
        y.as_mut_ptr(),
        v.as_mut_ptr().cast::<Block>(),
        r2 / 2,
    );
    // SAFETY: (all pointer arithmetic below) `x`, `y` hold 2r blocks, `v` at least N·2r
    // (checked above), from three distinct borrows, so no two overlap. Every V index is
    // `i * 2r` with `i < N` (`j & (N - 1)` in the second loop). V's blocks are read only
    // after the first loop has written them all.
    unsafe {
        std::ptr::copy_nonoverlapping(x, v, r2);
        for i in 0..n - 1 {
            blockmix(v.add(i * r2), std::ptr::null(), v.add((i + 1) * r2), r);
        }
        let mut j = blockmix(v.add((n - 1) * r2), std::ptr::null(), x, r) as usize;
        let mask = n - 1;
        for _ in 0..n / 2 {
            j = blockmix(x, v.add((j & mask) * r2), y, r) as usize;
            j = blockmix(y, v.add((j & mask) * r2), x, r) as usize;
        }
    }
}

#[inline(always)]
fn qr(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
    x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
    x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
    x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
}

/// Salsa20/8 of a block, in place.
fn salsa8(s: &mut [u32; 16]) {
    let orig = *s;
    let mut x = *s;
    for _ in 0..4 {
        qr(&mut x, 0, 4, 8, 12);
        qr(&mut x, 5, 9, 13, 1);
        qr(&mut x, 10, 14, 2, 6);
        qr(&mut x, 15, 3, 7, 11);
        qr(&mut x, 0, 1, 2, 3);
        qr(&mut x, 5, 6, 7, 4);
        qr(&mut x, 10, 11, 8, 9);
        qr(&mut x, 15, 12, 13, 14);
    }
    for ((o, v), i) in s.iter_mut().zip(x).zip(orig) {
        *o = v.wrapping_add(i);
    }
}

/// BlockMix of `src` (XORed with `xor` unless null) into `dst`; returns the last block's
/// word 0, Integerify's low 32 bits.
///
/// # Safety
///
/// `src`, `dst` (and `xor` unless null) point to 2r blocks each; `dst` overlaps neither.
#[inline]
unsafe fn blockmix(src: *const Block, xor: *const Block, dst: *mut Block, r: usize) -> u32 {
    // SAFETY: the caller's contract; every index is below 2r.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        if !xor.is_null() {
            // V_j is a random 128r-byte chunk of a large V: start all its cache misses
            // now rather than one by one as the Salsa20 chain reaches them.
            for i in 0..2 * r {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(xor.add(i).cast());
            }
        }
        let mut t = *src.add(2 * r - 1);
        if !xor.is_null() {
            let o = &*xor.add(2 * r - 1);
            t.0.iter_mut().zip(o.0).for_each(|(a, b)| *a ^= b);
        }
        for i in 0..2 * r {
            let s = &*src.add(i);
            t.0.iter_mut().zip(s.0).for_each(|(a, b)| *a ^= b);
            if !xor.is_null() {
                let o = &*xor.add(i);
                t.0.iter_mut().zip(o.0).for_each(|(a, b)| *a ^= b);
            }
            salsa8(&mut t.0);
            *dst.add(i / 2 + (i & 1) * r) = t;
        }
        t.0[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small xorshift generator: reproducible parameters without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn reference(pw: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32, keylen: usize) -> Vec<u8> {
        let mut want = vec![0u8; keylen];
        let params = ::scrypt::Params::new(log_n, r, p).unwrap();
        ::scrypt::scrypt(pw, salt, &params, &mut want).unwrap();
        want
    }

    #[test]
    fn layout_round_trips() {
        let bytes: Vec<u8> = (0..256u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut blocks = vec![ZERO; 4];
        load(&bytes, &mut blocks);
        assert_eq!(
            blocks[0].0[5],
            u32::from_le_bytes(bytes[20..24].try_into().unwrap())
        );
        let mut back = vec![0u8; 256];
        store(&blocks, &mut back);
        assert_eq!(back, bytes);
    }

    #[test]
    fn rfc7914_vectors() {
        // (password, salt, log2 N, r, p, key)
        type Case = (&'static [u8], &'static [u8], u8, u32, u32, &'static str);
        let cases: [Case; 2] = [
            (b"", b"", 4, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"),
            (b"password", b"NaCl", 10, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"),
        ];
        for (pw, salt, log_n, r, p, hex_key) in cases {
            let mut out = vec![0u8; 64];
            scrypt(pw, salt, log_n, r, p, &mut out).unwrap();
            assert_eq!(hex::encode(&out), hex_key);
        }
    }

    /// Random parameters (N up to 2**10, r 1..=8, p 1..=3, key 1..=100 bytes) against the
    /// `scrypt` crate.
    #[test]
    fn matches_the_scrypt_crate() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..80 {
            let log_n = 1 + rng.below(10) as u8;
            let r = 1 + rng.below(8) as u32;
            let p = 1 + rng.below(3) as u32;
            let keylen = 1 + rng.below(100) as usize;
            let pw: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
            let salt: Vec<u8> = (0..rng.below(40)).map(|_| rng.next() as u8).collect();
            let mut got = vec![0u8; keylen];
            scrypt(&pw, &salt, log_n, r, p, &mut got).unwrap();
            let want = reference(&pw, &salt, log_n, r, p, keylen);
            assert_eq!(got, want, "case {case}: N=2^{log_n} r={r} p={p}");
        }
    }

    /// V of 2 MiB and more takes the huge-page path.
    #[test]
    fn huge_page_memory_matches_the_scrypt_crate() {
        for (log_n, r, p) in [(11, 8, 1), (12, 8, 2), (13, 3, 1)] {
            let mut got = vec![0u8; 48];
            scrypt(b"pw", b"salt", log_n, r, p, &mut got).unwrap();
            assert_eq!(
                got,
                reference(b"pw", b"salt", log_n, r, p, 48),
                "N=2^{log_n} r={r}"
            );
        }
    }

    #[test]
    fn memory_that_cannot_be_had_is_enomem() {
        // N = 2**40 blocks of 128·8 bytes: 2**50 bytes, more than any allocator gives.
        let mut out = [0u8; 16];
        let e = scrypt(b"pw", b"salt", 40, 8, 1, &mut out).unwrap_err();
        assert_eq!(e.code(), Code::ENOMEM);
        assert!(e.to_string().contains("cannot allocate"), "{e}");
    }
}
