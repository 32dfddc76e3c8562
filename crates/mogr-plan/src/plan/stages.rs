//! Stage by stage: each stage's steps resolved on the canvas the previous stage left, then the
//! input plan (shrink-on-load, frames to decode) and the predicted peak memory.

use mogr_syntax::ast::{
    BlindExtract, BlindMark, CropSize, Flip, Gravity, Mogr2, Mogr2Op, OutputOptions, Rgb, Stage, Thumbnail, View2,
    Watermark,
};

use super::geometry::{self, Dims, Rect};
use super::output::{OutputFormat, resolve_quality};
use super::{InputPlan, OutputPlan, PlanError, Report, SizeLimitPlan, StagePlan, Step};
use crate::key::ObjectUrl;
use crate::limits::Limits;
use crate::probe::{ImageFormat, Orientation, Probe};

/// The default fill colour (`color`): white.
pub(crate) const WHITE: Rgb = Rgb { r: 255, g: 255, b: 255 };
/// `cgif/1` keeps this many frames.
const CGIF_DEFAULT_FRAMES: u32 = 30;
/// Bytes per pixel of a decoded frame (RGBA, 8 bits a channel).
const BYTES_PER_PIXEL: u64 = 4;

/// What the image looks like between steps.
pub(crate) struct Canvas {
    width: u32,
    height: u32,
    frames: u32,
    format: OutputFormat,
    quality: Option<u8>,
    /// The pixels are still exactly a lossless WebP input's (see [`OutputPlan::lossless`]).
    lossless: bool,
    /// The EXIF orientation still to apply (`TopLeft` once applied or stripped).
    orientation: Orientation,
}

impl Canvas {
    /// The canvas the decoder produces.
    pub fn of(probe: &Probe) -> Canvas {
        let (width, height) = probe.decoded_size();
        Canvas {
            width,
            height,
            frames: probe.frames.max(1),
            format: OutputFormat::from_input(probe.format),
            quality: probe.jpeg_quality,
            lossless: probe.webp_lossless,
            orientation: probe.orientation,
        }
    }

    fn dims(&self) -> Dims {
        (self.width, self.height)
    }

    /// Takes a new size; a side over the input limit is refused here, before any step could
    /// allocate it.
    fn resize_to(&mut self, (width, height): Dims, limits: &Limits) -> Result<(), PlanError> {
        if let Some(limit) = limits.max_input_side.filter(|&limit| width.max(height) > limit) {
            return Err(PlanError::OutputTooLarge { width, height, limit });
        }
        self.width = width;
        self.height = height;
        Ok(())
    }

    fn output(&self, format: OutputFormat, quality: Option<u8>) -> OutputPlan {
        OutputPlan {
            format,
            width: self.width,
            height: self.height,
            frames: self.frames,
            quality,
            lossless: false,
            progressive: false,
            strip: false,
            size_limit: None,
            background: WHITE,
            report: None,
        }
    }

    fn report(&self, report: Report) -> StagePlan {
        let output = OutputPlan { report: Some(report), quality: None, ..self.output(self.format, None) };
        StagePlan { steps: Vec::new(), output }
    }
}

/// Resolves one stage on `canvas`, leaving the canvas as the stage's result.
pub(crate) fn plan_stage(
    stage: &Stage,
    probe: &Probe,
    canvas: &mut Canvas,
    limits: &Limits,
) -> Result<StagePlan, PlanError> {
    match stage {
        Stage::ImageMogr2(m) => mogr2(m, probe, canvas, limits),
        Stage::ImageView2(v) => view2(v, probe, canvas, limits),
        Stage::Watermark(mark @ Watermark::Extract(e)) => {
            check_object_url(mark)?;
            Ok(canvas.report(Report::BlindExtract(e.clone())))
        }
        Stage::Watermark(mark) => watermark(mark, canvas),
        Stage::ImageInfo => Ok(canvas.report(Report::ImageInfo)),
        Stage::Exif => Ok(canvas.report(Report::Exif)),
        Stage::ImageAve => Ok(canvas.report(Report::ImageAve)),
        Stage::ImageInspect => Ok(canvas.report(Report::ImageInspect)),
        Stage::Style(name) => Err(PlanError::UnexpandedStyle(name.clone())),
    }
}

