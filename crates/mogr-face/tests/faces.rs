//! The detector on real photos: faces found where a person marked them, none on photos without
//! faces, and `smart_crop` keeping the detected faces inside the output window.
//!
//! Expected boxes were marked by hand on the photos (forehead to chin, cheek to cheek); a
//! detection matches when its intersection-over-union with the expected box is at least
//! [`MIN_IOU`] (the PASCAL VOC criterion).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use mogr_face::{DetectOptions, Face, FaceDetector, Rect, rgba_to_luma, smart_crop};

const MIN_IOU: f64 = 0.5;

struct Luma {
    pixels: Vec<u8>,
    width: u32,
    height: u32,
}

fn load(path: &Path) -> Luma {
    let rgba = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgba8();
    Luma { pixels: rgba_to_luma(rgba.as_raw()), width: rgba.width(), height: rgba.height() }
}

fn testdata(name: &str) -> Luma {
    load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name))
}

/// The shared corpus: `$MOGR_TESTIMAGES`, else `shared/testimages` beside the repository.
fn corpus_dir() -> PathBuf {
    std::env::var_os("MOGR_TESTIMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testimages"))
}

fn rect(x: u32, y: u32, width: u32, height: u32) -> Rect {
    Rect { x, y, width, height }
}

fn face_rect(face: &Face) -> Rect {
    rect(face.x, face.y, face.width, face.height)
}

fn iou(a: &Rect, b: &Rect) -> f64 {
    let overlap = |a0: u32, a1: u32, b0: u32, b1: u32| f64::from(a1.min(b1).saturating_sub(a0.max(b0)));
    let inter = overlap(a.x, a.x + a.width, b.x, b.x + b.width) * overlap(a.y, a.y + a.height, b.y, b.y + b.height);
    let area = |r: &Rect| f64::from(r.width) * f64::from(r.height);
    inter / (area(a) + area(b) - inter)
}

fn assert_single_face(name: &str, expected: Rect) {
    let image = testdata(name);
    let faces = FaceDetector::new().detect(&image.pixels, image.width, image.height);
    assert_eq!(faces.len(), 1, "{name}: {faces:?}");
    let found = face_rect(&faces[0]);
    assert!(iou(&found, &expected) >= MIN_IOU, "{name}: found {found:?}, expected {expected:?}");
}

#[test]
fn finds_the_astronaut() {
    assert_single_face("astronaut.jpg", rect(185, 85, 78, 80));
}

#[test]
fn finds_grace_hopper() {
    assert_single_face("grace_hopper.jpg", rect(183, 145, 185, 185));
}

/// Both portraits pasted side by side on a grey 1200x700 canvas (astronaut at (0, 60), Grace
/// Hopper at (650, 0)): two real faces far apart in one image.
fn two_portraits() -> Luma {
    let (width, height) = (1200u32, 700u32);
    let mut pixels = vec![128u8; (width * height) as usize];
    for (image, left, top) in [(testdata("astronaut.jpg"), 0, 60), (testdata("grace_hopper.jpg"), 650, 0)] {
        for (row, line) in image.pixels.chunks_exact(image.width as usize).enumerate() {
            let start = ((top + row as u32) * width + left) as usize;
            pixels[start..start + line.len()].copy_from_slice(line);
        }
    }
    Luma { pixels, width, height }
}

const ASTRONAUT_IN_PAIR: Rect = Rect { x: 185, y: 145, width: 78, height: 80 };
const HOPPER_IN_PAIR: Rect = Rect { x: 833, y: 145, width: 185, height: 185 };

#[test]
fn finds_two_faces_far_apart() {
    let image = two_portraits();
    let faces = FaceDetector::new().detect(&image.pixels, image.width, image.height);
    assert_eq!(faces.len(), 2, "{faces:?}");
    for expected in [ASTRONAUT_IN_PAIR, HOPPER_IN_PAIR] {
        assert!(faces.iter().any(|f| iou(&face_rect(f), &expected) >= MIN_IOU), "{expected:?} not in {faces:?}");
    }
}

