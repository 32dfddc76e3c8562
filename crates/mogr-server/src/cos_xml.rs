//! The XML documents of the COS/CI surface: error bodies, `UploadResult` of persistent
//! processing, the style API's `AddStyle`/`GetStyle`/`DeleteStyle`/`StyleList`, and the bucket
//! protections' `Hotlink` and `OriginProtectStatus`.
//!
//! The documents are small and flat, so they are written with [`escape`] and read with
//! [`element_texts`] rather than a general XML library: a request body is only ever searched
//! for the text of named leaf elements.

use std::fmt::Write;

use crate::bucket_config::{Hotlink, HotlinkType};
use crate::error::ApiError;

/// `s` with `& < > " '` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The COS error body.
pub fn error_body(error: &ApiError, request_id: &str, resource: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>{}</Code>\n  <Message>{}</Message>\n  <Resource>{}</Resource>\n  <RequestId>{}</RequestId>\n  <TraceId>{}</TraceId>\n</Error>\n",
        escape(error.code),
        escape(&error.message),
        escape(resource),
        escape(request_id),
        escape(request_id),
    )
}

/// `ImageInfo` of an input image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// `JPEG`, `PNG`, ...
    pub format: String,
    /// Width as decoded.
    pub width: u32,
    /// Height as decoded.
    pub height: u32,
    /// The JPEG quality read from its tables, else 100.
    pub quality: u8,
    /// The average colour, `0xRRGGBB`.
    pub ave: String,
    /// The EXIF orientation, 1 to 8.
    pub orientation: u16,
    /// Frames (1 for a still image).
    pub frame_count: u32,
}

/// `OriginalInfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalInfo {
    /// The input's key.
    pub key: String,
    /// `<host>/<key>`.
    pub location: String,
    /// The input's ETag (quoted).
    pub etag: String,
    /// With `is_pic_info`.
    pub image_info: Option<ImageInfo>,
}

/// One `Object` of `ProcessResults`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessedObject {
    /// The result's key.
    pub key: String,
    /// `<host>/<key>`.
    pub location: String,
    /// `jpg`, `png`, ... (`json` for a report).
    pub format: String,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Size in bytes.
    pub size: u64,
    /// The JPEG quality read back from the result, else 100.
    pub quality: u8,
    /// The result's ETag (quoted).
    pub etag: String,
    /// Frames of an image result (1 for a still image; 0 for a report).
    pub frame_count: u32,
    /// For a `watermark/4` result: the status the extraction reported.
    pub watermark_status: Option<u64>,
}

/// The `UploadResult` document.
pub fn upload_result(original: &OriginalInfo, results: &[ProcessedObject]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<UploadResult>\n  <OriginalInfo>\n");
    leaf(&mut xml, 4, "Key", &original.key);
    leaf(&mut xml, 4, "Location", &original.location);
    leaf(&mut xml, 4, "ETag", &original.etag);
    if let Some(info) = &original.image_info {
        xml.push_str("    <ImageInfo>\n");
        leaf(&mut xml, 6, "Format", &info.format);
        leaf(&mut xml, 6, "Width", &info.width.to_string());
        leaf(&mut xml, 6, "Height", &info.height.to_string());
        leaf(&mut xml, 6, "Quality", &info.quality.to_string());
        leaf(&mut xml, 6, "Ave", &info.ave);
        leaf(&mut xml, 6, "Orientation", &info.orientation.to_string());
        leaf(&mut xml, 6, "FrameCount", &info.frame_count.to_string());
        xml.push_str("    </ImageInfo>\n");
    }
    xml.push_str("  </OriginalInfo>\n  <ProcessResults>\n");
    for object in results {
        xml.push_str("    <Object>\n");
        leaf(&mut xml, 6, "Key", &object.key);
        leaf(&mut xml, 6, "Location", &object.location);
        leaf(&mut xml, 6, "Format", &object.format);
        leaf(&mut xml, 6, "Width", &object.width.to_string());
        leaf(&mut xml, 6, "Height", &object.height.to_string());
        leaf(&mut xml, 6, "Size", &object.size.to_string());
        leaf(&mut xml, 6, "Quality", &object.quality.to_string());
        leaf(&mut xml, 6, "FrameCount", &object.frame_count.to_string());
        leaf(&mut xml, 6, "ETag", &object.etag);
        if let Some(status) = object.watermark_status {
            leaf(&mut xml, 6, "WatermarkStatus", &status.to_string());
        }
        xml.push_str("    </Object>\n");
    }
    xml.push_str("  </ProcessResults>\n</UploadResult>\n");
    xml
}

