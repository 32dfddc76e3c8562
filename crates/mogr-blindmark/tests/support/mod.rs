//! Shared by the integration tests and the robustness example: decoding corpus photos, the
//! attacks (done with the `image` crate, independently of mogr), and PSNR/SSIM.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, RgbaImage};

/// The corpus folder, from the crate directory.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages")
}

/// Decodes a corpus file to RGBA8.
pub fn load(relative: &str) -> RgbaImage {
    image::open(corpus().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}")).to_rgba8()
}

/// An attack on a marked image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attack {
    /// Nothing.
    None,
    /// JPEG re-encoding at quality 70 with the `image` crate's encoder.
    Jpeg70,
    /// Downscale to 50 % (triangle filter).
    Half,
    /// Crop 10 % of the width off the left edge.
    CropLeft10,
    /// Crop 10 % of the height off the bottom edge.
    CropBottom10,
    /// Brightness +20.
    Brighter20,
    /// Brightness -20.
    Darker20,
    /// Crop 10 % left, downscale 50 %, brightness +20, JPEG 70, in that order.
    Combined,
}

impl Attack {
    /// Every attack, in table order.
    pub const ALL: [Attack; 8] = [
        Attack::None,
        Attack::Jpeg70,
        Attack::Half,
        Attack::CropLeft10,
        Attack::CropBottom10,
        Attack::Brighter20,
        Attack::Darker20,
        Attack::Combined,
    ];

    /// A short label.
    pub fn label(self) -> &'static str {
        match self {
            Attack::None => "none",
            Attack::Jpeg70 => "JPEG q70 (image crate)",
            Attack::Half => "downscale 50 %",
            Attack::CropLeft10 => "crop 10 % left",
            Attack::CropBottom10 => "crop 10 % bottom",
            Attack::Brighter20 => "brightness +20",
            Attack::Darker20 => "brightness -20",
            Attack::Combined => "crop 10 % + 50 % + bright +20 + JPEG q70",
        }
    }

    /// The attacked image.
    pub fn apply(self, image: &RgbaImage) -> RgbaImage {
        let (w, h) = image.dimensions();
        match self {
            Attack::None => image.clone(),
            Attack::Jpeg70 => jpeg(image, 70),
            Attack::Half => image::imageops::resize(image, (w / 2).max(1), (h / 2).max(1), FilterType::Triangle),
            Attack::CropLeft10 => image::imageops::crop_imm(image, w / 10, 0, w - w / 10, h).to_image(),
            Attack::CropBottom10 => image::imageops::crop_imm(image, 0, 0, w, h - h / 10).to_image(),
            Attack::Brighter20 => brighten(image, 20),
            Attack::Darker20 => brighten(image, -20),
            Attack::Combined => {
                let cropped = Attack::CropLeft10.apply(image);
                jpeg(&brighten(&Attack::Half.apply(&cropped), 20), 70)
            }
        }
    }
}

/// Re-encodes as JPEG with the `image` crate and decodes again.
pub fn jpeg(image: &RgbaImage, quality: u8) -> RgbaImage {
    let rgb = DynamicImage::ImageRgba8(image.clone()).to_rgb8();
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    rgb.write_with_encoder(encoder).unwrap();
    image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap().to_rgba8()
}

/// Adds `delta` to R, G and B, clamped.
pub fn brighten(image: &RgbaImage, delta: i32) -> RgbaImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        for channel in &mut pixel.0[..3] {
            *channel = (i32::from(*channel) + delta).clamp(0, 255) as u8;
        }
    }
    out
}

/// PSNR (dB) over R, G and B.
pub fn psnr(a: &RgbaImage, b: &RgbaImage) -> f64 {
    let mut squares = 0.0f64;
    let mut count = 0.0f64;
    for (p, q) in a.pixels().zip(b.pixels()) {
        for c in 0..3 {
            squares += (f64::from(p.0[c]) - f64::from(q.0[c])).powi(2);
            count += 1.0;
        }
    }
    if squares == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64 * 255.0 / (squares / count)).log10() }
}

fn luma(image: &RgbaImage) -> Vec<f64> {
    image.pixels().map(|p| 0.299 * f64::from(p.0[0]) + 0.587 * f64::from(p.0[1]) + 0.114 * f64::from(p.0[2])).collect()
}

/// Mean SSIM of the luma over 8 x 8 windows at a stride of 4 (Wang et al.'s constants).
pub fn ssim(a: &RgbaImage, b: &RgbaImage) -> f64 {
    let (w, h) = (a.width() as usize, a.height() as usize);
    let (la, lb) = (luma(a), luma(b));
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut windows) = (0.0, 0.0);
    for y in (0..h.saturating_sub(7)).step_by(4) {
        for x in (0..w.saturating_sub(7)).step_by(4) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for j in y..y + 8 {
                for i in x..x + 8 {
                    let (p, q) = (la[j * w + i], lb[j * w + i]);
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let n = 64.0;
            let (ma, mb) = (sa / n, sb / n);
            let (va, vb, cov) = (saa / n - ma * ma, sbb / n - mb * mb, sab / n - ma * mb);
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            windows += 1.0;
        }
    }
    if windows == 0.0 { 1.0 } else { total / windows }
}

/// A white-on-black watermark image: a ring with a bar, `size` pixels square.
pub fn sample_mark(size: u32) -> mogr_blindmark::LumaImage {
    let centre = f64::from(size) / 2.0;
    let pixels = (0..size * size)
        .map(|i| {
            let (x, y) = (f64::from(i % size) + 0.5 - centre, f64::from(i / size) + 0.5 - centre);
            let radius = (x * x + y * y).sqrt() / centre;
            let ring = (0.55..0.85).contains(&radius);
            let bar = x.abs() < centre * 0.15 && radius < 0.85;
            if ring || bar { 255 } else { 0 }
        })
        .collect();
    mogr_blindmark::LumaImage { width: size, height: size, pixels }
}
