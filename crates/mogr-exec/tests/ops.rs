//! The pixel operations of `mogr_exec::ops::apply`, step by step, on synthetic frames with
//! exact expectations and on the EXIF orientation photos of the corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr_exec::ops::apply;
use mogr_exec::plan::plan::Rect;
use mogr_exec::plan::plan::geometry::{circle, rotated};
use mogr_exec::plan::syntax::ast::{Rgb, Stage};
use mogr_exec::plan::{Orientation, Step};
use mogr_exec::{ExecError, Frame};

// The corpus photos are decoded by libjpeg-turbo at 1/8 scale (`decode_eighth`).
#[cfg(feature = "jpeg-turbo")]
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testimages/");

const WHITE: Rgb = Rgb { r: 255, g: 255, b: 255 };

/// A `width`×`height` frame whose pixel (x, y) is `f(x, y)`.
fn frame(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Frame {
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            pixels.extend_from_slice(&f(x, y));
        }
    }
    Frame::from_pixels(width, height, pixels).unwrap()
}

/// A frame whose every pixel is different (for permutations), with some alpha.
fn unique(width: u32, height: u32) -> Frame {
    frame(width, height, |x, y| [x as u8, y as u8, (x * 31 + y * 17) as u8, 200 + (x + y) as u8 % 50])
}

fn px(frame: &Frame, x: u32, y: u32) -> [u8; 4] {
    frame.pixel(x, y).unwrap_or_else(|| panic!("({x}, {y}) outside {}x{}", frame.width, frame.height))
}

fn alpha_sum(frame: &Frame) -> u64 {
    frame.pixels.chunks_exact(4).map(|p| u64::from(p[3])).sum()
}

fn rotate_step(frame: &Frame, degrees: u16, background: Rgb) -> Step {
    let (width, height) = rotated((frame.width, frame.height), degrees);
    Step::Rotate { degrees, width, height, background }
}

fn all_orientations() -> impl Iterator<Item = Orientation> {
    (1..=8).map(|v| Orientation::from_exif(v).unwrap())
}

// ---- sizes, delays, refusals ----

#[test]
fn every_step_gives_the_planned_size_and_keeps_the_delay() {
    let mut input = unique(40, 30);
    input.delay_ms = 70;
    let (circle_rect, circle_radius) = circle((40, 30), 10);
    let cases = [
        (Step::Resize { width: 17, height: 55 }, (17, 55)),
        (Step::Crop(Rect { x: 3, y: 4, width: 20, height: 10 }), (20, 10)),
        (Step::Pad { width: 50, height: 36, x: 5, y: 3, color: WHITE }, (50, 36)),
        (Step::Flip { vertical: true }, (40, 30)),
        (Step::Orient { orientation: Orientation::RightTop }, (30, 40)),
        (Step::Orient { orientation: Orientation::BottomLeft }, (40, 30)),
        (rotate_step(&input, 30, WHITE), rotated((40, 30), 30)),
        (rotate_step(&input, 270, WHITE), (30, 40)),
        (Step::Circle { rect: circle_rect, radius: circle_radius }, (20, 20)),
        (Step::RoundCorners { radius: 7 }, (40, 30)),
        (Step::Bright { amount: 10 }, (40, 30)),
        (Step::Contrast { amount: -10 }, (40, 30)),
        (Step::Grayscale, (40, 30)),
        (Step::Blur { radius: 4, sigma: 2.0 }, (40, 30)),
        (Step::Sharpen { amount: 70 }, (40, 30)),
    ];
    for (step, size) in cases {
        let out = apply(&step, &input).unwrap_or_else(|e| panic!("{step:?}: {e}"));
        assert_eq!((out.width, out.height), size, "{step:?}");
        assert_eq!(out.pixels.len(), size.0 as usize * size.1 as usize * 4, "{step:?}");
        assert_eq!(out.delay_ms, 70, "{step:?}");
    }
}

