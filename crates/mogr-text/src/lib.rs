//! Fonts and text rasterisation for mogr's text watermarks (`watermark/2/text/...`).
//!
//! This crate owns the fonts: which open font stands for each name of the spec's "Supported
//! Fonts" list (`SimHei.ttf`, `Arial.ttf`, ..., and the default `Tahoma.ttf`), where those files
//! are on disk, and turning a watermark's text into an anti-aliased alpha coverage raster. It
//! knows nothing of images, colours or placement: `mogr-exec` composites the [`Coverage`] with
//! the rule's fill, dissolve, shadow and gravity.
//!
//! How a request flows:
//!
//! ```text
//! TextRequest ─ font name ─▶ table (spec name → candidate files) ─▶ Store (folder listing, bytes, Arc'd)
//!      │                                                               │
//!      └─ text ─▶ lines ─▶ fallback chain: requested font → CJK sans → DejaVu Sans (loaded as needed)
//!                  │
//!                  └─▶ grapheme clusters → font per cluster → runs shaped by rustybuzz → glyph positions
//!                        └─▶ layout box (widest advance × lines × line height) ─ size check ─▶
//!                              ab_glyph outlines, size check with the ink ─▶ Coverage
//! ```
//!
//! Sizes: `fontsize` is in points at 72 dpi, ImageMagick's default density, so the em square is
//! `size_pt` pixels. Line height and baseline follow FreeType's scaled `hhea` ascender and
//! descender (ascent + descent, each rounded up), so n lines are as tall as ImageMagick's
//! `label:` of the same font and size, less the 1 px that ImageMagick adds for its stroke width.
//! Advances are not hinted: a line's width is its shaped advance rounded up once, where
//! ImageMagick rounds each glyph's advance (differences of about ±0.5 px a glyph).
//!
//! Dependencies beyond the design card's ab_glyph: rustybuzz (a pure-Rust HarfBuzz port, with
//! the same ttf-parser ab_glyph uses) shapes the text, because ab_glyph alone reads only the
//! legacy `kern` table, while Liberation, Noto CJK and DejaVu keep their kerning in GPOS; shaping
//! also composes accents, places combining marks and joins scripts such as Arabic.
//! unicode-segmentation gives the grapheme clusters that fallback works on, so a base letter and
//! its accents come from one font. imageproc is not used: its text drawing is ab_glyph's without
//! shaping or fallback.
//!
//! Rasterising is deterministic (same bytes every run on a platform) and nothing derived from
//! the input is computed without checked or saturating arithmetic; any text and any size give a
//! [`Coverage`] or a [`TextError`], never a panic.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod chain;
mod error;
mod layout;
mod lines;
mod raster;
mod store;
mod table;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::TextError;

use store::Store;

/// The environment variable naming extra font folders (colon-separated), searched first.
pub const FONT_DIRS_VAR: &str = "MOGR_FONT_DIRS";

/// The font folders of a Debian system, searched after those of [`FONT_DIRS_VAR`].
pub const SYSTEM_FONT_DIRS: [&str; 2] = ["/usr/share/fonts", "/usr/local/share/fonts"];

/// Fonts found on disk, loaded lazily on first use and cached (`Arc`'d bytes).
///
/// Cloning is cheap (the clones share the cache), and a library can be shared between threads.
/// The folders are listed once, at the first render; a file's bytes are read at its first use
/// and kept for the library's life (about 20 MB for each CJK collection used).
#[derive(Debug, Clone)]
pub struct FontLibrary {
    store: Arc<Store>,
}

/// A text to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRequest<'a> {
    /// UTF-8 text from the rule; `'\n'` starts a new line (lines are left-aligned), `'\r'` is
    /// dropped, `'\t'` is a space, any other control character is [`TextError::Undrawable`].
    pub text: &'a str,
    /// The spec font name as the rule wrote it (`"SimHei.ttf"`, `"simhei"`, `"Helvetica.dfont"`);
    /// `None` is the default, Tahoma.
    pub font: Option<&'a str>,
    /// `fontsize` in points; 1 pt = 1 px (72 dpi): the em square is `size_pt` pixels.
    pub size_pt: u32,
    /// The most pixels the raster may have; a larger one is refused before it is allocated.
    /// Peak memory is about 5 bytes a pixel of this: the raster, plus ab_glyph's 4-byte
    /// accumulation buffer for the largest glyph.
    pub max_pixels: u64,
}

