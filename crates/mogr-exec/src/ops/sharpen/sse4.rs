//! SSE4.1 unsharp mask: the integers of `native.rs`, 4 pixels per 16-byte vector.
//!
//! Channels are widened to 16-bit lanes. With `d = c − blurred` (|d| ≤ 255) and the amount
//! split as `v = 100·A + B` (B < 100), the rounded quotient is
//! `⌊(v·|d| + 50)/100⌋ = A·|d| + ⌊(B·|d| + 50)/100⌋`, and the last division is
//! `(x·41944) >> 22` (`pmulhuw`, then a shift by 6), exact for every x < 43690 while
//! x ≤ 99·255 + 50 = 25295 (checked exhaustively in the tests). `psignw` gives the quotient
//! the sign of d, the sum `c ± q` stays within 16 bits for v ≤ 1000, and `packuswb` clamps it
//! to 0-255. `pblendvb` then takes the original bytes for alpha and for every pixel whose
//! alpha is 0. The tail (fewer than 4 pixels) runs the scalar code.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{MAX_SIMD_AMOUNT, native};
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// Turns the `blurred` pixels into the sharpened ones, from the `original` pixels.
pub(super) fn unsharp_row(blurred: &mut [u8], original: &[u8], amount: u16) {
    let pixels = (blurred.len() / CHANNELS).min(original.len() / CHANNELS);
    let mut done = 0;
    if Isa::Sse4.is_supported() && amount <= MAX_SIMD_AMOUNT {
        // SAFETY: SSE4.1 was detected just above; `pixels` is within both slices.
        done = unsafe { unsharp_sse4(blurred, original, pixels, amount) };
    }
    let rest = blurred.chunks_exact_mut(CHANNELS).zip(original.chunks_exact(CHANNELS)).take(pixels).skip(done);
    for (pixel, source) in rest {
        native::unsharp(pixel, source, i32::from(amount));
    }
}

/// The unsharp mask over the first pixels, 4 at a time; answers how many it did.
///
/// # Safety
/// The CPU has SSE4.1 and both slices hold at least `pixels`·4 bytes.
#[target_feature(enable = "sse4.1")]
unsafe fn unsharp_sse4(blurred: &mut [u8], original: &[u8], pixels: usize, amount: u16) -> usize {
    let whole = _mm_set1_epi16((amount / 100) as i16);
    let part = _mm_set1_epi16((amount % 100) as i16);
    let (half, magic) = (_mm_set1_epi16(50), _mm_set1_epi16(41944u16 as i16));
    let zero = _mm_setzero_si128();
    let alpha = _mm_set1_epi32(0xFF00_0000u32 as i32);
    let sharpen = |c: __m128i, b: __m128i| {
        let d = _mm_sub_epi16(c, b);
        let size = _mm_abs_epi16(d);
        let fraction = _mm_srli_epi16::<6>(_mm_mulhi_epu16(_mm_add_epi16(_mm_mullo_epi16(size, part), half), magic));
        let quotient = _mm_add_epi16(_mm_mullo_epi16(size, whole), fraction);
        _mm_add_epi16(c, _mm_sign_epi16(quotient, d))
    };
    let mut p = 0;
    while p + 4 <= pixels {
        let at = p * CHANNELS;
        // SAFETY: p + 4 ≤ pixels, so bytes at..at+16 are inside both slices.
        let (c, b) = unsafe {
            (_mm_loadu_si128(original.as_ptr().add(at).cast()), _mm_loadu_si128(blurred.as_ptr().add(at).cast()))
        };
        let low = sharpen(_mm_unpacklo_epi8(c, zero), _mm_unpacklo_epi8(b, zero));
        let high = sharpen(_mm_unpackhi_epi8(c, zero), _mm_unpackhi_epi8(b, zero));
        let transparent = _mm_cmpeq_epi32(_mm_and_si128(c, alpha), zero);
        let result = _mm_blendv_epi8(_mm_packus_epi16(low, high), c, _mm_or_si128(transparent, alpha));
        // SAFETY: as for the loads.
        unsafe { _mm_storeu_si128(blurred.as_mut_ptr().add(at).cast(), result) };
        p += 4;
    }
    p
}