/// `imageMogr2`: frames first (fewer frames, less work), the operations in order, then the
/// output options.
fn mogr2(m: &Mogr2, probe: &Probe, canvas: &mut Canvas, limits: &Limits) -> Result<StagePlan, PlanError> {
    let format = match m.output.format {
        Some(f) => OutputFormat::requested(f, probe.format)?,
        None => canvas.format,
    };
    let mut steps = Vec::new();
    let frames = frames_kept(canvas.frames, format, m.output.cgif);
    if format.animates() && frames < canvas.frames {
        steps.push(Step::ReduceFrames { frames, spread: m.output.cgif != Some(1) });
    }
    canvas.frames = frames;
    let background = m.color.unwrap_or(WHITE);
    for op in &m.ops {
        if let Some(step) = operation(op, canvas, background, limits, &mut steps)? {
            steps.push(step);
        }
    }
    let output = OutputPlan { background, ..encode(&m.output, format, canvas) };
    Ok(StagePlan { steps, output })
}

/// Frames a stage's output keeps: all for an animated format (or as `cgif` says for GIF),
/// else the first.
fn frames_kept(frames: u32, format: OutputFormat, cgif: Option<u8>) -> u32 {
    match (format, cgif) {
        (f, _) if !f.animates() => 1,
        (OutputFormat::Gif, Some(1)) => frames.min(CGIF_DEFAULT_FRAMES),
        (OutputFormat::Gif, Some(n)) => frames.min(u32::from(n)),
        _ => frames,
    }
}

/// The encoding of an `imageMogr2` stage's result; updates what the next stage starts from.
fn encode(options: &OutputOptions, format: OutputFormat, canvas: &mut Canvas) -> OutputPlan {
    let quality_rule = options.quality.is_some() || options.rquality.is_some() || options.lquality.is_some();
    let lossless = format == OutputFormat::Webp && canvas.lossless && !quality_rule;
    let quality = (format.is_lossy() && !lossless)
        .then(|| resolve_quality(canvas.quality, options.quality, options.rquality, options.lquality));
    let size_limit = options
        .size_limit
        .filter(|_| format == OutputFormat::Jpeg)
        .map(|l| SizeLimitPlan { bytes: l.bytes(), keep_smaller_input: l.keep_smaller_input });
    let output = OutputPlan {
        progressive: format == OutputFormat::Jpeg && options.interlace == Some(true),
        lossless,
        strip: options.strip,
        size_limit,
        ..canvas.output(format, quality)
    };
    if options.strip {
        canvas.orientation = Orientation::TopLeft;
    }
    canvas.format = format;
    canvas.quality = quality;
    canvas.lossless = lossless;
    output
}

/// One `imageMogr2` operation: the step it takes (if it changes anything); `steps` receives
/// any step that must come before it.
fn operation(
    op: &Mogr2Op,
    canvas: &mut Canvas,
    background: Rgb,
    limits: &Limits,
    steps: &mut Vec<Step>,
) -> Result<Option<Step>, PlanError> {
    let (w, h) = canvas.dims();
    let step = match *op {
        Mogr2Op::Thumbnail(t) => return thumbnail(t, canvas, background, limits, steps),
        Mogr2Op::Cut(c) => {
            let rect = geometry::clip(
                (i64::from(w), i64::from(h)),
                i64::from(c.dx),
                i64::from(c.dy),
                i64::from(c.size.width),
                i64::from(c.size.height),
            )
            .ok_or_else(|| outside("cut", w, h))?;
            crop_to(rect, canvas, limits)?
        }
        Mogr2Op::Crop(c) => {
            let size = match c.size {
                CropSize::Width(cw) => (cw, h),
                CropSize::Height(ch) => (w, ch),
                CropSize::Both(s) => (s.width, s.height),
            };
            let gravity = c.gravity.unwrap_or(Gravity::NorthWest);
            let rect =
                geometry::place((w, h), size, gravity, i64::from(c.dx.unwrap_or(0)), i64::from(c.dy.unwrap_or(0)))
                    .ok_or_else(|| outside("crop", w, h))?;
            crop_to(rect, canvas, limits)?
        }
        Mogr2Op::IRadius(r) => {
            let (rect, radius) = geometry::circle((w, h), r);
            canvas.resize_to((rect.width, rect.height), limits)?;
            Some(Step::Circle { rect, radius })
        }
        Mogr2Op::RRadius(r) => {
            let radius = r.min(w.min(h) / 2);
            (radius > 0).then_some(Step::RoundCorners { radius })
        }
        Mogr2Op::SCrop(s) => {
            canvas.resize_to((s.width, s.height), limits)?;
            Some(Step::FaceCrop { width: s.width, height: s.height })
        }
        Mogr2Op::Rotate(degrees) => {
            let degrees = degrees % 360;
            let (width, height) = geometry::rotated((w, h), degrees);
            canvas.resize_to((width, height), limits)?;
            (degrees != 0).then_some(Step::Rotate { degrees, width, height, background })
        }
        Mogr2Op::AutoOrient => {
            let orientation = std::mem::take(&mut canvas.orientation);
            if orientation.swaps_sides() {
                canvas.resize_to((h, w), limits)?;
            }
            (orientation != Orientation::TopLeft).then_some(Step::Orient { orientation })
        }
        Mogr2Op::Flip(axis) => Some(Step::Flip { vertical: axis == Flip::Vertical }),
        Mogr2Op::Blur(b) => Some(Step::Blur { radius: b.radius, sigma: b.sigma.to_f64() }),
        Mogr2Op::Bright(amount) => (amount != 0).then_some(Step::Bright { amount }),
        Mogr2Op::Contrast(amount) => (amount != 0).then_some(Step::Contrast { amount }),
        Mogr2Op::Sharpen(amount) => Some(Step::Sharpen { amount }),
        Mogr2Op::Grayscale(on) => on.then_some(Step::Grayscale),
    };
    Ok(step)
}

