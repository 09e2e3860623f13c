//! PBKDF2-HMAC-SHA-512 / SHA-384 computing several output blocks side by side.
//!
//! PBKDF2's output blocks `T_1, T_2, …` are independent chains of `iterations` HMACs each.
//! Node's OpenSSL computes them one after the other. Here 8 of them advance together:
//! every SHA-512 word of the compression function is an AVX-512 register holding that word
//! for 8 blocks (one 64-bit lane per block), so one instruction does the same step for
//! all 8. The experiment's hash (`keylen` 512 with sha512) is exactly 8 blocks: measured
//! about 5.5x faster than one block at a time with the `sha2` crate. Used only where the
//! CPU has AVX-512F and the key has at least 2 blocks; otherwise the `pbkdf2` crate runs.
//! (Plain-integer lanes left to LLVM's auto-vectorizer, for AVX2 or AVX-512, were slower
//! than the `sha2` crate one block at a time, and slow to compile; they were dropped.)
//!
//! Per iteration and lane the HMAC costs two compressions, from precomputed states:
//! `inner = F(ipad_state, U ‖ pad)`, `U' = F(opad_state, inner ‖ pad)` (the padded
//! 64- or 48-byte message always fits in one 128-byte block, so its padding and length
//! words are constants). The first HMAC of each block, over the caller's salt, goes
//! through the `hmac` crate. Everything else is checked against the `pbkdf2` crate and
//! Node's vectors by the tests.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest as _, Sha384, Sha512};

/// FIPS 180-4 §4.2.3: the first 64 bits of the fractional parts of the cube roots of the
/// first 80 primes (derived here with integer cube roots, not copied).
const K: [u64; 80] = [
    0x428a2f98d728ae22,
    0x7137449123ef65cd,
    0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc,
    0x3956c25bf348b538,
    0x59f111f1b605d019,
    0x923f82a4af194f9b,
    0xab1c5ed5da6d8118,
    0xd807aa98a3030242,
    0x12835b0145706fbe,
    0x243185be4ee4b28c,
    0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f,
    0x80deb1fe3b1696b1,
    0x9bdc06a725c71235,
    0xc19bf174cf692694,
    0xe49b69c19ef14ad2,
    0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5,
    0x240ca1cc77ac9c65,
    0x2de92c6f592b0275,
    0x4a7484aa6ea6e483,
    0x5cb0a9dcbd41fbd4,
    0x76f988da831153b5,
    0x983e5152ee66dfab,
    0xa831c66d2db43210,
    0xb00327c898fb213f,
    0xbf597fc7beef0ee4,
    0xc6e00bf33da88fc2,
    0xd5a79147930aa725,
    0x06ca6351e003826f,
    0x142929670a0e6e70,
    0x27b70a8546d22ffc,
    0x2e1b21385c26c926,
    0x4d2c6dfc5ac42aed,
    0x53380d139d95b3df,
    0x650a73548baf63de,
    0x766a0abb3c77b2a8,
    0x81c2c92e47edaee6,
    0x92722c851482353b,
    0xa2bfe8a14cf10364,
    0xa81a664bbc423001,
    0xc24b8b70d0f89791,
    0xc76c51a30654be30,
    0xd192e819d6ef5218,
    0xd69906245565a910,
    0xf40e35855771202a,
    0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8,
    0x1e376c085141ab53,
    0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8,
    0x391c0cb3c5c95a63,
    0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373,
    0x682e6ff3d6b2b8a3,
    0x748f82ee5defb2fc,
    0x78a5636f43172f60,
    0x84c87814a1f0ab72,
    0x8cc702081a6439ec,
    0x90befffa23631e28,
    0xa4506cebde82bde9,
    0xbef9a3f7b2c67915,
    0xc67178f2e372532b,
    0xca273eceea26619c,
    0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e,
    0xf57d4f7fee6ed178,
    0x06f067aa72176fba,
    0x0a637dc5a2c898a6,
    0x113f9804bef90dae,
    0x1b710b35131c471b,
    0x28db77f523047d84,
    0x32caab7b40c72493,
    0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c,
    0x4cc5d4becb3e42b6,
    0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec,
    0x6c44198c4a475817,
];

/// FIPS 180-4 §5.3.5: SHA-512's initial state (square roots of the first 8 primes).
const IV512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// FIPS 180-4 §5.3.4: SHA-384's initial state (square roots of the 9th to 16th primes).
const IV384: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];

