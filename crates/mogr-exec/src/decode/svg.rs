//! SVG: the document rendered by resvg straight at the plan's decode size, so a thumbnail of a
//! vector image is drawn at its own size and an enlargement is as sharp as a small one.
//!
//! ```text
//! bytes ──UTF-8, check_document (entities, nodes)──▶ roxmltree ──usvg (no file, no network)──▶
//!   Tree ──scaled to decode_width×decode_height──▶ tiny-skia pixmap (premultiplied)
//!   ──demultiplied──▶ Frame (RGBA8, straight alpha)
//! ```
//!
//! What a hostile document cannot do here:
//! - **Fetch**: `<image>` elements naming files or URLs are ignored (usvg's string resolver is
//!   replaced by one that resolves nothing); only `data:` URIs are read, and an embedded raster
//!   larger than [`MAX_EMBEDDED_PIXELS`] is dropped before it is decoded.
//! - **Expand**: an internal DTD's entities are measured before parsing: parameter or external
//!   entities, reference loops, nesting deeper than 10 or a document whose references would
//!   expand past [`MAX_EXPANDED_BYTES`] are refused; the XML tree has at most [`MAX_NODES`]
//!   nodes. Embedded SVG documents pass the same checks.
//! - **Grow the raster**: the pixmap is exactly the plan's size (which the planner bounded);
//!   resvg clips filter regions to a multiple of the canvas, and its blurs cost the same for
//!   any deviation.
//!
//! Text is drawn with the executor's fonts ([`crate::fonts`]), loaded into a font database the
//! first time a document with text is rendered.

use std::collections::HashMap;
use std::sync::Arc;

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, ImageHrefResolver, ImageKind, fontdb, roxmltree};

use super::Target;
use crate::fonts::Fonts;
use crate::picture::Metadata;
use crate::{ExecError, Frame, Picture};

/// The most nodes (elements, texts, attributes' owners) of an SVG's XML tree.
pub const MAX_NODES: u32 = 1_000_000;

/// The most bytes a document's entity references may expand to, in all.
pub const MAX_EXPANDED_BYTES: u64 = 8 << 20;

/// The most pixels of a raster image embedded in an SVG (`data:` URI).
pub const MAX_EMBEDDED_PIXELS: u64 = 50_000_000;

/// How deep entities may refer to entities (roxmltree's own limit).
const MAX_ENTITY_DEPTH: usize = 10;

/// Renders the SVG `data` at the target's size.
pub(crate) fn decode(data: &[u8], target: &Target, fonts: &Fonts) -> Result<Picture, ExecError> {
    let text = svg_text(data)?;
    let xml = svg_document(text)?;
    let tree = usvg_tree(&xml, &options(fonts, text.contains("<text")))?;
    let frame = render(&tree, target)?;
    Ok(Picture::still(frame, Metadata::default()))
}

/// The document's XML tree, checked ([`check_document`]) and parsed within [`MAX_NODES`].
pub(crate) fn svg_document(text: &str) -> Result<roxmltree::Document<'_>, ExecError> {
    check_document(text)?;
    let parsing = roxmltree::ParsingOptions { allow_dtd: true, nodes_limit: MAX_NODES, ..Default::default() };
    roxmltree::Document::parse_with_options(text, parsing).map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => {
            ExecError::Decode(format!("SVG: the document has more than {MAX_NODES} XML nodes"))
        }
        other => ExecError::Decode(format!("SVG: {other}")),
    })
}

/// The RGBA pixels of a parsed document drawn with its longer side at most `max_side` (its
/// own size when smaller), with the system's fonts: for comparing two versions of a document.
pub(crate) fn svg_preview(xml: &roxmltree::Document<'_>, max_side: u32) -> Result<Vec<u8>, ExecError> {
    let tree = usvg_tree(xml, &options(Fonts::system(), xml.input_text().contains("<text")))?;
    let size = tree.size();
    let scale = (max_side as f32 / size.width().max(size.height())).min(1.0);
    let side = |length: f32| ((length * scale).round() as u32).clamp(1, max_side);
    let target = Target { width: side(size.width()), height: side(size.height()), frames: 1 };
    Ok(render(&tree, &target)?.pixels)
}

/// The document's text, which must be UTF-8.
pub(crate) fn svg_text(data: &[u8]) -> Result<&str, ExecError> {
    std::str::from_utf8(data).map_err(|e| ExecError::Decode(format!("SVG: the document is not UTF-8: {e}")))
}

fn usvg_tree(xml: &roxmltree::Document<'_>, options: &usvg::Options<'_>) -> Result<usvg::Tree, ExecError> {
    usvg::Tree::from_xmltree(xml, options).map_err(|e| ExecError::Decode(format!("SVG: {e}")))
}

