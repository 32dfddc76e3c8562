//! The scalar twin of the unsharp mask: `c' = clamp(c + round(v·(c − blurred)/100), 0, 255)`
//! per colour channel (rounding half away from zero), alpha kept, transparent pixels copied.

use crate::ops::div_round;
use crate::picture::CHANNELS;

/// Turns the `blurred` pixels into the sharpened ones, from the `original` pixels.
pub(super) fn unsharp_row(blurred: &mut [u8], original: &[u8], amount: u16) {
    let amount = i32::from(amount);
    for (pixel, source) in blurred.chunks_exact_mut(CHANNELS).zip(original.chunks_exact(CHANNELS)) {
        unsharp(pixel, source, amount);
    }
}

/// Turns the blurred `pixel` into the sharpened one, from the `original` pixel.
pub(super) fn unsharp(pixel: &mut [u8], original: &[u8], amount: i32) {
    if original.get(3).is_none_or(|&a| a == 0) {
        pixel.copy_from_slice(original);
        return;
    }
    for (value, &c) in pixel.iter_mut().zip(original).take(3) {
        let c = i32::from(c);
        let detail = c - i32::from(*value);
        *value = (c + div_round(amount * detail, 100)).clamp(0, 255) as u8;
    }
    if let (Some(alpha), Some(&a)) = (pixel.get_mut(3), original.get(3)) {
        *alpha = a;
    }
}
