//! SSE4.1 rotation: the fast path of `native.rs` for 2 canvas pixels at a time, in `f64` lanes.
//!
//! Per group of 2 canvas pixels: the source points (`mulpd`/`addpd`/`subpd` in the order
//! of `native.rs`, `−dx` by flipping the sign bit), `⌊x⌋` as the truncation (`cvttpd2dq`)
//! minus one where it lies above x, the fractions. A lane whose four neighbours lie inside the
//! source (checked in signed 32-bit compares, which also refuse the truncation's overflow
//! value) and are opaque reads its two pixel pairs through safe slice accesses and mixes them:
//! bytes become exact doubles by OR-ing them into the mantissa of 2^52 and subtracting 2^52,
//! then `upper`, `lower` and the mix as in `native.rs`, `maxpd`/`minpd` for the clamp
//! (never NaN, and ±0 both round to 0), `+ 0.5` and `cvttpd2dq`. A lane whose source point
//! lies at x < −1, x ≥ width, y < −1 or y ≥ height has all four neighbours outside, which is
//! exactly when `native::sample` answers `None`: it takes the uncovered colour. Every other
//! lane (edges, transparent pixels) runs `native::sample` on the lane's own doubles, and the
//! tail of the row (1 pixel) runs `native::rotate_row`.
//!
//! No pointer is dereferenced here: the only `unsafe` is calling the SSE4.1 function once the
//! CPU has been checked.

#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::{Mapping, native};
use crate::Frame;
use crate::ops::Isa;
use crate::picture::CHANNELS;

/// Canvas pixels per group.
const LANES: usize = 2;

/// The alpha bits of two pixels read as a little-endian `u64`.
const OPAQUE_PAIR: u64 = 0xFF00_0000_FF00_0000;

/// Fills canvas row `v`.
pub(super) fn rotate_row(frame: &Frame, m: &Mapping, v: usize, row: &mut [u8]) {
    let mut done = 0;
    if Isa::Sse4.is_supported() {
        // SAFETY: SSE4.1 was detected just above; the function touches memory through safe
        // slice accesses only.
        done = unsafe { rotate_row_sse4(frame, m, v, row) };
    }
    native::rotate_row(frame, m, v, row, done);
}

/// Fills canvas row `v` in groups of 2 pixels; answers how many pixels it filled.
#[target_feature(enable = "sse4.1")]
fn rotate_row_sse4(frame: &Frame, m: &Mapping, v: usize, row: &mut [u8]) -> usize {
    let pixels = row.len() / CHANNELS;
    let (Ok(width), Ok(height), Ok(_)) =
        (i32::try_from(frame.width), i32::try_from(frame.height), i32::try_from(pixels))
    else {
        return 0;
    };
    let stride = frame.width as usize * CHANNELS;
    let dy = v as f64 + 0.5 - m.canvas_centre.1;
    let (dy_sin, dy_cos) = (_mm_set1_pd(dy * m.sin), _mm_set1_pd(dy * m.cos));
    let (sin, cos) = (_mm_set1_pd(m.sin), _mm_set1_pd(m.cos));
    let (half, sign) = (_mm_set1_pd(0.5), _mm_set1_pd(-0.0));
    let (canvas_x, source_x, source_y) =
        (_mm_set1_pd(m.canvas_centre.0), _mm_set1_pd(m.source_centre.0), _mm_set1_pd(m.source_centre.1));
    let (width_f, height_f, minus_one) =
        (_mm_set1_pd(f64::from(width)), _mm_set1_pd(f64::from(height)), _mm_set1_pd(-1.0));
    let (last_x, last_y, none) = (_mm_set1_epi32(width - 1), _mm_set1_epi32(height - 1), _mm_set1_epi32(-1));
    let mut p = 0;
    while p + LANES <= pixels {
        let Some(out) = row.get_mut(p * CHANNELS..(p + LANES) * CHANNELS) else { break };
        // p < pixels, which fits i32.
        let first = p as i32;
        let u = _mm_cvtepi32_pd(_mm_add_epi32(_mm_set1_epi32(first), _mm_setr_epi32(0, 1, 0, 0)));
        let dx = _mm_sub_pd(_mm_add_pd(u, half), canvas_x);
        let sx = _mm_sub_pd(_mm_add_pd(_mm_add_pd(_mm_mul_pd(dx, cos), dy_sin), source_x), half);
        let minus_dx = _mm_xor_pd(dx, sign);
        let sy = _mm_sub_pd(_mm_add_pd(_mm_add_pd(_mm_mul_pd(minus_dx, sin), dy_cos), source_y), half);
        let (x0, fx) = floor(sx);
        let (y0, fy) = floor(sy);
        let inside = _mm_and_si128(
            _mm_and_si128(_mm_cmpgt_epi32(x0, none), _mm_cmpgt_epi32(last_x, x0)),
            _mm_and_si128(_mm_cmpgt_epi32(y0, none), _mm_cmpgt_epi32(last_y, y0)),
        );
        let outside = _mm_or_pd(
            _mm_or_pd(_mm_cmplt_pd(sx, minus_one), _mm_cmpge_pd(sx, width_f)),
            _mm_or_pd(_mm_cmplt_pd(sy, minus_one), _mm_cmpge_pd(sy, height_f)),
        );
        let outside = _mm_movemask_pd(outside);
        // The pixel pairs of the lanes that may take the fast path.
        let mut fast = _mm_movemask_ps(_mm_castsi128_ps(inside)) & 0b11;
        let (xs, ys) = (lanes_i32(x0), lanes_i32(y0));
        let (mut top, mut bottom) = ([0u64; LANES], [0u64; LANES]);
        for i in 0..LANES {
            if fast & (1 << i) == 0 {
                continue;
            }
            let start = (ys[i] as usize * frame.width as usize + xs[i] as usize) * CHANNELS;
            let pair = |at: usize| frame.pixels.get(at..at + 8).and_then(|p| <[u8; 8]>::try_from(p).ok());
            match (pair(start), pair(start + stride)) {
                (Some(t), Some(b)) if u64::from_le_bytes(t) & u64::from_le_bytes(b) & OPAQUE_PAIR == OPAQUE_PAIR => {
                    (top[i], bottom[i]) = (u64::from_le_bytes(t), u64::from_le_bytes(b));
                }
                _ => fast &= !(1 << i),
            }
        }
        let colours = if fast == 0 { [0; LANES] } else { lanes_i32(mix(top, bottom, fx, fy)) };
        let (sxs, sys) = (lanes_f64(sx), lanes_f64(sy));
        for (i, pixel) in out.chunks_exact_mut(CHANNELS).enumerate() {
            let colour = if fast & (1 << i) != 0 {
                colours[i].to_le_bytes()
            } else if outside & (1 << i) != 0 {
                m.uncovered
            } else {
                native::sample(frame, sxs[i], sys[i]).unwrap_or(m.uncovered)
            };
            pixel.copy_from_slice(&colour);
        }
        p += LANES;
    }
    p
}