/// One SHA-512 word in each of [`Word::LANES`] lanes, with the operations the
/// compression function needs.
trait Word: Copy {
    /// Lanes per word.
    const LANES: usize;
    /// `x` in every lane.
    fn splat(x: u64) -> Self;
    /// Lane `i` is `x[i]`; `x.len() == LANES`.
    fn load(x: &[u64]) -> Self;
    /// Writes lane `i` to `out[i]`; `out.len() == LANES`.
    fn store(self, out: &mut [u64]);
    /// Wrapping addition.
    fn add(self, o: Self) -> Self;
    /// `self ^ b ^ c`.
    fn xor3(self, b: Self, c: Self) -> Self;
    /// `self ^ o`.
    fn xor(self, o: Self) -> Self;
    /// SHA's Ch: `(self & f) ^ (!self & g)`.
    fn ch(self, f: Self, g: Self) -> Self;
    /// SHA's Maj: the bitwise majority of `self`, `b`, `c`.
    fn maj(self, b: Self, c: Self) -> Self;
    /// Rotation right by `R`.
    fn rotr<const R: u32>(self) -> Self;
    /// Shift right by `R`.
    fn shr<const R: u32>(self) -> Self;
}

/// Eight lanes in one AVX-512 register.
#[cfg(target_arch = "x86_64")]
mod avx512;

/// One SHA-512 round (FIPS 180-4 §6.4.2) with the working variables named in rotated
/// order, so eight consecutive rounds need no moves: only `d` and `h` change.
macro_rules! round {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $kw:expr) => {{
        let big_sigma1 = $e.rotr::<14>().xor3($e.rotr::<18>(), $e.rotr::<41>());
        let t1 = $h.add(big_sigma1).add($e.ch($f, $g)).add($kw);
        let big_sigma0 = $a.rotr::<28>().xor3($a.rotr::<34>(), $a.rotr::<39>());
        $d = $d.add(t1);
        $h = t1.add(big_sigma0.add($a.maj($b, $c)));
    }};
}

/// Sixteen rounds on the state array `$s`, `$kw!(r)` giving `K[t] + W[t]` for the `r`-th.
macro_rules! sixteen_rounds {
    ($s:ident, $kw:ident) => {{
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = $s;
        round!(a, b, c, d, e, f, g, h, $kw!(0));
        round!(h, a, b, c, d, e, f, g, $kw!(1));
        round!(g, h, a, b, c, d, e, f, $kw!(2));
        round!(f, g, h, a, b, c, d, e, $kw!(3));
        round!(e, f, g, h, a, b, c, d, $kw!(4));
        round!(d, e, f, g, h, a, b, c, $kw!(5));
        round!(c, d, e, f, g, h, a, b, $kw!(6));
        round!(b, c, d, e, f, g, h, a, $kw!(7));
        round!(a, b, c, d, e, f, g, h, $kw!(8));
        round!(h, a, b, c, d, e, f, g, $kw!(9));
        round!(g, h, a, b, c, d, e, f, $kw!(10));
        round!(f, g, h, a, b, c, d, e, $kw!(11));
        round!(e, f, g, h, a, b, c, d, $kw!(12));
        round!(d, e, f, g, h, a, b, c, $kw!(13));
        round!(c, d, e, f, g, h, a, b, $kw!(14));
        round!(b, c, d, e, f, g, h, a, $kw!(15));
        $s = [a, b, c, d, e, f, g, h];
    }};
}

/// The SHA-512 compression function on every lane: `init + rounds(init, w)`. `w` is the
/// message block as 16 big-endian words; it is overwritten by the message schedule.
#[inline(always)]
fn compress<W: Word>(init: &[W; 8], w: &mut [W; 16]) -> [W; 8] {
    let mut s = *init;
    macro_rules! plain {
        ($r:expr) => {
            W::splat(K[$r]).add(w[$r])
        };
    }
    sixteen_rounds!(s, plain);
    for base in [16, 32, 48, 64] {
        // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in a ring of 16 words.
        macro_rules! scheduled {
            ($r:expr) => {{
                let w15 = w[($r + 1) & 15];
                let w2 = w[($r + 14) & 15];
                let sigma0 = w15.rotr::<1>().xor3(w15.rotr::<8>(), w15.shr::<7>());
                let sigma1 = w2.rotr::<19>().xor3(w2.rotr::<61>(), w2.shr::<6>());
                w[$r] = w[$r].add(sigma0).add(w[($r + 9) & 15]).add(sigma1);
                W::splat(K[base + $r]).add(w[$r])
            }};
        }
        sixteen_rounds!(s, scheduled);
    }
    for (x, y) in s.iter_mut().zip(init) {
        *x = x.add(*y);
    }
    s
}

