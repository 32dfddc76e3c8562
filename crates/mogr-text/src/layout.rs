//! From lines of text to positioned glyphs and the layout box.
//!
//! Each line is cut into grapheme clusters; each cluster goes to the first font of the chain that
//! has a glyph for all of its characters (a cluster no single font covers is split into its
//! characters). Consecutive clusters on the same font form a run, shaped by rustybuzz: kerning
//! (GPOS or `kern`), ligatures, mark placement and the contextual forms of scripts that need them.
//! Runs are shaped in the direction of their first strong character; there is no bidi reordering
//! across runs.
//!
//! Metrics come from the requested font (the chain's first), from its `hhea` table scaled the
//! way FreeType scales them: ascent = `ceil(ascender × size / unitsPerEm)`, descent =
//! `ceil(−descender × size / unitsPerEm)`. A line is ascent + descent tall (no line gap) and its
//! baseline is ascent below its top, so lines stack as ImageMagick's `label:` stacks them.
//! Line heights and baselines are whole pixels; glyph positions keep their fractions (no
//! hinting), so a line's advance is the sum of the shaped advances, rounded up once.

use std::ops::Range;

use rustybuzz::{UnicodeBuffer, ttf_parser};
use unicode_segmentation::UnicodeSegmentation;

use crate::chain::has_glyph;
use crate::error::TextError;
use crate::lines::is_default_ignorable;
use crate::store::LoadedFont;

/// One font of the chain, parsed for shaping and for outlines.
pub(crate) struct ChainFace<'a> {
    shaper: rustybuzz::Face<'a>,
    /// The same face for ab_glyph.
    pub(crate) outlines: ab_glyph::FontRef<'a>,
    /// ab_glyph's scale for the request's size (ab_glyph scales ascent − descent, not the em).
    pub(crate) scale: ab_glyph::PxScale,
    /// Pixels per font unit at the request's size.
    px_per_unit: f64,
}

/// A glyph and where its origin (on the baseline) goes, in pixels from the layout box's top left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlacedGlyph {
    /// Which face of the chain.
    pub(crate) face: usize,
    /// The glyph's id in that face (never 0, `.notdef`).
    pub(crate) id: u16,
    /// The origin's x.
    pub(crate) x: f64,
    /// The origin's y: the baseline, less any vertical offset from the shaper.
    pub(crate) y: f64,
}

/// The glyphs of all lines and the layout box: widest line's advance by lines × line height.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextLayout {
    pub(crate) glyphs: Vec<PlacedGlyph>,
    pub(crate) width: u64,
    pub(crate) height: u64,
}

/// A run of a line drawn with one face.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    bytes: Range<usize>,
    face: usize,
}

/// The chain's fonts parsed for this size.
pub(crate) fn parse_faces(fonts: &[LoadedFont], size_pt: u32) -> Result<Vec<ChainFace<'_>>, TextError> {
    fonts.iter().map(|font| parse_face(font, size_pt)).collect()
}

fn parse_face(font: &LoadedFont, size_pt: u32) -> Result<ChainFace<'_>, TextError> {
    let bad = |reason: String| TextError::BadFont { file: font.path.display().to_string(), reason };
    let shaper = rustybuzz::Face::from_slice(&font.data, font.index)
        .ok_or_else(|| bad(format!("face {} cannot be shaped", font.index)))?;
    let outlines = ab_glyph::FontRef::try_from_slice_and_index(&font.data, font.index)
        .map_err(|err| bad(format!("face {}: {err}", font.index)))?;
    let units_per_em = u16::try_from(shaper.units_per_em()).unwrap_or(1).max(1);
    let px_per_unit = f64::from(size_pt) / f64::from(units_per_em);
    let scale = em_scale(&outlines, size_pt, units_per_em);
    Ok(ChainFace { shaper, outlines, scale, px_per_unit })
}

