//! SVG: recognising an SVG document and reading the size of its root `<svg>` element.
//!
//! Only the first [`WINDOW`] bytes (64 KiB) are looked at, as UTF-8 (or ASCII) text:
//!
//! ```text
//! document = BOM? S? prolog* "<" root-name attributes ("/>" | ">") ...
//! prolog   = S | "<?" ... "?>" | "<!--" ... "-->" | "<!DOCTYPE" (quoted | "[" subset "]" | ...)* ">"
//! subset   = ("<!--" ... "-->" | "<?" ... "?>" | quoted | any byte but "]")*
//! root-name = "svg" | prefix ":svg"
//! attribute = S name S? "=" S? ("\"" value "\"" | "'" value "'")
//! ```
//!
//! The XML declaration, comments, processing instructions and a DOCTYPE (with an internal
//! subset, whose quoted strings may hold `>` and `]`) are skipped without being interpreted:
//! entities are never expanded, so a "billion laughs" DOCTYPE costs one pass over at most
//! 64 KiB. Any namespace prefix on the root name is accepted (`svg:svg`, `ns0:svg`).
//!
//! The size comes from the root start tag's `width`, `height` and `viewBox`:
//!
//! - a length is a number with no unit or `px` (1 px), `in` (96), `cm` (96/2.54), `mm`
//!   (96/25.4), `pt` (4/3) or `pc` (16): CSS's 96 dpi; it is rounded to the nearest integer,
//!   and a positive length under 0.5 px becomes 1;
//! - a percentage, a missing attribute, or one this module cannot read (another unit such as
//!   `em`, an entity reference) counts as not given;
//! - both given: that size; one given and a valid `viewBox` (positive width and height): the
//!   other side follows the viewBox's aspect ratio; neither given: the viewBox's size; no
//!   viewBox: 100 for each side not given (resvg's default size);
//! - an explicit width or height of 0 or below is [`ProbeError::Malformed`] (SVG disables
//!   rendering; resvg refuses the size); a huge one is reported as is (capped at `u32::MAX`),
//!   for the planner's limits to refuse.
//!
//! These rules give the intrinsic size a browser gives. resvg differs in two corners the
//! executor must bridge when it rasterises at the planned size: it takes a percentage of the
//! viewBox side (`50%` of a 480-wide viewBox is 240, here 480) and, when only one side is
//! given, the other is the viewBox's side unscaled; and without a viewBox and without sizes it
//! measures the content's bounding box instead of keeping 100x100.
//!
//! An SVG renders onto transparency: `has_alpha` is true, 8-bit RGB, one frame.

use super::{ImageFormat, Probe, ProbeError};

/// How much of the data is looked at.
const WINDOW: usize = 64 * 1024;

/// Why a scan stopped.
#[derive(Debug, PartialEq)]
enum Stop {
    /// The window ended first.
    End,
    /// The text is not what the grammar allows.
    Invalid(&'static str),
}

/// Whether the data is an SVG document: after an optional UTF-8 BOM and whitespace it starts
/// with `<`, and the root element after the prolog (see the module docs) is `svg`, within the
/// first 64 KiB.
pub(crate) fn looks_like_svg(data: &[u8]) -> bool {
    let mut t = Text::new(data);
    root_name(&mut t).is_ok_and(is_svg)
}

/// Reads an SVG's size from its root start tag (see the module docs for the rules).
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let stop = |stop: Stop| match stop {
        Stop::End if data.len() > WINDOW => {
            ProbeError::Malformed { what: "SVG root start tag does not end within the first 64 KiB" }
        }
        Stop::End => ProbeError::Truncated { what: "SVG root start tag" },
        Stop::Invalid(what) => ProbeError::Malformed { what },
    };
    let mut t = Text::new(data);
    match root_name(&mut t) {
        Ok(name) if is_svg(name) => {}
        Ok(_) | Err(Stop::Invalid(_)) => return Err(ProbeError::UnsupportedFormat),
        Err(Stop::End) => return Err(stop(Stop::End)),
    }
    let attrs = attributes(&mut t).map_err(stop)?;
    let (width, height) = size(&attrs)?;
    let mut probe = Probe::new(ImageFormat::Svg, width, height);
    probe.has_alpha = true;
    Ok(probe)
}