#[test]
fn steps_that_are_not_pixel_work_are_unsupported() {
    let input = unique(8, 8);
    let Ok(pipeline) = mogr_exec::plan::syntax::parse("watermark/2/text/aGVsbG8") else { panic!("rule") };
    let Some(Stage::Watermark(mark)) = pipeline.stages.first().cloned() else { panic!("no watermark stage") };
    for step in [
        Step::ReduceFrames { frames: 2, spread: true },
        Step::FaceCrop { width: 4, height: 4 },
        Step::Watermark { mark },
    ] {
        assert!(matches!(apply(&step, &input), Err(ExecError::Unsupported(_))), "{step:?}");
    }
}

#[test]
fn inconsistent_frames_and_misplaced_rectangles_are_internal_errors() {
    let mut broken = unique(4, 4);
    broken.pixels.pop();
    assert!(matches!(apply(&Step::Grayscale, &broken), Err(ExecError::Internal(_))));

    let input = unique(10, 8);
    let bad_steps = [
        Step::Crop(Rect { x: 5, y: 0, width: 6, height: 8 }),
        Step::Crop(Rect { x: 0, y: 0, width: 0, height: 8 }),
        Step::Crop(Rect { x: u32::MAX, y: 0, width: 2, height: 2 }),
        Step::Circle { rect: Rect { x: 0, y: 4, width: 8, height: 8 }, radius: 4 },
        Step::Pad { width: 12, height: 8, x: 3, y: 0, color: WHITE },
        Step::RoundCorners { radius: 5 },
    ];
    for step in bad_steps {
        assert!(matches!(apply(&step, &input), Err(ExecError::Internal(_))), "{step:?}");
    }
}

// ---- crop, pad, flip ----

#[test]
fn crop_copies_the_rectangle() {
    let input = unique(10, 8);
    let out = apply(&Step::Crop(Rect { x: 3, y: 2, width: 7, height: 5 }), &input).unwrap();
    for (x, y) in [(0, 0), (6, 0), (0, 4), (6, 4), (2, 3)] {
        assert_eq!(px(&out, x, y), px(&input, x + 3, y + 2));
    }
}

#[test]
fn pad_centres_the_frame_on_an_opaque_canvas() {
    // Opaque red, with one half-transparent pixel and one fully transparent pixel.
    let input = frame(4, 3, |x, y| match (x, y) {
        (1, 1) => [255, 0, 0, 128],
        (2, 1) => [9, 9, 9, 0],
        _ => [255, 0, 0, 255],
    });
    let blue = Rgb { r: 0, g: 0, b: 255 };
    let out = apply(&Step::Pad { width: 8, height: 7, x: 2, y: 2, color: blue }, &input).unwrap();
    assert_eq!(px(&out, 0, 0), [0, 0, 255, 255]);
    assert_eq!(px(&out, 7, 6), [0, 0, 255, 255]);
    assert_eq!(px(&out, 1, 3), [0, 0, 255, 255]);
    assert_eq!(px(&out, 2, 2), [255, 0, 0, 255]);
    assert_eq!(px(&out, 5, 4), [255, 0, 0, 255]);
    // Source over: red·128/255 + blue·127/255.
    assert_eq!(px(&out, 3, 3), [128, 0, 127, 255]);
    assert_eq!(px(&out, 4, 3), [0, 0, 255, 255]);
    assert!(!out.has_transparency());
}

#[test]
fn flips_mirror_exactly() {
    let input = unique(5, 3);
    let vertical = apply(&Step::Flip { vertical: true }, &input).unwrap();
    let horizontal = apply(&Step::Flip { vertical: false }, &input).unwrap();
    for y in 0..3 {
        for x in 0..5 {
            assert_eq!(px(&vertical, x, y), px(&input, x, 2 - y));
            assert_eq!(px(&horizontal, x, y), px(&input, 4 - x, y));
        }
    }
}

// ---- orientation and right angles ----