/// Draws `tree` stretched to the target's size (the planner kept the aspect ratio).
fn render(tree: &usvg::Tree, target: &Target) -> Result<Frame, ExecError> {
    let mut pixmap = Pixmap::new(target.width, target.height)
        .ok_or_else(|| ExecError::OutOfMemory(format!("a {}x{} SVG canvas", target.width, target.height)))?;
    let size = tree.size();
    let transform = Transform::from_scale(target.width as f32 / size.width(), target.height as f32 / size.height());
    resvg::render(tree, transform, &mut pixmap.as_mut());
    let mut frame = Frame::new(target.width, target.height)?;
    for (out, pixel) in frame.pixels.chunks_exact_mut(4).zip(pixmap.pixels()) {
        let straight = pixel.demultiply();
        out.copy_from_slice(&[straight.red(), straight.green(), straight.blue(), straight.alpha()]);
    }
    Ok(frame)
}

/// usvg's options: no resources folder, external references resolved to nothing, embedded
/// images checked, fonts only when the document has text.
fn options(fonts: &Fonts, has_text: bool) -> usvg::Options<'static> {
    let default_data = ImageHrefResolver::default_data_resolver();
    let resolver = ImageHrefResolver {
        resolve_data: Box::new(move |mime: &str, data: Arc<Vec<u8>>, options: &usvg::Options| {
            embedded_allowed(mime, &data).then(|| default_data(mime, data, options)).flatten()
        }),
        resolve_string: Box::new(|_: &str, _: &usvg::Options| None::<ImageKind>),
    };
    let mut options = usvg::Options { resources_dir: None, image_href_resolver: resolver, ..usvg::Options::default() };
    if has_text {
        let database = fonts.svg_database();
        if let Some(family) = database.sans_family.clone() {
            options.font_family = family;
        }
        options.fontdb = Arc::clone(&database.faces);
    } else {
        options.fontdb = Arc::new(fontdb::Database::new());
    }
    options
}

/// Whether an embedded (`data:`) image may be decoded: a raster within
/// [`MAX_EMBEDDED_PIXELS`], or an SVG document that passes [`check_document`].
fn embedded_allowed(mime: &str, data: &[u8]) -> bool {
    match mogr_plan::probe(data) {
        Ok(probe) if probe.format == mogr_plan::ImageFormat::Svg => {
            std::str::from_utf8(data).is_ok_and(|text| check_document(text).is_ok())
        }
        Ok(probe) => u64::from(probe.width) * u64::from(probe.height) <= MAX_EMBEDDED_PIXELS,
        // Not an image mogr recognises: only an SVG could still be drawn, and it is checked.
        Err(_) => {
            (mime == "image/svg+xml" || mime == "text/plain")
                && std::str::from_utf8(data).is_ok_and(|text| check_document(text).is_ok())
        }
    }
}

/// Refuses a document whose DTD could make parsing explode (see the module docs).
///
/// The measure is conservative rather than a second XML parser: every `<!ENTITY` anywhere in
/// the text counts as a declaration and every `&name;` anywhere (declarations included) as a
/// reference, so no quoting or comment trick can hide an entity from it; a document whose
/// count overestimates may be refused, never one that underestimates.
pub(crate) fn check_document(text: &str) -> Result<(), ExecError> {
    if !text.contains("<!ENTITY") {
        return Ok(());
    }
    let entities = entity_declarations(text)?;
    let mut sizes = HashMap::new();
    for name in entities.keys() {
        expanded_size(name, &entities, &mut sizes, 0)?;
    }
    let mut total: u64 = 0;
    for name in references(text) {
        let size = sizes.get(name).copied().unwrap_or(0);
        total = total.saturating_add(size);
        if total > MAX_EXPANDED_BYTES {
            return Err(ExecError::Decode(format!(
                "SVG: the document's entity references expand to more than {MAX_EXPANDED_BYTES} bytes"
            )));
        }
    }
    Ok(())
}

/// `name → replacement text` of every general entity declared; parameter and external
/// entities are refused.
fn entity_declarations(text: &str) -> Result<HashMap<&str, &str>, ExecError> {
    let refuse = |why: &str| ExecError::Decode(format!("SVG: the document's DTD {why}"));
    let mut entities = HashMap::new();
    let mut rest = text;
    while let Some(at) = rest.find("<!ENTITY") {
        rest = rest[at + "<!ENTITY".len()..].trim_start();
        if rest.starts_with('%') {
            return Err(refuse("declares a parameter entity"));
        }
        let name_end = rest.find(|c: char| c.is_whitespace()).ok_or_else(|| refuse("has a broken entity"))?;
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'');
        let Some(quote) = quote else {
            return Err(refuse(&format!("declares the external entity {name:?}")));
        };
        let value_end = rest[1..].find(quote).ok_or_else(|| refuse("has an unclosed entity value"))?;
        // XML binds the first declaration of a name.
        entities.entry(name).or_insert(&rest[1..1 + value_end]);
        rest = &rest[1 + value_end + 1..];
    }
    Ok(entities)
}

