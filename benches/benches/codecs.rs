//! Codecs of `mogr-exec`, each on its own, in megapixels per second on one thread, through
//! the public API: `mogr_exec::decode::decode` with the [`InputPlan`] the planner makes for a
//! rule, and `mogr_exec::encode::encode_with` with an [`OutputPlan`]. Throughput counts the
//! pixels of every frame of the full-size image (for a shrink-on-load decode: the pixels of
//! the file, not of the smaller result, so the figure compares with the full decode).
//!
//! - `decode/<format>_<size>`: bytes to RGBA8 frames. JPEG is the 12 MP camera photo of the
//!   corpus, decoded whole (`jpeg_12mp`) and at 1/8 in the DCT domain (`jpeg_12mp_shrink8`,
//!   what a 504 px thumbnail plans); PNG and lossy WebP are that photo written once by mogr's
//!   own encoders at setup (so they are real photographic content); lossless WebP is the
//!   photo at 1/4 (1008×756) for the same reason that `encode/webp_lossless` is; GIF is the
//!   corpus's 10-frame 370×285 animation, every frame decoded and composited; AVIF is the
//!   corpus's `kimono.avif` (libheif, 722×1024).
//! - `encode/<format>_<size>`: RGBA8 frames to bytes, quality 80 where there is one. JPEG
//!   `fast` (libjpeg-turbo, the default) and `compact` (trellis quantisation, `--jpeg
//!   compact`); PNG (fast deflate); WebP lossy; WebP lossless and AVIF (libaom) on the 1/4
//!   photo, as they take seconds on 12 MP; GIF the 10-frame animation (exact palette or
//!   NeuQuant, as `encode` picks).
//!
//! Each bench runs on a one-thread rayon pool, so mogr's own code runs on one core (the C
//! libraries are called as the executor calls them; libjpeg-turbo and libwebp use one thread).
//! The numbers time the whole call, checks and metadata included, not only the library.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mogr_exec::decode::decode;
use mogr_exec::encode::encode_with;
use mogr_exec::plan::plan::{InputPlan, OutputPlan};
use mogr_exec::plan::{Limits, OutputFormat, Probe, plan, probe};
use mogr_exec::{EncodeOptions, JpegMode, Picture, Settings};
use std::hint::black_box;
use std::time::Duration;

/// A corpus file, read once.
fn corpus(file: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/testimages/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An encoded image, its probe, and how `rule` decodes and writes it.
struct Input {
    bytes: Vec<u8>,
    probe: Probe,
    input: InputPlan,
    output: OutputPlan,
}

impl Input {
    fn new(bytes: Vec<u8>, rule: &str) -> Input {
        let probe = probe(&bytes).expect("probe");
        let pipeline = mogr_syntax::parse(rule).expect("rule");
        let plan = plan(&pipeline, &probe, &Limits::default()).expect("plan");
        let output = plan.stages.last().expect("a stage").output.clone();
        Input { bytes, probe, input: plan.input, output }
    }

    fn decode(&self) -> Picture {
        decode(&self.bytes, &self.probe, &self.input).expect("decode")
    }

    /// Pixels of the file at full size, every frame.
    fn pixels(&self) -> u64 {
        u64::from(self.input.width) * u64::from(self.input.height) * u64::from(self.input.frames)
    }
}

/// `output` written as `format` at quality 80 (or lossless).
fn output_as(output: &OutputPlan, format: OutputFormat, lossless: bool) -> OutputPlan {
    OutputPlan { format, quality: (!lossless).then_some(80), lossless, ..output.clone() }
}

fn options(jpeg: JpegMode) -> EncodeOptions {
    Settings::default().with_jpeg(jpeg).encode
}

/// Pixels of a picture, every frame.
fn pixels(picture: &Picture) -> u64 {
    picture.frames.iter().map(|f| u64::from(f.width) * u64::from(f.height)).sum()
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    group
}

fn codecs(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let camera = corpus("jpeg/olympus_E-P3_12MP.jpg");
    let jpeg = Input::new(camera.clone(), "imageMogr2/format/jpg/quality/80");
    let jpeg_shrink8 = Input::new(camera.clone(), "imageMogr2/thumbnail/504x");
    assert_eq!(jpeg_shrink8.input.shrink_on_load, 8, "the thumbnail plans a 1/8 decode");
    let quarter = Input::new(camera, "imageMogr2/thumbnail/1008x").decode();
    let photo = jpeg.decode();
    let gif = Input::new(corpus("gif/animated-loop-3.gif"), "imageMogr2/format/gif");
    let animation = gif.decode();
    assert_eq!(animation.frames.len(), 10, "every frame decoded");
    let avif = Input::new(corpus("avif/kimono.avif"), "imageMogr2/format/png");

    // What the encoders write: the full photo and its quarter, in every output format.
    let png_out = output_as(&jpeg.output, OutputFormat::Png, false);
    let webp_out = output_as(&jpeg.output, OutputFormat::Webp, false);
    let quarter_out =
        OutputPlan { width: quarter.frames[0].width, height: quarter.frames[0].height, ..jpeg.output.clone() };
    let lossless_out = output_as(&quarter_out, OutputFormat::Webp, true);
    let avif_out = output_as(&quarter_out, OutputFormat::Avif, false);
    let fast = options(JpegMode::Fast);
    let encoded = |picture: &Picture, output: &OutputPlan| encode_with(picture, output, &fast).expect("encode");
    let png = Input::new(encoded(&photo, &png_out), "imageMogr2/format/png");
    let webp = Input::new(encoded(&photo, &webp_out), "imageMogr2/format/webp");
    let webp_lossless = Input::new(encoded(&quarter, &lossless_out), "imageMogr2/format/png");

    let mut decoding = group(c, "decode");
    for (name, input) in [
        ("jpeg_12mp", &jpeg),
        ("jpeg_12mp_shrink8", &jpeg_shrink8),
        ("png_12mp", &png),
        ("webp_lossy_12mp", &webp),
        ("webp_lossless_0.8mp", &webp_lossless),
        ("gif_10x0.1mp", &gif),
        ("avif_0.7mp", &avif),
    ] {
        decoding.throughput(Throughput::Elements(input.pixels()));
        decoding.bench_function(name, |b| b.iter(|| pool.install(|| black_box(input.decode()))));
    }
    decoding.finish();

    let compact = options(JpegMode::Compact);
    let mut encoding = group(c, "encode");
    for (name, picture, output, options) in [
        ("jpeg_fast_12mp", &photo, &jpeg.output, &fast),
        ("jpeg_compact_12mp", &photo, &jpeg.output, &compact),
        ("png_12mp", &photo, &png_out, &fast),
        ("webp_lossy_12mp", &photo, &webp_out, &fast),
        ("webp_lossless_0.8mp", &quarter, &lossless_out, &fast),
        ("gif_10x0.1mp", &animation, &gif.output, &fast),
        ("avif_0.8mp", &quarter, &avif_out, &fast),
    ] {
        encoding.throughput(Throughput::Elements(pixels(picture)));
        encoding.bench_function(name, |b| {
            b.iter(|| pool.install(|| black_box(encode_with(black_box(picture), output, options).expect("encode"))))
        });
    }
    encoding.finish();
}

criterion_group!(benches, codecs);
criterion_main!(benches);
