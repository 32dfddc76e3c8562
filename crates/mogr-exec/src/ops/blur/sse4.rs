//! SSE4.1 blur kernels: the integers of `native.rs`, 8 values (2 pixels) per vector.
//!
//! - `premultiply`: 4 pixels at a time, bytes widened to `u16` (`pmovzxbw`) and multiplied
//!   by `(A, A, A, 255)` (`pmullw`; the products fit 16 bits, so the low half is exact).
//! - The convolutions pair taps for `pmaddwd`, which multiplies signed 16-bit values: the
//!   values (≤ 65025) are biased to `v − 32768` (a XOR with 0x8000), two taps' values are
//!   interleaved (`punpck{l,h}wd`) and multiplied by their two weights (each ≤ 2^14), so
//!   every 32-bit lane receives `w_j·(v_j − 32768) + w_{j+1}·(v_{j+1} − 32768)` (no overflow).
//!   Adding back `32768·Σw` gives exactly the `u32` sum of `native.rs`; the rounding `+ 2^13`
//!   goes into the same constant. An odd last tap is paired with a zero weight.
//! - `blur_row` shifts the sums right by 14 and packs them to `u16` (`packusdw`, exact since
//!   they are ≤ 65025). `blur_column` divides by 255 with `(s + 127)·32897 >> 23`, which
//!   equals `(s + 127) / 255` for every `s + 127` < 66052 (checked exhaustively in the tests),
//!   for both pixels of a vector. A pixel whose alpha sum is neither 0 nor 65025 takes its
//!   colours from the `f64` path instead, two lanes at a time (`cvtdq2pd`, one `divpd` for
//!   both pixels' `255/a`, `minpd`, `cvttpd2dq`): the operations of `native.rs` in the same
//!   order, so the same doubles and the same bytes.
//!
//! The loops take blocks of 4 vectors (32 values) so that each tap's weights and line
//! pointers are loaded once per block, then single vectors, then the scalar element code of
//! `native.rs` for the tail. Every entry point checks the CPU and the slice lengths first and
//! falls back to the scalar code when either is wanting.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{native, simd_fits};
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// Values per vector.
const LANES: usize = 8;

/// `out` = the pixels of `row` premultiplied by their alpha.
pub(super) fn premultiply(row: &[u8], out: &mut [u16]) {
    let pixels = (row.len() / CHANNELS).min(out.len() / CHANNELS);
    let mut done = 0;
    if Isa::Sse4.is_supported() {
        // SAFETY: SSE4.1 was detected just above; `pixels` is within both slices.
        done = unsafe { premultiply_sse4(row, out, pixels) };
    }
    let rest = row.chunks_exact(CHANNELS).zip(out.chunks_exact_mut(CHANNELS)).take(pixels).skip(done);
    for (pixel, to) in rest {
        to.copy_from_slice(&native::premultiplied(pixel));
    }
}

/// Premultiplies the first pixels, 4 at a time, and answers how many it did.
///
/// # Safety
/// The CPU has SSE4.1; `row` holds at least `pixels`·4 bytes and `out` `pixels`·4 values.
#[target_feature(enable = "sse4.1")]
unsafe fn premultiply_sse4(row: &[u8], out: &mut [u16], pixels: usize) -> usize {
    // Alpha (byte 6 of each 8-byte pixel of u16s) into the low byte of R, G and B; the alpha
    // lane gets 255 from `opaque`.
    let spread = _mm_setr_epi8(6, -1, 6, -1, 6, -1, -1, -1, 14, -1, 14, -1, 14, -1, -1, -1);
    let opaque = _mm_setr_epi16(0, 0, 0, 255, 0, 0, 0, 255);
    let mut p = 0;
    while p + 4 <= pixels {
        // SAFETY: p + 4 ≤ pixels, so bytes 4p..4p+16 are inside `row`.
        let bytes = unsafe { _mm_loadu_si128(row.as_ptr().add(p * CHANNELS).cast()) };
        for (half, wide) in
            [_mm_cvtepu8_epi16(bytes), _mm_cvtepu8_epi16(_mm_srli_si128::<8>(bytes))].into_iter().enumerate()
        {
            let factors = _mm_or_si128(_mm_shuffle_epi8(wide, spread), opaque);
            let product = _mm_mullo_epi16(wide, factors);
            // SAFETY: values 4p + 8·half .. + 8 lie inside `out` (p + 4 ≤ pixels).
            unsafe { _mm_storeu_si128(out.as_mut_ptr().add(p * CHANNELS + half * LANES).cast(), product) };
        }
        p += 4;
    }
    p
}