/// `(⌊x⌋, x − ⌊x⌋)` of 2 doubles, `⌊x⌋` as `i32` in lanes 0 and 1 (wrong, but refused by the
/// caller's signed range checks, where x lies beyond ±2^31).
#[target_feature(enable = "sse4.1")]
fn floor(x: __m128d) -> (__m128i, __m128d) {
    let truncated = _mm_cvttpd_epi32(x);
    let above = _mm_shuffle_epi32::<0b00_00_10_00>(_mm_castpd_si128(_mm_cmpgt_pd(_mm_cvtepi32_pd(truncated), x)));
    let floor = _mm_add_epi32(truncated, above);
    (floor, _mm_sub_pd(x, _mm_cvtepi32_pd(floor)))
}

/// The bilinear mix of 2 lanes' opaque pixel pairs (`top`: (x0, y0) and (x0 + 1, y0),
/// `bottom`: the row below) as RGBA8 in `i32` lanes 0 and 1, alpha 255.
#[target_feature(enable = "sse4.1")]
fn mix(top: [u64; LANES], bottom: [u64; LANES], fx: __m128d, fy: __m128d) -> __m128i {
    let vector = |v: [u64; LANES]| _mm_set_epi64x(v[1] as i64, v[0] as i64);
    let (top, bottom) = (vector(top), vector(bottom));
    let (zero, most, half) = (_mm_setzero_pd(), _mm_set1_pd(255.0), _mm_set1_pd(0.5));
    let channel = |left: __m128d, right: __m128d, below_left: __m128d, below_right: __m128d| {
        let upper = _mm_add_pd(left, _mm_mul_pd(_mm_sub_pd(right, left), fx));
        let lower = _mm_add_pd(below_left, _mm_mul_pd(_mm_sub_pd(below_right, below_left), fx));
        let value = _mm_add_pd(upper, _mm_mul_pd(_mm_sub_pd(lower, upper), fy));
        _mm_cvttpd_epi32(_mm_add_pd(_mm_min_pd(_mm_max_pd(value, zero), most), half))
    };
    let red = channel(byte::<0>(top), byte::<32>(top), byte::<0>(bottom), byte::<32>(bottom));
    let green = channel(byte::<8>(top), byte::<40>(top), byte::<8>(bottom), byte::<40>(bottom));
    let blue = channel(byte::<16>(top), byte::<48>(top), byte::<16>(bottom), byte::<48>(bottom));
    let opaque = _mm_set1_epi32(0xFF00_0000u32 as i32);
    _mm_or_si128(_mm_or_si128(red, _mm_slli_epi32::<8>(green)), _mm_or_si128(_mm_slli_epi32::<16>(blue), opaque))
}

/// The byte at bit `SHIFT` of each 64-bit lane, as an exact double (OR-ed into the mantissa
/// of 2^52, minus 2^52).
#[target_feature(enable = "sse4.1")]
fn byte<const SHIFT: i32>(v: __m128i) -> __m128d {
    let bits = _mm_or_si128(
        _mm_and_si128(_mm_srli_epi64::<SHIFT>(v), _mm_set1_epi64x(0xFF)),
        _mm_set1_epi64x(0x4330_0000_0000_0000),
    );
    _mm_sub_pd(_mm_castsi128_pd(bits), _mm_set1_pd(4_503_599_627_370_496.0))
}

/// Lanes 0 and 1 of an `i32` vector.
#[target_feature(enable = "sse4.1")]
fn lanes_i32(v: __m128i) -> [i32; LANES] {
    [_mm_extract_epi32::<0>(v), _mm_extract_epi32::<1>(v)]
}

/// The 2 lanes of an `f64` vector.
#[target_feature(enable = "sse4.1")]
fn lanes_f64(v: __m128d) -> [f64; LANES] {
    [_mm_cvtsd_f64(v), _mm_cvtsd_f64(_mm_unpackhi_pd(v, v))]
}
