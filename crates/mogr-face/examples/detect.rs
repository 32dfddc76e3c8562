//! Prints the faces found in each image file given on the command line, with the detection time (fastest of 5 runs):
//! `cargo run --release -p mogr-face --example detect -- [--max-side N] FILE...` (`N` sets
//! `DetectOptions::max_working_side`). The measurements in the crate
//! README were made with it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use mogr_face::{DetectOptions, FaceDetector, rgba_to_luma};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut options = DetectOptions::default();
    if args.first().is_some_and(|a| a == "--max-side") {
        options.max_working_side = args.get(1).and_then(|n| n.parse().ok()).expect("--max-side N");
        args.drain(..2);
    }
    let detector = FaceDetector::new().with_options(options);
    let (mut images, mut with_faces) = (0, 0);
    for path in args {
        let Ok(image) = image::open(&path) else {
            println!("{path}: cannot decode");
            continue;
        };
        let rgba = image.to_rgba8();
        let luma = rgba_to_luma(rgba.as_raw());
        // The fastest of 5 runs: the machine's cores are shared, so single runs are noisy.
        let mut faces = Vec::new();
        let mut elapsed = std::time::Duration::MAX;
        for _ in 0..5 {
            let started = Instant::now();
            faces = detector.detect(&luma, rgba.width(), rgba.height());
            elapsed = elapsed.min(started.elapsed());
        }
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