/// Whether a root element name is `svg`, with or without a namespace prefix.
fn is_svg(name: &[u8]) -> bool {
    match name.iter().rposition(|&b| b == b':') {
        Some(colon) => colon > 0 && name.get(colon + 1..) == Some(b"svg".as_slice()),
        None => name == b"svg",
    }
}

/// A cursor over the first [`WINDOW`] bytes.
struct Text<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Text<'a> {
    fn new(data: &'a [u8]) -> Text<'a> {
        Text { b: data.get(..WINDOW).unwrap_or(data), pos: 0 }
    }

    fn rest(&self) -> &'a [u8] {
        self.b.get(self.pos..).unwrap_or_default()
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.rest().starts_with(s)
    }

    fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.b.len());
    }

    /// Skips XML whitespace; says whether there was any.
    fn skip_space(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_space) {
            self.advance(1);
        }
        self.pos > start
    }

    /// Moves past the next occurrence of `needle`.
    fn skip_past(&mut self, needle: &[u8]) -> Result<(), Stop> {
        let at = self.rest().windows(needle.len()).position(|w| w == needle).ok_or(Stop::End)?;
        self.advance(at.saturating_add(needle.len()));
        Ok(())
    }

    /// Bytes up to (not including) the first for which `stop` holds; the end of the window
    /// is [`Stop::End`].
    fn take_until(&mut self, stop: impl Fn(u8) -> bool) -> Result<&'a [u8], Stop> {
        let rest = self.rest();
        let n = rest.iter().position(|&b| stop(b)).ok_or(Stop::End)?;
        self.advance(n);
        Ok(rest.get(..n).unwrap_or_default())
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Skips the BOM and the prolog and reads the root element's name, leaving the cursor after
/// it.
///
/// `BOM? S? ("<?" .. "?>" | "<!--" .. "-->" | doctype | S)* "<" name`
fn root_name<'a>(t: &mut Text<'a>) -> Result<&'a [u8], Stop> {
    if t.starts_with(b"\xEF\xBB\xBF") {
        t.advance(3);
    }
    t.skip_space();
    if t.peek().is_some_and(|b| b != b'<') {
        return Err(Stop::Invalid("SVG does not start with '<'"));
    }
    // Each turn consumes at least one byte or stops.
    loop {
        t.skip_space();
        if t.starts_with(b"<?") {
            t.skip_past(b"?>")?;
        } else if t.starts_with(b"<!--") {
            t.advance(4);
            t.skip_past(b"-->")?;
        } else if t.starts_with(b"<!DOCTYPE") {
            t.advance(9);
            doctype(t)?;
        } else if t.starts_with(b"<!") {
            return Err(Stop::Invalid("SVG prolog holds an unknown declaration"));
        } else if t.peek() == Some(b'<') {
            t.advance(1);
            let name = t.take_until(|b| is_space(b) || b == b'>' || b == b'/')?;
            if name.is_empty() {
                return Err(Stop::Invalid("SVG root element has no name"));
            }
            return Ok(name);
        } else if t.peek().is_none() {
            return Err(Stop::End);
        } else {
            return Err(Stop::Invalid("SVG prolog holds text"));
        }
    }
}

/// Skips the rest of a DOCTYPE after `<!DOCTYPE`, with its internal subset.
///
/// `(quoted | "[" subset "]" | any byte but ">")* ">"`
fn doctype(t: &mut Text<'_>) -> Result<(), Stop> {
    let mut in_subset = false;
    // Each turn consumes at least one byte or stops.
    loop {
        if in_subset && t.starts_with(b"<!--") {
            t.advance(4);
            t.skip_past(b"-->")?;
            continue;
        }
        if in_subset && t.starts_with(b"<?") {
            t.skip_past(b"?>")?;
            continue;
        }
        let b = t.peek().ok_or(Stop::End)?;
        t.advance(1);
        match b {
            b'"' | b'\'' => t.skip_past(&[b])?,
            b'[' if !in_subset => in_subset = true,
            b']' if in_subset => in_subset = false,
            b'>' if !in_subset => return Ok(()),
            _ => {}
        }
    }
}

