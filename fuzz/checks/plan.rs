//! The checks of the second stage's fuzz targets, in one place: `fuzz/fuzz_targets/probe.rs`
//! and `parse_plan.rs` call them on every input, and `crates/mogr-plan/tests/fuzz_regression.rs`
//! replays `testdata/regression/{probe,parse_plan}/` through them (both include this file with
//! `#[path]`).
//!
//! - [`check_probe`]: no panic; an accepted image has sides, frames and bit depth of at least
//!   1, a decoded size that is its stored size or its swap, orientation only outside HEIF/AVIF
//!   and a transform only inside, a JPEG quality only for JPEG and at most 100, `byte_len`
//!   equal to the input's length; probing up to 1 MiB takes at most 50 ms (ten times that with
//!   debug assertions), the best of three tries.
//! - [`check_parse_plan`]: the input is a rule, `\n`, image bytes; the rule is planned with
//!   `Limits::default()` for the image's probe (when it probes) and for a synthetic probe read
//!   from the image's first five bytes. No panic; planning twice gives the same result; an
//!   accepted plan has outputs of at least one frame and sides of at least 1, at most 9999 for
//!   an image output (30000 for a JSON report) unless `ignored_error` is set, and `peak_bytes`
//!   of at least the input's length; a refused plan has a message.

#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use mogr_plan::{ImageFormat, Limits, Orientation, Probe};
use mogr_syntax::ast::Pipeline;

// ---- fuzz/fuzz_targets/probe.rs ----

/// The most a probe of an input up to [`CHEAP_INPUT`] bytes may take (the fuzz target's 50 ms;
/// ten times that in an unoptimised build).
pub const PROBE_BUDGET: Duration = Duration::from_millis(if cfg!(debug_assertions) { 500 } else { 50 });
/// Inputs up to this size must probe within [`PROBE_BUDGET`].
pub const CHEAP_INPUT: usize = 1 << 20;

pub fn check_probe(data: &[u8]) -> Result<(), String> {
    let (result, elapsed) = timed_probe(data);
    if data.len() <= CHEAP_INPUT && elapsed > PROBE_BUDGET {
        return Err(format!("probing {} bytes took {elapsed:?}, more than {PROBE_BUDGET:?}", data.len()));
    }
    match result {
        Ok(probe) => check_accepted(&probe, data.len()),
        Err(err) if err.to_string().is_empty() => Err(format!("empty error message: {err:?}")),
        Err(_) => Ok(()),
    }
}

/// The probe's result and the shortest of up to three timings (one when the first is in budget).
pub fn timed_probe(data: &[u8]) -> (Result<Probe, mogr_plan::ProbeError>, Duration) {
    let start = Instant::now();
    let result = mogr_plan::probe(data);
    let mut best = start.elapsed();
    for _ in 0..2 {
        if best <= PROBE_BUDGET {
            break;
        }
        let start = Instant::now();
        let _ = mogr_plan::probe(data);
        best = best.min(start.elapsed());
    }
    (result, best)
}

pub fn check_accepted(p: &Probe, len: usize) -> Result<(), String> {
    if p.width == 0 || p.height == 0 {
        return Err(format!("accepted a {}x{} image: {p:?}", p.width, p.height));
    }
    if p.frames == 0 {
        return Err(format!("accepted an image of 0 frames: {p:?}"));
    }
    if p.bit_depth == 0 {
        return Err(format!("accepted an image of bit depth 0: {p:?}"));
    }
    let decoded = p.decoded_size();
    if decoded != (p.width, p.height) && decoded != (p.height, p.width) {
        return Err(format!("decoded size {decoded:?} is neither {}x{} nor its swap: {p:?}", p.width, p.height));
    }
    let heif = matches!(p.format, ImageFormat::Heif | ImageFormat::Avif);
    if heif && p.orientation != Orientation::TopLeft {
        return Err(format!("a HEIF/AVIF probe keeps an EXIF orientation: {p:?}"));
    }
    if !heif && p.transform != Orientation::TopLeft {
        return Err(format!("a {} probe has a format transform: {p:?}", p.format));
    }
    match p.jpeg_quality {
        Some(q) if p.format != ImageFormat::Jpeg || q > 100 => {
            return Err(format!("JPEG quality {q} on a {} probe: {p:?}", p.format));
        }
        _ => {}
    }
    if usize::try_from(p.byte_len).ok() != Some(len) {
        return Err(format!("byte_len {} for an input of {len} bytes", p.byte_len));
    }
    Ok(())
}

// ---- fuzz/fuzz_targets/parse_plan.rs ----

