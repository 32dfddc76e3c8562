//! `format/svgc`: SVG compression that keeps the drawing and drops what does not draw.
//!
//! ```text
//! SVG ──check_document, roxmltree (limits of decode/svg.rs)──▶ tree
//!   ──write: no comments, processing instructions, DOCTYPE (entities written expanded),
//!     <metadata>, editor data (Inkscape, Sodipodi, Illustrator, Sketch, Figma, Visio, RDF/DC
//!     namespaces), whitespace between elements, attributes that never draw (version,
//!     baseProfile, enable-background); numbers of paths, points and geometry attributes
//!     rounded to 1/100 000 of the drawing's larger side──▶ candidate
//!   ──drawn by resvg beside the input at up to 512 px: any channel of any pixel more than
//!     MAX_CHANNEL_DIFFERENCE apart, more than MAX_CHANGED_SHARE of the pixels more than 2
//!     apart, or a candidate no smaller ──▶ the input, unchanged
//! ```
//!
//! So the answer is never worse than the input and never draws differently by more than the
//! tolerance. Text content, `<style>`, `<script>`, ids and every attribute the minifier does
//! not know are written as they were (entities and character references decoded, the five
//! XML specials escaped).

use std::fmt::Write;

use resvg::usvg::roxmltree::{self, Node, NodeType};

use crate::ExecError;
use crate::decode::{svg_document, svg_preview, svg_text};

/// The most any channel of any pixel may change between the input and its compression, out of
/// 255, drawn at up to [`CHECK_SIDE`] pixels: a rounded coordinate can flip one anti-aliasing
/// sample of an edge pixel, which tiny-skia counts in steps of 16.
pub const MAX_CHANNEL_DIFFERENCE: u8 = 24;

/// The share of pixels that may differ by more than 2 levels in any channel (edge pixels).
pub const MAX_CHANGED_SHARE: f64 = 0.005;

/// The longer side the input and the candidate are drawn at to compare them.
const CHECK_SIDE: u32 = 512;

/// Namespaces of editors' private data, which no renderer draws.
const EDITOR_NAMESPACES: [&str; 18] = [
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.bohemiancoding.com/sketch/ns",
    "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/Graphs/1.0/",
    "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
    "http://ns.adobe.com/Variables/1.0/",
    "http://ns.adobe.com/SaveForWeb/1.0/",
    "http://ns.adobe.com/Extensibility/1.0/",
    "http://ns.adobe.com/Flows/1.0/",
    "http://ns.adobe.com/ImageReplacement/1.0/",
    "http://ns.adobe.com/GenericCustomNamespace/1.0/",
    "http://ns.adobe.com/XPath/1.0/",
    "http://schemas.microsoft.com/visio/2003/SVGExtensions/",
    "http://www.figma.com/figma/ns",
    "http://purl.org/dc/elements/1.1/",
    "http://creativecommons.org/ns#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
];

/// Attributes without a namespace that never change the drawing.
const INERT_ATTRIBUTES: [&str; 3] = ["version", "baseProfile", "enable-background"];

/// Attributes holding one number (maybe with a unit) that are rounded.
const NUMERIC_ATTRIBUTES: [&str; 20] = [
    "x",
    "y",
    "width",
    "height",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "x1",
    "y1",
    "x2",
    "y2",
    "dx",
    "dy",
    "fx",
    "fy",
    "stroke-width",
    "font-size",
    "offset",
];

/// Elements whose text is drawn, where whitespace between children matters.
const TEXT_ELEMENTS: [&str; 5] = ["text", "tspan", "textPath", "title", "desc"];

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// The compressed document, or the input itself when compressing would not make it smaller
/// or would change the drawing.
pub fn compress(input: &[u8]) -> Result<Vec<u8>, ExecError> {
    let document = svg_document(svg_text(input)?)?;
    let Some(candidate) = minify(&document) else {
        return Ok(input.to_vec());
    };
    if candidate.len() >= input.len() || !draws_the_same(&document, &candidate)? {
        return Ok(input.to_vec());
    }
    Ok(candidate.into_bytes())
}

/// The document written compactly, or `None` when its namespaces cannot be written from the
/// root (a prefix declared below it).
fn minify(document: &roxmltree::Document<'_>) -> Option<String> {
    let root = document.root_element();
    let decimals = decimals_for(&root);
    let mut writer = Writer { out: String::new(), decimals, declared: Vec::new() };
    writer.declare_namespaces(&root);
    writer.element(&root, true, false)?;
    Some(writer.out)
}

