//! The rotation: the general path against the exact permutations, and every instruction set
//! against the scalar twin (identical bytes) and against the output of the code before SIMD.

use super::*;
use crate::ops::isa::testing::{self, md5};

/// A frame whose every pixel is different, half transparent in places.
fn pattern(width: u32, height: u32) -> Frame {
    let mut frame = Frame::new(width, height).unwrap();
    for (i, p) in frame.pixels.chunks_exact_mut(4).enumerate() {
        p.copy_from_slice(&[(i * 7) as u8, (i * 13) as u8, (i * 29) as u8, if i % 5 == 0 { 128 } else { 255 }]);
    }
    frame
}

const WHITE: Rgb = Rgb { r: 255, g: 255, b: 255 };

/// The background of the pinned outputs.
const BACKGROUND: Rgb = Rgb { r: 10, g: 20, b: 30 };

/// MD5 of the rotation by each angle on `testing::pinned_frames()` (onto the planner's canvas,
/// background `BACKGROUND`), taken from the scalar code before the SIMD kernels existed
/// (commit 0e6aabd).
const PINS: [(u16, [&str; 5]); 8] = [
    (
        1,
        [
            "23682d2e2c8a17ca02234f81bbbeb2b7",
            "20c2f7f3aad7ecadf1545d64b261871b",
            "9e4f7586f46654b321ccbc48e19a3907",
            "1cd32fb19944bfa88b390bab085f517b",
            "1594683c5bf38a6db4ee88762b56cb3a",
        ],
    ),
    (
        30,
        [
            "55310af50829916cb1d4cec950e017f9",
            "b37dfdbf4eaa05a319ab3e4b3b5ed835",
            "18eaa41e38fcb2d77947c872e049fbf0",
            "61523b7210d2486bf1ef3a73c4fbf5b8",
            "00bb87e20eaa14b388cb3e4e161391f8",
        ],
    ),
    (
        45,
        [
            "3582b4ee96eed1986a3cf2f80c2cfe5a",
            "89df2b70631adaa84cedb6a4fe015fc1",
            "b33d0a1b1509387bc1ea21c66802ff41",
            "d8f7d075f919683b3ee9bc0aee25e22e",
            "b7a74a74e03cc04b2a17871d3ab37abf",
        ],
    ),
    (
        89,
        [
            "467c0f1a66d90a77b24bc37b09bf5168",
            "d1293777da4b18c0966f097282e00678",
            "faead8f2405363499475b8faf615caa9",
            "3258f05c46fabb3a7f9facd8828faf79",
            "6a9a36abb1766647b1258990505f6763",
        ],
    ),
    (
        91,
        [
            "467c0f1a66d90a77b24bc37b09bf5168",
            "e87a9cd912caad748317d1a67845620a",
            "e1c2667a253cb49cebf9af6a6cfefd1a",
            "d81be36c15633f544d17fdfdb6755632",
            "5a8cea9aeefd906f18ce60ada6a84429",
        ],
    ),
    (
        135,
        [
            "badbbc27650ef73a44ee7eb39e8d4ba2",
            "9e63a4048b12ec557dab5bd9648b5944",
            "c9850d1c960f093d8fdaaac1f25f236a",
            "dd2b9635047c3b45b7d3ca8c0099e83c",
            "854ee8989b163d2440151c235794298e",
        ],
    ),
    (
        200,
        [
            "a227814016fa2355ca4fc297275633a1",
            "32aa43b0b1c7511c46b9902df356f3b4",
            "004e6c48589ee93520970b17eaf6e445",
            "0c38cb31c5b2c1e7e2e8197b67694878",
            "de419e76b073172aabdd8e0535c35e3a",
        ],
    ),
    (
        333,
        [
            "bdce8df6292f79a77960145751752968",
            "e96cd85f433f1778b0569133d324cdc3",
            "eb8cd33c53684ba0f1631bd97771c0dd",
            "27a13e1dcc6f9a98fe23437af879c965",
            "13cbd9fc6c3ed7a937023a45dfe07401",
        ],
    ),
];

/// The rotation by `degrees` onto the canvas the planner gives.
fn turned(frame: &Frame, degrees: u16, background: Rgb, isa: Isa) -> Frame {
    let canvas = mogr_plan::plan::geometry::rotated((frame.width, frame.height), degrees);
    rotate(frame, degrees, canvas, background, isa).unwrap()
}

#[test]
fn bilinear_path_at_right_angles_matches_the_permutations() {
    // The general path must turn the same way as the exact one (clockwise), and land on
    // the same pixels: at right angles its samples fall on pixel centres.
    let frame = pattern(7, 4);
    for (degrees, turns) in [(90, 1), (180, 2), (270, 3)] {
        let exact = permute(&frame, false, turns).unwrap();
        for isa in Isa::supported() {
            let general = rotate_any(&frame, f64::from(degrees), (exact.width, exact.height), WHITE, isa).unwrap();
            assert_eq!(general, exact, "{isa:?} {degrees}°");
        }
    }
}

#[test]
fn every_isa_gives_the_native_bytes() {
    for degrees in [1, 7, 30, 45, 60, 89, 91, 135, 180 + 17, 270 + 1, 333, 359] {
        for frame in testing::frames().chain([pattern(64, 5), pattern(3, 70)]) {
            let native = turned(&frame, degrees, WHITE, Isa::Native);
            for isa in Isa::supported() {
                let simd = turned(&frame, degrees, WHITE, isa);
                assert!(simd.pixels == native.pixels, "{isa:?} {degrees}° on {}x{}", frame.width, frame.height);
            }
        }
    }
}

#[test]
fn every_isa_gives_the_native_bytes_at_every_canvas_width() {
    // Canvases of every width 1-40 (every SIMD tail), sampling a source larger and smaller.
    let frame = testing::opaque(testing::frame(23, 17, 5));
    for width in 1..=40 {
        for degrees in [13.0, 250.0] {
            let native = rotate_any(&frame, degrees, (width, 9), WHITE, Isa::Native).unwrap();
            for isa in Isa::supported() {
                let simd = rotate_any(&frame, degrees, (width, 9), WHITE, isa).unwrap();
                assert_eq!(simd, native, "{isa:?} {degrees}° onto {width}x9");
            }
        }
    }
}

#[test]
fn every_isa_keeps_the_bytes_of_before() {
    let frames = testing::pinned_frames();
    for (degrees, digests) in PINS {
        for (frame, digest) in frames.iter().zip(digests) {
            for isa in Isa::supported() {
                let out = turned(frame, degrees, BACKGROUND, isa);
                assert_eq!(md5(&out), digest, "{isa:?} {degrees}° on {}x{}", frame.width, frame.height);
            }
        }
    }
}
