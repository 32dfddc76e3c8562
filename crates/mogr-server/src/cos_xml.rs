//! The XML documents of the COS/CI surface: error bodies, `UploadResult` of persistent
//! processing, the style API's `AddStyle`/`GetStyle`/`DeleteStyle`/`StyleList`, and the bucket
//! protections' `Hotlink` and `OriginProtectStatus`, and the bucket listing's
//! `ListBucketResult`.
//!
//! The documents are small and flat, so they are written with [`escape`] and read with
//! [`element_texts`] rather than a general XML library: a request body is only ever searched
//! for the text of named leaf elements.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::auth;
use crate::bucket_config::{Hotlink, HotlinkType};
use crate::error::ApiError;
use crate::listing::{ListQuery, ListedObject, Listing};

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

/// What a listing answers about: the bucket, the query, and whether names are percent-encoded
/// (`encoding-type=url`).
#[derive(Clone, Copy, Debug)]
pub struct ListingRequest<'a> {
    /// The bucket's name.
    pub bucket: &'a str,
    /// The query, as read (`max_keys` already capped).
    pub query: &'a ListQuery,
    /// With `encoding-type=url`: `Key`, `Prefix`, `Marker`, `NextMarker`, `Delimiter` and the
    /// common prefixes are percent-encoded (UTF-8 bytes, all but `A-Z a-z 0-9 - _ . ~`).
    pub url_encoded: bool,
}

/// The `ListBucketResult` document of GET Bucket.
pub fn list_bucket_result(request: &ListingRequest<'_>, listing: &Listing) -> String {
    let name = |text: &str| if request.url_encoded { auth::encode(text) } else { text.to_owned() };
    let query = request.query;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult>\n");
    leaf(&mut xml, 2, "Name", request.bucket);
    if request.url_encoded {
        leaf(&mut xml, 2, "EncodingType", "url");
    }
    leaf(&mut xml, 2, "Prefix", &name(&query.prefix));
    leaf(&mut xml, 2, "Marker", &name(&query.marker));
    leaf(&mut xml, 2, "MaxKeys", &query.max_keys.to_string());
    if !query.delimiter.is_empty() {
        leaf(&mut xml, 2, "Delimiter", &name(&query.delimiter));
    }
    leaf(&mut xml, 2, "IsTruncated", if listing.truncated { "true" } else { "false" });
    if let Some(next) = listing.next_marker.as_deref().filter(|_| listing.truncated) {
        leaf(&mut xml, 2, "NextMarker", &name(next));
    }
    let owner = request.bucket.rsplit_once('-').map_or(request.bucket, |(_, appid)| appid);
    for object in &listing.objects {
        contents(&mut xml, object, &name(&object.key), owner);
    }
    for common in &listing.common_prefixes {
        xml.push_str("  <CommonPrefixes>\n");
        leaf(&mut xml, 4, "Prefix", &name(common));
        xml.push_str("  </CommonPrefixes>\n");
    }
    xml.push_str("</ListBucketResult>\n");
    xml
}

/// One `<Contents>` of a listing; the owner is the bucket's APPID, as COS answers.
fn contents(xml: &mut String, object: &ListedObject, key: &str, owner: &str) {
    xml.push_str("  <Contents>\n");
    leaf(xml, 4, "Key", key);
    leaf(xml, 4, "LastModified", &iso8601(object.last_modified));
    leaf(xml, 4, "ETag", &object.etag);
    leaf(xml, 4, "Size", &object.size.to_string());
    xml.push_str("    <Owner>\n");
    leaf(xml, 6, "ID", owner);
    leaf(xml, 6, "DisplayName", owner);
    xml.push_str("    </Owner>\n");
    leaf(xml, 4, "StorageClass", "STANDARD");
    xml.push_str("  </Contents>\n");
}

/// `2026-11-24T12:00:00.000Z`: UTC, to the second, as `Last-Modified` of a HEAD (HTTP dates
/// have no fractions, so the listing and the HEAD of an object agree).
pub fn iso8601(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.000Z")
}

/// The proleptic Gregorian date of `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
    fn times_are_iso8601_utc() {
        use std::time::Duration;
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2026-11-24T12:00:00Z, a leap day, and the fraction dropped.
        assert_eq!(iso8601(UNIX_EPOCH + Duration::from_millis(1_795_521_600_999)), "2026-11-24T12:00:00.000Z");
        assert_eq!(iso8601(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
        let time = UNIX_EPOCH + Duration::from_secs(1_795_521_600);
        assert_eq!(httpdate::fmt_http_date(time), "Tue, 24 Nov 2026 12:00:00 GMT");
    }

    #[test]
    fn listings_escape_and_encode_names() {
        let query = ListQuery { prefix: "a b/".into(), delimiter: "/".into(), marker: String::new(), max_keys: 2 };
        let object =
            ListedObject { key: "a b/<x>&+.jpg".into(), size: 3, etag: "\"e\"".into(), last_modified: UNIX_EPOCH };
        let listing = Listing {
            objects: vec![object],
            common_prefixes: vec!["a b/c/".into()],
            truncated: true,
            next_marker: Some("a b/c/".into()),
        };
        let plain =
            list_bucket_result(&ListingRequest { bucket: "b-125", query: &query, url_encoded: false }, &listing);
        assert_eq!(element_texts(&plain, "ListBucketResult", "Key").unwrap(), ["a b/<x>&+.jpg"]);
        assert_eq!(element_texts(&plain, "ListBucketResult", "ETag").unwrap(), ["\"e\""]);
        assert_eq!(element_texts(&plain, "ListBucketResult", "ID").unwrap(), ["125"]);
        assert!(!plain.contains("EncodingType"));
        let encoded =
            list_bucket_result(&ListingRequest { bucket: "b-125", query: &query, url_encoded: true }, &listing);
        assert_eq!(element_texts(&encoded, "ListBucketResult", "Key").unwrap(), ["a%20b%2F%3Cx%3E%26%2B.jpg"]);
        assert_eq!(element_texts(&encoded, "ListBucketResult", "NextMarker").unwrap(), ["a%20b%2Fc%2F"]);
        assert_eq!(element_texts(&encoded, "ListBucketResult", "Delimiter").unwrap(), ["%2F"]);
        assert_eq!(element_texts(&encoded, "ListBucketResult", "EncodingType").unwrap(), ["url"]);
    }

    #[test]
    fn entities_round_trip() {
        let xml = format!("<A><B>{}</B></A>", escape("a<b>&\"c'"));
        assert_eq!(element_texts(&xml, "A", "B").unwrap(), ["a<b>&\"c'"]);
        assert_eq!(element_texts("<A><B>&#x41;&#66;</B></A>", "A", "B").unwrap(), ["AB"]);
        assert!(element_texts("<A><B>&bogus;</B></A>", "A", "B").is_err());
    }
}
