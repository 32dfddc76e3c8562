//! The blur kernels: weights, the exact division, and every instruction set against the
//! scalar twin (identical bytes) and against the output of the code before SIMD.

use super::*;
use crate::ops::isa::testing::{self, md5};

/// MD5 of `gaussian` on `testing::pinned_frames()`, taken from the scalar code before the SIMD
/// kernels existed (commit 0e6aabd).
const PINS: [((usize, f64), [&str; 5]); 5] = [
    (
        (1, 0.5),
        [
            "20f0951d2d56dfa5f45af482a0358403",
            "b41574c6cb14ffc9fb72fe68c1023e21",
            "2139e43754862eaa94d2a966c5d94b05",
            "21038dce9fd95e349e6863d0cceca75d",
            "ccdeba211e277d8e551232b31958e9fb",
        ],
    ),
    (
        (3, 1.0),
        [
            "1963b542214232067e5fa34af0826c4c",
            "ba3ba6ab1ef8b825955d622c1bd0cfb4",
            "7a4ae4cfa7bea33823fe76810030ae2b",
            "d4fd416590e3d1bc17e556617b846bf2",
            "e667d1c396c38d3cfc302ad508e3e8e1",
        ],
    ),
    (
        (8, 5.0),
        [
            "253336f7d2e90deeb5fd6ca31ad2d946",
            "73440ea630f37479ad7e577fd84fc14d",
            "6670947a9a3d8ef4e3e5e1937f055e75",
            "d9b13e99a0d50e5253b744c4d21f2355",
            "dfc181f9ad4f4be3c0371166f019c09a",
        ],
    ),
    (
        (25, 8.0),
        [
            "241867ed93287eca254e5344fc6a7d2a",
            "b10e44596d6bc5a6f41afc575102a796",
            "779156ef285b04aa85c207b09023bfb5",
            "74a8cc27a2ffbba0ed1f21aaf8c552db",
            "5b9972f159ee2c9336f0e1f85e9ac1db",
        ],
    ),
    (
        (50, 20.0),
        [
            "d5e9abcb0c8fa57c7b7068bd6328ece8",
            "b9031bb6b7de235533aaafea33f2d8da",
            "d05db65c1c2b71d5b93a3c9acd32e9ac",
            "c734e5d91cd4ef94c6226792557d8da1",
            "6ae9b00dbc3f98549cd0301e554550e9",
        ],
    ),
];

#[test]
fn kernels_are_symmetric_and_sum_to_one() {
    for (radius, sigma) in [(1, 0.5), (3, 1.0), (8, 5.0), (50, 1000.0), (50, 0.001), (2, 1e300)] {
        let k = kernel(radius, sigma);
        assert_eq!(k.len(), 2 * radius + 1);
        assert_eq!(
            k.iter().map(|&w| u32::from(w)).sum::<u32>(),
            u32::from(WEIGHT_ONE),
            "radius {radius} sigma {sigma}"
        );
        assert!(k.iter().eq(k.iter().rev()), "radius {radius} sigma {sigma}: {k:?}");
    }
    assert_eq!(kernel(2, 0.001), vec![0, 0, WEIGHT_ONE, 0, 0]);
}

#[test]
fn the_simd_division_by_255_is_exact() {
    // `(s + 127) / 255` for every rounded sum s ≤ 65025, as the SIMD files compute it.
    for x in 0..=65025 + 127 {
        assert_eq!((x * 32897) >> 23, x / 255, "{x}");
    }
}

#[test]
fn every_isa_gives_the_native_bytes() {
    for (radius, sigma) in [(1, 0.5), (2, 0.8), (3, 1.0), (8, 5.0), (20, 10.0), (50, 20.0)] {
        for frame in testing::frames() {
            let native = gaussian(&frame, radius, sigma, Isa::Native).unwrap();
            for isa in Isa::supported() {
                let simd = gaussian(&frame, radius, sigma, isa).unwrap();
                assert!(
                    simd.pixels == native.pixels,
                    "{isa:?} radius {radius} sigma {sigma} on {}x{}",
                    frame.width,
                    frame.height
                );
            }
        }
    }
}