/// The face box scaled into the plan's scaled image, rounded outwards.
fn scaled_box(face: &Face, image: (u32, u32), scaled: (u32, u32)) -> Rect {
    let sx = f64::from(scaled.0) / f64::from(image.0);
    let sy = f64::from(scaled.1) / f64::from(image.1);
    let x = (f64::from(face.x) * sx).floor() as u32;
    let y = (f64::from(face.y) * sy).floor() as u32;
    let right = (f64::from(face.x + face.width) * sx).ceil() as u32;
    let bottom = (f64::from(face.y + face.height) * sy).ceil() as u32;
    rect(x, y, right - x, bottom - y)
}

#[test]
fn smart_crop_keeps_detected_faces_inside() {
    let detector = FaceDetector::new();
    for name in ["astronaut.jpg", "grace_hopper.jpg"] {
        let image = testdata(name);
        let faces = detector.detect(&image.pixels, image.width, image.height);
        assert!(!faces.is_empty(), "{name}");
        for (target_w, target_h) in [(100, 600), (600, 100), (300, 300), (50, 50), (2000, 1000)] {
            let plan = smart_crop(image.width, image.height, target_w, target_h, &faces).unwrap();
            assert_eq!((plan.crop.width, plan.crop.height), (target_w, target_h));
            assert!(rect(0, 0, plan.scaled_width, plan.scaled_height).contains(&plan.crop), "{plan:?}");
            let face = scaled_box(&faces[0], (image.width, image.height), (plan.scaled_width, plan.scaled_height));
            if face.width <= target_w && face.height <= target_h {
                assert!(plan.crop.contains(&face), "{name} {target_w}x{target_h}: {face:?} not in {plan:?}");
            }
            assert!(plan.source.contains(&face_rect(&faces[0])) || face.width > target_w || face.height > target_h);
        }
    }
}

#[test]
fn smart_crop_on_two_faces_keeps_both_when_they_fit_else_the_largest() {
    let image = two_portraits();
    let faces = FaceDetector::new().detect(&image.pixels, image.width, image.height);
    assert_eq!(faces.len(), 2, "{faces:?}");
    let size = (image.width, image.height);
    // 1200x700 -> 1200x700 for 1200x400: the union (height ~185) fits, so both faces are kept.
    let wide = smart_crop(image.width, image.height, 1200, 400, &faces).unwrap();
    for face in &faces {
        assert!(wide.crop.contains(&scaled_box(face, size, (wide.scaled_width, wide.scaled_height))), "{wide:?}");
    }
    // A 300x300 window cannot hold both (they are ~800 px apart at scale 300/700): the largest
    // (Grace Hopper) is kept, centred.
    let square = smart_crop(image.width, image.height, 300, 300, &faces).unwrap();
    let largest = faces.iter().max_by_key(|f| f.width * f.height).unwrap();
    assert!(iou(&face_rect(largest), &HOPPER_IN_PAIR) >= MIN_IOU);
    let largest_scaled = scaled_box(largest, size, (square.scaled_width, square.scaled_height));
    assert!(square.crop.contains(&largest_scaled), "{square:?} vs {largest_scaled:?}");
}

#[test]
fn no_faces_on_photos_without_people_or_with_a_person_seen_from_behind() {
    let detector = FaceDetector::new();
    for name in ["chelsea.jpg", "coffee.jpg"] {
        let image = testdata(name);
        assert_eq!(detector.detect(&image.pixels, image.width, image.height), vec![], "{name}");
    }
}

