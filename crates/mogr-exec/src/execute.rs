//! The executor: a [`Plan`] and the input bytes in, the response bytes out.
//!
//! ```text
//! ignored error ──────────────────────────────────────────────▶ the input, unchanged
//! report alone (imageInfo) ──headers and bytes──────────────────▶ JSON
//! otherwise: decode ──▶ for each stage: frames (cgif), steps frame by frame ──▶ encode
//!                                     └─ a report stage answers on the result so far
//! ```
//!
//! Stages hand their pixels to the next stage without an encode in between: a stage's format
//! and quality matter for the last stage's encoding (and the planner already carried the
//! quality forward), so an intermediate lossy encode would only add loss and time.

use mogr_plan::plan::{OutputFormat, OutputPlan, Report, StagePlan};
use mogr_plan::{Plan, Probe, Step};
use rayon::prelude::*;

use crate::face_crop::{self, ScropFallback};
use crate::watermark::{self, Sources};
use crate::{Context, EncodeOptions, ExecError, Frame, Picture, decode, encode, ops, report};

/// What a request answers: an image, or a JSON report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// The body.
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub mime_type: &'static str,
    /// The image format, or `None` for a JSON report.
    pub format: Option<OutputFormat>,
    /// Width of the image (of the image reported on, for a report).
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Frames.
    pub frames: u32,
}

/// Runs `plan` on `data`, whose headers `probe` read, with the default [`Settings`]
/// (rayon's global pool, fast JPEG, the system's fonts) and the default [`Context`] (no
/// bucket for watermark images); an [`Executor`] runs with others.
///
/// [`Settings`]: crate::Settings
/// [`Executor`]: crate::Executor
pub fn execute(plan: &Plan, data: &[u8], probe: &Probe) -> Result<Output, ExecError> {
    let context = Context::default();
    let sources = Sources {
        objects: context.objects,
        limits: context.limits,
        fonts: crate::fonts::Fonts::system(),
        blind_key: watermark::blind::DEFAULT_BLIND_KEY,
        recovered_marks: false,
    };
    let job = Job { encode: &EncodeOptions::default(), scrop_fallback: ScropFallback::default(), sources };
    run(plan, data, probe, &job)
}

/// How one run encodes and what it may draw on.
pub(crate) struct Job<'a> {
    /// Encoder choices.
    pub encode: &'a EncodeOptions,
    /// What `scrop` does without a face.
    pub scrop_fallback: ScropFallback,
    /// Watermark images and fonts.
    pub sources: Sources<'a>,
}

/// Runs `plan` on `data` in the current rayon pool.
pub(crate) fn run(plan: &Plan, data: &[u8], probe: &Probe, job: &Job<'_>) -> Result<Output, ExecError> {
    let options = job.encode;
    if plan.ignored_error.is_some() {
        return Ok(unchanged(data, probe));
    }
    if let Some(output) = plan.stages.iter().map(|s| &s.output).find(|o| o.format == OutputFormat::Svgc) {
        return Ok(image_output(svgc(data)?, output));
    }
    if !plan.input.decode {
        let (report, output) = final_report(plan)?;
        return report::on_input(report, data, probe, output);
    }
    let mut picture = decode::decode_with(data, probe, &plan.input, job.sources.fonts)?;
    let mut previous = None;
    for stage in &plan.stages {
        if let Some(Report::BlindExtract(extract)) = &stage.output.report {
            return watermark::blind::extract(extract, &picture, &job.sources, &stage.output);
        }
        if let Some(report) = &stage.output.report {
            return report_on(report, &picture, previous, (data, probe), &stage.output, options);
        }
        if run_stage(stage, &mut picture, job)? == Flow::AnswerInput {
            return Ok(unchanged(data, probe));
        }
        previous = Some(&stage.output);
    }
    let output = previous.ok_or_else(|| ExecError::Internal("a plan without stages".into()))?;
    let bytes = encode::encode_with(&picture, output, options)?;
    let keep_input = output.size_limit.is_some_and(|l| l.keep_smaller_input) && data.len() <= bytes.len();
    if keep_input {
        return Ok(unchanged(data, probe));
    }
    Ok(image_output(bytes, output))
}

/// The input SVG compressed (`svgc`).
#[cfg(feature = "svg")]
fn svgc(data: &[u8]) -> Result<Vec<u8>, ExecError> {
    encode::svgc::compress(data)
}

/// `svgc` in a build without the `svg` feature.
#[cfg(not(feature = "svg"))]
fn svgc(_data: &[u8]) -> Result<Vec<u8>, ExecError> {
    Err(crate::codecs::Family::Svg.missing("svgc (SVG compression)"))
}

/// The input as it came (ignore-error, or size-limit's `!` when the input is smaller).
fn unchanged(data: &[u8], probe: &Probe) -> Output {
    let format = OutputFormat::from_input(probe.format);
    let (width, height) = probe.decoded_size();
    Output {
        bytes: data.to_vec(),
        mime_type: input_mime(probe),
        format: Some(format),
        width,
        height,
        frames: probe.frames,
    }
}

/// The MIME type of the input's own format (TIFF and SVG included).
fn input_mime(probe: &Probe) -> &'static str {
    match probe.format {
        mogr_plan::ImageFormat::Tiff => "image/tiff",
        mogr_plan::ImageFormat::Svg => "image/svg+xml",
        mogr_plan::ImageFormat::Heif => "image/heic",
        other => OutputFormat::from_input(other).mime_type(),
    }
}

fn image_output(bytes: Vec<u8>, output: &OutputPlan) -> Output {
    let frames = written_frames(&bytes, output);
    Output {
        bytes,
        mime_type: output.format.mime_type(),
        format: Some(output.format),
        width: output.width,
        height: output.height,
        frames,
    }
}

