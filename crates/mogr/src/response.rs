//! What processing answers: the body and what a server needs to send it (MIME type, format,
//! dimensions, frame count, quality), taken from the executor's output and the plan.

use crate::{exec, plan};

/// The file extension, without the dot, of an output in `format`, or of a report (`None`):
/// what [`Response::extension`] answers, for callers that know the format from a plan.
///
/// ```
/// use mogr::plan::OutputFormat;
/// assert_eq!(mogr::file_extension(Some(OutputFormat::Jpeg)), "jpg");
/// assert_eq!(mogr::file_extension(Some(OutputFormat::Svgc)), "svg");
/// assert_eq!(mogr::file_extension(None), "json");
/// ```
pub fn file_extension(format: Option<plan::OutputFormat>) -> &'static str {
    match format {
        Some(plan::OutputFormat::Svgc) => "svg",
        Some(format) => format.name(),
        None => "json",
    }
}

/// What processing answers: the body and what it is.
///
/// ```
/// let engine = mogr::Engine::new()?;
/// // A 1x1 GIF.
/// let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
/// let png = engine.process(gif, "imageMogr2/thumbnail/4x/format/png")?;
/// assert_eq!((png.mime_type, png.extension()), ("image/png", "png"));
/// assert_eq!((png.width, png.height, png.frames), (4, 4, 1));
/// assert_eq!(png.len(), png.body.len());
///
/// let info = engine.process(gif, "imageInfo")?;
/// assert_eq!((info.mime_type, info.format, info.extension()), ("application/json", None, "json"));
/// # Ok::<(), mogr::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Response {
    /// The image (or JSON report) bytes.
    pub body: Vec<u8>,
    /// Its MIME type (`image/webp`, `application/json`, ...).
    pub mime_type: &'static str,
    /// The image format, `None` for a JSON report.
    pub format: Option<plan::OutputFormat>,
    /// Width of the image (0 for a report).
    pub width: u32,
    /// Height of the image (0 for a report).
    pub height: u32,
    /// Frames of the image as written (1 for a still image, 0 for a report). For an animated
    /// WebP this can be fewer than the plan's frames: libwebp folds a frame that does not change
    /// the picture into the previous frame's duration (30 planned frames of a GIF whose frames
    /// repeat can be written as 9), so the count is read back from the encoded bytes.
    pub frames: u32,
    /// The quality the plan asked the encoder for, in lossy formats (`None` for lossless
    /// output and reports). `size-limit` may have gone lower to fit the size.
    pub quality: Option<u8>,
}

impl Response {
    /// The body's size in bytes (see the example on [`Response`]).
    pub fn len(&self) -> usize {
        self.body.len()
    }

    /// Whether the body is empty (never for a successful image; kept for completeness; see
    /// the example on [`Response`]).
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The file extension for the body, without the dot: `jpg`, `png`, `gif`, `webp`, `bmp`,
    /// `avif`, `heif`, `heic`, `svg` (for `svgc`), or `json` for a report (see the example on
    /// [`Response`]).
    pub fn extension(&self) -> &'static str {
        file_extension(self.format)
    }

    /// The response of `output`, which ran `planned`.
    pub(crate) fn new(output: exec::Output, planned: &plan::plan::OutputPlan) -> Response {
        let as_planned = output.format == Some(planned.format);
        Response {
            body: output.bytes,
            mime_type: output.mime_type,
            format: output.format,
            width: output.width,
            height: output.height,
            frames: output.frames,
            quality: planned.quality.filter(|_| as_planned),
        }
    }

    /// A JSON report.
    pub(crate) fn report(body: Vec<u8>) -> Response {
        Response { body, mime_type: "application/json", format: None, width: 0, height: 0, frames: 0, quality: None }
    }
}
