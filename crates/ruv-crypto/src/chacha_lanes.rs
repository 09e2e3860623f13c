//! The bulk random generator: the ChaCha20 block function (RFC 8439's rounds, with a 64-bit
//! block counter and a zero 64-bit stream id, as `rand_chacha` lays them out) computed for
//! 16 consecutive blocks at once, one block per 32-bit lane of the AVX-512 registers.
//!
//! A batch of 16 blocks is written word-major: the 16 lanes' word 0, then their word 1, …
//! — the same 1024 keystream words as 16 blocks in order, in another order, which is just
//! as good as random output and saves the 16×16 transpose. Without AVX-512 the same
//! batches come from portable code (same bytes; the tests check both against each other
//! and against `rand_chacha`).

/// Bytes in one batch of 16 blocks.
pub(crate) const BATCH: usize = 1024;

const CONSTANTS: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// ChaCha20 keyed by a 32-byte seed, producing its keystream 1 KiB at a time.
pub(crate) struct ChaChaLanes {
    key: [u32; 8],
    /// The next block's counter.
    counter: u64,
    /// Keystream made but not yet handed out: `buf[pos..]`.
    buf: [u8; BATCH],
    pos: usize,
    avx512: bool,
}

impl ChaChaLanes {
    pub(crate) fn new(seed: [u8; 32]) -> ChaChaLanes {
        ChaChaLanes::with_backend(seed, detect_avx512())
    }

    pub(crate) fn with_backend(seed: [u8; 32], avx512: bool) -> ChaChaLanes {
        let mut key = [0u32; 8];
        for (k, c) in key.iter_mut().zip(seed.chunks_exact(4)) {
            *k = u32::from_le_bytes(c.try_into().expect("4 bytes"));
        }
        ChaChaLanes {
            key,
            counter: 0,
            buf: [0; BATCH],
            pos: BATCH,
            avx512,
        }
    }

    /// Writes the next 16 blocks of keystream into `out`.
    fn batch(&mut self, out: &mut [u8; BATCH]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx512 {
            // SAFETY: `avx512` is true only where the CPU has AVX-512F (detect_avx512).
            unsafe { avx512::batch(&self.key, self.counter, out) };
            self.counter = self.counter.wrapping_add(16);
            return;
        }
        portable_batch(&self.key, self.counter, out);
        self.counter = self.counter.wrapping_add(16);
    }

    /// Fills `dest` with the next keystream bytes.
    pub(crate) fn fill(&mut self, dest: &mut [u8]) {
        let mut dest = dest;
        // First what is left of the last batch.
        let n = dest.len().min(BATCH - self.pos);
        dest[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.buf[self.pos..self.pos + n].fill(0);
        self.pos += n;
        dest = &mut dest[n..];
        // Whole batches straight into `dest`.
        let mut chunks = dest.chunks_exact_mut(BATCH);
        for chunk in &mut chunks {
            self.batch(chunk.try_into().expect("BATCH bytes"));
        }
        let rest = chunks.into_remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; BATCH];
            self.batch(&mut buf);
            rest.copy_from_slice(&buf[..rest.len()]);
            buf[..rest.len()].fill(0);
            self.buf = buf;
            self.pos = rest.len();
        }
    }
}

fn detect_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The initial state of the 16 blocks from `counter`: `state[word][lane]`.
// Indexing by word and lane reads like the spec; iterators would hide it.
#[allow(clippy::needless_range_loop)]
fn initial(key: &[u32; 8], counter: u64) -> [[u32; 16]; 16] {
    let mut s = [[0u32; 16]; 16];
    for w in 0..4 {
        s[w] = [CONSTANTS[w]; 16];
    }
    for w in 0..8 {
        s[4 + w] = [key[w]; 16];
    }
    for lane in 0..16 {
        let c = counter.wrapping_add(lane as u64);
        s[12][lane] = c as u32;
        s[13][lane] = (c >> 32) as u32;
    }
    s
}

/// Word indices of ChaCha's quarter rounds: four columns, then four diagonals.
const QUARTER_ROUNDS: [[usize; 4]; 8] = [
    [0, 4, 8, 12],
    [1, 5, 9, 13],
    [2, 6, 10, 14],
    [3, 7, 11, 15],
    [0, 5, 10, 15],
    [1, 6, 11, 12],
    [2, 7, 8, 13],
    [3, 4, 9, 14],
];