/// Decimals that keep numbers within 1/100 000 of the drawing's larger side (viewBox, else
/// width and height, else 100).
fn decimals_for(root: &Node<'_, '_>) -> usize {
    let view_box = root.attribute("viewBox").and_then(|v| v.parse::<svgtypes::ViewBox>().ok());
    let side = match view_box {
        Some(v) => v.w.max(v.h),
        None => {
            let number = |name| root.attribute(name).and_then(|v: &str| leading_number(v)).map_or(0.0, |(n, _)| n);
            number("width").max(number("height"))
        }
    };
    let side = if side.is_finite() && side > 0.0 { side } else { 100.0 };
    let step = side / 100_000.0;
    (-step.log10()).ceil().clamp(0.0, 8.0) as usize
}

struct Writer {
    out: String,
    decimals: usize,
    /// `(prefix, uri)` declared on the root.
    declared: Vec<(Option<String>, String)>,
}

impl Writer {
    /// Remembers the root's namespaces that are not editors'.
    fn declare_namespaces(&mut self, root: &Node<'_, '_>) {
        for namespace in root.namespaces() {
            if !EDITOR_NAMESPACES.contains(&namespace.uri()) && namespace.uri() != XML_NAMESPACE {
                self.declared.push((namespace.name().map(str::to_owned), namespace.uri().to_owned()));
            }
        }
    }

    /// The prefix written for `uri`: `Some("")` for the default namespace, `None` when the
    /// root does not declare it.
    fn prefix_of(&self, uri: &str) -> Option<String> {
        if uri == XML_NAMESPACE {
            return Some("xml".to_owned());
        }
        let (prefix, _) = self.declared.iter().find(|(_, declared)| declared == uri)?;
        Some(prefix.clone().unwrap_or_default())
    }

    fn qualified(&self, uri: Option<&str>, name: &str) -> Option<String> {
        match uri {
            None => Some(name.to_owned()),
            Some(uri) => match self.prefix_of(uri)? {
                prefix if prefix.is_empty() => Some(name.to_owned()),
                prefix => Some(format!("{prefix}:{name}")),
            },
        }
    }

    /// Writes an element; `None` when a name's namespace cannot be written.
    fn element(&mut self, node: &Node<'_, '_>, is_root: bool, in_foreign_object: bool) -> Option<()> {
        let name = self.qualified(node.tag_name().namespace(), node.tag_name().name())?;
        self.out.push('<');
        self.out.push_str(&name);
        if is_root {
            for (prefix, uri) in self.declared.clone() {
                let attribute = prefix.map_or_else(|| "xmlns".to_owned(), |p| format!("xmlns:{p}"));
                let _ = write!(self.out, " {attribute}=\"{}\"", escape(&uri, true));
            }
        }
        for attribute in node.attributes() {
            if attribute.namespace().is_some_and(|uri| EDITOR_NAMESPACES.contains(&uri))
                || (attribute.namespace().is_none() && INERT_ATTRIBUTES.contains(&attribute.name()))
            {
                continue;
            }
            let attribute_name = self.qualified(attribute.namespace(), attribute.name())?;
            let value = self.attribute_value(attribute.name(), attribute.namespace(), attribute.value());
            let _ = write!(self.out, " {attribute_name}=\"{}\"", escape(&value, true));
        }
        let in_text = TEXT_ELEMENTS.contains(&node.tag_name().name());
        let in_foreign_object = in_foreign_object || node.tag_name().name() == "foreignObject";
        // Elements of a namespace the root does not declare are no SVG (a test suite's
        // description, say) and draw nothing, except inside foreignObject.
        let undeclared = |child: &Node<'_, '_>| {
            child.is_element() && child.tag_name().namespace().is_some_and(|uri| self.prefix_of(uri).is_none())
        };
        let children: Vec<Node<'_, '_>> =
            node.children().filter(|child| kept(child, in_text) && (in_foreign_object || !undeclared(child))).collect();
        if children.is_empty() {
            self.out.push_str("/>");
            return Some(());
        }
        self.out.push('>');
        for child in &children {
            match child.node_type() {
                NodeType::Element => self.element(child, false, in_foreign_object)?,
                NodeType::Text => self.out.push_str(&escape(child.text().unwrap_or_default(), false)),
                _ => {}
            }
        }
        let _ = write!(self.out, "</{name}>");
        Some(())
    }

