//! The planner: a parsed pipeline and a probe in, every step resolved to integers out.
//!
//! ```text
//! Pipeline + Probe + Limits
//!   ──check input limits──▶ Canvas (size, frames, format, quality, orientation)
//!   ──for each stage: stages.rs resolves its steps on the canvas, output.rs its encoding──▶
//!   ──shrink-on-load (first resize of a JPEG), predicted peak memory, output limits──▶ Plan
//! ```
//!
//! Every limit and every check that needs the image happens here, before anything is
//! decoded. With `ignore-error/1` in the rule, a limit or value error yields a plan that
//! returns the input unchanged ([`Plan::ignored_error`]).

pub mod geometry;
mod output;
mod stages;

use std::fmt;

use mogr_syntax::ast::{BlindExtract, Pipeline, Rgb, Stage, Watermark};
use serde::Serialize;

pub use self::geometry::Rect;
pub use self::output::{DEFAULT_QUALITY, OutputFormat};
pub use self::stages::object_url;
use crate::key::KeyError;
use crate::limits::{Limits, exceeds};
use crate::probe::{ImageFormat, Orientation, Probe, ProbeError};

/// What to do to one image, decided from its headers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// How to decode the input.
    pub input: InputPlan,
    /// The stages of the pipeline, resolved.
    pub stages: Vec<StagePlan>,
    /// Predicted peak memory of the execution in bytes (input, decoded frames, the largest
    /// pair of canvases a step reads and writes, the encoder's buffer).
    pub peak_bytes: u64,
    /// With `ignore-error/1`: the error that makes the engine return the input unchanged.
    #[serde(serialize_with = "serialize_error")]
    pub ignored_error: Option<PlanError>,
}

impl Plan {
    /// What the response will be: the last stage's output, or the input when an error is
    /// ignored.
    pub fn output(&self) -> OutputPlan {
        match self.stages.last() {
            Some(stage) => stage.output.clone(),
            None => self.input.as_output(),
        }
    }
}

/// How the input is decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputPlan {
    /// The input format.
    pub format: ImageFormat,
    /// Width after the format's own transform (HEIF `irot`/`imir`), before any step.
    pub width: u32,
    /// Height after the format's own transform.
    pub height: u32,
    /// Frames in the input.
    pub frames: u32,
    /// Frames to decode: 1 when no animated output needs the rest.
    pub decode_frames: u32,
    /// JPEG shrink-on-load: decode at 1/`shrink_on_load` (1, 2, 4 or 8).
    pub shrink_on_load: u8,
    /// Width of the decoded frames.
    pub decode_width: u32,
    /// Height of the decoded frames.
    pub decode_height: u32,
    /// The input quality the quality rules start from (JPEG: estimated from its tables).
    pub quality: Option<u8>,
    /// Whether pixels are needed at all (`imageInfo` alone needs none).
    pub decode: bool,
}

impl InputPlan {
    fn as_output(&self) -> OutputPlan {
        OutputPlan {
            format: OutputFormat::from_input(self.format),
            width: self.width,
            height: self.height,
            frames: self.frames,
            quality: self.quality,
            lossless: false,
            progressive: false,
            strip: false,
            size_limit: None,
            background: stages::WHITE,
            report: None,
        }
    }
}

/// One stage of the pipeline, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StagePlan {
    /// The steps, in order, each on the canvas the previous one left.
    pub steps: Vec<Step>,
    /// How the stage's result is encoded (or reported).
    pub output: OutputPlan,
}

/// How a stage's result is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutputPlan {
    /// The format.
    pub format: OutputFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames written (1 for formats without animation).
    pub frames: u32,
    /// Encoder quality 0-100 for lossy formats (`None` when `lossless`).
    pub quality: Option<u8>,
    /// WebP written lossless: the input was a lossless WebP and no rule set a quality (WebP
    /// output inherits the input's quality, and a lossless input has no loss to inherit).
    pub lossless: bool,
    /// Progressive JPEG (`interlace/1`).
    pub progressive: bool,
    /// Drop metadata (`strip`).
    pub strip: bool,
    /// JPEG `size-limit`.
    pub size_limit: Option<SizeLimitPlan>,
    /// What transparent areas show in a format without alpha (JPEG): the stage's `color`,
    /// white by default.
    #[serde(serialize_with = "serialize_rgb")]
    pub background: Rgb,
    /// When the stage answers JSON instead of an image.
    pub report: Option<Report>,
}

