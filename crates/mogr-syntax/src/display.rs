//! The canonical form: `Display` for every AST type.
//!
//! One spelling per tree, so that equal trees print equal strings (usable as cache keys) and
//! `parse(&tree.to_string()) == Ok(tree)`:
//!
//! - keywords in the spelling of the keyword tables (formats and gravities in lower case);
//! - `imageMogr2`: operations in the order written, each `thumbnail` followed by its `pad` and
//!   each `crop` by its `gravity`, `dx`, `dy`; then `color`; then the output options in the
//!   order of the `Mogr2Key` table;
//! - `imageView2` and watermarks: parameters in table order;
//! - base64 values re-encoded URL-safe without padding; numbers without leading zeros;
//!   decimals without trailing zeros.

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::*;
use crate::keywords::{MarkKey, Mogr2Key, StageKey, View2Key};
use crate::lex::encode_base64;

impl Display for Pipeline {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, stage) in self.stages.iter().enumerate() {
            if i > 0 {
                f.write_char('|')?;
            }
            stage.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for Stage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Stage::ImageMogr2(m) => write!(f, "{}{m}", StageKey::ImageMogr2),
            Stage::ImageView2(v) => write!(f, "{}{v}", StageKey::ImageView2),
            Stage::Watermark(w) => write!(f, "{}{w}", StageKey::Watermark),
            Stage::ImageInfo => StageKey::ImageInfo.fmt(f),
            Stage::Exif => StageKey::Exif.fmt(f),
            Stage::ImageAve => StageKey::ImageAve.fmt(f),
            Stage::Style(name) => write!(f, "{}/{name}", StageKey::Style),
            Stage::ImageInspect => write!(f, "{}={}", crate::query::CI_PROCESS, crate::query::IMAGE_INSPECT),
        }
    }
}

/// Writes `/key/value`.
fn param(f: &mut Formatter<'_>, key: impl Display, value: impl Display) -> fmt::Result {
    write!(f, "/{key}/{value}")
}

/// Writes `/key/value` when the value is present.
fn opt_param<T: Display>(f: &mut Formatter<'_>, key: impl Display, value: &Option<T>) -> fmt::Result {
    match value {
        Some(v) => param(f, key, v),
        None => Ok(()),
    }
}

/// A flag's value: `1` or `0`.
fn bit(on: bool) -> u8 {
    u8::from(on)
}

/// Writes a bool-valued parameter when present.
fn opt_flag(f: &mut Formatter<'_>, key: impl Display, value: Option<bool>) -> fmt::Result {
    opt_param(f, key, &value.map(bit))
}

/// A value shown as URL-safe base64.
struct Base64<'a>(&'a [u8]);

impl Display for Base64<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_base64(self.0))
    }
}

impl Display for Mogr2 {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for op in &self.ops {
            op.fmt(f)?;
        }
        if let Some(color) = &self.color {
            param(f, Mogr2Key::Color, color.base64())?;
        }
        self.output.fmt(f)
    }
}

impl Display for OutputOptions {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        opt_param(f, Mogr2Key::Format, &self.format)?;
        opt_param(f, Mogr2Key::Cgif, &self.cgif)?;
        opt_flag(f, Mogr2Key::Interlace, self.interlace)?;
        opt_param(f, Mogr2Key::Quality, &self.quality)?;
        opt_param(f, Mogr2Key::RQuality, &self.rquality)?;
        opt_param(f, Mogr2Key::LQuality, &self.lquality)?;
        if self.strip {
            write!(f, "/{}", Mogr2Key::Strip)?;
        }
        opt_param(f, Mogr2Key::SizeLimit, &self.size_limit)?;
        opt_flag(f, Mogr2Key::IgnoreError, self.ignore_error)
    }
}

impl Display for Mogr2Op {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Mogr2Op::Thumbnail(t) => {
                param(f, Mogr2Key::Thumbnail, t.geometry)?;
                opt_flag(f, Mogr2Key::Pad, t.pad)
            }
            Mogr2Op::Cut(c) => write!(f, "/{}/{}x{}x{}x{}", Mogr2Key::Cut, c.size.width, c.size.height, c.dx, c.dy),
            Mogr2Op::Crop(c) => {
                param(f, Mogr2Key::Crop, c.size)?;
                opt_param(f, Mogr2Key::Gravity, &c.gravity)?;
                opt_param(f, Mogr2Key::Dx, &c.dx)?;
                opt_param(f, Mogr2Key::Dy, &c.dy)
            }
            Mogr2Op::IRadius(r) => param(f, Mogr2Key::IRadius, r),
            Mogr2Op::RRadius(r) => param(f, Mogr2Key::RRadius, r),
            Mogr2Op::SCrop(s) => param(f, Mogr2Key::SCrop, s),
            Mogr2Op::Rotate(d) => param(f, Mogr2Key::Rotate, d),
            Mogr2Op::AutoOrient => write!(f, "/{}", Mogr2Key::AutoOrient),
            Mogr2Op::Flip(axis) => param(f, Mogr2Key::Flip, axis),
            Mogr2Op::Blur(b) => write!(f, "/{}/{}x{}", Mogr2Key::Blur, b.radius, b.sigma),
            Mogr2Op::Bright(v) => param(f, Mogr2Key::Bright, v),
            Mogr2Op::Contrast(v) => param(f, Mogr2Key::Contrast, v),
            Mogr2Op::Sharpen(v) => param(f, Mogr2Key::Sharpen, v),
            Mogr2Op::Grayscale(on) => param(f, Mogr2Key::Grayscale, bit(*on)),
        }
    }
}