/// The bytes `name` expands to, its references expanded (memoised in `sizes`).
fn expanded_size<'a>(
    name: &'a str,
    entities: &HashMap<&'a str, &'a str>,
    sizes: &mut HashMap<&'a str, u64>,
    depth: usize,
) -> Result<u64, ExecError> {
    if let Some(size) = sizes.get(name) {
        return Ok(*size);
    }
    if depth > MAX_ENTITY_DEPTH {
        return Err(ExecError::Decode(format!(
            "SVG: the entity {name:?} is nested deeper than {MAX_ENTITY_DEPTH} levels, or refers to itself"
        )));
    }
    let Some(value) = entities.get(name) else {
        return Ok(0);
    };
    let mut size = value.len() as u64;
    for inner in references(value) {
        size = size.saturating_add(expanded_size(inner, entities, sizes, depth + 1)?);
    }
    sizes.insert(name, size);
    Ok(size)
}

/// The names of the general entity references `&name;` in `text` (character references
/// `&#...;` are not entities).
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.split('&').skip(1).filter_map(|after| {
        let name = &after[..after.find(';')?];
        let plain =
            !name.is_empty() && !name.starts_with('#') && !name.contains(|c: char| c.is_whitespace() || c == '<');
        plain.then_some(name)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn target(width: u32, height: u32) -> Target {
        Target { width, height, frames: 1 }
    }

    #[test]
    fn renders_at_the_asked_size_with_straight_alpha() {
        let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect x="0" y="0" width="5" height="10" fill="#ff0000" fill-opacity="0.5"/></svg>"##;
        let picture = decode(svg, &target(40, 40), &Fonts::new(mogr_text::FontLibrary::from_dirs(Vec::new()))).unwrap();
        let frame = &picture.frames[0];
        assert_eq!((frame.width, frame.height), (40, 40));
        assert_eq!(frame.pixel(5, 20), Some([255, 0, 0, 128]));
        assert_eq!(frame.pixel(30, 20), Some([0, 0, 0, 0]));
    }

    #[test]
    fn entity_bombs_are_refused_before_parsing() {
        let mut lol = String::from("<!DOCTYPE svg [<!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">");
        let mut previous = "a".to_owned();
        for level in 0..6 {
            let name = format!("e{level}");
            lol.push_str(&format!("<!ENTITY {name} \"{}\">", format!("&{previous};").repeat(10)));
            previous = name;
        }
        lol.push_str(&format!(
            "]><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text>{}</text></svg>",
            format!("&{previous};").repeat(20)
        ));
        let error = check_document(&lol).unwrap_err().to_string();
        assert!(error.contains("expand to more than"), "{error}");

        let looped = "<!DOCTYPE svg [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]><svg>&a;</svg>";
        assert!(check_document(looped).unwrap_err().to_string().contains("refers to itself"));
        let parameter = "<!DOCTYPE svg [<!ENTITY % p \"x\">]><svg/>";
        assert!(check_document(parameter).unwrap_err().to_string().contains("parameter entity"));
        let external = "<!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><svg>&x;</svg>";
        assert!(check_document(external).unwrap_err().to_string().contains("external entity"));
        let modest = "<!DOCTYPE svg [<!ENTITY r \"<rect width='5' height='5'/>\">]><svg>&r;&r;&amp;&#65;</svg>";
        assert!(check_document(modest).is_ok());
        // A ']' or a comment inside the DTD cannot hide the declarations after it.
        let mut hidden = String::from("<!DOCTYPE svg [<!ENTITY x \"]\"><!-- don't --><!ENTITY a \"");
        hidden.push_str(&"a".repeat(1000));
        hidden.push_str("\"><!ENTITY b \"");
        hidden.push_str(&"&a;".repeat(200));
        hidden.push_str("\">]><svg>");
        hidden.push_str(&"&b;".repeat(100));
        hidden.push_str("</svg>");
        assert!(check_document(&hidden).unwrap_err().to_string().contains("expand to more than"));
        // resvg's test of elements made by entities still passes.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/testimages/hostile/svg/resvg_elements-via-ENTITY-reference-1.svg"
        );
        assert!(check_document(&std::fs::read_to_string(path).unwrap()).is_ok());
    }

    #[test]
    fn external_images_are_never_read() {
        let dir = std::env::temp_dir().join(format!("mogr-svg-external-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let png = dir.join("red.png");
        image::RgbaImage::from_pixel(4, 4, image::Rgba([255, 0, 0, 255])).save(&png).unwrap();
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"4\" height=\"4\"><image width=\"4\" height=\"4\" xlink:href=\"{}\"/></svg>",
            png.display()
        );
        let picture =
            decode(svg.as_bytes(), &target(4, 4), &Fonts::new(mogr_text::FontLibrary::from_dirs(Vec::new()))).unwrap();
        assert_eq!(picture.frames[0].pixel(2, 2), Some([0, 0, 0, 0]));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