/// Where upright pixel (u, v) of a stored `w`×`h` image comes from, per EXIF orientation,
/// written from the tag's definition (where the stored row 0 and column 0 are displayed).
fn exif_source(orientation: u16, (w, h): (u32, u32), (u, v): (u32, u32)) -> (u32, u32) {
    match orientation {
        1 => (u, v),
        2 => (w - 1 - u, v),         // row 0 top, column 0 right
        3 => (w - 1 - u, h - 1 - v), // row 0 bottom, column 0 right
        4 => (u, h - 1 - v),         // row 0 bottom, column 0 left
        5 => (v, u),                 // row 0 left, column 0 top
        6 => (v, h - 1 - u),         // row 0 right, column 0 top
        7 => (w - 1 - v, h - 1 - u), // row 0 right, column 0 bottom
        _ => (w - 1 - v, u),         // row 0 left, column 0 bottom
    }
}

#[test]
fn orient_undoes_each_of_the_eight_orientations_exactly() {
    let stored = unique(5, 3);
    for orientation in all_orientations() {
        let value = orientation.exif_value();
        let out = apply(&Step::Orient { orientation }, &stored).unwrap();
        let expected_size = if value >= 5 { (3, 5) } else { (5, 3) };
        assert_eq!((out.width, out.height), expected_size, "orientation {value}");
        for v in 0..out.height {
            for u in 0..out.width {
                let (x, y) = exif_source(value, (5, 3), (u, v));
                assert_eq!(px(&out, u, v), px(&stored, x, y), "orientation {value} at ({u}, {v})");
            }
        }
    }
}

#[test]
fn right_angle_rotations_are_exact_permutations() {
    let input = unique(7, 4);
    for (degrees, orientation) in
        [(90, Orientation::RightTop), (180, Orientation::BottomRight), (270, Orientation::LeftBottom)]
    {
        let rotated = apply(&rotate_step(&input, degrees, WHITE), &input).unwrap();
        let oriented = apply(&Step::Orient { orientation }, &input).unwrap();
        assert_eq!(rotated, oriented, "{degrees}°");
    }
    // 90° clockwise: the top-left pixel goes to the top-right corner.
    let quarter = apply(&rotate_step(&input, 90, WHITE), &input).unwrap();
    assert_eq!(px(&quarter, 3, 0), px(&input, 0, 0));
    assert_eq!(px(&quarter, 0, 6), px(&input, 6, 3));
}

/// A JPEG decoded at 1/8 scale by libjpeg-turbo, which (like the image crate) ignores the
/// EXIF orientation: the stored pixels.
#[cfg(feature = "jpeg-turbo")]
fn decode_eighth(name: &str) -> Frame {
    let data = std::fs::read(format!("{CORPUS}exif-orientation/{name}.jpg")).unwrap();
    let mut decompressor = turbojpeg::Decompressor::new().unwrap();
    decompressor.set_scaling_factor(turbojpeg::ScalingFactor::ONE_EIGHTH).unwrap();
    let header = decompressor.read_header(&data).unwrap().scaled(turbojpeg::ScalingFactor::ONE_EIGHTH);
    let mut image = turbojpeg::Image {
        pixels: vec![0; 4 * header.width * header.height],
        width: header.width,
        pitch: 4 * header.width,
        height: header.height,
        format: turbojpeg::PixelFormat::RGBA,
    };
    decompressor.decompress(&data, image.as_deref_mut()).unwrap();
    Frame::from_pixels(header.width as u32, header.height as u32, image.pixels).unwrap()
}

/// Mean absolute difference of the colour channels of two frames of the same size.
#[cfg(feature = "jpeg-turbo")]
fn mean_abs_diff(a: &Frame, b: &Frame) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let (sum, n) = a
        .pixels
        .chunks_exact(4)
        .zip(b.pixels.chunks_exact(4))
        .flat_map(|(p, q)| (0..3).map(move |i| u64::from(p[i].abs_diff(q[i]))))
        .fold((0u64, 0u64), |(s, n), d| (s + d, n + 1));
    sum as f64 / n as f64
}

