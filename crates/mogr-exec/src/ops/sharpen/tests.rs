//! The unsharp mask: the exact division, and every instruction set against the scalar twin
//! (identical bytes) and against the output of the code before SIMD.

use super::*;
use crate::ops::div_round;
use crate::ops::isa::testing::{self, md5};

/// MD5 of `sharpen` on `testing::pinned_frames()`, taken from the scalar code before the SIMD
/// kernels existed (commit 0e6aabd).
const PINS: [(u16, [&str; 5]); 4] = [
    (
        10,
        [
            "310c5bdaad28dc7da4e20970cd66207c",
            "708f791e9ae8eda17302ae35e2bf67a2",
            "a5d966c0af267f331eb4108251522aa5",
            "7457cfd5bd27356baaf21c2803a61d39",
            "9b5affbc88e29c49aa41c6527e39eb91",
        ],
    ),
    (
        70,
        [
            "304cf25a204febd805b9254aed3b5db4",
            "5a3d4e4a35567f421f5d0a4380de85b7",
            "26bdf888c2fd5c32c79871559b6ab20f",
            "eaa035b96d6299ec192d50f7ff008bcb",
            "e4857e31aee2b00f4b14dd24717a2e5c",
        ],
    ),
    (
        100,
        [
            "fac808cf9dfd9d645fb2b40c4320d041",
            "69a8bd8f26d1c3bb0b2ce0c78e9ec16f",
            "fa207ef5002b8dbf90d7c3492dcf016f",
            "932769dfa04a73f74611fb413cc7ec31",
            "4d74f00c2f4513d8154e6d8f135e643e",
        ],
    ),
    (
        300,
        [
            "ab9b0a379a195fa42f4caf72cfec23e3",
            "afcb3b3dc9a53209334e1936e8744934",
            "0fa0362ca36cbc525092d82686c7c4df",
            "ca3f7237dcc82864535f07b033c9b59c",
            "b05333600732e6a814cb967f0d3ea882",
        ],
    ),
];

#[test]
fn the_simd_rounding_is_exact_for_every_amount_and_detail() {
    // What the 16-bit lanes compute, in scalar: v = 100·A + B, q = A·|d| + ⌊(B·|d| + 50)/100⌋,
    // the last division as (x·41944) >> 22.
    for x in 0..=99 * 255 + 50u32 {
        assert_eq!((x * 41944) >> 22, x / 100, "{x}");
    }
    for amount in 0..=i32::from(MAX_SIMD_AMOUNT) {
        for d in -255i32..=255 {
            let (whole, part) = (amount / 100, amount % 100);
            let q = whole * d.abs() + (((part * d.abs() + 50) * 41944) >> 22);
            assert_eq!(q * d.signum(), div_round(amount * d, 100), "amount {amount} detail {d}");
            assert!(255 + q <= i32::from(i16::MAX), "amount {amount}: {q} overflows 16 bits");
        }
    }
}

#[test]
fn every_isa_gives_the_native_bytes() {
    for amount in [0, 10, 70, 99, 100, 101, 250, 300, 1000, 1001, u16::MAX] {
        for frame in testing::frames() {
            let native = sharpen(&frame, amount, Isa::Native).unwrap();
            for isa in Isa::supported() {
                let simd = sharpen(&frame, amount, isa).unwrap();
                assert!(simd.pixels == native.pixels, "{isa:?} sharpen/{amount} on {}x{}", frame.width, frame.height);
            }
        }
    }
}

#[test]
fn every_isa_unsharps_like_native_at_every_length() {
    for pixels in 1..=70u32 {
        let original = testing::frame(pixels, 1, u64::from(pixels));
        let blurred = testing::frame(pixels, 1, u64::from(pixels) + 1000);
        for amount in [10, 70, 300] {
            let mut native = blurred.pixels.clone();
            native::unsharp_row(&mut native, &original.pixels, amount);
            for isa in Isa::supported() {
                let mut simd = blurred.pixels.clone();
                unsharp_row(isa, &mut simd, &original.pixels, amount);
                assert_eq!(simd, native, "{isa:?} sharpen/{amount}, {pixels} pixels");
            }
        }
    }
}

#[test]
fn every_isa_keeps_the_bytes_of_before() {
    let frames = testing::pinned_frames();
    for (amount, digests) in PINS {
        for (frame, digest) in frames.iter().zip(digests) {
            for isa in Isa::supported() {
                let out = sharpen(frame, amount, isa).unwrap();
                assert_eq!(md5(&out), digest, "{isa:?} sharpen/{amount} on {}x{}", frame.width, frame.height);
            }
        }
    }
}
