//! The `exif` report: the EXIF tags of an image by name, with their values.
//!
//! ```text
//! bytes ──kamadak-exif's container reader (JPEG APP1, PNG eXIf, WebP EXIF, HEIF Exif item,
//!         TIFF IFDs)──▶ fields of the primary image (IFD0 and its Exif, GPS and
//!         interoperability IFDs; the thumbnail's IFD1 is left out)
//!       ──▶ {"<TagName>": {"val": "<value as text, with its unit>", "type": <TIFF type>}, ...}
//! ```
//!
//! The shape is the one CI's `exif` answers with (and Qiniu's before it): one member per tag,
//! named as the EXIF specification names it, whose `val` is the value in readable form
//! (`"1/125 s"`, `"f/2.8"`; ASCII values as their text) and whose `type` is the TIFF field type
//! (1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 7 UNDEFINED, 9 SLONG, 10 SRATIONAL, …).
//! Left out: tags the EXIF and TIFF specifications do not name (private tags read as numbers
//! would mean nothing) and `MakerNote` (a vendor's binary block). A damaged EXIF block gives
//! what could be read; an image without EXIF, or with nothing readable, answers the spec's
//! `{"error":"no exif data"}`.

use std::io::Cursor;

use exif::{Field, In, Reader, Tag, Value};

/// The `exif` report of an image file's bytes.
pub(crate) fn report(data: &[u8]) -> serde_json::Value {
    let exif = Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(data))
        .or_else(|e| e.distill_partial_result(|_| {}));
    let mut tags = serde_json::Map::new();
    if let Ok(exif) = &exif {
        for field in exif.fields().filter(|f| f.ifd_num == In::PRIMARY && is_named(f)) {
            let val = match &field.value {
                Value::Ascii(strings) => text(strings),
                _ => field.display_value().with_unit(exif).to_string(),
            };
            tags.entry(field.tag.to_string())
                .or_insert(serde_json::json!({ "val": val, "type": type_code(&field.value) }));
        }
    }
    if tags.is_empty() {
        return serde_json::json!({ "error": "no exif data" });
    }
    serde_json::Value::Object(tags)
}

/// ASCII strings as text, without the quotes kamadak-exif's display adds: trailing blanks
/// (cameras pad fields to a fixed size) are trimmed, empty strings dropped, several strings
/// joined with ", "; bytes that are not UTF-8 become U+FFFD.
fn text(strings: &[Vec<u8>]) -> String {
    let texts: Vec<String> = strings
        .iter()
        .map(|s| String::from_utf8_lossy(s).trim_end_matches([' ', '\0']).to_string())
        .filter(|s| !s.is_empty())
        .collect();
    texts.join(", ")
}

/// Whether the field's tag has a name in the specifications (and is not the maker note).
fn is_named(field: &Field) -> bool {
    field.tag != Tag::MakerNote && field.tag.description().is_some()
}

/// The TIFF field type of a value (TIFF 6.0 §2, EXIF 2.3 §4.6.2).
fn type_code(value: &Value) -> u8 {
    match value {
        Value::Byte(_) => 1,
        Value::Ascii(_) => 2,
        Value::Short(_) => 3,
        Value::Long(_) => 4,
        Value::Rational(_) => 5,
        Value::SByte(_) => 6,
        Value::Undefined(..) => 7,
        Value::SShort(_) => 8,
        Value::SLong(_) => 9,
        Value::SRational(_) => 10,
        Value::Float(_) => 11,
        Value::Double(_) => 12,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF with IFD0 = { Make "Acme", Orientation 6 }, in a JPEG APP1.
    fn jpeg_with_exif() -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend(2u16.to_le_bytes());
        // Make (0x010F), ASCII, 5 bytes at offset 38.
        tiff.extend([0x0F, 0x01, 2, 0, 5, 0, 0, 0, 38, 0, 0, 0]);
        // Orientation (0x0112), SHORT, 1, value 6.
        tiff.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(b"Acme\0");
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(&tiff);
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        jpeg.extend(app1);
        jpeg.extend([0xFF, 0xD9]);
        jpeg
    }

    #[test]
    fn tags_come_by_name_with_value_and_type() {
        let json = report(&jpeg_with_exif());
        assert_eq!(json["Make"], serde_json::json!({"val": "Acme", "type": 2}));
        assert_eq!(json["Orientation"]["type"], 3);
        assert_eq!(json["Orientation"]["val"], "row 0 at right and column 0 at top");
    }

    #[test]
    fn ascii_values_are_trimmed_and_empty_strings_dropped() {
        assert_eq!(text(&[b"E-P3    ".to_vec()]), "E-P3");
        assert_eq!(text(&[Vec::new(), Vec::new(), b"x".to_vec(), b"y ".to_vec()]), "x, y");
        assert_eq!(text(&[Vec::new(), Vec::new()]), "");
    }

    #[test]
    fn no_exif_is_the_spec_error() {
        let expected = serde_json::json!({"error": "no exif data"});
        assert_eq!(report(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), expected);
        assert_eq!(report(&[0xFF, 0xD8, 0xFF, 0xD9]), expected);
        assert_eq!(report(&[]), expected);
    }
}