/// Every JPEG photo in the shared corpus's `exif-orientation`, `jpeg` and `jpeg/cmyk` folders that
/// the `image` crate decodes (37 files: 1800x1200 landscapes and portraits — `Portrait_*` shows a
/// person from behind — camera photos up to 12 MP, a cat, small samples). None shows a face.
#[test]
fn no_faces_anywhere_in_the_corpus_jpegs() {
    let root = corpus_dir();
    assert!(root.is_dir(), "corpus not found at {} (set MOGR_TESTIMAGES)", root.display());
    let detector = FaceDetector::new();
    let mut checked = 0;
    for directory in ["exif-orientation", "jpeg", "jpeg/cmyk"] {
        let Ok(entries) = std::fs::read_dir(root.join(directory)) else { continue };
        let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.iter().filter(|p| p.extension().is_some_and(|e| e == "jpg")) {
            let Ok(decoded) = image::open(path) else { continue };
            let rgba = decoded.to_rgba8();
            let faces = detector.detect(&rgba_to_luma(rgba.as_raw()), rgba.width(), rgba.height());
            assert_eq!(faces, vec![], "false positive in {}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} corpus photos decoded");
}

/// The astronaut enlarged 3x (nearest neighbour) on a 3000x2000 canvas: the box must scale with
/// the photo, checking the bounded working copy maps back to input pixels.
#[test]
fn finds_the_face_in_a_large_image_in_input_pixels() {
    let small = testdata("astronaut.jpg");
    let (width, height, factor) = (3000u32, 2000u32, 3u32);
    let (left, top) = (900u32, 300u32);
    let mut pixels = vec![90u8; (width * height) as usize];
    for y in 0..small.height * factor {
        for x in 0..small.width * factor {
            let source = small.pixels[((y / factor) * small.width + x / factor) as usize];
            pixels[((top + y) * width + left + x) as usize] = source;
        }
    }
    let faces = FaceDetector::new().detect(&pixels, width, height);
    let expected = rect(left + 185 * factor, top + 85 * factor, 78 * factor, 80 * factor);
    assert_eq!(faces.len(), 1, "{faces:?}");
    assert!(iou(&face_rect(&faces[0]), &expected) >= MIN_IOU, "{faces:?} vs {expected:?}");
}

#[test]
fn face_size_limits_are_honoured() {
    let image = testdata("grace_hopper.jpg");
    let detector = FaceDetector::new();
    let with = |options: DetectOptions| detector.clone().with_options(options).detect(&image.pixels, 512, 600);
    // The face is about 150 px.
    assert!(with(DetectOptions { min_face_size: 200, ..Default::default() }).is_empty());
    assert!(with(DetectOptions { max_face_size: 100, ..Default::default() }).is_empty());
    assert_eq!(with(DetectOptions { min_face_size: 100, max_face_size: 200, ..Default::default() }).len(), 1);
}

/// Mirrored and darkened (pixel values halved) copies of both portraits: the same face, a box
/// mirrored accordingly.
#[test]
fn finds_mirrored_and_darkened_faces() {
    let detector = FaceDetector::new();
    for (name, expected) in [("astronaut.jpg", rect(185, 85, 78, 80)), ("grace_hopper.jpg", rect(183, 145, 185, 185))] {
        let image = testdata(name);
        let mirrored: Vec<u8> =
            image.pixels.chunks_exact(image.width as usize).flat_map(|row| row.iter().rev().copied()).collect();
        let faces = detector.detect(&mirrored, image.width, image.height);
        let expected_mirrored =
            rect(image.width - expected.x - expected.width, expected.y, expected.width, expected.height);
        assert_eq!(faces.len(), 1, "{name} mirrored: {faces:?}");
        assert!(iou(&face_rect(&faces[0]), &expected_mirrored) >= MIN_IOU, "{name} mirrored: {faces:?}");
        let darkened: Vec<u8> = image.pixels.iter().map(|&p| p / 2).collect();
        let faces = detector.detect(&darkened, image.width, image.height);
        assert_eq!(faces.len(), 1, "{name} darkened: {faces:?}");
        assert!(iou(&face_rect(&faces[0]), &expected) >= MIN_IOU, "{name} darkened: {faces:?}");
    }
}
