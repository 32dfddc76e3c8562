//! AVX2 unsharp mask: the integers of `sse4.rs` (see there for the exact division by 100),
//! 8 pixels per 32-byte vector. Widening with `vpunpck{l,h}bw` against zero and narrowing
//! with `vpackuswb` both work within 128-bit halves, so the pixels come back in order. The
//! tail (fewer than 8 pixels) runs the scalar code.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{MAX_SIMD_AMOUNT, native};
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// Turns the `blurred` pixels into the sharpened ones, from the `original` pixels.
pub(super) fn unsharp_row(blurred: &mut [u8], original: &[u8], amount: u16) {
    let pixels = (blurred.len() / CHANNELS).min(original.len() / CHANNELS);
    let mut done = 0;
    if Isa::Avx2.is_supported() && amount <= MAX_SIMD_AMOUNT {
        // SAFETY: AVX2 was detected just above; `pixels` is within both slices.
        done = unsafe { unsharp_avx2(blurred, original, pixels, amount) };
    }
    let rest = blurred.chunks_exact_mut(CHANNELS).zip(original.chunks_exact(CHANNELS)).take(pixels).skip(done);
    for (pixel, source) in rest {
        native::unsharp(pixel, source, i32::from(amount));
    }
}

/// The unsharp mask over the first pixels, 8 at a time; answers how many it did.
///
/// # Safety
/// The CPU has AVX2 and both slices hold at least `pixels`·4 bytes.
#[target_feature(enable = "avx2")]
unsafe fn unsharp_avx2(blurred: &mut [u8], original: &[u8], pixels: usize, amount: u16) -> usize {
    let whole = _mm256_set1_epi16((amount / 100) as i16);
    let part = _mm256_set1_epi16((amount % 100) as i16);
    let (half, magic) = (_mm256_set1_epi16(50), _mm256_set1_epi16(41944u16 as i16));
    let zero = _mm256_setzero_si256();
    let alpha = _mm256_set1_epi32(0xFF00_0000u32 as i32);
    let sharpen = |c: __m256i, b: __m256i| {
        let d = _mm256_sub_epi16(c, b);
        let size = _mm256_abs_epi16(d);
        let fraction =
            _mm256_srli_epi16::<6>(_mm256_mulhi_epu16(_mm256_add_epi16(_mm256_mullo_epi16(size, part), half), magic));
        let quotient = _mm256_add_epi16(_mm256_mullo_epi16(size, whole), fraction);
        _mm256_add_epi16(c, _mm256_sign_epi16(quotient, d))
    };
    let mut p = 0;
    while p + 8 <= pixels {
        let at = p * CHANNELS;
        // SAFETY: p + 8 ≤ pixels, so bytes at..at+32 are inside both slices.
        let (c, b) = unsafe {
            (_mm256_loadu_si256(original.as_ptr().add(at).cast()), _mm256_loadu_si256(blurred.as_ptr().add(at).cast()))
        };
        let low = sharpen(_mm256_unpacklo_epi8(c, zero), _mm256_unpacklo_epi8(b, zero));
        let high = sharpen(_mm256_unpackhi_epi8(c, zero), _mm256_unpackhi_epi8(b, zero));
        let transparent = _mm256_cmpeq_epi32(_mm256_and_si256(c, alpha), zero);
        let result = _mm256_blendv_epi8(_mm256_packus_epi16(low, high), c, _mm256_or_si256(transparent, alpha));
        // SAFETY: as for the loads.
        unsafe { _mm256_storeu_si256(blurred.as_mut_ptr().add(at).cast(), result) };
        p += 8;
    }
    p
}
