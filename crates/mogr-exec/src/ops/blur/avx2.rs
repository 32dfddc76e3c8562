//! AVX2 blur kernels: the integers of `native.rs`, 16 values (4 pixels) per vector.
//!
//! The same arithmetic as `sse4.rs` (see there for the biased `vpmaddwd` sums and the exact
//! division by 255), twice as wide. AVX2 unpacks and packs within each 128-bit half, so a
//! vector's sums come out as `[pixel 0 | pixel 2]` and `[pixel 1 | pixel 3]`: `vpackusdw`
//! puts the values of [`blur_row`] back in order by itself, and [`blur_column`] gathers its
//! bytes with one `vpermq`. The `f64` unpremultiply of partly transparent pixels runs four
//! lanes a pixel (`vcvtdq2pd`, one `vdivpd` for the four pixels' `255/a`, `vminpd`,
//! `vcvttpd2dq`), the operations of `native.rs` in the same order, so the same doubles.
//!
//! The loops take blocks of 4 vectors (64 values), then single vectors, then the scalar
//! element code of `native.rs` for the tail (at most 3 pixels). Every entry point checks the
//! CPU and the slice lengths first and falls back to the scalar code when either is wanting.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{native, simd_fits};
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// Values per vector.
const LANES: usize = 16;

/// `out` = the pixels of `row` premultiplied by their alpha.
pub(super) fn premultiply(row: &[u8], out: &mut [u16]) {
    let pixels = (row.len() / CHANNELS).min(out.len() / CHANNELS);
    let mut done = 0;
    if Isa::Avx2.is_supported() {
        // SAFETY: AVX2 was detected just above; `pixels` is within both slices.
        done = unsafe { premultiply_avx2(row, out, pixels) };
    }
    let rest = row.chunks_exact(CHANNELS).zip(out.chunks_exact_mut(CHANNELS)).take(pixels).skip(done);
    for (pixel, to) in rest {
        to.copy_from_slice(&native::premultiplied(pixel));
    }
}

/// Premultiplies the first pixels, 4 at a time, and answers how many it did.
///
/// # Safety
/// The CPU has AVX2; `row` holds at least `pixels`·4 bytes and `out` `pixels`·4 values.
#[target_feature(enable = "avx2")]
unsafe fn premultiply_avx2(row: &[u8], out: &mut [u16], pixels: usize) -> usize {
    // Alpha (byte 6 of each 8-byte pixel of u16s) into the low byte of R, G and B; the alpha
    // lane gets 255 from `opaque`.
    #[rustfmt::skip]
    let spread = _mm256_setr_epi8(
        6, -1, 6, -1, 6, -1, -1, -1, 14, -1, 14, -1, 14, -1, -1, -1,
        6, -1, 6, -1, 6, -1, -1, -1, 14, -1, 14, -1, 14, -1, -1, -1,
    );
    let opaque = _mm256_setr_epi16(0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255);
    let mut p = 0;
    while p + 4 <= pixels {
        // SAFETY: p + 4 ≤ pixels, so bytes 4p..4p+16 are inside `row`.
        let bytes = unsafe { _mm_loadu_si128(row.as_ptr().add(p * CHANNELS).cast()) };
        let wide = _mm256_cvtepu8_epi16(bytes);
        let factors = _mm256_or_si256(_mm256_shuffle_epi8(wide, spread), opaque);
        // SAFETY: values 4p..4p+16 lie inside `out` (p + 4 ≤ pixels).
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(p * CHANNELS).cast(), _mm256_mullo_epi16(wide, factors)) };
        p += 4;
    }
    p
}

/// The horizontal pass: `out[i] = (Σ kernel[j]·lines[j][i] + 2^13) >> 14`.
pub(super) fn blur_row(kernel: &[u16], lines: &[&[u16]], out: &mut [u16]) {
    let mut done = 0;
    if Isa::Avx2.is_supported() && simd_fits(kernel, lines, out.len()) {
        // SAFETY: AVX2 was detected and every line holds at least `out.len()` values.
        done = unsafe { blur_row_avx2(kernel, lines, out) };
    }
    for (i, to) in out.iter_mut().enumerate().skip(done) {
        *to = native::row_value(kernel, lines, i);
    }
}