    /// An attribute's value with its numbers rounded where the attribute is known.
    fn attribute_value(&self, name: &str, namespace: Option<&str>, value: &str) -> String {
        if namespace.is_some() {
            return value.to_owned();
        }
        let rounded = match name {
            "d" => round_path(value, self.decimals),
            "points" => round_numbers(value, self.decimals),
            _ if NUMERIC_ATTRIBUTES.contains(&name) => round_length(value, self.decimals),
            _ => None,
        };
        rounded.unwrap_or_else(|| value.to_owned())
    }
}

/// Whether a child is written: elements but `<metadata>` and editors' elements; text inside
/// text elements, and elsewhere only when it is not blank.
fn kept(child: &Node<'_, '_>, in_text: bool) -> bool {
    match child.node_type() {
        NodeType::Element => {
            let tag = child.tag_name();
            let editors = tag.namespace().is_some_and(|uri| EDITOR_NAMESPACES.contains(&uri));
            let metadata = tag.name() == "metadata" && tag.namespace() == Some(SVG_NAMESPACE);
            !editors && !metadata
        }
        NodeType::Text => in_text || child.text().is_some_and(|t| !t.trim().is_empty()),
        _ => false,
    }
}

/// Path data with every number rounded, commands repeated only where needed.
fn round_path(data: &str, decimals: usize) -> Option<String> {
    use svgtypes::PathSegment as S;
    let mut out = Numbers::new(decimals);
    let mut previous = None;
    for segment in svgtypes::PathParser::from(data) {
        let segment = segment.ok()?;
        let (letter, numbers): (char, Vec<f64>) = match segment {
            S::MoveTo { abs, x, y } => (pick(abs, 'M'), vec![x, y]),
            S::LineTo { abs, x, y } => (pick(abs, 'L'), vec![x, y]),
            S::HorizontalLineTo { abs, x } => (pick(abs, 'H'), vec![x]),
            S::VerticalLineTo { abs, y } => (pick(abs, 'V'), vec![y]),
            S::CurveTo { abs, x1, y1, x2, y2, x, y } => (pick(abs, 'C'), vec![x1, y1, x2, y2, x, y]),
            S::SmoothCurveTo { abs, x2, y2, x, y } => (pick(abs, 'S'), vec![x2, y2, x, y]),
            S::Quadratic { abs, x1, y1, x, y } => (pick(abs, 'Q'), vec![x1, y1, x, y]),
            S::SmoothQuadratic { abs, x, y } => (pick(abs, 'T'), vec![x, y]),
            S::EllipticalArc { abs, rx, ry, x_axis_rotation, large_arc, sweep, x, y } => {
                let flag = |f: bool| if f { 1.0 } else { 0.0 };
                (pick(abs, 'A'), vec![rx, ry, x_axis_rotation, flag(large_arc), flag(sweep), x, y])
            }
            S::ClosePath { abs } => (pick(abs, 'Z'), Vec::new()),
        };
        // A repeated moveto must keep its letter (a bare pair after M means lineto).
        if previous != Some(letter) || letter.eq_ignore_ascii_case(&'m') {
            out.command(letter);
        }
        previous = Some(letter);
        for number in numbers {
            out.number(number);
        }
    }
    Some(out.text)
}

fn pick(absolute: bool, letter: char) -> char {
    if absolute { letter } else { letter.to_ascii_lowercase() }
}

/// A list of numbers (`points`) rounded.
fn round_numbers(list: &str, decimals: usize) -> Option<String> {
    let mut out = Numbers::new(decimals);
    for number in svgtypes::NumberListParser::from(list) {
        out.number(number.ok()?);
    }
    Some(out.text)
}

/// One number with an optional unit (`12.3456px`, `50%`) rounded; `None` for anything else.
fn round_length(value: &str, decimals: usize) -> Option<String> {
    let (number, unit) = leading_number(value.trim())?;
    let unit_ok = unit.is_empty() || unit == "%" || unit.chars().all(|c| c.is_ascii_alphabetic());
    unit_ok.then(|| format!("{}{unit}", format_number(number, decimals)))
}

/// The number at the start of `value` and the rest.
fn leading_number(value: &str) -> Option<(f64, &str)> {
    let end = value
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || ((c == '-' || c == '+') && i == 0)))
        .map_or(value.len(), |(i, _)| i);
    let number: f64 = value[..end].parse().ok()?;
    number.is_finite().then_some((number, &value[end..]))
}

/// Numbers written with the fewest separators: none before a `-`, none before a `.` when the
/// previous number already has one.
struct Numbers {
    text: String,
    decimals: usize,
    last_has_dot: Option<bool>,
}

