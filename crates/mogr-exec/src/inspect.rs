//! `ci-process=ImageInspect`: is a video stream hidden in this file?
//!
//! CI's abnormal-image detection names three cases: a PNG carrying an MPEG transport stream, a
//! BMP carrying one, and a transport stream whose name merely says image. All three come down
//! to finding MPEG-TS packets in the bytes, wherever they sit (appended after the image's end,
//! inside a PNG chunk, or the whole file), so the search reads the file as bytes, whatever its
//! format, and needs no decoding:
//!
//! ```text
//! bytes ──every offset p with byte 0x47──▶ p, p+188, p+376, … all 0x47 for ≥ MIN_PACKETS
//!       packets? ──▶ the longest such run: [begin, begin + 188·packets) ──▶ JSON
//! ```
//!
//! An MPEG-TS packet is 188 bytes starting with the sync byte 0x47 (ISO/IEC 13818-1 §2.4.3.2)
//! and an adaptation_field_control other than the reserved 00. Requiring [`MIN_PACKETS`]
//! consecutive packets makes a false alarm on compressed image data negligible: random bytes
//! match with probability below 256^-8 per offset, about one in 10^12 for a 32 MiB file; the
//! adaptation_field_control test keeps flat areas of the byte 0x47 out. The run ends at the first packet whose sync byte is missing (a stream cut in
//! the middle of a packet keeps its whole packets).
//!
//! The answer has the spec's fields: `picSize` (bytes), `picType` (the probed format in upper
//! case, `JPG`, `PNG`, …; `UNKNOWN` when the file is not an image mogr reads, as for a bare
//! transport stream), `suspicious`, and when suspicious `suspiciousBeginByte` (offset of the
//! first packet), `suspiciousEndByte` (offset of its last byte), `suspiciousSize` and
//! `suspiciousType` (`MPEG-TS`).

use mogr_plan::ImageFormat;

/// Bytes in an MPEG-TS packet.
const TS_PACKET: usize = 188;
/// The sync byte that starts every packet.
const TS_SYNC: u8 = 0x47;
/// Consecutive packets needed before a run counts as a stream.
pub const MIN_PACKETS: usize = 8;

/// A stream found inside the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hidden {
    /// Offset of its first byte.
    pub begin: usize,
    /// Its length in bytes (whole packets).
    pub len: usize,
}

/// The longest run of at least [`MIN_PACKETS`] MPEG-TS packets in `data`, if any.
pub fn find_transport_stream(data: &[u8]) -> Option<Hidden> {
    let mut best: Option<Hidden> = None;
    let mut start = 0;
    while let Some(found) = data.get(start..).and_then(|rest| rest.iter().position(|&b| b == TS_SYNC)) {
        let begin = start + found;
        let packets = packets_from(data, begin);
        if packets >= MIN_PACKETS && best.is_none_or(|b| packets * TS_PACKET > b.len) {
            best = Some(Hidden { begin, len: packets * TS_PACKET });
            // Nothing inside this run can start a longer one.
            start = begin + packets * TS_PACKET;
        } else {
            start = begin + 1;
        }
    }
    best
}

/// How many whole packets start at `begin`, one after another.
fn packets_from(data: &[u8], begin: usize) -> usize {
    let mut packets = 0;
    while let Some(packet) = data.get(begin + packets * TS_PACKET..begin + (packets + 1) * TS_PACKET) {
        if !is_packet(packet) {
            break;
        }
        packets += 1;
    }
    packets
}

/// Whether 188 bytes can be a TS packet: the sync byte, and an adaptation_field_control
/// (bits 5-4 of the fourth byte) other than the reserved `00`. The second test keeps flat
/// areas of the value 0x47 in uncompressed images (a BMP's grey 71, 71, 71) from passing
/// for a stream.
fn is_packet(packet: &[u8]) -> bool {
    matches!(packet, [TS_SYNC, _, _, header, ..] if header & 0x30 != 0)
}

/// The ImageInspect answer for `data`, whose format the probe found (`None`: not an image).
pub fn report(data: &[u8], format: Option<ImageFormat>) -> serde_json::Value {
    let pic_type = format.map_or_else(|| "UNKNOWN".to_string(), |f| f.name().to_ascii_uppercase());
    let mut json = serde_json::json!({
        "picSize": data.len(),
        "picType": pic_type,
        "suspicious": false,
    });
    if let (Some(hidden), Some(fields)) = (find_transport_stream(data), json.as_object_mut()) {
        fields.insert("suspicious".into(), true.into());
        fields.insert("suspiciousBeginByte".into(), hidden.begin.into());
        fields.insert("suspiciousEndByte".into(), (hidden.begin + hidden.len - 1).into());
        fields.insert("suspiciousSize".into(), hidden.len.into());
        fields.insert("suspiciousType".into(), "MPEG-TS".into());
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` TS packets: sync byte, PID 0x100, payload only (adaptation_field_control 01),
    /// a continuity counter, varied payload bytes.
    fn stream(count: usize) -> Vec<u8> {
        (0..count)
            .flat_map(|n| {
                let header = [TS_SYNC, 0x01, 0x00, 0x10 | (n % 16) as u8];
                header.into_iter().chain((4..TS_PACKET).map(move |i| ((i + n) * 7 % 251) as u8))
            })
            .collect()
    }

    #[test]
    fn a_stream_appended_or_embedded_is_found_where_it_lies() {
        let mut file = vec![0x89, b'P', b'N', b'G'];
        file.extend(vec![0x47; 3]); // sync bytes that start no run
        file.extend(stream(20));
        file.extend(b"IEND trailing bytes");
        assert_eq!(find_transport_stream(&file), Some(Hidden { begin: 7, len: 20 * TS_PACKET }));
        let json = report(&file, Some(ImageFormat::Png));
        assert_eq!(json["picType"], "PNG");
        assert_eq!(json["suspicious"], true);
        assert_eq!(json["suspiciousBeginByte"], 7);
        assert_eq!(json["suspiciousEndByte"], 7 + 20 * 188 - 1);
        assert_eq!(json["suspiciousSize"], 20 * 188);
        assert_eq!(json["suspiciousType"], "MPEG-TS");
    }

    #[test]
    fn a_bare_stream_is_unknown_and_suspicious_from_byte_0() {
        let json = report(&stream(10), None);
        assert_eq!((json["picType"].as_str(), json["suspiciousBeginByte"].as_u64()), (Some("UNKNOWN"), Some(0)));
    }

    #[test]
    fn short_runs_cut_packets_and_clean_files_are_not_suspicious() {
        assert_eq!(find_transport_stream(&stream(MIN_PACKETS - 1)), None);
        let mut cut = stream(MIN_PACKETS);
        cut.pop();
        assert_eq!(find_transport_stream(&cut), None, "the last packet is incomplete");
        assert_eq!(find_transport_stream(&[]), None);
        assert_eq!(find_transport_stream(&vec![TS_SYNC; 188 * 40]), None, "a flat area of 0x47 bytes");
        let json = report(b"GIF89a", Some(ImageFormat::Gif));
        assert_eq!(json, serde_json::json!({"picSize": 6, "picType": "GIF", "suspicious": false}));
    }

    #[test]
    fn the_longest_of_two_runs_is_reported() {
        let mut file = stream(9);
        file.extend([0u8; 50]);
        let second = file.len();
        file.extend(stream(30));
        assert_eq!(find_transport_stream(&file), Some(Hidden { begin: second, len: 30 * TS_PACKET }));
    }
}
