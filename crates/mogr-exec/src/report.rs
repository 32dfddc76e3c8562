//! Reports: the stages that answer JSON instead of an image.
//!
//! - `imageInfo`: `{"format","width","height","size","md5","frame_count"}`, every value a
//!   string as in the spec's example; on the input, from its headers and bytes (width and
//!   height as decoded: after a HEIF `irot`, before any EXIF orientation); after other
//!   stages, of the encoded result.
//! - `imageAve`: `{"RGB":"0xRRGGBB"}`, the mean colour of the first frame, each pixel
//!   weighted by its alpha (transparent pixels do not count; a fully transparent frame
//!   averages its colour channels unweighted).
//! - `ci-process=ImageInspect`: see [`crate::inspect`] (the facade also answers it for files
//!   that are not images).
//! - `exif`: see `exif_report.rs`; on the input from its bytes alone, after other stages on
//!   the encoded result (so `strip|exif` answers "no exif data").
//! - `watermark/4`: see `watermark/blind.rs` (the executor answers it, with the bucket).

use md5::{Digest, Md5};
use mogr_plan::Probe;
use mogr_plan::plan::{OutputFormat, OutputPlan, Report};

use crate::execute::Output;
use crate::{ExecError, Picture};

/// A report on the input, before any pixel is decoded.
pub(crate) fn on_input(report: &Report, data: &[u8], probe: &Probe, output: &OutputPlan) -> Result<Output, ExecError> {
    match report {
        Report::ImageInfo => {
            let (width, height) = probe.decoded_size();
            Ok(image_info(probe.format.name(), width, height, data, probe.frames, output))
        }
        Report::ImageInspect => Ok(json_output(&crate::inspect::report(data, Some(probe.format)), output)),
        Report::Exif => Ok(json_output(&crate::exif_report::report(data), output)),
        other => Err(not_yet(other)),
    }
}

/// A report that is the first stage, with the input decoded.
pub(crate) fn on_picture(
    report: &Report,
    picture: &Picture,
    data: &[u8],
    probe: &Probe,
    output: &OutputPlan,
) -> Result<Output, ExecError> {
    match report {
        Report::ImageAve => Ok(image_ave(picture, output)),
        other => on_input(other, data, probe, output),
    }
}

/// A report on what the stages before it produced (`encoded`, in `before`'s format).
pub(crate) fn on_encoded(
    report: &Report,
    picture: &Picture,
    encoded: &[u8],
    before: &OutputPlan,
) -> Result<Output, ExecError> {
    match report {
        Report::ImageInfo => {
            Ok(image_info(format_name(before.format), before.width, before.height, encoded, before.frames, before))
        }
        Report::ImageAve => Ok(image_ave(picture, before)),
        Report::Exif => Ok(json_output(&crate::exif_report::report(encoded), before)),
        other => Err(not_yet(other)),
    }
}

fn not_yet(report: &Report) -> ExecError {
    ExecError::Unsupported(format!("the {report:?} report is not implemented in this build yet"))
}

/// The name `imageInfo` gives an output format: its keyword, but `svg` for compressed SVG.
fn format_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Svgc => "svg",
        other => other.name(),
    }
}

fn image_info(format: &str, width: u32, height: u32, bytes: &[u8], frames: u32, output: &OutputPlan) -> Output {
    let md5: String = Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
    let json = serde_json::json!({
        "format": format,
        "width": width.to_string(),
        "height": height.to_string(),
        "size": bytes.len().to_string(),
        "md5": md5,
        "frame_count": frames.to_string(),
    });
    json_output(&json, output)
}

fn image_ave(picture: &Picture, output: &OutputPlan) -> Output {
    let [r, g, b] = picture.frames.first().map_or([0, 0, 0], |f| mean_colour(&f.pixels));
    json_output(&serde_json::json!({ "RGB": format!("0x{r:02X}{g:02X}{b:02X}") }), output)
}

/// The alpha-weighted mean of RGBA pixels, rounded; unweighted when every pixel is
/// transparent.
fn mean_colour(pixels: &[u8]) -> [u8; 3] {
    let mut weighted = [0u64; 3];
    let mut plain = [0u64; 3];
    let mut weight = 0u64;
    for p in pixels.chunks_exact(4) {
        let a = u64::from(p[3]);
        for c in 0..3 {
            weighted[c] += u64::from(p[c]) * a;
            plain[c] += u64::from(p[c]);
        }
        weight += a;
    }
    let count = (pixels.len() / 4) as u64;
    let (sums, divisor) = if weight > 0 { (weighted, weight) } else { (plain, count.max(1)) };
    sums.map(|s| u8::try_from((s + divisor / 2) / divisor).unwrap_or(255))
}

pub(crate) fn json_output(json: &serde_json::Value, output: &OutputPlan) -> Output {
    Output {
        bytes: json.to_string().into_bytes(),
        mime_type: "application/json",
        format: None,
        width: output.width,
        height: output.height,
        frames: output.frames,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_is_weighted_by_alpha() {
        // An opaque red pixel and a transparent white one: red.
        assert_eq!(mean_colour(&[255, 0, 0, 255, 255, 255, 255, 0]), [255, 0, 0]);
        // Two opaque pixels: their mean, rounded.
        assert_eq!(mean_colour(&[0, 0, 0, 255, 255, 101, 1, 255]), [128, 51, 1]);
        // All transparent: the plain mean.
        assert_eq!(mean_colour(&[10, 20, 30, 0, 30, 40, 50, 0]), [20, 30, 40]);
    }
}
