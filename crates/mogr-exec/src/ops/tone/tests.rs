//! Bright and grayscale: the exact arithmetic, and every instruction set against the scalar
//! twin (identical bytes) and against the output of the code before SIMD.

use super::*;
use crate::ops::isa::testing::{self, md5};

/// MD5 of `grayscale` on `testing::pinned_frames()`, taken from the scalar code before the
/// SIMD kernels existed (commit 0e6aabd).
const PINS: [&str; 5] = [
    "5afac7179fa86fb5c7feee778430180c",
    "50a54c9d78899b572e167b1da7ebf8f4",
    "8167a4b33d5108fe3cb36e13bc2350b5",
    "d8b02a0ef457597cdbdcede506f7577d",
    "87a07ebae27602f923ddda3077568529",
];

#[test]
fn the_simd_division_by_1000_is_exact() {
    for n in 0..=299 * 255 + 587 * 255 + 114 * 255 + 500u32 {
        assert_eq!(((n >> 3) * 33555) >> 22, n / 1000, "{n}");
    }
}

#[test]
fn every_isa_gives_the_native_bytes() {
    for frame in testing::frames() {
        let native = grayscale(&frame, Isa::Native).unwrap();
        for isa in Isa::supported() {
            let simd = grayscale(&frame, isa).unwrap();
            assert!(simd.pixels == native.pixels, "{isa:?} on {}x{}", frame.width, frame.height);
        }
    }
    // Every pixel value: a frame of all 2^24 colours would be large; all 256 grey levels
    // on each channel alone and together, with every alpha, cover the arithmetic's corners.
    let mut pixels = Vec::new();
    for v in 0..=255u8 {
        for p in [[v, 0, 0, v], [0, v, 0, 255 - v], [0, 0, v, 255], [v, v, v, 0], [255, 255, v, v]] {
            pixels.extend_from_slice(&p);
        }
    }
    let frame = Frame::from_pixels(256 * 5, 1, pixels).unwrap();
    let native = grayscale(&frame, Isa::Native).unwrap();
    for isa in Isa::supported() {
        assert_eq!(grayscale(&frame, isa).unwrap(), native, "{isa:?}");
    }
}

#[test]
fn every_isa_converts_like_native_at_every_length() {
    for pixels in 1..=70u32 {
        let frame = testing::frame(pixels, 1, u64::from(pixels));
        let mut native = vec![0; frame.pixels.len()];
        native::grayscale_row(&frame.pixels, &mut native);
        for isa in Isa::supported() {
            assert_eq!(grayscale(&frame, isa).unwrap().pixels, native, "{isa:?} {pixels} pixels");
        }
    }
}

#[test]
fn every_isa_keeps_the_bytes_of_before() {
    for (frame, digest) in testing::pinned_frames().iter().zip(PINS) {
        for isa in Isa::supported() {
            assert_eq!(md5(&grayscale(frame, isa).unwrap()), digest, "{isa:?} on {}x{}", frame.width, frame.height);
        }
    }
}

/// A frame holding every byte value in every channel, with every alpha.
fn every_byte() -> Frame {
    let pixels = (0..=255u8).flat_map(|v| [v, 255 - v, v.wrapping_mul(7), v.wrapping_add(128)]).collect();
    Frame::from_pixels(256, 1, pixels).unwrap()
}

#[test]
fn every_isa_brightens_like_the_table_for_every_amount() {
    let frame = every_byte();
    for amount in i8::MIN..=i8::MAX {
        let native = bright(&frame, amount, Isa::Native).unwrap();
        for isa in Isa::supported() {
            assert_eq!(bright(&frame, amount, isa).unwrap(), native, "{isa:?} bright/{amount}");
        }
    }
}

#[test]
fn every_isa_brightens_like_native_at_every_length() {
    for pixels in 1..=70u32 {
        let frame = testing::frame(pixels, 2, u64::from(pixels));
        for amount in [-100, -37, 0, 50, 100] {
            let native = bright(&frame, amount, Isa::Native).unwrap();
            for isa in Isa::supported() {
                assert_eq!(bright(&frame, amount, isa).unwrap(), native, "{isa:?} bright/{amount}, {pixels} pixels");
            }
        }
    }
}