/// Tolerance: the photos are separate JPEG encodings of one picture, compared at 1/8 scale
/// (225×150): the right orientation is within 3 levels on average, any wrong one of the same
/// size at least 15 levels away.
#[test]
#[cfg(feature = "jpeg-turbo")]
fn orient_makes_the_corpus_photos_upright() {
    for shape in ["Landscape", "Portrait"] {
        let upright = decode_eighth(&format!("{shape}_1"));
        for orientation in all_orientations().skip(1) {
            let value = orientation.exif_value();
            let stored = decode_eighth(&format!("{shape}_{value}"));
            let out = apply(&Step::Orient { orientation }, &stored).unwrap();
            let right = mean_abs_diff(&out, &upright);
            assert!(right <= 3.0, "{shape}_{value}: mean difference {right:.2}");
            for wrong in
                all_orientations().filter(|o| *o != orientation && o.swaps_sides() == orientation.swaps_sides())
            {
                let out = apply(&Step::Orient { orientation: wrong }, &stored).unwrap();
                let diff = mean_abs_diff(&out, &upright);
                assert!(diff >= 15.0, "{shape}_{value} undone as {}: {diff:.2}", wrong.exif_value());
            }
        }
    }
}

// ---- rotation by other angles ----

#[test]
fn rotation_turns_clockwise_onto_a_transparent_background() {
    // Top-left quadrant red, the rest blue, opaque.
    let input = frame(21, 21, |x, y| if x < 10 && y < 10 { [255, 0, 0, 255] } else { [0, 0, 255, 255] });
    let background = Rgb { r: 1, g: 2, b: 3 };
    let out = apply(&rotate_step(&input, 45, background), &input).unwrap();
    let (w, h) = (out.width, out.height);
    assert_eq!((w, h), (30, 30));
    // Clockwise by 45°, the top-left corner comes to the top centre; the bottom-left corner
    // (blue) to the left centre.
    let top = px(&out, w / 2, 3);
    assert!(top[0] > 200 && top[2] < 50 && top[3] == 255, "top centre {top:?}");
    let left = px(&out, 3, h / 2);
    assert!(left[2] > 200 && left[0] < 50 && left[3] == 255, "left centre {left:?}");
    // The uncovered corners: the background colour, transparent.
    for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
        assert_eq!(px(&out, x, y), [1, 2, 3, 0], "({x}, {y})");
    }
}

#[test]
fn rotation_keeps_colour_and_area() {
    let colour = [10, 200, 30, 255];
    let input = frame(40, 20, |_, _| colour);
    let out = apply(&rotate_step(&input, 30, WHITE), &input).unwrap();
    assert_eq!(px(&out, out.width / 2, out.height / 2), colour);
    // Premultiplied interpolation: partly covered edge pixels keep the colour exactly.
    for p in out.pixels.chunks_exact(4).filter(|p| p[3] > 0) {
        assert_eq!(p[..3], colour[..3]);
    }
    assert!(out.pixels.chunks_exact(4).any(|p| p[3] > 0 && p[3] < 255), "edges are anti-aliased");
    // The covered area is the source's, within 1%.
    let area = alpha_sum(&out) as f64 / 255.0;
    assert!((area - 800.0).abs() <= 8.0, "area {area}");
}

// ---- circle and rounded corners ----

#[test]
fn circle_keeps_an_anti_aliased_disc() {
    let input = frame(40, 30, |x, y| [x as u8 * 3, y as u8 * 5, 77, 255]);
    let (rect, radius) = circle((40, 30), 10);
    let out = apply(&Step::Circle { rect, radius }, &input).unwrap();
    assert_eq!((out.width, out.height), (20, 20));
    for (x, y) in [(0, 0), (19, 0), (0, 19), (19, 19), (1, 1)] {
        assert_eq!(px(&out, x, y)[3], 0, "({x}, {y})");
    }
    for (x, y) in [(10, 10), (9, 9), (10, 1), (1, 10), (18, 9)] {
        assert_eq!(px(&out, x, y)[3], 255, "({x}, {y})");
    }
    // Colours are the crop's; alpha is symmetric in both axes and the diagonal.
    for y in 0..20 {
        for x in 0..20 {
            let p = px(&out, x, y);
            assert_eq!(p[..3], px(&input, x + rect.x, y + rect.y)[..3]);
            assert_eq!(p[3], px(&out, 19 - x, y)[3]);
            assert_eq!(p[3], px(&out, x, 19 - y)[3]);
            assert_eq!(p[3], px(&out, y, x)[3]);
        }
    }
    assert!(out.pixels.chunks_exact(4).filter(|p| p[3] > 0 && p[3] < 255).count() >= 40);
    // The disc's area π·r², within 0.5%.
    let area = alpha_sum(&out) as f64 / 255.0;
    let disc = std::f64::consts::PI * 100.0;
    assert!((area - disc).abs() <= disc * 0.005, "area {area} vs {disc}");
}