/// The longest rule, in bytes: the `\n` must come within the first `MAX_RULE + 1` bytes.
pub const MAX_RULE: usize = 1024;
/// The formats a synthetic probe takes, by its third byte.
pub const FORMATS: [ImageFormat; 9] = [
    ImageFormat::Jpeg,
    ImageFormat::Png,
    ImageFormat::Gif,
    ImageFormat::Webp,
    ImageFormat::Bmp,
    ImageFormat::Heif,
    ImageFormat::Avif,
    ImageFormat::Tiff,
    ImageFormat::Svg,
];

pub fn check_parse_plan(data: &[u8]) -> Result<(), String> {
    let Some((rule, image)) = split(data) else {
        return Ok(());
    };
    let Ok(pipeline) = mogr_syntax::parse(rule) else {
        return Ok(());
    };
    if let Ok(probe) = mogr_plan::probe(image) {
        check_plan(&pipeline, &probe).map_err(|e| format!("rule {rule:?} on the image's probe {probe:?}: {e}"))?;
    }
    let probe = synthetic_probe(image);
    check_plan(&pipeline, &probe).map_err(|e| format!("rule {rule:?} on the synthetic probe {probe:?}: {e}"))
}

pub fn split(data: &[u8]) -> Option<(&str, &[u8])> {
    let head = &data[..data.len().min(MAX_RULE + 1)];
    let newline = head.iter().position(|&b| b == b'\n')?;
    let rule = std::str::from_utf8(&data[..newline]).ok()?;
    Some((rule, &data[newline + 1..]))
}

pub fn side(b: u8) -> u32 {
    let b = u32::from(b);
    1 + b + b * b * b / 512
}

pub fn synthetic_probe(image: &[u8]) -> Probe {
    let byte = |i: usize| image.get(i).copied().unwrap_or(0);
    let format = FORMATS[usize::from(byte(2)) % FORMATS.len()];
    let mut probe = Probe::new(format, side(byte(0)), side(byte(1)));
    probe.has_alpha = byte(2) & 0x10 != 0;
    let orientation = Orientation::from_exif(u16::from(byte(3) & 7) + 1).unwrap_or_default();
    match format {
        ImageFormat::Heif | ImageFormat::Avif => probe.transform = orientation,
        _ => probe.orientation = orientation,
    }
    if matches!(format, ImageFormat::Gif | ImageFormat::Png | ImageFormat::Webp | ImageFormat::Avif) {
        probe.frames = 1 + u32::from(byte(3) >> 3);
        probe.loop_count = (probe.frames > 1).then_some(0);
    }
    if format == ImageFormat::Jpeg {
        probe.jpeg_quality = Some(byte(4) % 101);
    }
    probe.webp_lossless = format == ImageFormat::Webp && byte(4) & 1 == 1;
    probe.byte_len = image.len() as u64;
    probe
}

pub fn check_plan(pipeline: &Pipeline, probe: &Probe) -> Result<(), String> {
    let limits = Limits::default();
    let first = mogr_plan::plan(pipeline, probe, &limits);
    let second = mogr_plan::plan(pipeline, probe, &limits);
    if first != second {
        return Err(format!("planning twice differs:\n{first:?}\nthen\n{second:?}"));
    }
    let plan = match first {
        Ok(plan) => plan,
        Err(err) if err.to_string().is_empty() => return Err(format!("empty error message: {err:?}")),
        Err(_) => return Ok(()),
    };
    let max_image_side = limits.max_output_side.unwrap_or(u32::MAX);
    let max_report_side = limits.max_input_side.unwrap_or(u32::MAX).max(max_image_side);
    let outputs = plan.stages.iter().map(|s| &s.output).cloned().chain(std::iter::once(plan.output()));
    for output in outputs {
        if output.lossless && (output.format != mogr_plan::plan::OutputFormat::Webp || output.quality.is_some()) {
            return Err(format!("a lossless output that is not a quality-less WebP: {output:?}"));
        }
        if output.frames == 0 {
            return Err(format!("an output of 0 frames: {output:?} in {plan:?}"));
        }
        if output.width == 0 || output.height == 0 {
            return Err(format!("an output of {}x{}: {output:?} in {plan:?}", output.width, output.height));
        }
        let max = if output.report.is_some() { max_report_side } else { max_image_side };
        if plan.ignored_error.is_none() && output.width.max(output.height) > max {
            return Err(format!(
                "an output of {}x{}, over {max} a side, without an error: {output:?} in {plan:?}",
                output.width, output.height
            ));
        }
    }
    if plan.peak_bytes < probe.byte_len {
        return Err(format!("peak_bytes {} below the input's {} bytes: {plan:?}", plan.peak_bytes, probe.byte_len));
    }
    Ok(())
}
