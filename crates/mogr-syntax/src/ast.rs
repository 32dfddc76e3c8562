//! The typed syntax tree: what a rule string says, with every value decoded and range-checked.
//!
//! The tree records what was written, not what it will do to a particular image: optional
//! parameters stay `None` when absent (the planner applies defaults), and nothing here depends
//! on the image. Its `Display` impls (in `display.rs`) print the canonical form.

pub use crate::keywords::{Flip, Format, Gravity, SizeUnit};

/// The most stages a pipeline may have (`a|b|…`), as the spec states.
pub const MAX_STAGES: usize = 10;

/// A whole processing rule: one or more stages separated by `|`, applied in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// The stages, 1 to [`MAX_STAGES`].
    pub stages: Vec<Stage>,
}

/// One stage of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `imageMogr2/...`
    ImageMogr2(Mogr2),
    /// `imageView2/<mode>/...`
    ImageView2(View2),
    /// `watermark/<1-4>/...`
    Watermark(Watermark),
    /// `imageInfo`: the image's basic information as JSON.
    ImageInfo,
    /// `exif`: the image's EXIF data as JSON.
    Exif,
    /// `imageAve`: the image's average colour as JSON.
    ImageAve,
    /// `style/<name>`: a style stored with the bucket, expanded by the engine.
    Style(String),
    /// `ci-process=ImageInspect`: detect files hidden in an image (a query of its own).
    ImageInspect,
}

impl Stage {
    /// Whether this stage answers with a report (JSON) rather than an image; such a stage can
    /// only end a pipeline.
    pub fn is_report(&self) -> bool {
        matches!(
            self,
            Stage::ImageInfo
                | Stage::Exif
                | Stage::ImageAve
                | Stage::ImageInspect
                | Stage::Watermark(Watermark::Extract(_))
        )
    }
}

/// An `imageMogr2` stage: image operations in the order written, then settings that apply to
/// the stage as a whole wherever they stand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mogr2 {
    /// Image operations, applied in the order written.
    pub ops: Vec<Mogr2Op>,
    /// `color/<base64 #RRGGBB>`: the fill colour for `pad` (and for areas that turn
    /// transparent in a format without alpha). The default is white.
    pub color: Option<Rgb>,
    /// How the stage's result is encoded.
    pub output: OutputOptions,
}

/// The `imageMogr2` settings that shape the encoded output rather than the pixels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputOptions {
    /// `format/<name>`: the output format (default: the input's).
    pub format: Option<Format>,
    /// `cgif/<1..100>`: reduce an animated GIF to this many frames (1 means 30).
    pub cgif: Option<u8>,
    /// `interlace/<0|1>`: progressive JPEG.
    pub interlace: Option<bool>,
    /// `quality/<0..100>[!]`: absolute quality.
    pub quality: Option<Quality>,
    /// `rquality/<0..100>`: quality relative to the input's.
    pub rquality: Option<u8>,
    /// `lquality/<0..100>`: the lowest quality.
    pub lquality: Option<u8>,
    /// `strip`: drop metadata.
    pub strip: bool,
    /// `size-limit/<n><k|m>[!]`: the largest output.
    pub size_limit: Option<SizeLimit>,
    /// `ignore-error/<0|1>`: return the input unchanged when a limit is exceeded.
    pub ignore_error: Option<bool>,
}

/// An image operation of an `imageMogr2` stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mogr2Op {
    /// `thumbnail/<geometry>` with its `pad`.
    Thumbnail(Thumbnail),
    /// `cut/<W>x<H>x<DX>x<DY>`: a rectangle from the top-left corner.
    Cut(Cut),
    /// `crop/<geometry>` with its `gravity`, `dx` and `dy`.
    Crop(Crop),
    /// `iradius/<r>`: crop to the inscribed circle of this radius.
    IRadius(u32),
    /// `rradius/<r>`: round the corners with this radius.
    RRadius(u32),
    /// `scrop/<W>x<H>`: scale and crop around the faces in the image.
    SCrop(Size),
    /// `rotate/<0..360>`: clockwise degrees.
    Rotate(u16),
    /// `auto-orient`: apply the EXIF orientation.
    AutoOrient,
    /// `flip/<vertical|horizontal>`
    Flip(Flip),
    /// `blur/<radius>x<sigma>`: Gaussian blur.
    Blur(Blur),
    /// `bright/<-100..100>`
    Bright(i8),
    /// `contrast/<-100..100>`
    Contrast(i8),
    /// `sharpen/<10..300>`
    Sharpen(u16),
    /// `grayscale/<0|1>`
    Grayscale(bool),
}