#[test]
fn round_corners_cut_four_equal_quarter_circles() {
    let input = frame(40, 30, |_, _| [50, 60, 70, 255]);
    let out = apply(&Step::RoundCorners { radius: 8 }, &input).unwrap();
    for (x, y) in [(0, 0), (39, 0), (0, 29), (39, 29), (1, 1)] {
        assert_eq!(px(&out, x, y)[3], 0, "({x}, {y})");
    }
    for (x, y) in [(8, 0), (0, 8), (39, 15), (20, 29), (3, 3), (20, 15)] {
        assert_eq!(px(&out, x, y), [50, 60, 70, 255], "({x}, {y})");
    }
    for y in 0..30 {
        for x in 0..40 {
            assert_eq!(px(&out, x, y)[3], px(&out, 39 - x, y)[3]);
            assert_eq!(px(&out, x, y)[3], px(&out, x, 29 - y)[3]);
        }
    }
    // Each corner loses r² − π·r²/4 = 13.73 px of area, within 0.5 px.
    let lost = (40.0 * 30.0 - alpha_sum(&out) as f64 / 255.0) / 4.0;
    let expected = 64.0 - std::f64::consts::PI * 16.0;
    assert!((lost - expected).abs() <= 0.5, "{lost} vs {expected}");
}

// ---- tone ----

/// One pixel per value of `values`, in a row, with a distinct alpha each.
fn grey_row(values: &[u8]) -> Frame {
    frame(values.len() as u32, 1, |x, _| {
        let v = values[x as usize];
        [v, v, v, 100 + x as u8]
    })
}

fn channel_after(step: Step, values: &[u8]) -> Vec<u8> {
    let input = grey_row(values);
    let out = apply(&step, &input).unwrap();
    for (i, p) in out.pixels.chunks_exact(4).enumerate() {
        assert_eq!(p[3], 100 + i as u8, "{step:?} changed alpha");
        assert!(p[0] == p[1] && p[1] == p[2]);
    }
    out.pixels.chunks_exact(4).map(|p| p[0]).collect()
}

#[test]
fn bright_adds_a_fixed_offset() {
    let values = [0, 100, 127, 200, 255];
    assert_eq!(channel_after(Step::Bright { amount: 50 }, &values), [128, 228, 255, 255, 255]);
    assert_eq!(channel_after(Step::Bright { amount: -50 }, &values), [0, 0, 0, 72, 127]);
    assert_eq!(channel_after(Step::Bright { amount: 1 }, &values), [3, 103, 130, 203, 255]);
    assert_eq!(channel_after(Step::Bright { amount: -100 }, &values), [0; 5]);
}

#[test]
fn contrast_turns_the_line_about_mid_grey() {
    let values = [0, 100, 127, 128, 140, 255];
    assert_eq!(channel_after(Step::Contrast { amount: 50 }, &values), [0, 61, 126, 129, 158, 255]);
    assert_eq!(channel_after(Step::Contrast { amount: -50 }, &values), [75, 116, 127, 128, 133, 180]);
    assert_eq!(channel_after(Step::Contrast { amount: -100 }, &values), [128; 6]);
    assert_eq!(channel_after(Step::Contrast { amount: 100 }, &values), [0, 0, 0, 255, 255, 255]);
}

