//! Fuzzes `mogr_plan::plan` on a parsed rule and an image: the input is the rule, a `\n`, then
//! the image bytes (the rule is at most [`MAX_RULE`] bytes of UTF-8; other input is skipped).
//! A rule `mogr_syntax::parse` refuses is skipped. The rule is planned twice:
//!
//! - for the image's own probe, when `mogr_plan::probe` accepts the bytes;
//! - for a synthetic probe built from the image's first five bytes ([`synthetic_probe`]), so
//!   that the geometry code is fuzzed without valid image bytes.
//!
//! Each plan, with `Limits::default()`, must not panic and must be deterministic (planning
//! again gives the same result). An accepted plan has at least one frame in every output,
//! output sides of at least 1 and, unless `ignored_error` is set, at most 9999 for an image
//! output (at most the input limit of 30000 for a JSON report, which answers about the
//! canvas), and a predicted peak memory of at least the input's length. A refused plan has a
//! non-empty message.
//!
//! `crates/mogr-plan/tests/fuzz_regression.rs` replays `testdata/regression/parse_plan/`
//! through the same checks; keep the two in step.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mogr_plan::syntax::ast::Pipeline;
use mogr_plan::{ImageFormat, Limits, Orientation, Probe};

/// The longest rule, in bytes: the `\n` must come within the first `MAX_RULE + 1` bytes.
const MAX_RULE: usize = 1024;
/// The formats a synthetic probe takes, by its third byte.
const FORMATS: [ImageFormat; 9] = [
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

fuzz_target!(|data: &[u8]| {
    if let Err(message) = check_parse_plan(data) {
        panic!("{message}");
    }
});

/// The checks of this target on one input.
fn check_parse_plan(data: &[u8]) -> Result<(), String> {
    let Some((rule, image)) = split(data) else {
        return Ok(());
    };
    let Ok(pipeline) = mogr_plan::syntax::parse(rule) else {
        return Ok(());
    };
    if let Ok(probe) = mogr_plan::probe(image) {
        check_plan(&pipeline, &probe).map_err(|e| format!("rule {rule:?} on the image's probe {probe:?}: {e}"))?;
    }
    let probe = synthetic_probe(image);
    check_plan(&pipeline, &probe).map_err(|e| format!("rule {rule:?} on the synthetic probe {probe:?}: {e}"))
}

/// The rule (before the first `\n`, UTF-8, at most [`MAX_RULE`] bytes) and the image after it.
fn split(data: &[u8]) -> Option<(&str, &[u8])> {
    let head = &data[..data.len().min(MAX_RULE + 1)];
    let newline = head.iter().position(|&b| b == b'\n')?;
    let rule = std::str::from_utf8(&data[..newline]).ok()?;
    Some((rule, &data[newline + 1..]))
}

/// A side from one byte: exact from 1 to 9 (0-8), then growing to 32641 (255), past the input
/// limit of 30000.
fn side(b: u8) -> u32 {
    let b = u32::from(b);
    1 + b + b * b * b / 512
}

/// A probe from the first five bytes of `image` (missing bytes read as 0): width and height
/// from bytes 0 and 1 ([`side`]); format from byte 2 (modulo 9) and alpha from its bit 4;
/// orientation from the low three bits of byte 3 (the EXIF orientation, or for HEIF/AVIF the
/// format's transform) and, for formats that animate, 1-32 frames from its upper five bits;
/// the JPEG quality from byte 4 (modulo 101). `byte_len` is the image's length.
fn synthetic_probe(image: &[u8]) -> Probe {
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
    probe.byte_len = image.len() as u64;
    probe
}

/// Plans `pipeline` for `probe` twice with the default limits and checks the result.
fn check_plan(pipeline: &Pipeline, probe: &Probe) -> Result<(), String> {
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