/// A width and a height, both at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// `thumbnail/<geometry>` and its `pad/<0|1>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    /// How the size is given.
    pub geometry: Geometry,
    /// `pad/<0|1>`: fill the rest of a `WxH` box with the stage's colour.
    pub pad: Option<bool>,
}

/// The thumbnail geometries of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Geometry {
    /// `!<N>p`: scale both sides to N percent.
    Percent(u16),
    /// `!<N>px`: scale the width to N percent, keep the height.
    WidthPercent(u16),
    /// `!x<N>p`: scale the height to N percent, keep the width.
    HeightPercent(u16),
    /// `<W>x`: this width, height in proportion.
    Width(u32),
    /// `x<H>`: this height, width in proportion.
    Height(u32),
    /// `<W>x<H>`: the largest size that fits in the box.
    Fit(Size),
    /// `<W>x<H>>`: fit in the box, only ever shrinking.
    Shrink(Size),
    /// `<W>x<H><`: fit in the box, only ever enlarging.
    Enlarge(Size),
    /// `!<W>x<H>r`: the smallest size that covers the box.
    Cover(Size),
    /// `<W>x<H>!`: exactly this size, ignoring the aspect ratio.
    Exact(Size),
    /// `<Area>@`: the largest size with at most this many pixels.
    Area(u32),
}

/// The largest percentage a thumbnail scale accepts.
pub const MAX_PERCENT: u16 = 1000;

/// `cut/<W>x<H>x<DX>x<DY>`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The rectangle's size.
    pub size: Size,
    /// Offset from the left edge.
    pub dx: u32,
    /// Offset from the top edge.
    pub dy: u32,
}

/// `crop/<geometry>` with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crop {
    /// Which sides are cut to what.
    pub size: CropSize,
    /// `gravity/<name>`: the reference point (the planner's default is northwest).
    pub gravity: Option<Gravity>,
    /// `dx/<n>`: horizontal offset from the reference point.
    pub dx: Option<i32>,
    /// `dy/<n>`: vertical offset from the reference point.
    pub dy: Option<i32>,
}

/// The three forms of a crop size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CropSize {
    /// `<W>x`: this width, the full height.
    Width(u32),
    /// `x<H>`: this height, the full width.
    Height(u32),
    /// `<W>x<H>`
    Both(Size),
}

/// `blur/<radius>x<sigma>`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blur {
    /// Radius in pixels, 1 to 50.
    pub radius: u8,
    /// Standard deviation, greater than 0.
    pub sigma: Decimal,
}

/// A non-negative decimal with at most [`Decimal::MAX_FRACTION_DIGITS`] fraction digits,
/// stored exactly as thousandths so that it compares and prints without rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal {
    /// The value times 1000.
    pub thousandths: u64,
}

impl Decimal {
    /// Fraction digits a decimal may have.
    pub const MAX_FRACTION_DIGITS: usize = 3;

    /// The value as a float (exact for every value a rule can hold below 2^53 / 1000).
    pub fn to_f64(self) -> f64 {
        self.thousandths as f64 / 1000.0
    }
}

/// `quality/<n>[!]`, `q/<n>[!]`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quality {
    /// 0 to 100.
    pub value: u8,
    /// `!`: use this value even above the input's quality.
    pub forced: bool,
}

/// `size-limit/<n><k|m>[!]`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SizeLimit {
    /// How many units.
    pub amount: u32,
    /// Kilobytes or megabytes.
    pub unit: SizeUnit,
    /// `!`: return the input when it is smaller than the output.
    pub keep_smaller_input: bool,
}

impl SizeLimit {
    /// The limit in bytes.
    pub fn bytes(self) -> u64 {
        u64::from(self.amount) * self.unit.bytes()
    }
}

/// A colour written as `#RRGGBB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

/// `imageView2/<mode>/w/<W>/h/<H>/format/<F>/q/<Q>/rq/<Q>/lq/<Q>`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View2 {
    /// 1 to 5: 1 cover then centre-crop, 2 fit, 3 cover, 4 long/short edge minimum,
    /// 5 long/short edge then centre-crop.
    pub mode: u8,
    /// `w/<n>` (for modes 4 and 5, the long edge).
    pub width: Option<u32>,
    /// `h/<n>` (for modes 4 and 5, the short edge).
    pub height: Option<u32>,
    /// `format/<name>`
    pub format: Option<Format>,
    /// `q/<0..100>[!]`
    pub quality: Option<Quality>,
    /// `rq/<0..100>`
    pub rquality: Option<u8>,
    /// `lq/<0..100>`
    pub lquality: Option<u8>,
}

