//! Instruction sets the pixel kernels are written for, and which one this CPU runs.
//!
//! A kernel that pays for SIMD is a directory (`blur/`, `sharpen/`, `tone/`, `rotate/`) in the style of
//! fast_image_resize: `mod.rs` holds the step logic and dispatches on an [`Isa`], `native.rs`
//! is the scalar twin (the reference arithmetic, portable Rust), `sse4.rs` and `avx2.rs` do
//! the same arithmetic bit for bit with `core::arch` intrinsics (integers, or for `rotate` the
//! same `f64` operations in the same order). Only those SIMD
//! files may use `unsafe` (the workspace denies it and every SIMD file allows it for itself);
//! each of their entry points is a safe function that checks, at run time, that the CPU has
//! the instruction set ([`Isa::is_supported`], which std caches) and that every slice is long
//! enough, and falls back to `native` otherwise. So a wrong `Isa` is never unsound, only slow.
//!
//! [`Isa::best`] detects the CPU once (a [`OnceLock`]) and is what [`apply`](super::apply)
//! uses; tests and benches force an ISA through [`apply_with`](super::apply_with). On targets
//! other than x86_64 only [`Isa::Native`] is supported and the SIMD files are not compiled.

use std::sync::OnceLock;

/// An instruction set a kernel can run on.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Portable scalar Rust (which the compiler may still auto-vectorise for the baseline).
    Native,
    /// SSE4.1 (with SSSE3): 128-bit integer vectors.
    Sse4,
    /// AVX2: 256-bit integer vectors.
    Avx2,
}

impl Isa {
    /// Every instruction set, from the most portable to the widest.
    pub const ALL: [Isa; 3] = [Isa::Native, Isa::Sse4, Isa::Avx2];

    /// Whether this CPU runs kernels written for `self` (std caches the detection). Every
    /// feature the kernels' `#[target_feature]` implies is checked, not only the top one.
    pub fn is_supported(self) -> bool {
        match self {
            Isa::Native => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Sse4 => std::is_x86_feature_detected!("ssse3") && std::is_x86_feature_detected!("sse4.1"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                Isa::Sse4.is_supported()
                    && std::is_x86_feature_detected!("sse4.2")
                    && std::is_x86_feature_detected!("avx")
                    && std::is_x86_feature_detected!("avx2")
            }
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Sse4 | Isa::Avx2 => false,
        }
    }

    /// The widest instruction set this CPU runs, detected once.
    pub fn best() -> Isa {
        static BEST: OnceLock<Isa> = OnceLock::new();
        *BEST.get_or_init(|| Isa::ALL.into_iter().rev().find(|isa| isa.is_supported()).unwrap_or(Isa::Native))
    }

    /// The instruction sets this CPU runs, `Native` first.
    pub fn supported() -> impl Iterator<Item = Isa> {
        Isa::ALL.into_iter().filter(|isa| isa.is_supported())
    }

    /// The lower-case name used in bench ids: `native`, `sse4`, `avx2`.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Native => "native",
            Isa::Sse4 => "sse4",
            Isa::Avx2 => "avx2",
        }
    }
}

/// Inputs shared by the SIMD-versus-native tests of every kernel.
#[cfg(test)]
pub(crate) mod testing {
    use crate::Frame;

    /// Widths that leave every SIMD tail: 1 mod 8, up to 65, and one wide frame.
    pub(crate) const WIDTHS: [u32; 10] = [1, 9, 17, 25, 33, 41, 49, 57, 65, 1001];

    /// Heights, including a single row and fewer rows than a blur radius.
    pub(crate) const HEIGHTS: [u32; 3] = [1, 3, 8];

    /// A deterministic pseudo-random frame: noisy colours, and alpha in runs of 0, of 255 and of
    /// random values, so every branch of every kernel (transparent, opaque, partial) is taken.
    pub(crate) fn frame(width: u32, height: u32, seed: u64) -> Frame {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut pixels = Vec::with_capacity(width as usize * height as usize * 4);
        let (mut run, mut kind) = (0u64, 0u64);
        for _ in 0..u64::from(width) * u64::from(height) {
            if run == 0 {
                let r = next();
                run = 1 + r % 23;
                kind = (r >> 8) % 4;
            }
            run -= 1;
            let r = next();
            let alpha = match kind {
                0 => 0,
                1 | 2 => 255,
                _ => (r >> 40) as u8,
            };
            pixels.extend_from_slice(&[r as u8, (r >> 8) as u8, (r >> 16) as u8, alpha]);
        }
        Frame::from_pixels(width, height, pixels).unwrap()
    }

    /// `frame` with every pixel opaque (the blur's quick path everywhere).
    pub(crate) fn opaque(mut frame: Frame) -> Frame {
        frame.pixels.chunks_exact_mut(4).for_each(|p| p[3] = 255);
        frame
    }

    /// Every frame the equality tests run on: each width and height, mixed alpha and opaque.
    pub(crate) fn frames() -> impl Iterator<Item = Frame> {
        WIDTHS.into_iter().flat_map(|w| {
            HEIGHTS.into_iter().flat_map(move |h| {
                let seed = u64::from(w * 131 + h);
                [frame(w, h, seed), opaque(frame(w, h, seed + 7))]
            })
        })
    }

    /// The frames whose outputs are pinned by MD5 digests taken from the scalar code before
    /// the SIMD kernels were written (`PINS` in each kernel's tests).
    pub(crate) fn pinned_frames() -> [Frame; 5] {
        [frame(1, 3, 1), frame(65, 8, 2), frame(1001, 3, 3), frame(257, 67, 4), opaque(frame(257, 67, 5))]
    }

    /// The MD5 digest of a frame's pixels, in hex.
    pub(crate) fn md5(frame: &Frame) -> String {
        use md5::Digest;
        format!("{:x}", md5::Md5::digest(&frame.pixels))
    }
}