#[test]
fn grayscale_is_bt601_luma() {
    let input = frame(5, 1, |x, _| {
        [[255, 0, 0, 9], [0, 255, 0, 255], [0, 0, 255, 0], [10, 20, 30, 128], [255, 255, 255, 255]][x as usize]
    });
    let out = apply(&Step::Grayscale, &input).unwrap();
    let expected = [[76, 76, 76, 9], [150, 150, 150, 255], [29, 29, 29, 0], [18, 18, 18, 128], [255, 255, 255, 255]];
    for (x, e) in expected.iter().enumerate() {
        assert_eq!(px(&out, x as u32, 0), *e);
    }
}

// ---- blur and sharpen ----

#[test]
fn blur_keeps_a_constant_image_constant() {
    for colour in [[37, 180, 255, 255], [200, 10, 90, 77]] {
        let input = frame(23, 17, |_, _| colour);
        let out = apply(&Step::Blur { radius: 8, sigma: 5.0 }, &input).unwrap();
        assert_eq!(out, input);
    }
}

#[test]
fn blur_spreads_a_point_into_the_gaussian_kernel() {
    let (radius, sigma) = (3u8, 1.0f64);
    let input = frame(15, 15, |x, y| if (x, y) == (7, 7) { [255, 255, 255, 255] } else { [0, 0, 0, 255] });
    let out = apply(&Step::Blur { radius, sigma }, &input).unwrap();
    let g: Vec<f64> = (-3..=3).map(|d: i32| (-f64::from(d * d) / (2.0 * sigma * sigma)).exp()).collect();
    let total: f64 = g.iter().sum();
    let (mut sum, mut rounded_sum) = (0u32, 0.0);
    for y in 0..15u32 {
        for x in 0..15u32 {
            let p = px(&out, x, y);
            assert_eq!(p[3], 255);
            assert!(p[0] == p[1] && p[1] == p[2]);
            let (dx, dy) = (x as i32 - 7, y as i32 - 7);
            let expected = if dx.abs() <= 3 && dy.abs() <= 3 {
                255.0 * g[(dx + 3) as usize] * g[(dy + 3) as usize] / (total * total)
            } else {
                0.0
            };
            assert!((f64::from(p[0]) - expected).abs() <= 1.0, "({dx}, {dy}): {} vs {expected:.2}", p[0]);
            // Symmetric in both axes and the diagonal.
            assert_eq!(p, px(&out, 14 - x, y));
            assert_eq!(p, px(&out, x, 14 - y));
            assert_eq!(p, px(&out, y, x));
            sum += u32::from(p[0]);
            rounded_sum += expected.round();
        }
    }
    // 8-bit output cannot keep the tails (many taps below half a level), so the point's 255
    // comes back as the sum of the rounded ideal kernel (249 here), within 2.
    assert!((f64::from(sum) - rounded_sum).abs() <= 2.0, "sum {sum} vs {rounded_sum}");

    // A line has no such tails: each row of a blurred white column sums to 255 within 1.
    let line = frame(15, 5, |x, _| if x == 7 { [255, 255, 255, 255] } else { [0, 0, 0, 255] });
    let out = apply(&Step::Blur { radius, sigma }, &line).unwrap();
    for y in 0..5 {
        let row_sum: u32 = (0..15).map(|x| u32::from(px(&out, x, y)[0])).sum();
        assert!(row_sum.abs_diff(255) <= 1, "row {y} sums to {row_sum}");
    }
}

#[test]
fn blur_does_not_bleed_transparent_colour() {
    // Opaque red beside transparent black: premultiplied, the red never darkens.
    let input = frame(20, 6, |x, _| if x < 10 { [255, 0, 0, 255] } else { [0, 0, 0, 0] });
    let out = apply(&Step::Blur { radius: 5, sigma: 3.0 }, &input).unwrap();
    let soft = out.pixels.chunks_exact(4).filter(|p| p[3] > 0 && p[3] < 255).count();
    assert!(soft >= 6 * 6, "the alpha edge is blurred ({soft} soft pixels)");
    for p in out.pixels.chunks_exact(4).filter(|p| p[3] > 0) {
        assert_eq!(p[..3], [255, 0, 0]);
    }
}

