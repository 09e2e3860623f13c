//! The AVX-512 word type of the lane kernel: eight 64-bit lanes in a `zmm` register.

use std::arch::x86_64::*;

/// Eight 64-bit lanes in a `zmm` register. Only made inside functions compiled with
/// `avx512f` (see `iterate_avx512`), which the methods are always inlined into.
#[derive(Clone, Copy)]
pub(super) struct Zmm(__m512i);

// SAFETY (every `unsafe` below): a `Zmm` exists only in code running on a CPU with
// AVX-512F, as `iterate_avx512` (the only user) is called only after detection; the
// loads and stores read or write exactly 8 `u64`s, checked by the assertions.
impl super::Word for Zmm {
    const LANES: usize = 8;

    #[inline(always)]
    fn splat(x: u64) -> Self {
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_set1_epi64(x as i64)) }
    }

    #[inline(always)]
    fn load(x: &[u64]) -> Self {
        assert_eq!(x.len(), 8);
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_loadu_si512(x.as_ptr().cast())) }
    }

    #[inline(always)]
    fn store(self, out: &mut [u64]) {
        assert_eq!(out.len(), 8);
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), self.0) }
    }

    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_add_epi64(self.0, o.0)) }
    }

    #[inline(always)]
    fn xor3(self, b: Self, c: Self) -> Self {
        // Truth table of a ^ b ^ c, indexed by (a << 2 | b << 1 | c).
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_ternarylogic_epi64::<0x96>(self.0, b.0, c.0)) }
    }

    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_xor_si512(self.0, o.0)) }
    }

    #[inline(always)]
    fn ch(self, f: Self, g: Self) -> Self {
        // e ? f : g
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_ternarylogic_epi64::<0xca>(self.0, f.0, g.0)) }
    }

    #[inline(always)]
    fn maj(self, b: Self, c: Self) -> Self {
        // At least two of three.
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_ternarylogic_epi64::<0xe8>(self.0, b.0, c.0)) }
    }

    #[inline(always)]
    fn rotr<const R: u32>(self) -> Self {
        let v = self.0;
        // `_mm512_ror_epi64` wants an `i32` immediate; spell out the ones SHA-512 uses.
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe {
            Zmm(match R {
                1 => _mm512_ror_epi64::<1>(v),
                8 => _mm512_ror_epi64::<8>(v),
                14 => _mm512_ror_epi64::<14>(v),
                18 => _mm512_ror_epi64::<18>(v),
                19 => _mm512_ror_epi64::<19>(v),
                28 => _mm512_ror_epi64::<28>(v),
                34 => _mm512_ror_epi64::<34>(v),
                39 => _mm512_ror_epi64::<39>(v),
                41 => _mm512_ror_epi64::<41>(v),
                61 => _mm512_ror_epi64::<61>(v),
                _ => unreachable!("rotation by {R}"),
            })
        }
    }

    #[inline(always)]
    fn shr<const R: u32>(self) -> Self {
        // SAFETY: AVX-512F is present (see the note on the impl); loads and stores touch exactly 8 u64s.
        unsafe { Zmm(_mm512_srli_epi64::<R>(self.0)) }
    }
}
