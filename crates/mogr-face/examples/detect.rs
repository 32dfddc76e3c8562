//! Prints the faces found in each image file given on the command line, with the detection time:
//! `cargo run --release -p mogr-face --example detect -- FILE...`. The measurements in the crate
//! README were made with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use mogr_face::{FaceDetector, rgba_to_luma};

fn main() {
    let detector = FaceDetector::new();
    let (mut images, mut with_faces) = (0, 0);
    for path in std::env::args().skip(1) {
        let Ok(image) = image::open(&path) else {
            println!("{path}: cannot decode");
            continue;
        };
        let rgba = image.to_rgba8();
        let luma = rgba_to_luma(rgba.as_raw());
        let started = Instant::now();
        let faces = detector.detect(&luma, rgba.width(), rgba.height());
        let elapsed = started.elapsed();
        images += 1;
        with_faces += usize::from(!faces.is_empty());
        let boxes: Vec<String> =
            faces.iter().map(|f| format!("{}x{}+{}+{} ({})", f.width, f.height, f.x, f.y, f.confidence)).collect();
        println!(
            "{path} {}x{} {:.1} ms: {}",
            rgba.width(),
            rgba.height(),
            elapsed.as_secs_f64() * 1e3,
            boxes.join(", ")
        );
    }
    println!("{with_faces} of {images} images with at least one face");
}