/// The error of a cut or crop that leaves nothing of the image.
fn outside(op: &str, w: u32, h: u32) -> PlanError {
    PlanError::InvalidParameter(format!("the {op} region lies outside the {w}x{h} image"))
}

/// A crop step to `rect`, or none when it keeps the whole canvas.
fn crop_to(rect: Rect, canvas: &mut Canvas, limits: &Limits) -> Result<Option<Step>, PlanError> {
    if (rect.x, rect.y, rect.width, rect.height) == (0, 0, canvas.width, canvas.height) {
        return Ok(None);
    }
    canvas.resize_to((rect.width, rect.height), limits)?;
    Ok(Some(Step::Crop(rect)))
}

/// `thumbnail` with its `pad`: a resize, then (with `pad/1`) the box around it.
fn thumbnail(
    t: Thumbnail,
    canvas: &mut Canvas,
    background: Rgb,
    limits: &Limits,
    steps: &mut Vec<Step>,
) -> Result<Option<Step>, PlanError> {
    let (tw, th) = geometry::thumbnail(canvas.dims(), t.geometry);
    if let Some(resize) = resize_to((tw, th), canvas, limits)? {
        steps.push(resize);
    }
    let Some((bw, bh)) = geometry::pad_box(t.geometry).filter(|_| t.pad == Some(true)) else {
        return Ok(None);
    };
    let (width, height) = (bw.max(tw), bh.max(th));
    if (width, height) == (tw, th) {
        return Ok(None);
    }
    canvas.resize_to((width, height), limits)?;
    Ok(Some(Step::Pad { width, height, x: (width - tw) / 2, y: (height - th) / 2, color: background }))
}

/// A resize step to `target`, or none when the canvas has that size already.
fn resize_to(target: Dims, canvas: &mut Canvas, limits: &Limits) -> Result<Option<Step>, PlanError> {
    if target == canvas.dims() {
        return Ok(None);
    }
    canvas.resize_to(target, limits)?;
    Ok(Some(Step::Resize { width: target.0, height: target.1 }))
}

/// `imageView2/<mode>`; modes only ever shrink ("scaled down" in every mode of the spec).
fn view2(v: &View2, probe: &Probe, canvas: &mut Canvas, limits: &Limits) -> Result<StagePlan, PlanError> {
    let format = match v.format {
        Some(f) => OutputFormat::requested(f, probe.format)?,
        None => canvas.format,
    };
    canvas.frames = frames_kept(canvas.frames, format, None);
    let mut steps = Vec::new();
    let input = canvas.dims();
    let (target, crop) = view2_geometry(v, input);
    if let Some(resize) = resize_to(target, canvas, limits)? {
        steps.push(resize);
    }
    if let Some((cw, ch)) = crop {
        let rect = geometry::place(canvas.dims(), (cw.min(target.0), ch.min(target.1)), Gravity::Center, 0, 0);
        if let Some(step) = rect.map(|r| crop_to(r, canvas, limits)).transpose()?.flatten() {
            steps.push(step);
        }
    }
    let options = OutputOptions {
        format: v.format,
        quality: v.quality,
        rquality: v.rquality,
        lquality: v.lquality,
        ..OutputOptions::default()
    };
    let output = encode(&options, format, canvas);
    Ok(StagePlan { steps, output })
}