#[test]
fn sharpen_keeps_flat_areas_and_steepens_edges() {
    let flat = frame(12, 9, |_, _| [90, 140, 200, 255]);
    assert_eq!(apply(&Step::Sharpen { amount: 300 }, &flat).unwrap(), flat);

    let edge = frame(16, 4, |x, _| if x < 8 { [64, 64, 64, 255] } else { [192, 192, 192, 200] });
    let mut previous_step = 128;
    for amount in [10, 70, 300] {
        let out = apply(&Step::Sharpen { amount }, &edge).unwrap();
        let (dark, light) = (px(&out, 7, 1), px(&out, 8, 1));
        assert!(dark[0] < 64 && light[0] > 192, "sharpen/{amount}: {dark:?} {light:?}");
        let step = light[0] - dark[0];
        assert!(step > previous_step, "sharpen/{amount}: edge step {step} after {previous_step}");
        previous_step = step;
        // Far from the edge nothing changes, and alpha is kept.
        assert_eq!(px(&out, 0, 0), [64, 64, 64, 255]);
        assert_eq!(px(&out, 15, 3), [192, 192, 192, 200]);
        assert_eq!(px(&out, 8, 2)[3], 200);
    }
}

// ---- resize ----

#[test]
fn resize_keeps_uniform_colour_and_does_not_darken_transparent_edges() {
    let uniform = frame(31, 17, |_, _| [12, 130, 250, 255]);
    for (w, h) in [(10, 6), (77, 40), (31, 5)] {
        let out = apply(&Step::Resize { width: w, height: h }, &uniform).unwrap();
        for p in out.pixels.chunks_exact(4) {
            assert!(p.iter().zip([12, 130, 250, 255]).all(|(a, b)| a.abs_diff(b) <= 1), "{w}x{h}: {p:?}");
        }
    }
    let half = frame(40, 20, |x, _| if x < 20 { [255, 0, 0, 255] } else { [0, 0, 0, 0] });
    for (w, h) in [(15, 8), (90, 41)] {
        let out = apply(&Step::Resize { width: w, height: h }, &half).unwrap();
        assert!(out.pixels.chunks_exact(4).any(|p| p[3] > 0 && p[3] < 255), "{w}x{h}: a soft edge");
        for p in out.pixels.chunks_exact(4).filter(|p| p[3] > 0) {
            assert_eq!(p[..3], [255, 0, 0], "{w}x{h}");
        }
    }
}

#[test]
fn upscaling_a_ramp_stays_monotonic() {
    // Catmull-Rom reproduces linear ramps, so enlarging one has no ripples.
    let ramp = frame(32, 4, |x, _| [(x * 8) as u8, 0, 0, 255]);
    let out = apply(&Step::Resize { width: 100, height: 10 }, &ramp).unwrap();
    let row: Vec<u8> = (0..100).map(|x| px(&out, x, 5)[0]).collect();
    assert!(row.windows(2).all(|w| w[1] + 1 >= w[0]), "{row:?}");
    assert!(row[0] <= 2 && row[99] >= 246, "{row:?}");
}

// ---- determinism ----

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let input = frame(301, 203, |x, y| {
        [(x * 7 + y) as u8, (y * 3) as u8, (x ^ y) as u8, if (x + y) % 9 == 0 { 90 } else { 255 }]
    });
    let (circle_rect, circle_radius) = circle((301, 203), 80);
    let steps = [
        Step::Resize { width: 123, height: 77 },
        Step::Resize { width: 640, height: 420 },
        Step::Orient { orientation: Orientation::RightBottom },
        rotate_step(&input, 33, WHITE),
        Step::Circle { rect: circle_rect, radius: circle_radius },
        Step::RoundCorners { radius: 40 },
        Step::Contrast { amount: 40 },
        Step::Blur { radius: 20, sigma: 8.0 },
        Step::Sharpen { amount: 150 },
    ];
    let run = |threads: usize| -> Vec<Frame> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| steps.iter().map(|s| apply(s, &input).unwrap()).collect())
    };
    let (one, two) = (run(1), run(2));
    for ((a, b), step) in one.iter().zip(&two).zip(&steps) {
        assert!(a == b, "{step:?} differs between 1 and 2 threads");
    }
}
