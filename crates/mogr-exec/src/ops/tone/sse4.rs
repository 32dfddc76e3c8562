//! SSE4.1 tone kernels: the bytes of `native.rs`, 4 pixels per 16-byte vector.
//!
//! Bright: the table of an offset o is `clamp(c + o, 0, 255)`, which is `paddusb` of o (o > 0)
//! then `psubusb` of −o (o < 0), with 0 in the alpha bytes (checked for every amount and every
//! byte in the tests).
//!
//! Grayscale: //! Channels are widened to 16-bit lanes and `pmaddwd` with `(299, 587, 114, 0)` gives
//! `299·R + 587·G` and `114·B` per pixel, which `phaddd` adds. The division by 1000 of
//! `n = sum + 500` (≤ 255500) is `⌊⌊n/8⌋/125⌋`, and `⌊m/125⌋ = (m·33555) >> 22` is exact for
//! every m < 59074 while m ≤ 31937 (`pmulld`, no overflow; checked exhaustively in the tests). The luma times 0x010101 fills R, G and B; alpha is OR-ed back
//! from the source. The tail (fewer than 4 pixels) runs the scalar code.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::native;
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// `row` = the pixels of `source` in grayscale.
pub(super) fn grayscale_row(source: &[u8], row: &mut [u8]) {
    let pixels = (source.len() / CHANNELS).min(row.len() / CHANNELS);
    let mut done = 0;
    if Isa::Sse4.is_supported() {
        // SAFETY: SSE4.1 was detected just above; `pixels` is within both slices.
        done = unsafe { grayscale_sse4(source, row, pixels) };
    }
    let rest = row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)).take(pixels).skip(done);
    for (to, from) in rest {
        to.copy_from_slice(&native::gray(from));
    }
}

/// Grayscale over the first pixels, 4 at a time; answers how many it did.
///
/// # Safety
/// The CPU has SSE4.1 and both slices hold at least `pixels`·4 bytes.
#[target_feature(enable = "sse4.1")]
unsafe fn grayscale_sse4(source: &[u8], row: &mut [u8], pixels: usize) -> usize {
    let weights = _mm_setr_epi16(299, 587, 114, 0, 299, 587, 114, 0);
    let (half, magic, spread) = (_mm_set1_epi32(500), _mm_set1_epi32(33555), _mm_set1_epi32(0x01_0101));
    let (zero, alpha) = (_mm_setzero_si128(), _mm_set1_epi32(0xFF00_0000u32 as i32));
    let mut p = 0;
    while p + 4 <= pixels {
        let at = p * CHANNELS;
        // SAFETY: p + 4 ≤ pixels, so bytes at..at+16 are inside `source`.
        let c = unsafe { _mm_loadu_si128(source.as_ptr().add(at).cast()) };
        let low = _mm_madd_epi16(_mm_unpacklo_epi8(c, zero), weights);
        let high = _mm_madd_epi16(_mm_unpackhi_epi8(c, zero), weights);
        let n = _mm_add_epi32(_mm_hadd_epi32(low, high), half);
        let luma = _mm_srli_epi32::<22>(_mm_mullo_epi32(_mm_srli_epi32::<3>(n), magic));
        let result = _mm_or_si128(_mm_mullo_epi32(luma, spread), _mm_and_si128(c, alpha));
        // SAFETY: bytes at..at+16 are inside `row` too.
        unsafe { _mm_storeu_si128(row.as_mut_ptr().add(at).cast(), result) };
        p += 4;
    }
    p
}

/// `row` = the pixels of `source` brightened by `offset` (the table's tail pixels from `table`).
pub(super) fn bright_row(source: &[u8], row: &mut [u8], offset: i32, table: &[u8; 256]) {
    let pixels = (source.len() / CHANNELS).min(row.len() / CHANNELS);
    let mut done = 0;
    if Isa::Sse4.is_supported() {
        // SAFETY: SSE4.1 was detected just above; `pixels` is within both slices.
        done = unsafe { bright_sse4(source, row, pixels, offset) };
    }
    let rest = row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)).take(pixels).skip(done);
    for (to, from) in rest {
        to.copy_from_slice(&native::mapped(from, table));
    }
}

/// Bright over the first pixels, 4 at a time: `clamp(c + offset, 0, 255)` as a saturating
/// add of `offset` or subtract of `−offset` on R, G and B (0 on alpha); answers how many it did.
///
/// # Safety
/// The CPU has SSE4.1 and both slices hold at least `pixels`·4 bytes.
#[target_feature(enable = "sse4.1")]
unsafe fn bright_sse4(source: &[u8], row: &mut [u8], pixels: usize, offset: i32) -> usize {
    let colours = |amount: i32| _mm_set1_epi32(amount.clamp(0, 255) * 0x01_0101);
    let (up, down) = (colours(offset), colours(-offset));
    let mut p = 0;
    while p + 4 <= pixels {
        let at = p * CHANNELS;
        // SAFETY: p + 4 ≤ pixels, so bytes at..at+16 are inside both slices.
        unsafe {
            let c = _mm_loadu_si128(source.as_ptr().add(at).cast());
            _mm_storeu_si128(row.as_mut_ptr().add(at).cast(), _mm_subs_epu8(_mm_adds_epu8(c, up), down));
        }
        p += 4;
    }
    p
}