/// [`blur_row`] over whole vectors; answers how many values it wrote.
///
/// # Safety
/// The CPU has AVX2 and every line holds at least `out.len()` values.
#[target_feature(enable = "avx2")]
unsafe fn blur_row_avx2(kernel: &[u16], lines: &[&[u16]], out: &mut [u16]) -> usize {
    let bias = bias(kernel);
    let finish = |[low, high]: [__m256i; 2]| {
        let low = _mm256_srli_epi32::<14>(_mm256_add_epi32(low, bias));
        let high = _mm256_srli_epi32::<14>(_mm256_add_epi32(high, bias));
        _mm256_packus_epi32(low, high)
    };
    let n = out.len();
    let mut i = 0;
    while i + 4 * LANES <= n {
        // SAFETY: i + 64 ≤ n ≤ every line's length.
        let blocks = unsafe { sums::<4>(kernel, lines, i) };
        for (v, block) in blocks.into_iter().enumerate() {
            // SAFETY: values i + 16v .. + 16 lie inside `out` (i + 64 ≤ n).
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(i + v * LANES).cast(), finish(block)) };
        }
        i += 4 * LANES;
    }
    while i + LANES <= n {
        // SAFETY: i + 16 ≤ n ≤ every line's length, and inside `out`.
        unsafe {
            let [block] = sums::<1>(kernel, lines, i);
            _mm256_storeu_si256(out.as_mut_ptr().add(i).cast(), finish(block));
        }
        i += LANES;
    }
    i
}

/// The vertical pass: the sums of [`blur_row`], rounded, back to straight RGBA8 in `out`.
pub(super) fn blur_column(kernel: &[u16], lines: &[&[u16]], out: &mut [u8]) {
    let mut done = 0;
    if Isa::Avx2.is_supported() && simd_fits(kernel, lines, out.len()) {
        // SAFETY: AVX2 was detected and every line holds at least `out.len()` values.
        done = unsafe { blur_column_avx2(kernel, lines, out) };
    }
    for (p, pixel) in out.chunks_exact_mut(CHANNELS).enumerate().skip(done / CHANNELS) {
        pixel.copy_from_slice(&native::column_pixel(kernel, lines, p));
    }
}

/// [`blur_column`] over whole vectors; answers how many bytes (values) it wrote.
///
/// # Safety
/// The CPU has AVX2 and every line holds at least `out.len()` values.
#[target_feature(enable = "avx2")]
unsafe fn blur_column_avx2(kernel: &[u16], lines: &[&[u16]], out: &mut [u8]) -> usize {
    let bias = bias(kernel);
    let n = out.len();
    let mut i = 0;
    while i + 4 * LANES <= n {
        // SAFETY: i + 64 ≤ n ≤ every line's length.
        let blocks = unsafe { sums::<4>(kernel, lines, i) };
        for (v, block) in blocks.into_iter().enumerate() {
            let start = i + v * LANES;
            if let Some(to) = out.get_mut(start..start + LANES).and_then(|to| to.try_into().ok()) {
                unpremultiply(block, bias, to);
            }
        }
        i += 4 * LANES;
    }
    while i + LANES <= n {
        // SAFETY: i + 16 ≤ n ≤ every line's length.
        let [block] = unsafe { sums::<1>(kernel, lines, i) };
        if let Some(to) = out.get_mut(i..i + LANES).and_then(|to| to.try_into().ok()) {
            unpremultiply(block, bias, to);
        }
        i += LANES;
    }
    i
}