// Indexing by word and lane reads like the spec; iterators would hide it.
#[allow(clippy::needless_range_loop)]
fn portable_batch(key: &[u32; 8], counter: u64, out: &mut [u8; BATCH]) {
    let init = initial(key, counter);
    let mut x = init;
    for _ in 0..10 {
        for [a, b, c, d] in QUARTER_ROUNDS {
            for l in 0..16 {
                x[a][l] = x[a][l].wrapping_add(x[b][l]);
                x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(16);
                x[c][l] = x[c][l].wrapping_add(x[d][l]);
                x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(12);
                x[a][l] = x[a][l].wrapping_add(x[b][l]);
                x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(8);
                x[c][l] = x[c][l].wrapping_add(x[d][l]);
                x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(7);
            }
        }
    }
    for w in 0..16 {
        for l in 0..16 {
            let v = x[w][l].wrapping_add(init[w][l]);
            let at = (w * 16 + l) * 4;
            out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{initial, BATCH};

    /// One quarter round on four words of all 16 lanes.
    macro_rules! quarter {
        ($a:ident, $b:ident, $c:ident, $d:ident) => {
            $a = _mm512_add_epi32($a, $b);
            $d = _mm512_rol_epi32::<16>(_mm512_xor_si512($d, $a));
            $c = _mm512_add_epi32($c, $d);
            $b = _mm512_rol_epi32::<12>(_mm512_xor_si512($b, $c));
            $a = _mm512_add_epi32($a, $b);
            $d = _mm512_rol_epi32::<8>(_mm512_xor_si512($d, $a));
            $c = _mm512_add_epi32($c, $d);
            $b = _mm512_rol_epi32::<7>(_mm512_xor_si512($b, $c));
        };
    }

    /// 16 ChaCha20 blocks from `counter`, word-major, as `portable_batch`.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn batch(key: &[u32; 8], counter: u64, out: &mut [u8; BATCH]) {
        let init = initial(key, counter);
        // SAFETY: AVX-512F is present (caller's contract); loads and stores are unaligned
        // and within `init` (16 × 64 bytes) and `out` (1024 bytes).
        unsafe {
            let ld = |w: usize| _mm512_loadu_si512(init[w].as_ptr().cast());
            let [mut x0, mut x1, mut x2, mut x3] = [ld(0), ld(1), ld(2), ld(3)];
            let [mut x4, mut x5, mut x6, mut x7] = [ld(4), ld(5), ld(6), ld(7)];
            let [mut x8, mut x9, mut x10, mut x11] = [ld(8), ld(9), ld(10), ld(11)];
            let [mut x12, mut x13, mut x14, mut x15] = [ld(12), ld(13), ld(14), ld(15)];
            for _ in 0..10 {
                quarter!(x0, x4, x8, x12);
                quarter!(x1, x5, x9, x13);
                quarter!(x2, x6, x10, x14);
                quarter!(x3, x7, x11, x15);
                quarter!(x0, x5, x10, x15);
                quarter!(x1, x6, x11, x12);
                quarter!(x2, x7, x8, x13);
                quarter!(x3, x4, x9, x14);
            }
            let x = [
                x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15,
            ];
            for (w, v) in x.into_iter().enumerate() {
                let v = _mm512_add_epi32(v, ld(w));
                _mm512_storeu_si512(out.as_mut_ptr().add(w * 64).cast(), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::{RngCore, SeedableRng};

    /// The block-major keystream of `rand_chacha` (the reference) for 16 blocks.
    fn reference(seed: [u8; 32], skip_blocks: u64) -> Vec<u8> {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        rng.set_word_pos(u128::from(skip_blocks) * 16);
        let mut out = vec![0u8; BATCH];
        rng.fill_bytes(&mut out);
        out
    }

    /// Word-major (ours) to block-major (ChaCha's order).
    fn transpose(batch: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; BATCH];
        for w in 0..16 {
            for l in 0..16 {
                let from = (w * 16 + l) * 4;
                let to = (l * 16 + w) * 4;
                out[to..to + 4].copy_from_slice(&batch[from..from + 4]);
            }
        }
        out
    }

    #[test]
    fn batches_are_chacha20_blocks() {
        let seed: [u8; 32] = std::array::from_fn(|i| i as u8 * 7 + 1);
        let mut backends = vec![false];
        if detect_avx512() {
            backends.push(true);
        }
        for avx512 in backends {
            let mut g = ChaChaLanes::with_backend(seed, avx512);
            for batch in 0..3u64 {
                let mut out = [0u8; BATCH];
                g.batch(&mut out);
                assert_eq!(
                    transpose(&out),
                    reference(seed, batch * 16),
                    "avx512 {avx512}"
                );
            }
        }
    }

    #[test]
    fn counter_carries_into_the_high_word() {
        let seed = [9u8; 32];
        let mut g = ChaChaLanes::with_backend(seed, false);
        g.counter = u64::from(u32::MAX) - 7;
        let mut out = [0u8; BATCH];
        g.batch(&mut out);
        assert_eq!(transpose(&out), reference(seed, u64::from(u32::MAX) - 7));
        if detect_avx512() {
            let mut h = ChaChaLanes::with_backend(seed, true);
            h.counter = u64::from(u32::MAX) - 7;
            let mut out2 = [0u8; BATCH];
            h.batch(&mut out2);
            assert_eq!(out, out2);
        }
    }

    #[test]
    fn fill_hands_out_the_stream_once_in_any_split() {
        let seed = [3u8; 32];
        let mut whole = vec![0u8; 5 * BATCH];
        ChaChaLanes::new(seed).fill(&mut whole);
        for splits in [
            &[1usize, 1023, 1024, 3000][..],
            &[700, 700, 700, 2000],
            &[5000, 120],
        ] {
            let mut g = ChaChaLanes::new(seed);
            let mut got = Vec::new();
            for &n in splits {
                let mut part = vec![0u8; n];
                g.fill(&mut part);
                got.extend_from_slice(&part);
            }
            assert_eq!(got, whole[..got.len()], "{splits:?}");
        }
    }
}