/// The ab_glyph scale that makes the em `size_pt` pixels: ab_glyph's `PxScale` is the pixel
/// height of its ascent − descent, so it is `size × (ascent − descent) / unitsPerEm`. (A font
/// with no height would scale to infinity in ab_glyph whatever is passed; its huge or empty
/// pixel boxes are then refused or skipped by the rasteriser.)
fn em_scale(outlines: &ab_glyph::FontRef<'_>, size_pt: u32, units_per_em: u16) -> ab_glyph::PxScale {
    use ab_glyph::Font as _;
    let height = outlines.height_unscaled();
    let height = if height.is_finite() && height > 0.0 { height } else { f32::from(units_per_em) };
    ab_glyph::PxScale::from(size_pt as f32 * height / f32::from(units_per_em))
}

/// Vertical metrics of the requested font, in whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LineMetrics {
    line_height: u64,
    ascent: u64,
}

impl LineMetrics {
    fn of(face: &ttf_parser::Face<'_>, size_pt: u32) -> LineMetrics {
        let (ascender, descender) = vertical_units(face);
        let units_per_em = u128::from(face.units_per_em().max(1));
        let size = u128::from(size_pt);
        let to_pixels = |units: i64| (u128::from(units.max(0).unsigned_abs()) * size).div_ceil(units_per_em);
        // Each fits: 2^15 × 2^32 < 2^48.
        let (ascent, descent) = (to_pixels(ascender), to_pixels(-descender));
        LineMetrics { line_height: saturate(ascent + descent), ascent: saturate(ascent) }
    }
}

fn saturate(value: u128) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// `hhea` ascender and descender as FreeType reads them (OS/2 typo ones if `hhea` has none).
fn vertical_units(face: &ttf_parser::Face<'_>) -> (i64, i64) {
    let hhea = face.tables().hhea;
    if hhea.ascender == 0 && hhea.descender == 0 {
        (face.ascender().into(), face.descender().into())
    } else {
        (hhea.ascender.into(), hhea.descender.into())
    }
}