/// Four pixels' sums (`block[0]` pixels 0 and 2, `block[1]` pixels 1 and 3) plus `bias`,
/// rounded and back to straight RGBA8 in `out`.
#[target_feature(enable = "avx2")]
fn unpremultiply([low, high]: [__m256i; 2], bias: __m256i, out: &mut [u8; 4 * CHANNELS]) {
    let low = _mm256_srli_epi32::<14>(_mm256_add_epi32(low, bias));
    let high = _mm256_srli_epi32::<14>(_mm256_add_epi32(high, bias));
    // The integer path, right for opaque and transparent pixels and for every alpha.
    let divide = |s: __m256i| {
        _mm256_srli_epi32::<23>(_mm256_mullo_epi32(
            _mm256_add_epi32(s, _mm256_set1_epi32(127)),
            _mm256_set1_epi32(32897),
        ))
    };
    let words = _mm256_packus_epi32(divide(low), divide(high));
    let quick = _mm256_castsi256_si128(_mm256_permute4x64_epi64::<0b00_00_10_00>(_mm256_packus_epi16(words, words)));
    // The alpha sums of pixels 0-3 (lanes 3 and 7 of each half).
    let alphas = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(
        _mm256_unpackhi_epi32(low, high),
        _mm256_setr_epi32(2, 3, 6, 7, 2, 3, 6, 7),
    ));
    let exact =
        _mm_or_si128(_mm_cmpeq_epi32(alphas, _mm_setzero_si128()), _mm_cmpeq_epi32(alphas, _mm_set1_epi32(65025)));
    let partial = _mm_andnot_si128(exact, _mm_set1_epi32(-1));
    let result = if _mm_testz_si128(partial, partial) != 0 {
        quick
    } else {
        // The f64 path of `native::unpremultiply` for the colours of partial pixels:
        // ⌊min(c · (255 / a), 255) + 0.5⌋ (c·(255/a) is never negative).
        let scales = _mm256_div_pd(_mm256_set1_pd(255.0), _mm256_cvtepi32_pd(alphas));
        let colour = |sums: __m128i, scale: __m256d| {
            let scaled = _mm256_min_pd(_mm256_mul_pd(_mm256_cvtepi32_pd(sums), scale), _mm256_set1_pd(255.0));
            _mm256_cvttpd_epi32(_mm256_add_pd(scaled, _mm256_set1_pd(0.5)))
        };
        let p0 = colour(_mm256_castsi256_si128(low), _mm256_permute4x64_pd::<0x00>(scales));
        let p1 = colour(_mm256_castsi256_si128(high), _mm256_permute4x64_pd::<0x55>(scales));
        let p2 = colour(_mm256_extracti128_si256::<1>(low), _mm256_permute4x64_pd::<0xAA>(scales));
        let p3 = colour(_mm256_extracti128_si256::<1>(high), _mm256_permute4x64_pd::<0xFF>(scales));
        let slow = _mm_packus_epi16(_mm_packus_epi32(p0, p1), _mm_packus_epi32(p2, p3));
        // Colour bytes of partial pixels from the f64 path; alpha always from the integers.
        _mm_blendv_epi8(quick, slow, _mm_and_si128(partial, _mm_set1_epi32(0x00FF_FFFF)))
    };
    // SAFETY: `out` is exactly the 16 bytes the store writes.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), result) };
}

/// `32768·Σw + 2^13`: what turns the biased `vpmaddwd` sums back into the scalar sums, plus
/// the rounding of [`native::round_down`].
#[target_feature(enable = "avx2")]
fn bias(kernel: &[u16]) -> __m256i {
    let total: i32 = kernel.iter().map(|&w| i32::from(w)).sum();
    _mm256_set1_epi32(total.wrapping_mul(32768).wrapping_add(8192))
}

/// The biased sums of `V` vectors of values from `i` on: for vector v, the 32-bit sums of its
/// values 0-3 and 8-11 (`[0]`) and 4-7 and 12-15 (`[1]`), each minus `32768·Σw`.
///
/// # Safety
/// `i + 16·V` ≤ the length of every line, and `lines` has one line per tap of `kernel`.
#[target_feature(enable = "avx2")]
unsafe fn sums<const V: usize>(kernel: &[u16], lines: &[&[u16]], i: usize) -> [[__m256i; 2]; V] {
    let flip = _mm256_set1_epi16(i16::MIN);
    let mut acc = [[_mm256_setzero_si256(); 2]; V];
    for (weights, lines) in kernel.chunks(2).zip(lines.chunks(2)) {
        let (w0, w1, first, second) = match (weights, lines) {
            (&[w0, w1], &[first, second]) => (w0, w1, first, second),
            (&[w0], &[first, ..]) => (w0, 0, first, first),
            _ => continue,
        };
        let weights = _mm256_set1_epi32(i32::from(w0) | (i32::from(w1) << 16));
        for (v, acc) in acc.iter_mut().enumerate() {
            // SAFETY: i + 16v + 16 ≤ i + 16V ≤ both lines' lengths (the caller's contract).
            let (x, y) = unsafe {
                (
                    _mm256_loadu_si256(first.as_ptr().add(i + v * LANES).cast()),
                    _mm256_loadu_si256(second.as_ptr().add(i + v * LANES).cast()),
                )
            };
            let (x, y) = (_mm256_xor_si256(x, flip), _mm256_xor_si256(y, flip));
            acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(_mm256_unpacklo_epi16(x, y), weights));
            acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(_mm256_unpackhi_epi16(x, y), weights));
        }
    }
    acc
}
