//! Parse throughput on the typical mix of `mogr_benches::TYPICAL_RULES` (goal: at least
//! 2 million rules per second on one core), and the cost of printing the canonical form.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mogr_benches::TYPICAL_RULES;
use std::hint::black_box;

fn parse_mix(c: &mut Criterion) {
    let mut group = c.benchmark_group("syntax");
    group.throughput(Throughput::Elements(TYPICAL_RULES.len() as u64));
    group.bench_function("parse_typical_mix", |b| {
        b.iter(|| {
            for rule in TYPICAL_RULES {
                let _ = black_box(mogr_syntax::parse(black_box(rule)));
            }
        })
    });
    let parsed: Vec<_> = TYPICAL_RULES.iter().filter_map(|r| mogr_syntax::parse(r).ok()).collect();
    group.throughput(Throughput::Elements(parsed.len() as u64));
    group.bench_function("canonical_typical_mix", |b| {
        b.iter(|| {
            for pipeline in &parsed {
                black_box(black_box(pipeline).to_string());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, parse_mix);
criterion_main!(benches);