#[test]
fn every_isa_keeps_the_bytes_of_before() {
    let frames = testing::pinned_frames();
    for ((radius, sigma), digests) in PINS {
        for (frame, digest) in frames.iter().zip(digests) {
            for isa in Isa::supported() {
                let out = gaussian(frame, radius, sigma, isa).unwrap();
                assert_eq!(
                    md5(&out),
                    digest,
                    "{isa:?} radius {radius} sigma {sigma} on {}x{}",
                    frame.width,
                    frame.height
                );
            }
        }
    }
}

/// Premultiplied rows of a test frame, `pixels` wide, and the padded lines of each tap.
fn premultiplied_rows(pixels: u32, rows: u32, seed: u64) -> Vec<Vec<u16>> {
    let frame = testing::frame(pixels, rows, seed);
    (0..rows)
        .map(|y| {
            let mut out = vec![0; pixels as usize * CHANNELS];
            native::premultiply(frame.row(y), &mut out);
            out
        })
        .collect()
}

#[test]
fn every_isa_premultiplies_like_native_at_every_length() {
    for pixels in 1..=70 {
        let frame = testing::frame(pixels, 1, u64::from(pixels));
        let mut native = vec![0; pixels as usize * CHANNELS];
        native::premultiply(frame.row(0), &mut native);
        for isa in Isa::supported() {
            let mut out = vec![1; native.len()];
            premultiply(isa, frame.row(0), &mut out);
            assert_eq!(out, native, "{isa:?} {pixels} pixels");
        }
    }
}

#[test]
fn every_isa_convolves_like_native_at_every_length() {
    for taps in [1, 2, 3, 7, 17] {
        let kernel = kernel(taps / 2, 1.5);
        // An even number of taps (not a kernel `kernel()` gives) still has to match.
        let kernel = if taps % 2 == 0 { kernel.iter().copied().chain([0]).collect() } else { kernel };
        for pixels in 1..=70u32 {
            let rows = premultiplied_rows(pixels, kernel.len() as u32, u64::from(pixels) * 31 + taps as u64);
            let lines: Vec<&[u16]> = rows.iter().map(Vec::as_slice).collect();
            let len = pixels as usize * CHANNELS;
            let (mut row, mut column, mut sums) = (vec![0u16; len], vec![0u8; len], Vec::new());
            native::blur_row(&kernel, &lines, &mut row, &mut sums).unwrap();
            native::blur_column(&kernel, &lines, &mut column, &mut sums).unwrap();
            for isa in Isa::supported() {
                let (mut simd_row, mut simd_column) = (vec![1u16; len], vec![1u8; len]);
                blur_row(isa, &kernel, &lines, &mut simd_row, &mut sums).unwrap();
                blur_column(isa, &kernel, &lines, &mut simd_column, &mut sums).unwrap();
                assert_eq!(simd_row, row, "{isa:?} row, {taps} taps, {pixels} pixels");
                assert_eq!(simd_column, column, "{isa:?} column, {taps} taps, {pixels} pixels");
            }
        }
    }
}

#[test]
fn short_lines_are_refused_by_every_isa() {
    let kernel = kernel(1, 1.0);
    let (long, short) = (vec![65025u16; 64], vec![65025u16; 8]);
    let lines: Vec<&[u16]> = vec![&long, &short, &long];
    for isa in Isa::supported() {
        assert!(blur_row(isa, &kernel, &lines, &mut [0; 64], &mut Vec::new()).is_err(), "{isa:?}");
        assert!(blur_column(isa, &kernel, &lines, &mut [0; 64], &mut Vec::new()).is_err(), "{isa:?}");
        // The SIMD entry points check again on their own, and then read the short line as
        // zeros rather than past its end.
        #[cfg(target_arch = "x86_64")]
        {
            let mut out = [0u16; 64];
            match isa {
                Isa::Avx2 => avx2::blur_row(&kernel, &lines, &mut out),
                Isa::Sse4 => sse4::blur_row(&kernel, &lines, &mut out),
                Isa::Native => {}
            }
        }
    }
}
