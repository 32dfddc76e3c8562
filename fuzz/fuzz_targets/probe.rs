//! Fuzzes `mogr_plan::probe`: no input may panic; an accepted image has sides, frames and bit
//! depth of at least 1, a decoded size that is its stored size or that size swapped, the
//! orientation fields the docs promise (EXIF orientation only outside HEIF/AVIF, the format's
//! own transform only inside), a JPEG quality only for JPEG and at most 100, and `byte_len`
//! equal to the input's length; and the probe is cheap: at most 50 ms for an input of up to
//! 1 MiB (the best of three tries, so that a busy machine does not fail it).
//!
//! `crates/mogr-plan/tests/fuzz_regression.rs` replays `testdata/regression/probe/` through
//! the same checks; keep the two in step.

#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use mogr_plan::{ImageFormat, Orientation, Probe};

/// The most a probe of an input up to [`CHEAP_INPUT`] bytes may take.
const PROBE_BUDGET: Duration = Duration::from_millis(50);
/// Inputs up to this size must probe within [`PROBE_BUDGET`].
const CHEAP_INPUT: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    if let Err(message) = check_probe(data) {
        panic!("{message}");
    }
});

/// The checks of this target on one input.
fn check_probe(data: &[u8]) -> Result<(), String> {
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
fn timed_probe(data: &[u8]) -> (Result<Probe, mogr_plan::ProbeError>, Duration) {
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

/// What an accepted probe must satisfy.
fn check_accepted(p: &Probe, len: usize) -> Result<(), String> {
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
