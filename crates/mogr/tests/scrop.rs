//! `scrop/<W>x<H>` through the whole pipeline on real portraits (public domain, from
//! `crates/mogr-face/testdata`, sources in its README): the output has exactly the asked size
//! and the face lies inside it, found again by the detector; without a face the input comes
//! back unchanged, as the spec says, or, when asked, the saliency fallback crops.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mogr::exec::ScropFallback;
use mogr::plan::Limits;
use mogr_face::{Face, FaceDetector, rgba_to_luma};

fn portrait(name: &str) -> Vec<u8> {
    let path = format!("{}/../mogr-face/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The faces the detector finds in an encoded image, and its size.
fn faces_in(bytes: &[u8]) -> (Vec<Face>, (u32, u32)) {
    let image = image::load_from_memory(bytes).unwrap().to_rgba8();
    let (width, height) = image.dimensions();
    (FaceDetector::new().detect(&rgba_to_luma(image.as_raw()), width, height), (width, height))
}

#[test]
fn the_face_stays_inside_every_shape() {
    // Grace Hopper: 512x600, her face about (183, 145) 185x185.
    let input = portrait("grace_hopper.jpg");
    for (width, height) in [(300, 300), (200, 400), (400, 200), (250, 600)] {
        let rule = format!("imageMogr2/scrop/{width}x{height}/format/png");
        let response = mogr::process(&input, &rule, &Limits::default()).unwrap();
        assert_eq!((response.width, response.height), (width, height), "{rule}");
        let (faces, size) = faces_in(&response.body);
        assert_eq!(size, (width, height), "{rule}");
        let [face] = faces.as_slice() else { panic!("{rule}: {} faces found in the output", faces.len()) };
        assert!(face.x + face.width <= width && face.y + face.height <= height, "{rule}: {face:?}");
        // Centred as the frame allows: the face's centre is in the middle half of each side
        // that is not pinned by the image's edge.
        let centre_x = face.x + face.width / 2;
        assert!(centre_x > width / 4 && centre_x < width * 3 / 4, "{rule}: {face:?}");
    }
}

#[test]
fn a_small_face_is_kept_when_the_image_is_only_cut() {
    // The astronaut: 512x512, her face about (185, 85) 78x80. A 512x256 strip needs no scaling:
    // the window must move up to hold the face.
    let response =
        mogr::process(&portrait("astronaut.jpg"), "imageMogr2/scrop/512x256/format/png", &Limits::default()).unwrap();
    assert_eq!((response.width, response.height), (512, 256));
    let (faces, _) = faces_in(&response.body);
    let [face] = faces.as_slice() else { panic!("{} faces found in the output", faces.len()) };
    assert!((150..=230).contains(&face.x) && face.y + face.height <= 256, "{face:?}");
}

fn no_face_photo() -> Vec<u8> {
    // A person seen from the back, in a landscape: no face.
    let path = format!("{}/../../../shared/testimages/exif-orientation/Portrait_1.jpg", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn without_a_face_the_input_comes_back() {
    let input = no_face_photo();
    let response =
        mogr::process(&input, "imageMogr2/scrop/300x300|imageMogr2/format/webp", &Limits::default()).unwrap();
    assert_eq!(response.body, input);
    assert_eq!((response.width, response.height, response.mime_type), (1200, 1800, "image/jpeg"));
}

#[test]
fn the_saliency_fallback_crops_when_asked() {
    let engine = mogr::Engine::builder().scrop_fallback(ScropFallback::Saliency).build().unwrap();
    let response = engine.process(&no_face_photo(), "imageMogr2/scrop/300x200").unwrap();
    assert_eq!((response.width, response.height, response.mime_type), (300, 200, "image/jpeg"));
    let decoded = image::load_from_memory(&response.body).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (300, 200));
}
