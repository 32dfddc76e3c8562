//! AVX2 tone kernels: the bytes of `sse4.rs` (see there for bright's saturating arithmetic
//! and grayscale's exact division by 1000), 8 pixels per 32-byte vector. Widening with `vpunpck{l,h}bw` and adding with `vphaddd` both
//! work within 128-bit halves, so the pixels come back in order. The tail (fewer than 8
//! pixels) runs the scalar code.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::native;
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// `row` = the pixels of `source` in grayscale.
pub(super) fn grayscale_row(source: &[u8], row: &mut [u8]) {
    let pixels = (source.len() / CHANNELS).min(row.len() / CHANNELS);
    let mut done = 0;
    if Isa::Avx2.is_supported() {
        // SAFETY: AVX2 was detected just above; `pixels` is within both slices.
        done = unsafe { grayscale_avx2(source, row, pixels) };
    }
    let rest = row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)).take(pixels).skip(done);
    for (to, from) in rest {
        to.copy_from_slice(&native::gray(from));
    }
}

/// Grayscale over the first pixels, 8 at a time; answers how many it did.
///
/// # Safety
/// The CPU has AVX2 and both slices hold at least `pixels`·4 bytes.
#[target_feature(enable = "avx2")]
unsafe fn grayscale_avx2(source: &[u8], row: &mut [u8], pixels: usize) -> usize {
    let weights = _mm256_setr_epi16(299, 587, 114, 0, 299, 587, 114, 0, 299, 587, 114, 0, 299, 587, 114, 0);
    let (half, magic, spread) = (_mm256_set1_epi32(500), _mm256_set1_epi32(33555), _mm256_set1_epi32(0x01_0101));
    let (zero, alpha) = (_mm256_setzero_si256(), _mm256_set1_epi32(0xFF00_0000u32 as i32));
    let mut p = 0;
    while p + 8 <= pixels {
        let at = p * CHANNELS;
        // SAFETY: p + 8 ≤ pixels, so bytes at..at+32 are inside `source`.
        let c = unsafe { _mm256_loadu_si256(source.as_ptr().add(at).cast()) };
        let low = _mm256_madd_epi16(_mm256_unpacklo_epi8(c, zero), weights);
        let high = _mm256_madd_epi16(_mm256_unpackhi_epi8(c, zero), weights);
        let n = _mm256_add_epi32(_mm256_hadd_epi32(low, high), half);
        let luma = _mm256_srli_epi32::<22>(_mm256_mullo_epi32(_mm256_srli_epi32::<3>(n), magic));
        let result = _mm256_or_si256(_mm256_mullo_epi32(luma, spread), _mm256_and_si256(c, alpha));
        // SAFETY: bytes at..at+32 are inside `row` too.
        unsafe { _mm256_storeu_si256(row.as_mut_ptr().add(at).cast(), result) };
        p += 8;
    }
    p
}

/// `row` = the pixels of `source` brightened by `offset` (the table's tail pixels from `table`).
pub(super) fn bright_row(source: &[u8], row: &mut [u8], offset: i32, table: &[u8; 256]) {
    let pixels = (source.len() / CHANNELS).min(row.len() / CHANNELS);
    let mut done = 0;
    if Isa::Avx2.is_supported() {
        // SAFETY: AVX2 was detected just above; `pixels` is within both slices.
        done = unsafe { bright_avx2(source, row, pixels, offset) };
    }
    let rest = row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)).take(pixels).skip(done);
    for (to, from) in rest {
        to.copy_from_slice(&native::mapped(from, table));
    }
}

/// Bright over the first pixels, 8 at a time: `clamp(c + offset, 0, 255)` as a saturating
/// add of `offset` or subtract of `−offset` on R, G and B (0 on alpha); answers how many it did.
///
/// # Safety
/// The CPU has AVX2 and both slices hold at least `pixels`·4 bytes.
#[target_feature(enable = "avx2")]
unsafe fn bright_avx2(source: &[u8], row: &mut [u8], pixels: usize, offset: i32) -> usize {
    let colours = |amount: i32| _mm256_set1_epi32(amount.clamp(0, 255) * 0x01_0101);
    let (up, down) = (colours(offset), colours(-offset));
    let mut p = 0;
    while p + 8 <= pixels {
        let at = p * CHANNELS;
        // SAFETY: p + 8 ≤ pixels, so bytes at..at+32 are inside both slices.
        unsafe {
            let c = _mm256_loadu_si256(source.as_ptr().add(at).cast());
            _mm256_storeu_si256(row.as_mut_ptr().add(at).cast(), _mm256_subs_epu8(_mm256_adds_epu8(c, up), down));
        }
        p += 8;
    }
    p
}