/// The watermark stages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watermark {
    /// `watermark/1/...`: an image.
    Image(ImageMark),
    /// `watermark/2/...`: text.
    Text(TextMark),
    /// `watermark/3/...`: add a blind (invisible) watermark.
    Blind(BlindMark),
    /// `watermark/4/...`: extract a blind watermark (answers JSON).
    Extract(BlindExtract),
}

/// Where a visible watermark goes: a point of the 3x3 grid and offsets from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    /// `gravity/<name>` (default southeast).
    pub gravity: Option<Gravity>,
    /// `dx/<n>` in pixels (default 0).
    pub dx: Option<i32>,
    /// `dy/<n>` in pixels (default 0).
    pub dy: Option<i32>,
}

/// Tiling of a visible watermark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tiling {
    /// `batch/<0|1>`: tile over the whole image.
    pub batch: Option<bool>,
    /// `degree/<0..360>`: rotate the tiles (only with `batch/1`).
    pub degree: Option<u16>,
}

/// `watermark/1`: an image watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageMark {
    /// `image/<base64>`: the watermark image's URL, decoded.
    pub image: String,
    /// Position.
    pub placement: Placement,
    /// `blogo/<1|2>`: fit a watermark larger than the image by scaling (1) or cropping (2).
    pub blogo: Option<u8>,
    /// `scatype/<1|2|3>` with `spcent/<permille>`.
    pub scale: Option<MarkScale>,
    /// `dissolve/<1..100>`: opacity in percent (default 90).
    pub dissolve: Option<u8>,
    /// Tiling.
    pub tiling: Tiling,
}

/// `scatype` with `spcent`: the watermark's size relative to the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkScale {
    /// `scatype/<1|2|3>`: by width, by height, or by area.
    pub kind: ScaleKind,
    /// `spcent/<n>`: per mille, 1-1000 (by width or height) or 1-250 (by area).
    pub permille: u16,
}

/// What a watermark's `spcent` is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleKind {
    /// `scatype/1`
    Width,
    /// `scatype/2`
    Height,
    /// `scatype/3`
    Area,
}

impl ScaleKind {
    /// The number written in the rule.
    pub const fn number(self) -> u8 {
        match self {
            ScaleKind::Width => 1,
            ScaleKind::Height => 2,
            ScaleKind::Area => 3,
        }
    }

    /// The largest `spcent` this kind accepts.
    pub const fn max_permille(self) -> u16 {
        match self {
            ScaleKind::Width | ScaleKind::Height => 1000,
            ScaleKind::Area => 250,
        }
    }
}

/// `watermark/2`: a text watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextMark {
    /// `text/<base64>`: the text, decoded.
    pub text: String,
    /// `font/<base64>`: the font name, decoded (default Tahoma).
    pub font: Option<String>,
    /// `fontsize/<pt>` (default 13).
    pub font_size: Option<u32>,
    /// `fill/<base64 #RRGGBB>` (default #3D3D3D).
    pub fill: Option<Rgb>,
    /// `dissolve/<1..100>` (default 90).
    pub dissolve: Option<u8>,
    /// Position.
    pub placement: Placement,
    /// Tiling.
    pub tiling: Tiling,
    /// `shadow/<0..100>` (default 0, no shadow).
    pub shadow: Option<u8>,
}

/// `watermark/3`: add a blind watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlindMark {
    /// `type/1/image/<url>`: semi-blind; extraction needs the original.
    SemiBlind {
        /// The watermark image's URL.
        image: String,
    },
    /// `type/2/image/<url>[/level/<1-3>]`: blind; extraction needs only the watermark.
    Blind {
        /// The watermark image's URL.
        image: String,
        /// Robustness 1-3 (default 1).
        level: Option<u8>,
    },
    /// `type/3/text/<base64>`: a text of letters and digits.
    Text {
        /// The text.
        text: String,
    },
}

/// `watermark/4`: extract a blind watermark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlindExtract {
    /// `type/1/image/<url>`: the URL of the original, unmarked image.
    SemiBlind {
        /// The original image's URL.
        original: String,
    },
    /// `type/2/image/<url>`: the URL of the watermark image.
    Blind {
        /// The watermark image's URL.
        watermark: String,
    },
    /// `type/3`: recover the text.
    Text,
}
