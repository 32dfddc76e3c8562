//! Comparisons with ImageMagick 6.9.11 (FreeType) renderings of the same font files, made by
//! `tests/reference/generate.sh`.
//!
//! FreeType hints and rounds each glyph's advance; mogr-text neither hints nor rounds advances.
//! So the comparison allows for that: the ink boxes (pixels of coverage ≥ 50%) must agree in size
//! and in position within the layout box to ±2 px, and after aligning the ink boxes (and trying
//! shifts of ±1 px around that) the mean absolute difference over the ink box must stay under
//! each case's stated bound, in coverage levels (0-255); the total ink (sum of coverage) must be
//! within ±5% of ImageMagick's, so strokes are neither thinner nor bolder. The bounds are about
//! 1.4 to 1.5 times what was measured (Liberation 14.5: TrueType hinting snaps stems and heights;
//! WenQuanYi 5.9; Noto, CFF, lightly hinted, 4.6; ink within 2.1%). A mismatch writes
//! `expected | diff | actual` to `target/tmp/mogr-text/<case>.png`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::LazyLock;

use common::{Gray, LIBRARY, MAX_PIXELS, PixelBox, failure_dir, ink_box, read_png, reference_dir, side_by_side};
use mogr_text::{FontLibrary, TextRequest};

/// Only WenQuanYi Micro Hei: `SimHei` then resolves to its face 0, the face ImageMagick draws.
static WQY_ONLY: LazyLock<FontLibrary> =
    LazyLock::new(|| FontLibrary::from_dirs(vec!["/usr/share/fonts/truetype/wqy".into()]));

const INK: u8 = 128;
const BOX_SLACK: i64 = 2;
const MAX_INK_DEVIATION: f64 = 0.05;

struct Case<'a> {
    name: &'a str,
    library: &'a FontLibrary,
    font: &'a str,
    size_pt: u32,
    text: &'a str,
    /// The largest mean absolute difference accepted, in coverage levels.
    max_mean_difference: f64,
}

fn compare(case: &Case<'_>) {
    let expected = read_png(&reference_dir().join(format!("{}.png", case.name)));
    let request = TextRequest { text: case.text, font: Some(case.font), size_pt: case.size_pt, max_pixels: MAX_PIXELS };
    let coverage = case.library.render(&request).unwrap();
    let actual = Gray::from_coverage(&coverage);
    let expected_ink = ink_box(&expected, INK).expect("reference has ink");
    let actual_ink = ink_box(&actual, INK).expect("rendering has ink");
    // Positions relative to the layout box's top left (ImageMagick's label starts at the box).
    let (left, top) = (i64::from(coverage.layout.left), i64::from(coverage.layout.top));
    let relative = PixelBox {
        x0: actual_ink.x0 - left,
        y0: actual_ink.y0 - top,
        x1: actual_ink.x1 - left,
        y1: actual_ink.y1 - top,
    };
    let (mean, dx, dy) = best_alignment(&expected, &expected_ink, &actual, &actual_ink);
    let ink_ratio = actual.mass() as f64 / expected.mass() as f64;
    eprintln!(
        "{}: expected ink {expected_ink:?}, actual {relative:?}, mean difference {mean:.2} at ({dx}, {dy}), \
         ink ratio {ink_ratio:.3}",
        case.name
    );
    let boxes_agree = [
        (expected_ink.x0, relative.x0),
        (expected_ink.y0, relative.y0),
        (expected_ink.width(), relative.width()),
        (expected_ink.height(), relative.height()),
    ]
    .iter()
    .all(|(e, a)| (e - a).abs() <= BOX_SLACK);
    if !boxes_agree || mean > case.max_mean_difference || (ink_ratio - 1.0).abs() > MAX_INK_DEVIATION {
        let path = failure_dir().join(format!("{}.png", case.name));
        let (aligned_expected, aligned_actual) = aligned_crops(&expected, &expected_ink, &actual, &actual_ink, dx, dy);
        let diff = difference(&aligned_expected, &aligned_actual);
        common::write_png(&path, &side_by_side(&aligned_expected, &diff, &aligned_actual));
        panic!(
            "{}: ink boxes {expected_ink:?} (expected) vs {relative:?} (±{BOX_SLACK}), mean difference {mean:.2} \
             (bound {}), ink ratio {ink_ratio:.3}; expected|diff|actual in {}",
            case.name,
            case.max_mean_difference,
            path.display()
        );
    }
}

/// The smallest mean absolute difference over shifts of ±1 px around aligning the ink boxes.
fn best_alignment(expected: &Gray, expected_ink: &PixelBox, actual: &Gray, actual_ink: &PixelBox) -> (f64, i64, i64) {
    let mut best = (f64::MAX, 0, 0);
    for dy in -1..=1 {
        for dx in -1..=1 {
            let (e, a) = aligned_crops(expected, expected_ink, actual, actual_ink, dx, dy);
            let total: u64 = e.data.iter().zip(&a.data).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
            let mean = total as f64 / e.data.len() as f64;
            if mean < best.0 {
                best = (mean, dx, dy);
            }
        }
    }
    best
}

/// Both images cropped to the larger ink box (plus 1 px), the actual one shifted by `(dx, dy)`.
fn aligned_crops(
    expected: &Gray,
    expected_ink: &PixelBox,
    actual: &Gray,
    actual_ink: &PixelBox,
    dx: i64,
    dy: i64,
) -> (Gray, Gray) {
    let width = (expected_ink.width().max(actual_ink.width()) + 2) as u32;
    let height = (expected_ink.height().max(actual_ink.height()) + 2) as u32;
    let e = expected.crop(expected_ink.x0 - 1, expected_ink.y0 - 1, width, height);
    let a = actual.crop(actual_ink.x0 - 1 + dx, actual_ink.y0 - 1 + dy, width, height);
    (e, a)
}

fn difference(expected: &Gray, actual: &Gray) -> Gray {
    let data = expected.data.iter().zip(&actual.data).map(|(e, a)| e.abs_diff(*a)).collect();
    Gray { width: expected.width, height: expected.height, data }
}

#[test]
fn latin_matches_imagemagick_on_liberation_sans() {
    compare(&Case {
        name: "liberation-hello-40",
        library: &LIBRARY,
        font: "Arial.ttf",
        size_pt: 40,
        text: "Hello World",
        max_mean_difference: 20.0,
    });
}

#[test]
fn han_and_latin_match_imagemagick_on_wenquanyi_micro_hei() {
    compare(&Case {
        name: "wqy-watermark-48",
        library: &WQY_ONLY,
        font: "SimHei.ttf",
        size_pt: 48,
        text: "水印 mogr",
        max_mean_difference: 9.0,
    });
}

#[test]
fn kana_and_latin_match_imagemagick_on_noto_sans_cjk() {
    compare(&Case {
        name: "noto-kana-48",
        library: &LIBRARY,
        font: "SimHei.ttf",
        size_pt: 48,
        text: "すかし mogr",
        max_mean_difference: 7.0,
    });
}
