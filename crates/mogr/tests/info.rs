//! `imageInfo` and `imageAve` on corpus files, each value computed here independently: sizes
//! and frames by the `image` crate's decoders, the MD5 of the bytes, the mean colour from the
//! `image` crate's pixels.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::path::PathBuf;

use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, ImageReader};
use md5::{Digest, Md5};
use mogr::plan::Limits;

fn corpus(file: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages").join(file)).unwrap()
}

fn json(bytes: &[u8], rule: &str) -> serde_json::Value {
    let response = mogr::process(bytes, rule, &Limits::default()).unwrap_or_else(|e| panic!("{rule}: {e}"));
    assert_eq!(response.mime_type, "application/json");
    serde_json::from_slice(&response.body).unwrap()
}

/// (file, format name imageInfo gives it, frames).
const FILES: &[(&str, &str, u32)] = &[
    ("jpeg/DSCN0010_gps.jpg", "jpg", 1),
    ("png/pngsuite/basn6a08.png", "png", 1),
    ("gif/dancing-banana.gif", "gif", 8),
    ("webp/gallery2_1_webp_a.webp", "webp", 1),
    ("bmp/Core_8_Bit.bmp", "bmp", 1),
];

#[test]
fn image_info_matches_independent_readings() {
    for &(file, format, frames) in FILES {
        let bytes = corpus(file);
        let (width, height) =
            ImageReader::new(Cursor::new(&bytes)).with_guessed_format().unwrap().into_dimensions().unwrap();
        let md5: String = Md5::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let expected = serde_json::json!({
            "format": format,
            "width": width.to_string(),
            "height": height.to_string(),
            "size": bytes.len().to_string(),
            "md5": md5,
            "frame_count": frames.to_string(),
        });
        assert_eq!(json(&bytes, "imageInfo"), expected, "{file}");
    }
    let gif = corpus("gif/dancing-banana.gif");
    assert_eq!(GifDecoder::new(Cursor::new(&gif)).unwrap().into_frames().count(), 8);
}

/// The alpha-weighted mean colour, as `0xRRGGBB`.
fn mean_colour(bytes: &[u8]) -> [u8; 3] {
    let image = ImageReader::new(Cursor::new(bytes)).with_guessed_format().unwrap().decode().unwrap().to_rgba8();
    let (mut sums, mut weight) = ([0f64; 3], 0f64);
    for p in image.pixels() {
        let a = f64::from(p.0[3]);
        (0..3).for_each(|c| sums[c] += f64::from(p.0[c]) * a);
        weight += a;
    }
    sums.map(|s| (s / weight).round() as u8)
}

fn parse_rgb(value: &serde_json::Value) -> [u8; 3] {
    let hex = value["RGB"].as_str().unwrap().strip_prefix("0x").unwrap();
    let n = u32::from_str_radix(hex, 16).unwrap();
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

#[test]
fn image_ave_is_the_alpha_weighted_mean() {
    // PNG, GIF, WebP and BMP decode to the same pixels here: exact. The JPEG is averaged from
    // libjpeg's 1/8 scaled decode (the DC coefficients), not the full one: ±2 levels.
    for &(file, _, _) in FILES {
        let bytes = corpus(file);
        let tolerance = if file.ends_with(".jpg") { 2 } else { 0 };
        let (got, expected) = (parse_rgb(&json(&bytes, "imageAve")), mean_colour(&bytes));
        let off = got.iter().zip(expected).map(|(&g, e)| g.abs_diff(e)).max().unwrap();
        assert!(off <= tolerance, "{file}: mogr {got:?}, independently {expected:?}");
    }
}