impl Numbers {
    fn new(decimals: usize) -> Numbers {
        Numbers { text: String::new(), decimals, last_has_dot: None }
    }

    fn command(&mut self, letter: char) {
        self.text.push(letter);
        self.last_has_dot = None;
    }

    fn number(&mut self, value: f64) {
        let formatted = format_number(value, self.decimals);
        let needs_space = match self.last_has_dot {
            None => false,
            Some(_) if formatted.starts_with('-') => false,
            Some(true) if formatted.starts_with('.') => false,
            Some(_) => true,
        };
        if needs_space {
            self.text.push(' ');
        }
        self.last_has_dot = Some(formatted.contains('.'));
        self.text.push_str(&formatted);
    }
}

/// `value` with at most `decimals` decimals, no trailing zeros, no leading zero (`.5`, `-.5`).
fn format_number(value: f64, decimals: usize) -> String {
    let mut text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.truncate(text.trim_end_matches('0').trim_end_matches('.').len());
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    if let Some(rest) = text.strip_prefix("0.") {
        text = format!(".{rest}");
    } else if let Some(rest) = text.strip_prefix("-0.") {
        text = format!("-.{rest}");
    }
    text
}

/// `& < >` escaped (and `"` in attributes).
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether both documents draw the same within [`MAX_CHANNEL_DIFFERENCE`] and
/// [`MAX_CHANGED_SHARE`].
fn draws_the_same(input: &roxmltree::Document<'_>, candidate: &str) -> Result<bool, ExecError> {
    let before = svg_preview(input, CHECK_SIDE)?;
    let Ok(after) = svg_document(candidate).and_then(|document| svg_preview(&document, CHECK_SIDE)) else {
        return Ok(false);
    };
    if before.len() != after.len() {
        return Ok(false);
    }
    let mut changed = 0usize;
    for (a, b) in before.chunks_exact(4).zip(after.chunks_exact(4)) {
        let worst = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap_or(0);
        if worst > MAX_CHANNEL_DIFFERENCE {
            return Ok(false);
        }
        changed += usize::from(worst > 2);
    }
    let pixels = (before.len() / 4).max(1);
    Ok(changed as f64 / pixels as f64 <= MAX_CHANGED_SHARE)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(format_number(0.5, 3), ".5");
        assert_eq!(format_number(-0.25, 3), "-.25");
        assert_eq!(format_number(12.0, 3), "12");
        assert_eq!(format_number(1.234_567, 3), "1.235");
        assert_eq!(format_number(-0.000_1, 3), "0");
        assert_eq!(round_path("M 10.000 20.123456 L 30,40 L 50 60 z", 3).unwrap(), "M10 20.123L30 40 50 60z");
        assert_eq!(round_path("m1 1 2 2", 3).unwrap(), "m1 1l2 2");
        assert_eq!(round_path("M0 0m1 1m2 2", 3).unwrap(), "M0 0m1 1m2 2");
        assert_eq!(round_path("M.5.5L-1-1", 3).unwrap(), "M.5.5L-1-1");
        assert_eq!(round_path("M0 0A5 5 0 1 0 10 10", 3).unwrap(), "M0 0A5 5 0 1 0 10 10");
        assert_eq!(round_numbers("1.00001, 2 3.5", 2).unwrap(), "1 2 3.5");
        assert_eq!(round_length("12.34567px", 2).unwrap(), "12.35px");
        assert_eq!(round_length("50%", 2).unwrap(), "50%");
        assert!(round_length("auto", 2).is_none());
    }

    #[test]
    fn editor_data_comments_and_blank_text_go() {
        let svg = r##"<?xml version="1.0"?>
<!-- made by hand -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" version="1.1" viewBox="0 0 100 100" width="100" height="100">
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <g inkscape:label="Layer 1">
    <rect x="10.000001" y="10" width="80" height="80" fill="#008000"/>
    <text x="20" y="50" font-size="10">a <tspan>b</tspan> c &amp; d</text>
  </g>
</svg>"##;
        let document = svg_document(svg).unwrap();
        let out = minify(&document).unwrap();
        assert_eq!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\" width=\"100\" height=\"100\"><g><rect x=\"10\" y=\"10\" width=\"80\" height=\"80\" fill=\"#008000\"/><text x=\"20\" y=\"50\" font-size=\"10\">a <tspan>b</tspan> c &amp; d</text></g></svg>"
        );
        let compressed = compress(svg.as_bytes()).unwrap();
        assert_eq!(compressed, out.as_bytes());
    }
}