/// `size-limit`: the largest JPEG to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SizeLimitPlan {
    /// The limit in bytes.
    pub bytes: u64,
    /// `!`: answer the input when it is smaller than the result.
    pub keep_smaller_input: bool,
}

/// The stages that answer JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    /// `imageInfo`
    ImageInfo,
    /// `exif`
    Exif,
    /// `imageAve`
    ImageAve,
    /// `ci-process=ImageInspect`
    ImageInspect,
    /// `watermark/4`: the canonical rule of the extraction.
    BlindExtract(#[serde(serialize_with = "serialize_extract")] BlindExtract),
}

/// A resolved step on the current canvas.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// Keep `frames` frames (`cgif`): evenly spaced over the animation, its total duration
    /// kept, when `spread`; else the first ones (`cgif/1` cuts to 30).
    ReduceFrames {
        /// Frames kept.
        frames: u32,
        /// Spread the kept frames over the animation.
        spread: bool,
    },
    /// Apply the EXIF orientation (`auto-orient`).
    Orient {
        /// The orientation undone.
        #[serde(serialize_with = "serialize_orientation")]
        orientation: Orientation,
    },
    /// Resample to this size.
    Resize {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Keep this rectangle.
    Crop(Rect),
    /// Centre-place the image at (`x`, `y`) on a `width`×`height` canvas of `color`.
    Pad {
        /// Canvas width.
        width: u32,
        /// Canvas height.
        height: u32,
        /// Left offset of the image.
        x: u32,
        /// Top offset of the image.
        y: u32,
        /// Canvas colour.
        #[serde(serialize_with = "serialize_rgb")]
        color: Rgb,
    },
    /// Keep `rect` and make what lies outside the circle of `radius` transparent (or the
    /// background colour in formats without alpha).
    Circle {
        /// The square around the circle.
        rect: Rect,
        /// The circle's radius.
        radius: u32,
    },
    /// Round the corners with `radius`.
    RoundCorners {
        /// The corner radius.
        radius: u32,
    },
    /// Scale and crop to `width`×`height` around the faces found (`scrop`).
    FaceCrop {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
    },
    /// Rotate clockwise by `degrees` onto a `width`×`height` canvas.
    Rotate {
        /// Degrees, 1-359.
        degrees: u16,
        /// The new canvas width.
        width: u32,
        /// The new canvas height.
        height: u32,
        /// The colour of the uncovered corners in formats without alpha.
        #[serde(serialize_with = "serialize_rgb")]
        background: Rgb,
    },
    /// Mirror top-bottom (`vertical`) or left-right.
    Flip {
        /// True for `flip/vertical`.
        vertical: bool,
    },
    /// Gaussian blur.
    Blur {
        /// Kernel radius in pixels.
        radius: u8,
        /// Standard deviation.
        sigma: f64,
    },
    /// Unsharp mask of strength 10-300.
    Sharpen {
        /// Strength.
        amount: u16,
    },
    /// Brightness -100..100.
    Bright {
        /// Amount.
        amount: i8,
    },
    /// Contrast -100..100.
    Contrast {
        /// Amount.
        amount: i8,
    },
    /// Convert to grey by luma.
    Grayscale,
    /// A watermark (`watermark/1`, `/2`, `/3`), placed at execution time: its size depends on
    /// the watermark image or the rendered text.
    Watermark {
        /// The watermark stage in canonical form.
        #[serde(serialize_with = "serialize_watermark")]
        mark: Watermark,
    },
}

impl Step {
    /// The size this step leaves a `w`×`h` canvas at.
    pub fn size_after(&self, (w, h): (u32, u32)) -> (u32, u32) {
        match *self {
            Step::Resize { width, height }
            | Step::Pad { width, height, .. }
            | Step::FaceCrop { width, height }
            | Step::Rotate { width, height, .. } => (width, height),
            Step::Crop(r) | Step::Circle { rect: r, .. } => (r.width, r.height),
            Step::Orient { orientation } if orientation.swaps_sides() => (h, w),
            _ => (w, h),
        }
    }
}