/// Lays out every line, left-aligned; `size_pt` is the em in pixels.
pub(crate) fn lay_out(faces: &[ChainFace<'_>], lines: &[String], size_pt: u32) -> Result<TextLayout, TextError> {
    let Some(primary) = faces.first() else { return Err(TextError::EmptyText) };
    let metrics = LineMetrics::of(&primary.shaper, size_pt);
    let line_count = u64::try_from(lines.len()).unwrap_or(u64::MAX);
    // Saturating: a height past u32::MAX is refused as too large by the rasteriser anyway.
    let height = line_count.saturating_mul(metrics.line_height);
    let mut glyphs = Vec::new();
    let mut widest = 0.0_f64;
    for (line, top) in lines.iter().zip((0..).map(|row: u64| row.saturating_mul(metrics.line_height))) {
        let baseline = top.saturating_add(metrics.ascent) as f64;
        let advance = lay_out_line(faces, line, baseline, &mut glyphs)?;
        widest = widest.max(advance);
    }
    Ok(TextLayout { glyphs, width: whole_pixels(widest), height })
}

/// The smallest whole number of pixels holding `extent` (saturating; 0 for negative or NaN).
fn whole_pixels(extent: f64) -> u64 {
    let ceiled = extent.ceil();
    if ceiled.is_nan() || ceiled <= 0.0 {
        0
    } else if ceiled >= u64::MAX as f64 {
        u64::MAX
    } else {
        ceiled as u64
    }
}

/// Shapes one line's runs onto `baseline`; returns the line's advance in pixels.
fn lay_out_line(
    faces: &[ChainFace<'_>],
    line: &str,
    baseline: f64,
    glyphs: &mut Vec<PlacedGlyph>,
) -> Result<f64, TextError> {
    let mut pen = 0.0;
    for span in itemise(line, faces)? {
        let text = line.get(span.bytes.clone()).unwrap_or("");
        pen = shape_run(faces, span.face, text, Origin { x: pen, y: baseline }, glyphs)?;
    }
    Ok(pen)
}

/// Cuts a line into runs, each on the first face that draws all of its clusters' characters.
fn itemise(line: &str, faces: &[ChainFace<'_>]) -> Result<Vec<Span>, TextError> {
    let mut spans: Vec<Span> = Vec::new();
    for (start, cluster) in line.grapheme_indices(true) {
        let bytes = start..start + cluster.len();
        if cluster.chars().all(is_default_ignorable) {
            let face = spans.last().map_or(0, |span| span.face);
            push_span(&mut spans, Span { bytes, face });
        } else if let Some(face) = faces.iter().position(|face| draws_all(face, cluster)) {
            push_span(&mut spans, Span { bytes, face });
        } else {
            itemise_characters(cluster, start, faces, &mut spans)?;
        }
    }
    Ok(spans)
}

/// A cluster no single face covers: each character on the first face that draws it.
fn itemise_characters(
    cluster: &str,
    start: usize,
    faces: &[ChainFace<'_>],
    spans: &mut Vec<Span>,
) -> Result<(), TextError> {
    for (offset, character) in cluster.char_indices() {
        let bytes = start + offset..start + offset + character.len_utf8();
        let face = if is_default_ignorable(character) {
            Some(spans.last().map_or(0, |span| span.face))
        } else {
            faces.iter().position(|face| has_glyph(&face.shaper, character))
        };
        let face = face.ok_or(TextError::Undrawable { character })?;
        push_span(spans, Span { bytes, face });
    }
    Ok(())
}

fn draws_all(face: &ChainFace<'_>, cluster: &str) -> bool {
    cluster.chars().all(|character| is_default_ignorable(character) || has_glyph(&face.shaper, character))
}

/// Appends a span, merging it into the last one when they touch and share the face.
fn push_span(spans: &mut Vec<Span>, span: Span) {
    match spans.last_mut() {
        Some(last) if last.face == span.face && last.bytes.end == span.bytes.start => last.bytes.end = span.bytes.end,
        _ => spans.push(span),
    }
}

/// A pen position in pixels.
#[derive(Debug, Clone, Copy)]
struct Origin {
    x: f64,
    y: f64,
}

/// Shapes `text` on one face from `origin`; returns the pen's x after it.
fn shape_run(
    faces: &[ChainFace<'_>],
    face_index: usize,
    text: &str,
    origin: Origin,
    glyphs: &mut Vec<PlacedGlyph>,
) -> Result<f64, TextError> {
    let Some(face) = faces.get(face_index) else { return Ok(origin.x) };
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(&face.shaper, &[], buffer);
    let mut pen = origin.x;
    for (info, position) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
        let id = u16::try_from(info.glyph_id).unwrap_or(0);
        if id == 0 {
            refuse_unless_ignorable(text, info.cluster)?;
            continue;
        }
        let x = pen + f64::from(position.x_offset) * face.px_per_unit;
        let y = origin.y - f64::from(position.y_offset) * face.px_per_unit;
        glyphs.push(PlacedGlyph { face: face_index, id, x, y });
        pen += f64::from(position.x_advance) * face.px_per_unit;
    }
    Ok(pen)
}

/// The shaper gave `.notdef` for the cluster starting at byte `cluster`: fine (and not drawn) for
/// an invisible character, an error for any other.
fn refuse_unless_ignorable(text: &str, cluster: u32) -> Result<(), TextError> {
    let start = usize::try_from(cluster).unwrap_or(usize::MAX);
    match text.get(start..).and_then(|rest| rest.chars().next()) {
        Some(character) if !is_default_ignorable(character) => Err(TextError::Undrawable { character }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touching_spans_on_one_face_merge() {
        let mut spans = vec![Span { bytes: 0..3, face: 1 }];
        push_span(&mut spans, Span { bytes: 3..4, face: 1 });
        push_span(&mut spans, Span { bytes: 4..6, face: 0 });
        assert_eq!(spans, vec![Span { bytes: 0..4, face: 1 }, Span { bytes: 4..6, face: 0 }]);
    }

    #[test]
    fn whole_pixels_round_up_and_saturate() {
        assert_eq!(whole_pixels(12.01), 13);
        assert_eq!(whole_pixels(12.0), 12);
        assert_eq!(whole_pixels(-3.0), 0);
        assert_eq!(whole_pixels(f64::NAN), 0);
        assert_eq!(whole_pixels(1e30), u64::MAX);
    }

    #[test]
    fn notdef_is_an_error_unless_invisible() {
        assert_eq!(refuse_unless_ignorable("a\u{200d}", 1), Ok(()));
        assert_eq!(refuse_unless_ignorable("ab", 1), Err(TextError::Undrawable { character: 'b' }));
        assert_eq!(refuse_unless_ignorable("ab", 9), Ok(()));
    }
}