impl Display for Size {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

impl Display for Geometry {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Geometry::Percent(p) => write!(f, "!{p}p"),
            Geometry::WidthPercent(p) => write!(f, "!{p}px"),
            Geometry::HeightPercent(p) => write!(f, "!x{p}p"),
            Geometry::Width(w) => write!(f, "{w}x"),
            Geometry::Height(h) => write!(f, "x{h}"),
            Geometry::Fit(s) => write!(f, "{s}"),
            Geometry::Shrink(s) => write!(f, "{s}>"),
            Geometry::Enlarge(s) => write!(f, "{s}<"),
            Geometry::Cover(s) => write!(f, "!{s}r"),
            Geometry::Exact(s) => write!(f, "{s}!"),
            Geometry::Area(a) => write!(f, "{a}@"),
        }
    }
}

impl Display for CropSize {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CropSize::Width(w) => write!(f, "{w}x"),
            CropSize::Height(h) => write!(f, "x{h}"),
            CropSize::Both(s) => s.fmt(f),
        }
    }
}

impl Display for Decimal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let whole = self.thousandths / 1000;
        let fraction = self.thousandths % 1000;
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{fraction:03}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl Display for Quality {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.value, if self.forced { "!" } else { "" })
    }
}

impl Display for SizeLimit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.amount, self.unit, if self.keep_smaller_input { "!" } else { "" })
    }
}

impl Rgb {
    /// The colour as written before encoding: `#RRGGBB` in upper-case hex.
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }

    /// The colour's canonical encoded value: URL-safe base64 of [`hex`](Self::hex).
    pub fn base64(self) -> String {
        encode_base64(self.hex().as_bytes())
    }
}

impl Display for Rgb {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl Display for View2 {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "/{}", self.mode)?;
        opt_param(f, View2Key::Width, &self.width)?;
        opt_param(f, View2Key::Height, &self.height)?;
        opt_param(f, View2Key::Format, &self.format)?;
        opt_param(f, View2Key::Quality, &self.quality)?;
        opt_param(f, View2Key::RQuality, &self.rquality)?;
        opt_param(f, View2Key::LQuality, &self.lquality)
    }
}

impl Display for Watermark {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Watermark::Image(m) => write!(f, "/1{m}"),
            Watermark::Text(m) => write!(f, "/2{m}"),
            Watermark::Blind(m) => write!(f, "/3{m}"),
            Watermark::Extract(m) => write!(f, "/4{m}"),
        }
    }
}

impl Display for Placement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        opt_param(f, MarkKey::Gravity, &self.gravity)?;
        opt_param(f, MarkKey::Dx, &self.dx)?;
        opt_param(f, MarkKey::Dy, &self.dy)
    }
}

impl Display for ImageMark {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        param(f, MarkKey::Image, Base64(self.image.as_bytes()))?;
        self.placement.fmt(f)?;
        opt_param(f, MarkKey::Blogo, &self.blogo)?;
        if let Some(scale) = &self.scale {
            param(f, MarkKey::ScaType, scale.kind.number())?;
            param(f, MarkKey::Spcent, scale.permille)?;
        }
        opt_param(f, MarkKey::Dissolve, &self.dissolve)?;
        opt_flag(f, MarkKey::Batch, self.tiling.batch)?;
        opt_param(f, MarkKey::Degree, &self.tiling.degree)
    }
}

impl Display for TextMark {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        param(f, MarkKey::Text, Base64(self.text.as_bytes()))?;
        opt_param(f, MarkKey::Font, &self.font.as_ref().map(|font| Base64(font.as_bytes())))?;
        opt_param(f, MarkKey::FontSize, &self.font_size)?;
        opt_param(f, MarkKey::Fill, &self.fill.map(Rgb::base64))?;
        opt_param(f, MarkKey::Dissolve, &self.dissolve)?;
        self.placement.fmt(f)?;
        opt_flag(f, MarkKey::Batch, self.tiling.batch)?;
        opt_param(f, MarkKey::Degree, &self.tiling.degree)?;
        opt_param(f, MarkKey::Shadow, &self.shadow)
    }
}

impl Display for BlindMark {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            BlindMark::SemiBlind { image } => {
                param(f, MarkKey::Type, 1)?;
                param(f, MarkKey::Image, Base64(image.as_bytes()))
            }
            BlindMark::Blind { image, level } => {
                param(f, MarkKey::Type, 2)?;
                param(f, MarkKey::Image, Base64(image.as_bytes()))?;
                opt_param(f, MarkKey::Level, level)
            }
            BlindMark::Text { text } => {
                param(f, MarkKey::Type, 3)?;
                param(f, MarkKey::Text, Base64(text.as_bytes()))
            }
        }
    }
}

impl Display for BlindExtract {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            BlindExtract::SemiBlind { original } => {
                param(f, MarkKey::Type, 1)?;
                param(f, MarkKey::Image, Base64(original.as_bytes()))
            }
            BlindExtract::Blind { watermark } => {
                param(f, MarkKey::Type, 2)?;
                param(f, MarkKey::Image, Base64(watermark.as_bytes()))
            }
            BlindExtract::Text => param(f, MarkKey::Type, 3),
        }
    }
}