/// The attributes of the root start tag this module reads (the first of each name).
#[derive(Default, Debug)]
struct Attributes<'a> {
    width: Option<&'a [u8]>,
    height: Option<&'a [u8]>,
    view_box: Option<&'a [u8]>,
}

/// Reads the start tag's attributes after its name, up to `>` or `/>`.
///
/// `(S name S? "=" S? quoted-value)* S? ("/>" | ">")`
fn attributes<'a>(t: &mut Text<'a>) -> Result<Attributes<'a>, Stop> {
    let mut attrs = Attributes::default();
    // Each turn consumes at least `name=""` or stops.
    loop {
        t.skip_space();
        match t.peek() {
            None => return Err(Stop::End),
            Some(b'>') => return Ok(attrs),
            Some(b'/') => {
                return match t.rest().get(1) {
                    Some(b'>') => Ok(attrs),
                    Some(_) => Err(Stop::Invalid("SVG root start tag has a stray '/'")),
                    None => Err(Stop::End),
                };
            }
            Some(_) => {}
        }
        let name = t.take_until(|b| is_space(b) || matches!(b, b'=' | b'>' | b'/'))?;
        if name.is_empty() {
            return Err(Stop::Invalid("SVG root start tag has an attribute without a name"));
        }
        t.skip_space();
        if t.peek().ok_or(Stop::End)? != b'=' {
            return Err(Stop::Invalid("SVG root attribute has no '='"));
        }
        t.advance(1);
        t.skip_space();
        let quote = t.peek().ok_or(Stop::End)?;
        if quote != b'"' && quote != b'\'' {
            return Err(Stop::Invalid("SVG root attribute value is not quoted"));
        }
        t.advance(1);
        let value = t.take_until(|b| b == quote)?;
        t.advance(1);
        let slot = match name {
            b"width" => &mut attrs.width,
            b"height" => &mut attrs.height,
            b"viewBox" => &mut attrs.view_box,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
}

/// A length attribute's value.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Length {
    /// In CSS pixels.
    Px(f64),
    /// A percentage (of the viewport).
    Percent,
}

/// The number at the start of `s` and the rest.
///
/// `[+-]? (digits ("." digits?)? | "." digits) ([eE] [+-]? digits)?`
fn number(s: &[u8]) -> Option<(f64, &[u8])> {
    let digits = |from: usize| s.get(from..).map_or(0, |r| r.iter().take_while(|b| b.is_ascii_digit()).count());
    let mut end = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let int = digits(end);
    end += int;
    let mut frac = 0;
    if s.get(end) == Some(&b'.') {
        frac = digits(end + 1);
        end += 1 + frac;
    }
    if int == 0 && frac == 0 {
        return None;
    }
    if matches!(s.get(end), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(s.get(end + 1), Some(b'+' | b'-')));
        let exp = digits(end + 1 + sign);
        if exp > 0 {
            end += 1 + sign + exp;
        }
    }
    let value = std::str::from_utf8(s.get(..end)?).ok()?.parse::<f64>().ok()?;
    Some((value, s.get(end..)?))
}

/// Trims XML whitespace from both ends.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_space(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

/// A `width` or `height` value: `number ("" | "px" | "in" | "cm" | "mm" | "pt" | "pc" | "%")`
/// with optional surrounding whitespace; `None` when it is anything else.
fn length(value: &[u8]) -> Option<Length> {
    let (n, unit) = number(trim(value))?;
    let scale = match unit {
        b"" | b"px" => 1.0,
        b"in" => 96.0,
        b"cm" => 96.0 / 2.54,
        b"mm" => 96.0 / 25.4,
        b"pt" => 96.0 / 72.0,
        b"pc" => 16.0,
        b"%" => return Some(Length::Percent),
        _ => return None,
    };
    Some(Length::Px(n * scale))
}