/// The frames an animated output really holds: libwebp's animation encoder folds a frame
/// that does not change the picture into the previous one's duration (found by the `process`
/// fuzz target: 30 planned frames, 9 written), so the count is read back from the bytes.
fn written_frames(bytes: &[u8], output: &OutputPlan) -> u32 {
    if output.frames <= 1 {
        return output.frames;
    }
    mogr_plan::probe(bytes).map_or(output.frames, |written| written.frames)
}

/// The report that ends a plan that decodes nothing.
fn final_report(plan: &Plan) -> Result<(&Report, &OutputPlan), ExecError> {
    let output = plan.stages.last().map(|s| &s.output);
    match output.and_then(|o| o.report.as_ref().zip(Some(o))) {
        Some(found) => Ok(found),
        None => Err(ExecError::Internal("a plan that decodes nothing must end in a report".into())),
    }
}

/// A report stage: on the input when it is the first stage, else on the encoded result of
/// the stages before it.
fn report_on(
    report: &Report,
    picture: &Picture,
    previous: Option<&OutputPlan>,
    (data, probe): (&[u8], &Probe),
    output: &OutputPlan,
    options: &EncodeOptions,
) -> Result<Output, ExecError> {
    match previous {
        None => report::on_picture(report, picture, data, probe, output),
        Some(before) => {
            let bytes = encode::encode_with(picture, before, options)?;
            report::on_encoded(report, picture, &bytes, before)
        }
    }
}

/// What the run does after a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    /// Go on with the next stage.
    Continue,
    /// Answer with the input unchanged (`scrop` found no face).
    AnswerInput,
}

/// One stage's steps on every frame, then the stage's frame count.
fn run_stage(stage: &StagePlan, picture: &mut Picture, job: &Job<'_>) -> Result<Flow, ExecError> {
    for step in &stage.steps {
        match step {
            Step::ReduceFrames { frames, spread } => reduce_frames(picture, *frames, *spread),
            Step::Watermark { mark } => watermark::apply(mark, picture, &job.sources)?,
            Step::FaceCrop { width, height } => {
                let first =
                    picture.frames.first().ok_or_else(|| ExecError::Internal("a picture without frames".into()))?;
                let Some(steps) = face_crop::steps(first, *width, *height, job.scrop_fallback) else {
                    return Ok(Flow::AnswerInput);
                };
                for step in &steps {
                    apply_to_frames(step, picture)?;
                }
            }
            Step::Orient { .. } => {
                apply_to_frames(step, picture)?;
                picture.metadata.set_orientation_upright();
            }
            _ => apply_to_frames(step, picture)?,
        }
    }
    let keep = usize::try_from(stage.output.frames.max(1)).unwrap_or(1);
    picture.frames.truncate(keep);
    Ok(Flow::Continue)
}

/// A per-frame step on every frame, frames in parallel (each frame's result does not depend
/// on the others, so the bytes are the same whatever the thread count).
fn apply_to_frames(step: &Step, picture: &mut Picture) -> Result<(), ExecError> {
    let frames = std::mem::take(&mut picture.frames);
    picture.frames = frames.par_iter().map(|frame| ops::apply(step, frame)).collect::<Result<Vec<Frame>, _>>()?;
    Ok(())
}

/// Keeps `keep` frames: spread evenly over the animation, each kept frame showing until the
/// next kept one so the total duration stays (`cgif/N`); or the first `keep` (`cgif/1`).
pub(crate) fn reduce_frames(picture: &mut Picture, keep: u32, spread: bool) {
    let total = picture.frames.len();
    let keep = usize::try_from(keep).unwrap_or(usize::MAX).clamp(1, total.max(1));
    if keep >= total {
        return;
    }
    if !spread {
        picture.frames.truncate(keep);
        return;
    }
    let starts: Vec<usize> = (0..keep).map(|i| i * total / keep).collect();
    let frames = std::mem::take(&mut picture.frames);
    let mut kept = Vec::with_capacity(keep);
    for (i, frame) in frames.into_iter().enumerate() {
        if starts.contains(&i) {
            kept.push(frame);
        } else if let Some(last) = kept.last_mut() {
            last.delay_ms = last.delay_ms.saturating_add(frame.delay_ms);
        }
    }
    picture.frames = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metadata;

    fn animation(delays: &[u32]) -> Picture {
        let frames = delays
            .iter()
            .enumerate()
            .map(|(i, &delay_ms)| Frame { width: 1, height: 1, pixels: vec![i as u8, 0, 0, 255], delay_ms })
            .collect();
        Picture { frames, loop_count: Some(0), metadata: Metadata::default() }
    }

    #[test]
    fn spreading_keeps_the_duration() {
        let mut p = animation(&[10, 20, 30, 40, 50, 60, 70]);
        reduce_frames(&mut p, 3, true);
        let kept: Vec<(u8, u32)> = p.frames.iter().map(|f| (f.pixels[0], f.delay_ms)).collect();
        // Starts at 0, 2, 4: each takes the delays up to the next kept frame.
        assert_eq!(kept, vec![(0, 30), (2, 70), (4, 180)]);
        assert_eq!(p.frames.iter().map(|f| f.delay_ms).sum::<u32>(), 280);
    }

    #[test]
    fn cutting_keeps_the_first_frames() {
        let mut p = animation(&[10; 40]);
        reduce_frames(&mut p, 30, false);
        assert_eq!(p.frames.len(), 30);
        assert_eq!(p.frames[29].pixels[0], 29);
        let mut few = animation(&[10; 5]);
        reduce_frames(&mut few, 30, true);
        assert_eq!(few.frames.len(), 5);
    }
}