/// The one-block message `digest ‖ 0x80 ‖ 0… ‖ bit length of (128-byte key block ‖ digest)`
/// for an `N`-word digest.
#[inline(always)]
fn padded<W: Word, const N: usize>(digest: &[W; 8]) -> [W; 16] {
    let mut w = [W::splat(0); 16];
    w[..N].copy_from_slice(&digest[..N]);
    w[N] = W::splat(1 << 63);
    w[15] = W::splat(((128 + 8 * N) * 8) as u64);
    w
}

/// Runs PBKDF2 iterations `2..=iterations` on every lane: `u1[word][lane]` holds the
/// lanes' `U_1` on entry and their `T = U_1 ^ U_2 ^ … ^ U_iterations` on return.
#[inline(always)]
fn iterate<W: Word, const N: usize>(
    ipad: &[u64; 8],
    opad: &[u64; 8],
    u1: &mut [[u64; 8]; N],
    iterations: u32,
) {
    let ipad = ipad.map(W::splat);
    let opad = opad.map(W::splat);
    let mut u = [W::splat(0); 8];
    for (u, words) in u.iter_mut().zip(u1.iter()) {
        *u = W::load(&words[..W::LANES]);
    }
    let mut t = u;
    for _ in 1..iterations {
        let inner = compress(&ipad, &mut padded::<W, N>(&u));
        u = compress(&opad, &mut padded::<W, N>(&inner));
        for (t, u) in t.iter_mut().zip(u).take(N) {
            *t = t.xor(u);
        }
    }
    for (t, words) in t.iter().zip(u1.iter_mut()) {
        t.store(&mut words[..W::LANES]);
    }
}

/// [`iterate`] on eight AVX-512 lanes.
///
/// # Safety
///
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn iterate_avx512<const N: usize>(
    ipad: &[u64; 8],
    opad: &[u64; 8],
    u1: &mut [[u64; 8]; N],
    iterations: u32,
) {
    iterate::<avx512::Zmm, N>(ipad, opad, u1, iterations)
}

/// How the lanes are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// 8 lanes in AVX-512 registers.
    Avx512,
}

impl Backend {
    /// AVX-512 if this CPU has it.
    pub(crate) fn detect() -> Option<Backend> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                return Some(Backend::Avx512);
            }
        }
        None
    }
}

/// Blocks computed side by side.
const LANES: usize = 8;

/// The SHA-2 variant: SHA-512 (8-word digest) or SHA-384 (6 words of the SHA-512 state
/// with another IV).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    Sha384,
    Sha512,
}

/// PBKDF2-HMAC-SHA-512 or -SHA-384 into `out`, [`LANES`] blocks per pass.
pub(crate) fn pbkdf2(
    variant: Variant,
    backend: Backend,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    match variant {
        Variant::Sha512 => derive::<8>(backend, &IV512, password, salt, iterations, out),
        Variant::Sha384 => derive::<6>(backend, &IV384, password, salt, iterations, out),
    }
}