/// Why a plan could not be made; the facade maps each to a CI error code.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlanError {
    /// The headers could not be read (-443 or -62999).
    Probe(ProbeError),
    /// The input file is larger than allowed (-60996).
    InputTooLarge {
        /// Its size in bytes.
        bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// The input's resolution, pixel count, frame count or predicted memory exceeds a limit
    /// (-447).
    InputOverLimit(String),
    /// An output side exceeds the limit (-442).
    OutputTooLarge {
        /// Output width.
        width: u32,
        /// Output height.
        height: u32,
        /// The limit on each side.
        limit: u32,
    },
    /// The format cannot be produced or is not accepted here (-443).
    UnsupportedFormat(String),
    /// A parameter does not fit this image (-60998).
    InvalidParameter(String),
    /// A `style/<name>` stage reached the planner: styles are expanded by the engine
    /// (-60967 when the style does not exist).
    UnexpandedStyle(String),
    /// An object URL in the rule (a watermark image's) is malformed or leaves the bucket
    /// (-60955).
    InvalidUrl(KeyError),
}

impl PlanError {
    /// Whether `ignore-error/1` turns this error into "return the input unchanged": the
    /// spec's "the image size or the parameter value is too large".
    pub fn is_ignorable(&self) -> bool {
        matches!(
            self,
            PlanError::InputTooLarge { .. }
                | PlanError::InputOverLimit(_)
                | PlanError::OutputTooLarge { .. }
                | PlanError::InvalidParameter(_)
        )
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::Probe(e) => e.fmt(f),
            PlanError::InputTooLarge { bytes, limit } => {
                write!(f, "the input is {bytes} bytes, more than the limit of {limit}")
            }
            PlanError::InputOverLimit(what) => f.write_str(what),
            PlanError::OutputTooLarge { width, height, limit } => {
                write!(f, "the output would be {width}x{height}, over the limit of {limit} pixels a side")
            }
            PlanError::UnsupportedFormat(what) | PlanError::InvalidParameter(what) => f.write_str(what),
            PlanError::UnexpandedStyle(name) => write!(f, "style/{name} is not defined here"),
            PlanError::InvalidUrl(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PlanError {}

impl From<ProbeError> for PlanError {
    fn from(e: ProbeError) -> Self {
        PlanError::Probe(e)
    }
}

/// Plans `pipeline` for the image `probe` describes, within `limits`. See the module docs.
pub fn plan(pipeline: &Pipeline, probe: &Probe, limits: &Limits) -> Result<Plan, PlanError> {
    match plan_strictly(pipeline, probe, limits) {
        Err(e) if e.is_ignorable() && ignore_error_requested(pipeline) => Ok(passthrough(probe, e)),
        result => result,
    }
}

/// Whether any stage says `ignore-error/1`.
fn ignore_error_requested(pipeline: &Pipeline) -> bool {
    pipeline.stages.iter().any(|s| matches!(s, Stage::ImageMogr2(m) if m.output.ignore_error == Some(true)))
}

/// The plan that answers the input unchanged.
fn passthrough(probe: &Probe, error: PlanError) -> Plan {
    let (width, height) = probe.decoded_size();
    let input = InputPlan {
        format: probe.format,
        width,
        height,
        frames: probe.frames,
        decode_frames: 0,
        shrink_on_load: 1,
        decode_width: width,
        decode_height: height,
        quality: probe.jpeg_quality,
        decode: false,
    };
    Plan { input, stages: Vec::new(), peak_bytes: probe.byte_len, ignored_error: Some(error) }
}

/// How to decode an image drawn onto another (a watermark image): within `limits` (its
/// bytes, sides and pixels as an input's; its decoded size within the memory budget), a still
/// image, every pixel at full size.
pub fn overlay_input(probe: &Probe, limits: &Limits) -> Result<InputPlan, PlanError> {
    check_input(probe, limits)?;
    if probe.frames > 1 {
        return Err(PlanError::InvalidParameter(format!(
            "an animated image ({} frames) cannot be a watermark",
            probe.frames
        )));
    }
    let (width, height) = probe.decoded_size();
    let decoded_bytes = u64::from(width) * u64::from(height) * 4;
    if exceeds(probe.byte_len.saturating_add(decoded_bytes), limits.max_peak_bytes) {
        return Err(PlanError::InputOverLimit(format!(
            "decoding the {width}x{height} watermark image would need about {decoded_bytes} bytes, more than the \
             budget of {}",
            limits.max_peak_bytes.unwrap_or(0)
        )));
    }
    Ok(InputPlan {
        format: probe.format,
        width,
        height,
        frames: 1,
        decode_frames: 1,
        shrink_on_load: 1,
        decode_width: width,
        decode_height: height,
        quality: probe.jpeg_quality,
        decode: true,
    })
}

fn plan_strictly(pipeline: &Pipeline, probe: &Probe, limits: &Limits) -> Result<Plan, PlanError> {
    check_input(probe, limits)?;
    let mut canvas = stages::Canvas::of(probe);
    let mut planned = Vec::with_capacity(pipeline.stages.len());
    let mut watermarks = 0u32;
    for stage in &pipeline.stages {
        if matches!(stage, Stage::Watermark(Watermark::Image(_))) {
            watermarks += 1;
            if exceeds(watermarks, limits.max_watermarks) {
                return Err(PlanError::InvalidParameter(format!(
                    "more than {} image watermarks on one image",
                    limits.max_watermarks.unwrap_or(0)
                )));
            }
        }
        let stage_plan = stages::plan_stage(stage, probe, &mut canvas, limits)?;
        check_output(&stage_plan.output, limits)?;
        planned.push(stage_plan);
    }
    check_svgc(&planned)?;
    let input = stages::input_plan(probe, &planned);
    let peak_bytes = stages::peak_bytes(probe, &input, &planned);
    if exceeds(peak_bytes, limits.max_peak_bytes) {
        return Err(PlanError::InputOverLimit(format!(
            "the execution would need about {peak_bytes} bytes, more than the budget of {}",
            limits.max_peak_bytes.unwrap_or(0)
        )));
    }
    Ok(Plan { input, stages: planned, peak_bytes, ignored_error: None })
}

/// `format/svgc` rewrites the SVG document itself: it stands alone, with no operation or
/// other stage.
fn check_svgc(planned: &[StagePlan]) -> Result<(), PlanError> {
    let svgc = planned.iter().any(|stage| stage.output.format == OutputFormat::Svgc);
    if svgc && !matches!(planned, [only] if only.steps.is_empty()) {
        return Err(PlanError::InvalidParameter(
            "format/svgc compresses the SVG document as it is: it cannot be combined with other operations or stages"
                .into(),
        ));
    }
    Ok(())
}

/// The input limits: bytes, sides, pixels counting frames, GIF frames.
fn check_input(probe: &Probe, limits: &Limits) -> Result<(), PlanError> {
    if let Some(limit) = limits.max_input_bytes.filter(|&limit| probe.byte_len > limit) {
        return Err(PlanError::InputTooLarge { bytes: probe.byte_len, limit });
    }
    let (w, h) = (probe.width, probe.height);
    if exceeds(w.max(h), limits.max_input_side) {
        return Err(PlanError::InputOverLimit(format!(
            "the input is {w}x{h}, over the limit of {} pixels a side",
            limits.max_input_side.unwrap_or(0)
        )));
    }
    let pixels = u64::from(w) * u64::from(h) * u64::from(probe.frames.max(1));
    if exceeds(pixels, limits.max_input_pixels) {
        return Err(PlanError::InputOverLimit(format!(
            "the input has {pixels} pixels counting frames, over the limit of {}",
            limits.max_input_pixels.unwrap_or(0)
        )));
    }
    if probe.format == ImageFormat::Gif && exceeds(probe.frames, limits.max_gif_frames) {
        return Err(PlanError::InputOverLimit(format!(
            "the GIF has {} frames, over the limit of {}",
            probe.frames,
            limits.max_gif_frames.unwrap_or(0)
        )));
    }
    Ok(())
}

/// The output limit on each side, for image outputs.
fn check_output(output: &OutputPlan, limits: &Limits) -> Result<(), PlanError> {
    if output.report.is_some() {
        return Ok(());
    }
    match limits.max_output_side {
        Some(limit) if output.width.max(output.height) > limit => {
            Err(PlanError::OutputTooLarge { width: output.width, height: output.height, limit })
        }
        _ => Ok(()),
    }
}

fn serialize_error<S: serde::Serializer>(error: &Option<PlanError>, s: S) -> Result<S::Ok, S::Error> {
    match error {
        Some(e) => s.serialize_some(&e.to_string()),
        None => s.serialize_none(),
    }
}

fn serialize_rgb<S: serde::Serializer>(rgb: &Rgb, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rgb.hex())
}

fn serialize_orientation<S: serde::Serializer>(o: &Orientation, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(o.exif_value())
}

fn serialize_watermark<S: serde::Serializer>(mark: &Watermark, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&Stage::Watermark(mark.clone()).to_string())
}

fn serialize_extract<S: serde::Serializer>(extract: &BlindExtract, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&Stage::Watermark(Watermark::Extract(extract.clone())).to_string())
}