/// The size an `imageView2` mode scales `input` to, and the centred crop after it (modes 1
/// and 5).
pub(crate) fn view2_geometry(v: &View2, input: Dims) -> (Dims, Option<Dims>) {
    let (w, h) = input;
    let square = v.width.or(v.height).zip(v.height.or(v.width));
    match v.mode {
        2 => (
            match (v.width, v.height) {
                (Some(bw), Some(bh)) => shrink_only(input, geometry::fit(input, (bw, bh))),
                (Some(bw), None) => shrink_only(input, (bw, geometry::scale_side(h, bw.into(), w.into()))),
                (None, Some(bh)) => shrink_only(input, (geometry::scale_side(w, bh.into(), h.into()), bh)),
                (None, None) => input,
            },
            None,
        ),
        1 | 3 => match square {
            Some(boxed) => (shrink_only(input, geometry::cover(input, boxed)), (v.mode == 1).then_some(boxed)),
            None => (input, None),
        },
        _ => match square {
            Some((long, short)) => {
                let boxed = if w >= h { (long, short) } else { (short, long) };
                (shrink_only(input, geometry::cover(input, boxed)), (v.mode == 5).then_some(boxed))
            }
            None => (input, None),
        },
    }
}

/// `target` if it is no larger than `input`, else `input` (no enlarging).
fn shrink_only(input: Dims, target: Dims) -> Dims {
    if target.0 > input.0 || target.1 > input.1 { input } else { target }
}

/// `watermark/1`, `/2`, `/3`: placed at execution; blind marks refuse animations.
fn watermark(mark: &Watermark, canvas: &mut Canvas) -> Result<StagePlan, PlanError> {
    if matches!(mark, Watermark::Blind(_)) && canvas.frames > 1 {
        return Err(PlanError::InvalidParameter("a blind watermark cannot be added to an animated image".into()));
    }
    check_object_url(mark)?;
    let steps = vec![Step::Watermark { mark: mark.clone() }];
    let output = encode(&OutputOptions::default(), canvas.format, canvas);
    Ok(StagePlan { steps, output })
}

/// Refuses a watermark stage whose object URL is malformed or leaves the bucket.
fn check_object_url(mark: &Watermark) -> Result<(), PlanError> {
    match object_url(mark) {
        Some(url) => ObjectUrl::parse(url).map(drop).map_err(PlanError::InvalidUrl),
        None => Ok(()),
    }
}

/// The URL of the object a watermark stage draws on, if any.
pub fn object_url(mark: &Watermark) -> Option<&str> {
    match mark {
        Watermark::Image(m) => Some(&m.image),
        Watermark::Text(_) | Watermark::Blind(BlindMark::Text { .. }) | Watermark::Extract(BlindExtract::Text) => None,
        Watermark::Blind(BlindMark::SemiBlind { image } | BlindMark::Blind { image, .. }) => Some(image),
        Watermark::Extract(BlindExtract::SemiBlind { original: url } | BlindExtract::Blind { watermark: url }) => {
            Some(url)
        }
    }
}

/// How to decode: pixels at all, which frames, and at what size (JPEG shrink-on-load; SVG
/// rendered straight at the first resize's size).
pub(crate) fn input_plan(probe: &Probe, stages: &[StagePlan]) -> InputPlan {
    let (width, height) = probe.decoded_size();
    let first = stages.first();
    let report_only = first.and_then(|s| s.output.report.as_ref());
    // svgc rewrites the document without drawing it.
    let svgc = stages.iter().any(|s| s.output.format == OutputFormat::Svgc);
    let decode = !svgc && !matches!(report_only, Some(Report::ImageInfo | Report::Exif | Report::ImageInspect));
    // The stage whose result is encoded: the last one, or the one a report reads (a report
    // after an image stage reports on that stage's encoded result, every frame of it).
    let encoded = stages.iter().take_while(|s| s.output.report.is_none()).last().map(|s| &s.output);
    let decode_frames = match encoded {
        _ if !decode => 0,
        Some(output) if output.frames > 1 => probe.frames.max(1),
        _ => 1,
    };
    let first_resize = first.filter(|_| report_only.is_none()).and_then(|s| first_resize(&s.steps));
    let shrink_on_load = match (probe.format, report_only) {
        (ImageFormat::Jpeg, Some(Report::ImageAve)) => 8,
        (ImageFormat::Jpeg, None) => first_resize.map_or(1, |need| jpeg_shrink(probe, need)),
        _ => 1,
    };
    let (decode_width, decode_height) = match (probe.format, first_resize) {
        (ImageFormat::Svg, Some(target)) => target,
        _ => (width.div_ceil(u32::from(shrink_on_load)), height.div_ceil(u32::from(shrink_on_load))),
    };
    InputPlan {
        format: probe.format,
        width,
        height,
        frames: probe.frames,
        decode_frames,
        shrink_on_load,
        decode_width,
        decode_height,
        quality: probe.jpeg_quality,
        decode,
    }
}