/// The horizontal pass: `out[i] = (Σ kernel[j]·lines[j][i] + 2^13) >> 14`.
pub(super) fn blur_row(kernel: &[u16], lines: &[&[u16]], out: &mut [u16]) {
    let mut done = 0;
    if Isa::Sse4.is_supported() && simd_fits(kernel, lines, out.len()) {
        // SAFETY: SSE4.1 was detected and every line holds at least `out.len()` values.
        done = unsafe { blur_row_sse4(kernel, lines, out) };
    }
    for (i, to) in out.iter_mut().enumerate().skip(done) {
        *to = native::row_value(kernel, lines, i);
    }
}

/// [`blur_row`] over whole vectors; answers how many values it wrote.
///
/// # Safety
/// The CPU has SSE4.1 and every line holds at least `out.len()` values.
#[target_feature(enable = "sse4.1")]
unsafe fn blur_row_sse4(kernel: &[u16], lines: &[&[u16]], out: &mut [u16]) -> usize {
    let bias = bias(kernel);
    let finish = |[low, high]: [__m128i; 2]| {
        let low = _mm_srli_epi32::<14>(_mm_add_epi32(low, bias));
        let high = _mm_srli_epi32::<14>(_mm_add_epi32(high, bias));
        _mm_packus_epi32(low, high)
    };
    let n = out.len();
    let mut i = 0;
    while i + 4 * LANES <= n {
        // SAFETY: i + 32 ≤ n ≤ every line's length.
        let blocks = unsafe { sums::<4>(kernel, lines, i) };
        for (v, block) in blocks.into_iter().enumerate() {
            // SAFETY: values i + 8v .. + 8 lie inside `out` (i + 32 ≤ n).
            unsafe { _mm_storeu_si128(out.as_mut_ptr().add(i + v * LANES).cast(), finish(block)) };
        }
        i += 4 * LANES;
    }
    while i + LANES <= n {
        // SAFETY: i + 8 ≤ n ≤ every line's length, and inside `out`.
        unsafe {
            let [block] = sums::<1>(kernel, lines, i);
            _mm_storeu_si128(out.as_mut_ptr().add(i).cast(), finish(block));
        }
        i += LANES;
    }
    i
}

/// The vertical pass: the sums of [`blur_row`], rounded, back to straight RGBA8 in `out`.
pub(super) fn blur_column(kernel: &[u16], lines: &[&[u16]], out: &mut [u8]) {
    let mut done = 0;
    if Isa::Sse4.is_supported() && simd_fits(kernel, lines, out.len()) {
        // SAFETY: SSE4.1 was detected and every line holds at least `out.len()` values.
        done = unsafe { blur_column_sse4(kernel, lines, out) };
    }
    for (p, pixel) in out.chunks_exact_mut(CHANNELS).enumerate().skip(done / CHANNELS) {
        pixel.copy_from_slice(&native::column_pixel(kernel, lines, p));
    }
}

/// [`blur_column`] over whole vectors; answers how many bytes (values) it wrote.
///
/// # Safety
/// The CPU has SSE4.1 and every line holds at least `out.len()` values.
#[target_feature(enable = "sse4.1")]
unsafe fn blur_column_sse4(kernel: &[u16], lines: &[&[u16]], out: &mut [u8]) -> usize {
    let bias = bias(kernel);
    let n = out.len();
    let mut i = 0;
    while i + 4 * LANES <= n {
        // SAFETY: i + 32 ≤ n ≤ every line's length.
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
        // SAFETY: i + 8 ≤ n ≤ every line's length.
        let [block] = unsafe { sums::<1>(kernel, lines, i) };
        if let Some(to) = out.get_mut(i..i + LANES).and_then(|to| to.try_into().ok()) {
            unpremultiply(block, bias, to);
        }
        i += LANES;
    }
    i
}