/// The `StyleList` document.
pub fn style_list<'a>(styles: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyleList>\n");
    for (name, body) in styles {
        xml.push_str("  <StyleRule>\n");
        leaf(&mut xml, 4, "StyleName", name);
        leaf(&mut xml, 4, "StyleBody", body);
        xml.push_str("  </StyleRule>\n");
    }
    xml.push_str("</StyleList>\n");
    xml
}

/// `GET /?hotlink`: `Status` (`on` unless the type is `off`), `Type` and every `Url`.
pub fn hotlink(hotlink: &Hotlink) -> String {
    let status = if hotlink.kind == HotlinkType::Off { "off" } else { "on" };
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Hotlink>\n");
    leaf(&mut xml, 2, "Status", status);
    leaf(&mut xml, 2, "Type", hotlink.kind.as_str());
    for url in &hotlink.urls {
        leaf(&mut xml, 2, "Url", url);
    }
    xml.push_str("</Hotlink>\n");
    xml
}

/// `GET /?origin-protect`.
pub fn origin_protect_status(on: bool) -> String {
    let status = if on { "on" } else { "off" };
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OriginProtectStatus>{status}</OriginProtectStatus>\n")
}

fn leaf(xml: &mut String, indent: usize, name: &str, text: &str) {
    let _ = writeln!(xml, "{:indent$}<{name}>{}</{name}>", "", escape(text));
}

/// The texts of every `<name>...</name>` element in `xml`, entities decoded; `root`, when the
/// body is not empty, must be the document's element (after any `<?xml ...?>` declaration).
pub fn element_texts(xml: &str, root: &str, name: &str) -> Result<Vec<String>, ApiError> {
    let malformed = |what: &str| ApiError::bad_request("MalformedXML", format!("the XML body is malformed: {what}"));
    let body = xml.trim_start_matches('\u{feff}').trim();
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map(|(_, r)| r.trim_start())
            .ok_or_else(|| malformed("the declaration does not end"))?,
        None => body,
    };
    let opens_root = body
        .strip_prefix('<')
        .and_then(|r| r.strip_prefix(root))
        .is_some_and(|r| r.starts_with(['>', '/', ' ', '\t', '\r', '\n']));
    if !opens_root {
        return Err(malformed(&format!("expected a <{root}> document")));
    }
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut texts = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let end = after.find(&close).ok_or_else(|| malformed(&format!("<{name}> is not closed")))?;
        texts.push(unescape(&after[..end]).ok_or_else(|| malformed(&format!("bad entity in <{name}>")))?);
        rest = &after[end + close.len()..];
    }
    Ok(texts)
}

/// Decodes the five named entities, numeric references and CDATA sections.
fn unescape(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("<![CDATA[").and_then(|t| t.strip_suffix("]]>")) {
        return Some(inner.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';')?;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => entity.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_spec_add_style_body() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<AddStyle>\n  <StyleName>style_name</StyleName>\n  <StyleBody>imageMogr2/thumbnail/!50px</StyleBody>\n</AddStyle>";
        assert_eq!(element_texts(body, "AddStyle", "StyleName").unwrap(), ["style_name"]);
        assert_eq!(element_texts(body, "AddStyle", "StyleBody").unwrap(), ["imageMogr2/thumbnail/!50px"]);
        assert!(element_texts(body, "DeleteStyle", "StyleName").is_err());
        assert!(element_texts("", "GetStyle", "StyleName").unwrap().is_empty());
        assert_eq!(element_texts("<GetStyle/>", "GetStyle", "StyleName").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn entities_round_trip() {
        let xml = format!("<A><B>{}</B></A>", escape("a<b>&\"c'"));
        assert_eq!(element_texts(&xml, "A", "B").unwrap(), ["a<b>&\"c'"]);
        assert_eq!(element_texts("<A><B>&#x41;&#66;</B></A>", "A", "B").unwrap(), ["AB"]);
        assert!(element_texts("<A><B>&bogus;</B></A>", "A", "B").is_err());
    }
}