/// A `viewBox` value's width and height: four numbers separated by whitespace and/or a
/// comma, the last two positive; `None` otherwise (the viewBox is then ignored).
fn view_box(value: &[u8]) -> Option<(f64, f64)> {
    let mut rest = trim(value);
    let mut v = [0.0; 4];
    for (i, slot) in v.iter_mut().enumerate() {
        if i > 0 {
            let sep = rest.iter().take_while(|&&b| is_space(b) || b == b',').count();
            let commas = rest.get(..sep)?.iter().filter(|&&b| b == b',').count();
            if commas > 1 {
                return None;
            }
            rest = rest.get(sep..)?;
        }
        let (n, after) = number(rest)?;
        *slot = n;
        rest = after;
    }
    let [_, _, w, h] = v;
    (rest.is_empty() && w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0).then_some((w, h))
}

/// The pixel size from the root's attributes (see the module docs).
fn size(attrs: &Attributes<'_>) -> Result<(u32, u32), ProbeError> {
    let px = |value: Option<&[u8]>| match value.and_then(length) {
        Some(Length::Px(v)) if v > 0.0 => Ok(Some(v)),
        Some(Length::Px(_)) => Err(ProbeError::Malformed { what: "SVG width or height is 0 or negative" }),
        Some(Length::Percent) | None => Ok(None),
    };
    let width = px(attrs.width)?;
    let height = px(attrs.height)?;
    let vb = attrs.view_box.and_then(view_box);
    let (w, h) = match (width, height, vb) {
        (Some(w), Some(h), _) => (w, h),
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (None, None, Some((vw, vh))) => (vw, vh),
        (w, h, None) => (w.unwrap_or(100.0), h.unwrap_or(100.0)),
    };
    Ok((pixels(w)?, pixels(h)?))
}