/// A rendered text: alpha coverage, 0 (none) to 255 (full).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The raster's width in pixels.
    pub width: u32,
    /// The raster's height in pixels.
    pub height: u32,
    /// `width × height` coverage values, row-major, top row first.
    pub data: Vec<u8>,
    /// The text's layout box inside the raster (advances × line height); the raster is that box
    /// grown to hold any ink that spills out of it.
    pub layout: Layout,
}

/// Where the layout box is in a [`Coverage`], in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Pixels of the raster left of the box.
    pub left: u32,
    /// Pixels of the raster above the box (above the first line's top).
    pub top: u32,
    /// The widest line's advance, rounded up.
    pub width: u32,
    /// Lines × line height.
    pub height: u32,
}

/// The face a spec font name resolves to on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontSource {
    /// The spec name (`"SimHei.ttf"`), as the spec's list writes it.
    pub name: &'static str,
    /// The file found.
    pub path: PathBuf,
    /// The face's index inside the file (a `.ttc` collection).
    pub index: u32,
}

impl FontLibrary {
    /// The folders of [`FONT_DIRS_VAR`] (colon-separated) first, then [`SYSTEM_FONT_DIRS`].
    pub fn system() -> FontLibrary {
        let extra = std::env::var_os(FONT_DIRS_VAR).unwrap_or_default();
        let mut dirs: Vec<PathBuf> = std::env::split_paths(&extra).filter(|dir| !dir.as_os_str().is_empty()).collect();
        dirs.extend(SYSTEM_FONT_DIRS.iter().map(PathBuf::from));
        FontLibrary::from_dirs(dirs)
    }

    /// Only these folders, searched recursively, in order.
    pub fn from_dirs(dirs: Vec<PathBuf>) -> FontLibrary {
        FontLibrary { store: Arc::new(Store::new(dirs)) }
    }

    /// Renders `request` into a coverage raster.
    pub fn render(&self, request: &TextRequest<'_>) -> Result<Coverage, TextError> {
        let entry = table::entry_for(request.font).ok_or_else(|| unknown_font(request.font))?;
        let lines = lines::split_lines(request.text)?;
        if request.size_pt == 0 {
            return Err(TextError::EmptyText);
        }
        let fonts = chain::load_chain(&self.store, entry, &lines)?;
        let faces = layout::parse_faces(&fonts, request.size_pt)?;
        let text_layout = layout::lay_out(&faces, &lines, request.size_pt)?;
        raster::rasterise(&faces, &text_layout, request.max_pixels)
    }

    /// The face a font name (as a rule writes it; `None` for the default) draws with here.
    pub fn resolve(&self, font: Option<&str>) -> Result<FontSource, TextError> {
        let entry = table::entry_for(font).ok_or_else(|| unknown_font(font))?;
        let loaded = self.store.load(entry.name, entry.files)?;
        Ok(FontSource { name: entry.name, path: loaded.path, index: loaded.index })
    }

    /// The face a font name draws with here and the bytes of its whole file (shared, read
    /// once), for renderers that take font data (the SVG rasteriser's font database).
    pub fn font_data(&self, font: Option<&str>) -> Result<(FontSource, Arc<Vec<u8>>), TextError> {
        let entry = table::entry_for(font).ok_or_else(|| unknown_font(font))?;
        let loaded = self.store.load(entry.name, entry.files)?;
        Ok((FontSource { name: entry.name, path: loaded.path, index: loaded.index }, loaded.data))
    }

    /// The spec's font names this library knows, the default `Tahoma.ttf` last.
    pub fn font_names() -> &'static [&'static str] {
        &table::FONT_NAMES
    }
}

fn unknown_font(font: Option<&str>) -> TextError {
    TextError::UnknownFont { name: font.unwrap_or(table::DEFAULT_FONT).to_string() }
}