/// The size the first resize needs from the decoder, in the decoder's orientation, when the
/// first stage starts with a resize (after frame reduction and orientation, which do not
/// change what the resize needs).
fn first_resize(steps: &[Step]) -> Option<Dims> {
    let mut swaps = false;
    for step in steps {
        match step {
            Step::ReduceFrames { .. } => {}
            Step::Orient { orientation } => swaps = orientation.swaps_sides(),
            Step::Resize { width, height } => return Some(if swaps { (*height, *width) } else { (*width, *height) }),
            _ => return None,
        }
    }
    None
}

/// The largest JPEG scale denominator (8, 4, 2) whose decode still covers `need`; 1 if none.
fn jpeg_shrink(probe: &Probe, (need_w, need_h): Dims) -> u8 {
    [8u8, 4, 2]
        .into_iter()
        .find(|&s| probe.width.div_ceil(u32::from(s)) >= need_w && probe.height.div_ceil(u32::from(s)) >= need_h)
        .unwrap_or(1)
}

/// Predicted peak memory: the input bytes plus, at the worst step, the canvas it reads and
/// the canvas it writes, for every decoded frame. (Watermark images and text are small next
/// to the canvas and not counted.)
pub(crate) fn peak_bytes(probe: &Probe, input: &InputPlan, stages: &[StagePlan]) -> u64 {
    if !input.decode {
        return probe.byte_len;
    }
    let pixels = |(w, h): Dims| u64::from(w) * u64::from(h);
    let mut current = (input.decode_width, input.decode_height);
    let mut peak = pixels(current);
    for step in stages.iter().flat_map(|s| &s.steps) {
        let next = step.size_after(current);
        peak = peak.max(pixels(current) + pixels(next));
        current = next;
    }
    let frames = u64::from(input.decode_frames.max(1));
    probe.byte_len.saturating_add(peak.saturating_mul(BYTES_PER_PIXEL).saturating_mul(frames))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(mode: u8, width: Option<u32>, height: Option<u32>) -> View2 {
        View2 { mode, width, height, format: None, quality: None, rquality: None, lquality: None }
    }

    #[test]
    fn view2_follows_the_spec_examples() {
        let input = (1000, 500);
        assert_eq!(view2_geometry(&view(1, Some(500), Some(400)), input), ((800, 400), Some((500, 400))));
        assert_eq!(view2_geometry(&view(2, Some(500), Some(400)), input), ((500, 250), None));
        assert_eq!(view2_geometry(&view(3, Some(500), Some(400)), input), ((800, 400), None));
    }

    #[test]
    fn view2_one_value_forms() {
        let input = (1000, 500);
        // Modes 1 and 3: a square box.
        assert_eq!(view2_geometry(&view(1, Some(300), None), input), ((600, 300), Some((300, 300))));
        // Mode 2: that side limited, the other in proportion.
        assert_eq!(view2_geometry(&view(2, None, Some(100)), input), ((200, 100), None));
        // Modes 4 and 5: long and short edges; a portrait input swaps the box.
        assert_eq!(view2_geometry(&view(4, Some(400), Some(100)), (500, 1000)), ((200, 400), None));
        assert_eq!(view2_geometry(&view(5, Some(400), Some(100)), (500, 1000)), ((200, 400), Some((100, 400))));
    }

    #[test]
    fn view2_never_enlarges() {
        assert_eq!(view2_geometry(&view(2, Some(5000), Some(4000)), (1000, 500)), ((1000, 500), None));
        assert_eq!(view2_geometry(&view(1, Some(2000), Some(200)), (1000, 500)), ((1000, 500), Some((2000, 200))));
    }

    #[test]
    fn cgif_keeps_frames_for_gif_only() {
        assert_eq!(frames_kept(100, OutputFormat::Gif, Some(1)), 30);
        assert_eq!(frames_kept(10, OutputFormat::Gif, Some(1)), 10);
        assert_eq!(frames_kept(100, OutputFormat::Gif, Some(50)), 50);
        assert_eq!(frames_kept(100, OutputFormat::Webp, Some(50)), 100);
        assert_eq!(frames_kept(100, OutputFormat::Jpeg, None), 1);
    }
}