fn derive<const N: usize>(
    backend: Backend,
    iv: &[u64; 8],
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) {
    // HMAC's key block: the password, or its hash if longer than a block, zero-padded.
    let mut key = [0u8; 128];
    if password.len() > 128 {
        let hashed = if N == 8 {
            Sha512::digest(password).to_vec()
        } else {
            Sha384::digest(password).to_vec()
        };
        key[..hashed.len()].copy_from_slice(&hashed);
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let state_after = |pad: u8| {
        let block: [u8; 128] = key.map(|k| k ^ pad);
        let mut state = *iv;
        sha2::block_api::compress512(&mut state, &[block]);
        state
    };
    let (ipad, opad) = (state_after(0x36), state_after(0x5c));

    let first_hmac = |block: u32| -> [u64; N] {
        let mut mac = if N == 8 {
            MacOf::Sha512(Hmac::<Sha512>::new_from_slice(password).expect("any key length"))
        } else {
            MacOf::Sha384(Hmac::<Sha384>::new_from_slice(password).expect("any key length"))
        };
        mac.update(salt);
        mac.update(&block.to_be_bytes());
        let bytes = mac.finalize();
        let mut words = [0u64; N];
        for (w, chunk) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            *w = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
        }
        words
    };

    let block_len = 8 * N;
    let mut block = 1u32;
    for group in out.chunks_mut(block_len * LANES) {
        let used = group.len().div_ceil(block_len);
        // Word-major: u[word][lane]. Unused lanes compute garbage from zeros.
        let mut u = [[0u64; LANES]; N];
        for lane in 0..used {
            for (row, x) in u.iter_mut().zip(first_hmac(block + lane as u32)) {
                row[lane] = x;
            }
        }
        match backend {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Backend::Avx512` is only made by `detect`, after it found AVX-512F.
            Backend::Avx512 => unsafe { iterate_avx512::<N>(&ipad, &opad, &mut u, iterations) },
        }
        for (lane, chunk) in group.chunks_mut(block_len).enumerate() {
            for (word, bytes) in chunk.chunks_mut(8).enumerate() {
                bytes.copy_from_slice(&u[word][lane].to_be_bytes()[..bytes.len()]);
            }
        }
        block += used as u32;
    }
}

/// HMAC-SHA-512 or -SHA-384, chosen at run time.
enum MacOf {
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

impl MacOf {
    fn update(&mut self, data: &[u8]) {
        match self {
            MacOf::Sha384(m) => m.update(data),
            MacOf::Sha512(m) => m.update(data),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            MacOf::Sha384(m) => m.finalize().into_bytes().to_vec(),
            MacOf::Sha512(m) => m.finalize().into_bytes().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backends() -> Vec<Backend> {
        // Other CPUs never take this path (`Pbkdf2Params::derive_into` uses the crate).
        Backend::detect().into_iter().collect()
    }

    fn reference(variant: Variant, p: &[u8], s: &[u8], n: u32, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        match variant {
            Variant::Sha384 => ::pbkdf2::pbkdf2_hmac::<Sha384>(p, s, n, &mut out),
            Variant::Sha512 => ::pbkdf2::pbkdf2_hmac::<Sha512>(p, s, n, &mut out),
        }
        out
    }

    /// Every backend against the `pbkdf2` crate: key lengths around lane and block edges,
    /// passwords around the 128-byte block, 1 and several iterations.
    #[test]
    fn matches_the_pbkdf2_crate() {
        let long: Vec<u8> = (0..300u32).map(|i| (i * 37 + 11) as u8).collect();
        for backend in backends() {
            for variant in [Variant::Sha384, Variant::Sha512] {
                for plen in [0, 6, 127, 128, 129, 300] {
                    for len in [0, 1, 47, 48, 63, 64, 65, 128, 200, 511, 512, 513, 1000] {
                        for n in [1, 3] {
                            let (p, s) = (&long[..plen], &long[7..7 + plen % 40]);
                            let mut out = vec![0; len];
                            pbkdf2(variant, backend, p, s, n, &mut out);
                            assert_eq!(
                                out,
                                reference(variant, p, s, n, len),
                                "{backend:?} {variant:?} plen {plen} len {len} n {n}"
                            );
                        }
                    }
                }
            }
        }
    }

    /// The crate one block at a time against the lanes, 100000 iterations:
    /// `cargo test --release -p ruv-crypto --lib -- --ignored --nocapture lanes_timing`
    #[test]
    #[ignore = "timing, run by hand in release"]
    fn lanes_timing() {
        let time = |name: &str, f: &dyn Fn() -> Vec<u8>| {
            let cpu_ms = || {
                let mut ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                // SAFETY: a valid out pointer for clock_gettime.
                unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
                ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
            };
            let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
            let mut out = Vec::new();
            for _ in 0..5 {
                let (t, c) = (std::time::Instant::now(), cpu_ms());
                out = f();
                best_cpu = best_cpu.min(cpu_ms() - c);
                best = best.min(t.elapsed().as_secs_f64() * 1e3);
            }
            println!("{name:>24}: {best:8.1} ms wall, {best_cpu:8.1} ms cpu");
            out
        };
        for len in [64, 128, 256, 512] {
            println!("sha512 100000 keylen {len}");
            let want = time("pbkdf2 crate", &|| {
                reference(Variant::Sha512, b"secret", b"salt", 100_000, len)
            });
            if let Some(backend) = Backend::detect() {
                let got = time(&format!("{backend:?}"), &|| {
                    let mut out = vec![0; len];
                    pbkdf2(
                        Variant::Sha512,
                        backend,
                        b"secret",
                        b"salt",
                        100_000,
                        &mut out,
                    );
                    out
                });
                assert_eq!(got, want);
            }
        }
    }
}