/// Two pixels' sums (`block[0]` the first pixel's R, G, B, A, `block[1]` the second's) plus
/// `bias`, rounded and back to straight RGBA8 in `out`.
#[target_feature(enable = "sse4.1")]
fn unpremultiply([low, high]: [__m128i; 2], bias: __m128i, out: &mut [u8; 2 * CHANNELS]) {
    let low = _mm_srli_epi32::<14>(_mm_add_epi32(low, bias));
    let high = _mm_srli_epi32::<14>(_mm_add_epi32(high, bias));
    // The integer path, right for opaque and transparent pixels and for every alpha.
    let divide = |s: __m128i| {
        _mm_srli_epi32::<23>(_mm_mullo_epi32(_mm_add_epi32(s, _mm_set1_epi32(127)), _mm_set1_epi32(32897)))
    };
    let words = _mm_packus_epi32(divide(low), divide(high));
    let quick = _mm_packus_epi16(words, words);
    // The alpha sums of both pixels (lane 3 of each), in lanes 0 and 1.
    let alphas = _mm_srli_si128::<8>(_mm_unpackhi_epi32(low, high));
    let exact =
        _mm_or_si128(_mm_cmpeq_epi32(alphas, _mm_setzero_si128()), _mm_cmpeq_epi32(alphas, _mm_set1_epi32(65025)));
    let partial = _mm_andnot_si128(exact, _mm_set1_epi32(-1));
    let result = if _mm_testz_si128(partial, partial) != 0 {
        quick
    } else {
        // The f64 path of `native::unpremultiply` for the colours of partial pixels:
        // ⌊min(c · (255 / a), 255) + 0.5⌋ (c·(255/a) is never negative), two lanes at a time.
        let scales = _mm_div_pd(_mm_set1_pd(255.0), _mm_cvtepi32_pd(alphas));
        let half = |sums: __m128i, scale: __m128d| {
            let scaled = _mm_min_pd(_mm_mul_pd(_mm_cvtepi32_pd(sums), scale), _mm_set1_pd(255.0));
            _mm_cvttpd_epi32(_mm_add_pd(scaled, _mm_set1_pd(0.5)))
        };
        let colour = |sums: __m128i, scale: __m128d| {
            _mm_unpacklo_epi64(half(sums, scale), half(_mm_srli_si128::<8>(sums), scale))
        };
        let p0 = colour(low, _mm_unpacklo_pd(scales, scales));
        let p1 = colour(high, _mm_unpackhi_pd(scales, scales));
        let slow = _mm_packus_epi16(_mm_packus_epi32(p0, p1), _mm_setzero_si128());
        // Colour bytes of partial pixels from the f64 path; alpha always from the integers.
        _mm_blendv_epi8(quick, slow, _mm_and_si128(partial, _mm_set1_epi32(0x00FF_FFFF)))
    };
    // SAFETY: `out` is exactly the 8 bytes the store writes.
    unsafe { _mm_storel_epi64(out.as_mut_ptr().cast(), result) };
}

/// `32768·Σw + 2^13`: what turns the biased `pmaddwd` sums back into the scalar sums, plus
/// the rounding of [`native::round_down`].
#[target_feature(enable = "sse4.1")]
fn bias(kernel: &[u16]) -> __m128i {
    let total: i32 = kernel.iter().map(|&w| i32::from(w)).sum();
    _mm_set1_epi32(total.wrapping_mul(32768).wrapping_add(8192))
}

/// The biased sums of `V` vectors of values from `i` on: for vector v, the 32-bit sums of its
/// values 0-3 and 4-7 (each minus `32768·Σw`).
///
/// # Safety
/// `i + 8·V` ≤ the length of every line, and `lines` has one line per tap of `kernel`.
#[target_feature(enable = "sse4.1")]
unsafe fn sums<const V: usize>(kernel: &[u16], lines: &[&[u16]], i: usize) -> [[__m128i; 2]; V] {
    let flip = _mm_set1_epi16(i16::MIN);
    let mut acc = [[_mm_setzero_si128(); 2]; V];
    for (weights, lines) in kernel.chunks(2).zip(lines.chunks(2)) {
        let (w0, w1, first, second) = match (weights, lines) {
            (&[w0, w1], &[first, second]) => (w0, w1, first, second),
            (&[w0], &[first, ..]) => (w0, 0, first, first),
            _ => continue,
        };
        let weights = _mm_set1_epi32(i32::from(w0) | (i32::from(w1) << 16));
        for (v, acc) in acc.iter_mut().enumerate() {
            // SAFETY: i + 8v + 8 ≤ i + 8V ≤ both lines' lengths (the caller's contract).
            let (x, y) = unsafe {
                (
                    _mm_loadu_si128(first.as_ptr().add(i + v * LANES).cast()),
                    _mm_loadu_si128(second.as_ptr().add(i + v * LANES).cast()),
                )
            };
            let (x, y) = (_mm_xor_si128(x, flip), _mm_xor_si128(y, flip));
            acc[0] = _mm_add_epi32(acc[0], _mm_madd_epi16(_mm_unpacklo_epi16(x, y), weights));
            acc[1] = _mm_add_epi32(acc[1], _mm_madd_epi16(_mm_unpackhi_epi16(x, y), weights));
        }
    }
    acc
}
