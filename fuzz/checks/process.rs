//! The checks of the `process` fuzz target: the whole pipeline (parse, probe, plan, decode,
//! every step, encode) on small inputs under small limits. `fuzz/fuzz_targets/process.rs`
//! calls [`check_process`] on every input and `crates/mogr/tests/fuzz_regression.rs` replays
//! `testdata/regression/process/` through it (both include this file and `plan.rs`, as
//! `plan_checks`, with `#[path]`).
//!
//! The input is a rule, `\n`, image bytes (as for `parse_plan`). The rule runs on the image
//! with [`limits`] (64 KiB, 2 M pixels, 32 GIF frames, 2048 px outputs, 64 MiB of predicted
//! memory) on a one-thread executor; watermark images resolve to the input image itself.
//! - No panic; an error is never [`ErrorCode::Internal`] (that is a bug) and has a message.
//! - An image response (other than the input returned unchanged) has a MIME type of its format, a body that mogr probes back with the
//!   response's width and height (and frame count, for formats that keep frames), within the
//!   output limit; a JSON response parses as JSON.
//! - Processing twice gives the same bytes (for inputs of up to 4 KiB, to keep the target fast).

#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use mogr::exec::{FetchError, ObjectResolver};
use mogr::plan::{Limits, ObjectUrl, OutputFormat};
use mogr::{Bucket, Engine, ErrorCode};

use super::plan_checks::split;

/// The limits of the target: small, so that every input runs in milliseconds.
pub fn limits() -> Limits {
    Limits {
        max_input_bytes: Some(64 * 1024),
        max_input_side: Some(4096),
        max_input_pixels: Some(2_000_000),
        max_gif_frames: Some(32),
        max_output_side: Some(2048),
        max_watermarks: Some(10),
        max_peak_bytes: Some(64 << 20),
    }
}

/// The bucket of the target: every key names the input image itself.
struct Itself<'a>(&'a [u8]);

impl ObjectResolver for Itself<'_> {
    fn fetch(&self, url: &ObjectUrl, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
        if self.0.len() as u64 > max_bytes {
            return Err(FetchError::TooLarge { key: url.key.to_string(), max_bytes });
        }
        Ok(self.0.to_vec())
    }
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builder().limits(limits()).threads(1).build().unwrap())
}

/// Inputs up to this size are processed twice and must give the same bytes.
pub const TWICE_UP_TO: usize = 4096;

pub fn check_process(data: &[u8]) -> Result<(), String> {
    let Some((rule, image)) = split(data) else { return Ok(()) };
    let result = run(rule, image);
    if data.len() <= TWICE_UP_TO && run(rule, image) != result {
        return Err(format!("rule {rule:?}: two runs on the same input differ"));
    }
    match result {
        Ok(response) => check_response(&response, image).map_err(|e| format!("rule {rule:?}: {e}")),
        Err(e) if e.code() == ErrorCode::Internal => Err(format!("rule {rule:?}: internal error: {e}")),
        Err(e) if e.message().is_empty() => Err(format!("rule {rule:?}: empty error message: {e:?}")),
        Err(_) => Ok(()),
    }
}

pub fn run(rule: &str, image: &[u8]) -> Result<mogr::Response, mogr::Error> {
    engine().process_in(image, rule, Bucket::new(&Itself(image)))
}

pub fn check_response(response: &mogr::Response, input: &[u8]) -> Result<(), String> {
    if response.body == input {
        return Ok(()); // the input unchanged (ignore-error, size-limit's `!`): as it came
    }
    let Some(format) = response.format else {
        return serde_json::from_slice::<serde_json::Value>(&response.body)
            .map(drop)
            .map_err(|e| format!("a JSON response that does not parse: {e}"));
    };
    if response.mime_type != format.mime_type() {
        return Err(format!("{format:?} answered as {}", response.mime_type));
    }
    if response.body.is_empty() {
        return Err(format!("an empty {format:?} body"));
    }
    if matches!(format, OutputFormat::Svgc) {
        return Ok(());
    }
    let probe = mogr::plan::probe(&response.body).map_err(|e| format!("the {format:?} output does not probe: {e}"))?;
    if probe.decoded_size() != (response.width, response.height) {
        return Err(format!(
            "the output is {:?}, the response says {}x{}",
            probe.decoded_size(),
            response.width,
            response.height
        ));
    }
    let side = limits().max_output_side.unwrap_or(u32::MAX);
    if response.width.max(response.height) > side && response.frames > 0 {
        return Err(format!("a {}x{} output over the limit of {side}", response.width, response.height));
    }
    if probe.frames != response.frames {
        return Err(format!("{} frames written, the response says {}", probe.frames, response.frames));
    }
    Ok(())
}
