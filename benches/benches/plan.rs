//! Planner throughput (goal: at least 1 million plans per second for a typical rule) and
//! probe speed on real headers (goal: microseconds for a 12 MP JPEG).

#![allow(clippy::expect_used, clippy::panic)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mogr_plan::{Limits, plan, probe};
use std::hint::black_box;

/// A corpus file, read once.
fn corpus(file: &str) -> Vec<u8> {
    let path = format!("{}/../../shared/testimages/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn planning(c: &mut Criterion) {
    let camera = probe(&corpus("jpeg/olympus_E-P3_12MP.jpg")).expect("probe");
    let limits = Limits::default();
    let mut group = c.benchmark_group("plan");
    group.throughput(Throughput::Elements(1));
    for (name, rule) in [
        ("thumbnail", "imageMogr2/thumbnail/720x/quality/80"),
        ("orient_cover_crop", "imageMogr2/auto-orient/thumbnail/!400x400r/crop/400x400/gravity/center/format/webp"),
        ("view2_mode1", "imageView2/1/w/400/h/600/q/85"),
    ] {
        let pipeline = mogr_syntax::parse(rule).expect("rule");
        group.bench_function(name, |b| b.iter(|| black_box(plan(black_box(&pipeline), &camera, &limits))));
    }
    group.finish();
}

fn probing(c: &mut Criterion) {
    let mut group = c.benchmark_group("probe");
    group.throughput(Throughput::Elements(1));
    for (name, file) in [
        ("jpeg_12mp", "jpeg/olympus_E-P3_12MP.jpg"),
        ("png", "png/apng_basic_f20.png"),
        ("gif_380_frames", "gif/muybridge.gif"),
        ("webp_animated", "webp/animated-loop-3.webp"),
        ("heic_grid", "heic/iphone_13_pro_max.heic"),
    ] {
        let bytes = corpus(file);
        group.bench_function(name, |b| b.iter(|| black_box(probe(black_box(&bytes)))));
    }
    group.finish();
}

criterion_group!(benches, planning, probing);
criterion_main!(benches);