/// Rounds a positive length to whole pixels: at least 1, at most `u32::MAX`.
fn pixels(v: f64) -> Result<u32, ProbeError> {
    if v.is_nan() {
        return Err(ProbeError::Malformed { what: "SVG size is not a number" });
    }
    // `as` saturates; the clamp keeps the result in 1..=u32::MAX.
    Ok(v.round().clamp(1.0, f64::from(u32::MAX)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size_of(svg: &str) -> Result<(u32, u32), ProbeError> {
        probe(svg.as_bytes()).map(|p| (p.width, p.height))
    }

    #[test]
    fn recognises_svg_roots_after_a_prolog() {
        assert!(looks_like_svg(b"<svg/>"));
        assert!(looks_like_svg(b"\xEF\xBB\xBF \n\t<svg xmlns='x'>"));
        assert!(looks_like_svg(b"<?xml version=\"1.0\"?>\n<!-- a <svg> comment --><?pi x?>\n<svg:svg>"));
        assert!(looks_like_svg(b"<ns0:svg xmlns:ns0=\"http://www.w3.org/2000/svg\">"));
        assert!(looks_like_svg(
            b"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x>y\" [\n\
              <!ENTITY a \"<rect/>]>\"> <!-- ] ' > --> <?pi ]> ?> <!ENTITY b '\"'>\n]>\n<svg>"
        ));
        for not in [
            &b""[..],
            b"   ",
            b"<svg",
            b"<svgx/>",
            b"<html><svg/></html>",
            b":svg/>",
            b"<:svg/>",
            b"text<svg/>",
            b"<?xml version='1.0'?>text<svg/>",
            b"<![CDATA[x]]><svg/>",
            b"<!DOCTYPE svg [ <!ENTITY a 'x'> <svg/>",
            b"\x89PNG\r\n<svg/>",
        ] {
            assert!(!looks_like_svg(not), "{:?}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn looks_only_at_the_first_64_kib() {
        let mut late = vec![b' '; WINDOW - 3];
        late.extend(b"<svg width='3' height='4'/>");
        assert!(!looks_like_svg(&late));
        let mut comment = b"<!--".to_vec();
        comment.extend(vec![b'-'; WINDOW]);
        comment.extend(b"--><svg/>");
        assert!(!looks_like_svg(&comment));
        let mut long_tag = b"<svg width='3' height='4' d='".to_vec();
        long_tag.extend(vec![b'x'; WINDOW]);
        long_tag.extend(b"'/>");
        assert!(looks_like_svg(&long_tag));
        assert!(matches!(probe(&long_tag), Err(ProbeError::Malformed { .. })));
    }

    #[test]
    fn sizes_from_width_height_and_view_box() {
        assert_eq!(size_of("<svg width='200' height=\"100\">"), Ok((200, 100)));
        assert_eq!(size_of("<svg viewBox='0 0 80 60'/>"), Ok((80, 60)));
        assert_eq!(size_of("<svg viewBox=' -5,-5 , 80.4\t60.5 '/>"), Ok((80, 61)));
        assert_eq!(size_of("<svg width='100%' height='100%' viewBox='0 0 480 360'>"), Ok((480, 360)));
        assert_eq!(size_of("<svg width='240' viewBox='0 0 480 360'>"), Ok((240, 180)));
        assert_eq!(size_of("<svg height='36' width='50%' viewBox='0 0 480 360'>"), Ok((48, 36)));
        assert_eq!(size_of("<svg>"), Ok((100, 100)));
        assert_eq!(size_of("<svg width='30'/>"), Ok((30, 100)));
        assert_eq!(size_of("<svg width='30' viewBox='0 0 0 10'/>"), Ok((30, 100)));
        assert_eq!(size_of("<svg width = '1in' height= '2.54cm' >"), Ok((96, 96)));
        assert_eq!(size_of("<svg width='25.4mm' height='72pt'>"), Ok((96, 96)));
        assert_eq!(size_of("<svg width='6pc' height=' 1e2px '>"), Ok((96, 100)));
        assert_eq!(size_of("<svg width='0.2' height='2.5'>"), Ok((1, 3)));
        assert_eq!(size_of("<svg width='1e30' height='.5'>"), Ok((u32::MAX, 1)));
        // Units this module does not read, and entity references, count as not given.
        assert_eq!(size_of("<svg width='2em' height='&h;' viewBox='0 0 8 8'>"), Ok((8, 8)));
        // The first of two equal attributes counts; prefixed names are other attributes.
        assert_eq!(size_of("<svg:svg width='5' width='6' height='7' xlink:width='9'>"), Ok((5, 7)));
        assert_eq!(size_of("<svg\nwidth='5'\nheight='7'/>"), Ok((5, 7)));
        let p = probe(b"<svg/>").unwrap();
        assert_eq!((p.format, p.has_alpha, p.frames, p.bit_depth), (ImageFormat::Svg, true, 1, 8));
    }

    #[test]
    fn rejects_bad_sizes_and_tags() {
        let malformed = |svg: &str| matches!(probe(svg.as_bytes()), Err(ProbeError::Malformed { .. }));
        assert!(malformed("<svg width='0' height='5'>"));
        assert!(malformed("<svg width='5' height='-5'>"));
        assert!(malformed("<svg width=5>"));
        assert!(malformed("<svg width>"));
        assert!(malformed("<svg / >"));
        assert_eq!(probe(b"<html/>"), Err(ProbeError::UnsupportedFormat));
        assert_eq!(probe(b"GIF89a"), Err(ProbeError::UnsupportedFormat));
        assert!(matches!(probe(b"<svg width='5"), Err(ProbeError::Truncated { .. })));
    }

    #[test]
    fn entities_are_never_expanded() {
        let mut laughs = b"<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY lol \"lol\">\n".to_vec();
        for i in 1..10 {
            laughs.extend(format!("<!ENTITY lol{i} \"{}\">\n", format!("&lol{};", i - 1).repeat(10)).as_bytes());
        }
        laughs.extend(b"]>\n<svg width=\"&lol9;\" height=\"20\" viewBox=\"0 0 10 10\">&lol9;</svg>");
        assert!(looks_like_svg(&laughs));
        assert_eq!(probe(&laughs).map(|p| (p.width, p.height)), Ok((20, 20)));
    }

    #[test]
    fn every_prefix_is_an_error_or_a_probe() {
        let file = b"\xEF\xBB\xBF<?xml version='1.0'?><!--c--><!DOCTYPE svg [<!ENTITY a '>'>]>\
                     <svg width='2in' viewBox='0 0 4 3'/>";
        assert_eq!(probe(file).map(|p| (p.width, p.height)), Ok((192, 144)));
        for end in 0..file.len() {
            let _ = looks_like_svg(&file[..end]);
            assert!(probe(&file[..end]).is_err());
        }
    }
}
