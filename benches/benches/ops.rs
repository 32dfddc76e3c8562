//! Pixel kernels of `mogr-exec`, in megapixels per second on one thread, for a 12 MP
//! (4000×3000) and a 1 MP (1000×1000) frame.
//!
//! - `simd_<size>/<step>/<isa>`: the steps whose kernels have SIMD twins (blur, sharpen,
//!   grayscale, bright, rotation), once per instruction set this CPU runs (`native`, `sse4`, `avx2`), through
//!   `mogr_exec::ops::apply_with` (every ISA gives the same bytes). `blur_8x5_alpha` runs on
//!   a frame with transparency (the `f64` unpremultiply path); the others on an opaque one.
//! - `scalar_<size>/<step>`: the steps kept scalar (contrast's table, masks) and
//!   `copy` (a full-frame crop: allocating and writing the output frame, the floor of every
//!   step), the measurements behind that choice.
//!
//! - `resize_<size>/<case>`: `Step::Resize` through fast_image_resize (its own SIMD choice;
//!   Lanczos3), to a 720 px wide thumbnail, opaque and with alpha (the 16-bit premultiplied
//!   path), and a 2x upscale of the 1 MP frame. Throughput counts the input's pixels.
//!
//! Each step allocates its output frame, as in the pipeline; on the 12 MP frame that alone
//! (48 MB, page faults included) costs about as much as a lookup table pass.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mogr_exec::Frame;
use mogr_exec::ops::{Isa, apply_with};
use mogr_exec::plan::Step;
use mogr_exec::plan::plan::Rect;
use mogr_exec::plan::plan::geometry::rotated;
use mogr_exec::plan::syntax::ast::Rgb;
use std::hint::black_box;
use std::time::Duration;

/// A photo-like frame: gradients with noise, opaque, or with a transparent band and soft
/// alpha in places when `alpha` is set.
fn photo(width: u32, height: u32, alpha: bool) -> Frame {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 4);
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state & 31) as u32;
            let a = match (alpha, x * 8 / width) {
                (false, _) | (true, 0..=3) => 255,
                (true, 4) => 0,
                (true, _) => ((x + y) & 255) as u8,
            };
            pixels.extend_from_slice(&[
                ((x * 255 / width + noise) & 255) as u8,
                ((y * 255 / height + noise) & 255) as u8,
                (((x + y) / 8 + noise) & 255) as u8,
                a,
            ]);
        }
    }
    Frame::from_pixels(width, height, pixels).expect("frame")
}

/// The sizes measured.
const SIZES: [(&str, (u32, u32)); 2] = [("12mp", (4000, 3000)), ("1mp", (1000, 1000))];

fn simd(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for (label, (w, h)) in SIZES {
        let (opaque, transparent) = (photo(w, h, false), photo(w, h, true));
        let (width, height) = rotated((w, h), 30);
        let rotate_30 = Step::Rotate { degrees: 30, width, height, background: Rgb { r: 255, g: 255, b: 255 } };
        let mut group = c.benchmark_group(format!("simd_{label}"));
        group.throughput(Throughput::Elements(u64::from(w) * u64::from(h)));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        for (name, step, frame) in [
            ("blur_3x1", Step::Blur { radius: 3, sigma: 1.0 }, &opaque),
            ("blur_8x5", Step::Blur { radius: 8, sigma: 5.0 }, &opaque),
            ("blur_8x5_alpha", Step::Blur { radius: 8, sigma: 5.0 }, &transparent),
            ("blur_50x20", Step::Blur { radius: 50, sigma: 20.0 }, &opaque),
            ("sharpen_70", Step::Sharpen { amount: 70 }, &opaque),
            ("grayscale", Step::Grayscale, &opaque),
            ("bright_70", Step::Bright { amount: 70 }, &opaque),
            ("rotate_30", rotate_30, &opaque),
        ] {
            for isa in Isa::supported() {
                group.bench_with_input(BenchmarkId::new(name, isa.name()), &isa, |b, &isa| {
                    b.iter(|| pool.install(|| black_box(apply_with(&step, black_box(frame), isa).expect("step"))))
                });
            }
        }
        group.finish();
    }
}

fn scalar(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for (label, (w, h)) in SIZES {
        let frame = photo(w, h, false);
        let mut group = c.benchmark_group(format!("scalar_{label}"));
        group.throughput(Throughput::Elements(u64::from(w) * u64::from(h)));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        let r = w.min(h) / 2;
        for (name, step) in [
            ("copy", Step::Crop(Rect { x: 0, y: 0, width: w, height: h })),
            ("contrast_-50", Step::Contrast { amount: -50 }),
            ("round_corners", Step::RoundCorners { radius: r / 2 }),
            (
                "circle",
                Step::Circle { rect: Rect { x: (w - 2 * r) / 2, y: 0, width: 2 * r, height: 2 * r }, radius: r },
            ),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| pool.install(|| black_box(apply_with(&step, black_box(&frame), Isa::best()).expect("step"))))
            });
        }
        group.finish();
    }
}

fn resize(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for (label, (w, h)) in SIZES {
        let (opaque, transparent) = (photo(w, h, false), photo(w, h, true));
        let thumbnail = Step::Resize { width: 720, height: 720 * h / w };
        let upscale = Step::Resize { width: 2 * w, height: 2 * h };
        let mut group = c.benchmark_group(format!("resize_{label}"));
        group.throughput(Throughput::Elements(u64::from(w) * u64::from(h)));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
        let mut cases = vec![("to_720w", &thumbnail, &opaque), ("to_720w_alpha", &thumbnail, &transparent)];
        if w <= 1000 {
            cases.push(("upscale_2x", &upscale, &opaque));
        }
        for (name, step, frame) in cases {
            group.bench_function(name, |b| {
                b.iter(|| pool.install(|| black_box(apply_with(step, black_box(frame), Isa::best()).expect("step"))))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, simd, scalar, resize);
criterion_main!(benches);
