//! JPEG: the marker segments from SOI up to the first SOS, never the entropy-coded data.
//!
//! ```text
//! file    = SOI { fill* marker [length(u16 BE, counts itself) payload] } (SOS | EOI | end)
//! fill    = 0xFF                      (any number before a marker byte)
//! SOFn    = P(u8) Y(u16) X(u16) Nf(u8) { Ci(u8) HiVi(u8) Tqi(u8) } × Nf
//!           (C0-C3, C5-C7, C9-CB, CD-CF; C2, C6, CA, CE are progressive)
//! DQT     = { PqTq(u8) Q(64 × (Pq = 0 ? u8 : u16 BE), zig-zag order) } until the segment ends
//! APP1    = "Exif\0\0" TIFF-structured EXIF          → has_exif, orientation
//! APP2    = "ICC_PROFILE\0" seq(u8) count(u8) chunk  → has_icc
//! ```
//!
//! Standalone markers (SOI, TEM, RST0-7) have no length and are passed over. Bytes that are not
//! a marker where one is expected are skipped up to the next 0xFF, and 0xFF 0x00 is not a
//! marker, as libjpeg's `next_marker` does ("extraneous bytes before marker"), so a file the
//! decoder accepts is not refused here. Every other marker is skipped by its length.
//!
//! Decisions:
//! - The first SOF is the frame; a later one (hierarchical DHP files) does not replace it.
//! - Once the SOF has been read, data that ends before the SOS (a cut file) still gives a
//!   probe: the size is known, and the decoder reports the missing data. Before the SOF,
//!   an early end is [`ProbeError::Truncated`]; EOI or SOS without a SOF is
//!   [`ProbeError::Malformed`].
//! - Width or height 0 (the DNL form, where the height comes after the first scan) is
//!   [`ProbeError::Malformed`]; so are precision 0 or above 16, no components, and a SOF
//!   shorter than its component list. 2 or more than 4 components (valid T.81, no colour
//!   model) are [`ProbeError::UnsupportedFormat`].
//! - A DQT that cannot be read (table index above 3, precision above 1, cut short) makes
//!   the quality unknown (`None`) but does not fail the probe: it holds no geometry.
//! - The quality (see [`quality`]) compares the table of the first component with the
//!   luminance table, and the table of the second component, when it is a different one,
//!   with the chrominance table. Lossless frames (SOF3, 7, B, F) have no quality.
//! - Only the first `Exif` APP1 is read; an EXIF block without a valid orientation means
//!   `TopLeft`.

mod quality;

use super::reader::Reader;
use super::{ColorModel, ImageFormat, Orientation, Probe, ProbeError, exif};
use quality::QuantTable;
pub use quality::{STD_CHROMINANCE, STD_LUMINANCE};

/// Start of image.
const SOI: u8 = 0xD8;
/// End of image.
const EOI: u8 = 0xD9;
/// Start of scan: the entropy-coded data follows.
const SOS: u8 = 0xDA;
/// Define quantisation tables.
const DQT: u8 = 0xDB;
/// Temporary private use (standalone).
const TEM: u8 = 0x01;
/// APP1: EXIF (or XMP).
const APP1: u8 = 0xE1;
/// APP2: ICC profile chunks (or MPF, FlashPix).
const APP2: u8 = 0xE2;

/// Start of frame with the size and components.
#[derive(Clone, Copy, Debug)]
struct Frame {
    precision: u8,
    width: u16,
    height: u16,
    components: u8,
    progressive: bool,
    lossless: bool,
    /// Tq of the first component (the luminance table of YCbCr, or the grey table).
    luma_table: u8,
    /// Tq of the second component, when there is one.
    chroma_table: Option<u8>,
}

/// What the segments before the first scan said.
#[derive(Debug, Default)]
struct Headers {
    frame: Option<Frame>,
    has_exif: bool,
    has_icc: bool,
    orientation: Orientation,
    /// DQT slots 0-3, as last defined.
    tables: [Option<QuantTable>; 4],
    /// A DQT segment could not be read: the quality is unknown.
    bad_tables: bool,
}

/// Reads the headers of a JPEG. See the module docs.
pub(crate) fn probe(data: &[u8]) -> Result<Probe, ProbeError> {
    let mut r = Reader::new(data, "JPEG headers");
    if r.array::<2>()? != [0xFF, SOI] {
        return Err(ProbeError::Malformed { what: "JPEG does not start with an SOI marker" });
    }
    let mut headers = Headers::default();
    loop {
        let marker = match next_marker(&mut r) {
            Ok(marker) => marker,
            Err(e) => return headers.finish_or(e),
        };
        match marker {
            SOS | EOI => break,
            SOI | TEM | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let payload = match segment(&mut r) {
            Ok(payload) => payload,
            Err(e) => return headers.finish_or(e),
        };
        match marker {
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF if headers.frame.is_none() => {
                headers.frame = Some(sof(marker, payload)?);
            }
            DQT => headers.bad_tables |= dqt(payload, &mut headers.tables).is_err(),
            APP1 if !headers.has_exif && payload.starts_with(b"Exif\0\0") => {
                headers.has_exif = true;
                headers.orientation = exif::orientation(exif::tiff_part(payload)).unwrap_or_default();
            }
            APP2 if payload.starts_with(b"ICC_PROFILE\0") => headers.has_icc = true,
            _ => {}
        }
    }
    headers.finish()
}

/// The next marker code: skips bytes up to a 0xFF, any 0xFF fill bytes, and 0xFF 0x00 pairs
/// (as libjpeg's `next_marker`). Each turn consumes input, so the search ends at the end of
/// the data at the latest; runs of garbage or fill are skipped by one slice search each.
fn next_marker(r: &mut Reader<'_>) -> Result<u8, ProbeError> {
    loop {
        skip_while(r, |b| b != 0xFF)?;
        skip_while(r, |b| b == 0xFF)?;
        // At least one 0xFF was skipped unless the data ended (then this read fails).
        let code = r.u8()?;
        if code != 0x00 {
            return Ok(code);
        }
    }
}

/// Moves `r` past the bytes that satisfy `skip`, up to the end of the data.
fn skip_while(r: &mut Reader<'_>, skip: impl Fn(u8) -> bool) -> Result<(), ProbeError> {
    let rest = r.clone().bytes(r.remaining())?;
    let n = rest.iter().position(|&b| !skip(b)).unwrap_or(rest.len());
    r.skip(n)
}

/// A marker segment's payload: `length(u16 BE, including itself) payload`.
fn segment<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], ProbeError> {
    let length = r.u16_be()?;
    let payload = length.checked_sub(2).ok_or(ProbeError::Malformed { what: "JPEG segment length is below 2" })?;
    r.bytes(usize::from(payload))
}

/// SOFn: `P(u8) Y(u16) X(u16) Nf(u8) { Ci Hi|Vi Tqi } × Nf`.
fn sof(marker: u8, payload: &[u8]) -> Result<Frame, ProbeError> {
    const SHORT: ProbeError = ProbeError::Malformed { what: "JPEG SOF segment is shorter than its fields" };
    let mut r = Reader::new(payload, "JPEG SOF segment");
    let precision = r.u8().map_err(|_| SHORT)?;
    let height = r.u16_be().map_err(|_| SHORT)?;
    let width = r.u16_be().map_err(|_| SHORT)?;
    let components = r.u8().map_err(|_| SHORT)?;
    if precision == 0 || precision > 16 {
        return Err(ProbeError::Malformed { what: "JPEG SOF sample precision is not 1-16" });
    }
    if width == 0 {
        return Err(ProbeError::Malformed { what: "JPEG SOF width is 0" });
    }
    if height == 0 {
        return Err(ProbeError::Malformed { what: "JPEG SOF height is 0 (DNL)" });
    }
    match components {
        0 => return Err(ProbeError::Malformed { what: "JPEG SOF has no components" }),
        1 | 3 | 4 => {}
        _ => return Err(ProbeError::UnsupportedFormat),
    }
    if r.remaining() < 3 * usize::from(components) {
        return Err(SHORT);
    }
    let [_, _, luma_table] = r.array::<3>().map_err(|_| SHORT)?;
    let chroma_table = if components > 1 { Some(r.array::<3>().map_err(|_| SHORT)?[2]) } else { None };
    Ok(Frame {
        precision,
        width,
        height,
        components,
        progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
        lossless: matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF),
        luma_table,
        chroma_table,
    })
}

/// DQT: `{ Pq|Tq(u8) Q0..Q63 }` until the payload ends; Q are u8 when Pq = 0, u16 BE when
/// Pq = 1, in zig-zag order. Each table consumes at least 65 bytes.
fn dqt(payload: &[u8], tables: &mut [Option<QuantTable>; 4]) -> Result<(), ProbeError> {
    const BAD: ProbeError = ProbeError::Malformed { what: "JPEG DQT segment" };
    let mut r = Reader::new(payload, "JPEG DQT segment");
    while !r.is_at_end() {
        let pq_tq = r.u8()?;
        let (wide, slot) = (pq_tq >> 4, usize::from(pq_tq & 0x0F));
        let mut zigzag = [0u16; 64];
        for value in &mut zigzag {
            *value = match wide {
                0 => u16::from(r.u8()?),
                1 => r.u16_be()?,
                _ => return Err(BAD),
            };
        }
        *tables.get_mut(slot).ok_or(BAD)? = Some(QuantTable::from_zigzag(&zigzag, wide == 1));
    }
    Ok(())
}

impl Headers {
    /// The probe, once a SOF has been read; otherwise `error`.
    fn finish_or(self, error: ProbeError) -> Result<Probe, ProbeError> {
        match (&error, self.frame) {
            (ProbeError::Truncated { .. }, Some(_)) => self.finish(),
            _ => Err(error),
        }
    }

    /// The probe from the headers read so far; `Malformed` without a SOF.
    fn finish(self) -> Result<Probe, ProbeError> {
        let frame = self.frame.ok_or(ProbeError::Malformed { what: "JPEG has no SOF marker before its scan" })?;
        let mut p = Probe::new(ImageFormat::Jpeg, u32::from(frame.width), u32::from(frame.height));
        p.bit_depth = frame.precision;
        p.color = match frame.components {
            1 => ColorModel::Gray,
            4 => ColorModel::Cmyk,
            _ => ColorModel::Rgb,
        };
        p.progressive = frame.progressive;
        p.has_exif = self.has_exif;
        p.has_icc = self.has_icc;
        p.orientation = self.orientation;
        p.jpeg_quality = self.quality(&frame);
        Ok(p)
    }

    /// The estimated quality from the tables the first two components use.
    fn quality(&self, frame: &Frame) -> Option<u8> {
        if self.bad_tables || frame.lossless {
            return None;
        }
        let table = |slot: u8| self.tables.get(usize::from(slot)).copied().flatten();
        let luma = table(frame.luma_table)?;
        let chroma = frame.chroma_table.filter(|&slot| slot != frame.luma_table).and_then(table);
        Some(quality::estimate(luma, chroma))
    }
}

#[cfg(test)]
mod tests {
    use super::quality::{NATURAL_ORDER, STD_CHROMINANCE, STD_LUMINANCE, scaled};
    use super::*;

    /// A marker segment: `FF marker length payload`.
    fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
        let length = u16::try_from(payload.len() + 2).unwrap();
        [&[0xFF, marker][..], &length.to_be_bytes(), payload].concat()
    }

    /// A SOF payload with `n` components, component 1 on table 0, the others on table 1.
    fn sof_payload(precision: u8, width: u16, height: u16, n: u8) -> Vec<u8> {
        let mut p = vec![precision];
        p.extend(height.to_be_bytes());
        p.extend(width.to_be_bytes());
        p.push(n);
        for c in 0..n {
            p.extend([c + 1, 0x11, u8::from(c > 0)]);
        }
        p
    }

    /// A DQT table entry: `Pq|Tq` and the natural-order `values` in zig-zag order.
    fn dqt_table(slot: u8, values: &[u16; 64], wide: bool) -> Vec<u8> {
        let mut p = vec![(u8::from(wide) << 4) | slot];
        for n in NATURAL_ORDER {
            let v = values[usize::from(n)];
            if wide { p.extend(v.to_be_bytes()) } else { p.push(u8::try_from(v).unwrap()) }
        }
        p
    }

    /// A TIFF block with IFD0 holding Orientation = `value` (big-endian).
    fn exif_payload(value: u16) -> Vec<u8> {
        let mut p = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        p.extend(value.to_be_bytes());
        p.extend([0, 0, 0, 0, 0, 0]);
        p
    }

    /// SOI, APP1 EXIF, APP2 ICC, DQT (two 8-bit tables, q=85), SOF0 (3 components), DHT, SOS.
    fn sample() -> Vec<u8> {
        let mut tables = dqt_table(0, &scaled(&STD_LUMINANCE, 85, 255), false);
        tables.extend(dqt_table(1, &scaled(&STD_CHROMINANCE, 85, 255), false));
        [
            vec![0xFF, SOI],
            seg(APP1, &exif_payload(6)),
            seg(APP2, b"ICC_PROFILE\0\x01\x01fake"),
            seg(DQT, &tables),
            seg(0xC0, &sof_payload(8, 640, 480, 3)),
            seg(0xC4, &[0x00; 17]),
            seg(SOS, &[1, 1, 0x00, 0, 63, 0]),
            vec![0x12, 0x34, 0xFF, EOI],
        ]
        .concat()
    }

    #[test]
    fn reads_every_field() {
        let p = probe(&sample()).unwrap();
        assert_eq!((p.format, p.width, p.height), (ImageFormat::Jpeg, 640, 480));
        assert_eq!((p.bit_depth, p.color, p.progressive, p.frames), (8, ColorModel::Rgb, false, 1));
        assert!(p.has_exif && p.has_icc && !p.has_alpha);
        assert_eq!(p.orientation, Orientation::RightTop);
        assert_eq!(p.jpeg_quality, Some(85));
    }

    #[test]
    fn every_prefix_is_an_answer_not_a_panic() {
        let data = sample();
        let sof_end = data.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap() + 2 + 17;
        for n in 0..=data.len() {
            let result = probe(&data[..n]);
            if n < sof_end {
                assert!(result.is_err(), "prefix {n}: {result:?}");
            } else {
                assert_eq!(result.map(|p| (p.width, p.height)), Ok((640, 480)), "prefix {n}");
            }
        }
        assert!(matches!(probe(&data[..sof_end - 1]), Err(ProbeError::Truncated { .. })));
    }

    #[test]
    fn sof_kinds_colour_models_and_precision() {
        for (marker, progressive) in
            [(0xC0, false), (0xC1, false), (0xC2, true), (0xC6, true), (0xC9, false), (0xCA, true)]
        {
            for (n, color) in [(1, ColorModel::Gray), (3, ColorModel::Rgb), (4, ColorModel::Cmyk)] {
                let data = [vec![0xFF, SOI], seg(marker, &sof_payload(12, 3, 2, n)), vec![0xFF, EOI]].concat();
                let p = probe(&data).unwrap();
                assert_eq!((p.width, p.height, p.bit_depth), (3, 2, 12));
                assert_eq!((p.color, p.progressive), (color, progressive), "marker {marker:02X}");
            }
        }
        // Lossless SOF3: 16-bit, no quality even with a DQT present.
        let dqt = seg(DQT, &dqt_table(0, &[1; 64], false));
        let data = [vec![0xFF, SOI], dqt, seg(0xC3, &sof_payload(16, 7, 9, 1)), vec![0xFF, SOS]].concat();
        let p = probe(&data).unwrap();
        assert_eq!((p.bit_depth, p.jpeg_quality), (16, None));
    }

    #[test]
    fn markers_that_are_not_sof_are_skipped() {
        // DHT (C4), JPG (C8), DAC (CC) sit in the SOF range but are not frames.
        for marker in [0xC4, 0xC8, 0xCC, 0xDD, 0xFE, 0xEF, 0xF0, 0x02] {
            let data = [
                vec![0xFF, SOI],
                seg(marker, &sof_payload(8, 1, 1, 1)),
                seg(0xC0, &sof_payload(8, 5, 6, 3)),
                vec![0xFF, SOS],
            ]
            .concat();
            assert_eq!(probe(&data).map(|p| (p.width, p.height)), Ok((5, 6)), "marker {marker:02X}");
        }
    }

    #[test]
    fn fill_bytes_standalone_markers_and_garbage_are_passed_over() {
        let data = [
            vec![0xFF, SOI, 0xFF, 0xFF, 0xFF, SOI, 0xFF, TEM, 0xFF, 0xD3, 0xFF, 0xD7],
            seg(0xFE, b"comment"),
            vec![0x00, 0x12, 0xFF, 0x00, 0x34],
            seg(0xC0, &sof_payload(8, 100, 50, 1)),
            vec![0xFF, 0xFF, 0xFF],
            seg(SOS, &[1, 1, 0, 0, 63, 0]),
        ]
        .concat();
        let p = probe(&data).unwrap();
        assert_eq!((p.width, p.height, p.color), (100, 50, ColorModel::Gray));
    }

    #[test]
    fn a_file_without_a_frame_is_malformed() {
        let no_sof = [vec![0xFF, SOI], seg(0xE0, b"JFIF\0"), seg(SOS, &[0; 6])].concat();
        assert!(matches!(probe(&no_sof), Err(ProbeError::Malformed { .. })));
        let eoi = [vec![0xFF, SOI], seg(DQT, &dqt_table(0, &[1; 64], false)), vec![0xFF, EOI]].concat();
        assert!(matches!(probe(&eoi), Err(ProbeError::Malformed { .. })));
        assert!(matches!(probe(&[0xFF, SOI]), Err(ProbeError::Truncated { .. })));
        assert!(matches!(probe(&[0xFF, SOI, 0x00, 0x00]), Err(ProbeError::Truncated { .. })));
        assert!(matches!(probe(b"\x89PNG"), Err(ProbeError::Malformed { .. })));
        assert!(probe(&[]).is_err());
    }

    #[test]
    fn invalid_frames_are_refused() {
        let frame = |payload: Vec<u8>| probe(&[vec![0xFF, SOI], seg(0xC0, &payload), vec![0xFF, SOS]].concat());
        let malformed = |r: Result<Probe, ProbeError>| matches!(r, Err(ProbeError::Malformed { .. }));
        assert!(malformed(frame(sof_payload(8, 0, 10, 3))));
        assert!(malformed(frame(sof_payload(8, 10, 0, 3))));
        assert!(malformed(frame(sof_payload(0, 10, 10, 3))));
        assert!(malformed(frame(sof_payload(17, 10, 10, 3))));
        assert!(malformed(frame(sof_payload(8, 10, 10, 0))));
        assert_eq!(frame(sof_payload(8, 10, 10, 2)), Err(ProbeError::UnsupportedFormat));
        let mut short = sof_payload(8, 10, 10, 3);
        short.truncate(short.len() - 1);
        assert!(malformed(frame(short)));
        assert!(malformed(frame(vec![8, 0])));
        // A segment length below 2 cannot be skipped.
        assert!(malformed(probe(&[0xFF, SOI, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xC0])));
    }

    #[test]
    fn the_largest_declared_size_is_reported() {
        let data = [vec![0xFF, SOI], seg(0xC0, &sof_payload(8, 65535, 65535, 3)), vec![0xFF, SOS]].concat();
        assert_eq!(probe(&data).map(|p| (p.width, p.height)), Ok((65535, 65535)));
    }

    #[test]
    fn absurd_lengths_cost_nothing() {
        // A segment declaring 65533 bytes in a 10-byte file before the SOF: truncated.
        assert!(matches!(
            probe(&[0xFF, SOI, 0xFF, 0xE1, 0xFF, 0xFF, b'E', b'x', b'i', b'f']),
            Err(ProbeError::Truncated { .. })
        ));
        // After the SOF, the same cut still gives the size.
        let data = [vec![0xFF, SOI], seg(0xC0, &sof_payload(8, 4, 4, 1)), vec![0xFF, 0xE1, 0xFF, 0xFF, 0]].concat();
        assert_eq!(probe(&data).map(|p| p.width), Ok(4));
        // A megabyte of garbage after the SOF: one slice search, then the end.
        let mut data = [vec![0xFF, SOI], seg(0xC0, &sof_payload(8, 4, 4, 1))].concat();
        data.resize(1 << 20, 0x00);
        assert_eq!(probe(&data).map(|p| p.height), Ok(4));
        // And a megabyte of fill bytes.
        data.truncate(2 + 2 + 2 + 9);
        data.resize(1 << 20, 0xFF);
        assert_eq!(probe(&data).map(|p| p.height), Ok(4));
    }

    #[test]
    fn quality_through_the_marker_walk_for_every_libjpeg_setting() {
        for wide in [false, true] {
            let max = if wide { 32767 } else { 255 };
            for q in 1..=100u8 {
                let luma = dqt_table(0, &scaled(&STD_LUMINANCE, q, max), wide);
                let chroma = dqt_table(1, &scaled(&STD_CHROMINANCE, q, max), wide);
                // Both tables in one DQT segment, colour frame.
                let both = [luma.clone(), chroma.clone()].concat();
                let data =
                    [vec![0xFF, SOI], seg(DQT, &both), seg(0xC0, &sof_payload(8, 8, 8, 3)), vec![0xFF, SOS]].concat();
                assert_eq!(probe(&data).unwrap().jpeg_quality, Some(q), "colour q={q} wide={wide}");
                // Luminance only, greyscale frame; the DQT after the SOF still counts.
                let data =
                    [vec![0xFF, SOI], seg(0xC0, &sof_payload(8, 8, 8, 1)), seg(DQT, &luma), vec![0xFF, SOS]].concat();
                assert_eq!(probe(&data).unwrap().jpeg_quality, Some(q), "grey q={q} wide={wide}");
            }
        }
    }

    #[test]
    fn tables_are_matched_through_the_component_selectors() {
        // Luminance in slot 2, chrominance in slot 3, both referenced by the SOF.
        let mut tables = dqt_table(3, &scaled(&STD_CHROMINANCE, 40, 255), false);
        tables.extend(dqt_table(2, &scaled(&STD_LUMINANCE, 40, 255), false));
        let mut frame = sof_payload(8, 8, 8, 3);
        for (c, slot) in [(0, 2), (1, 3), (2, 3)] {
            frame[6 + 3 * c + 2] = slot;
        }
        let data = [vec![0xFF, SOI], seg(DQT, &tables), seg(0xC0, &frame), vec![0xFF, SOS]].concat();
        assert_eq!(probe(&data).unwrap().jpeg_quality, Some(40));
        // A selector naming an undefined table: no quality.
        frame[8] = 1;
        let data = [vec![0xFF, SOI], seg(DQT, &tables), seg(0xC0, &frame), vec![0xFF, SOS]].concat();
        assert_eq!(probe(&data).unwrap().jpeg_quality, None);
    }

    #[test]
    fn a_bad_dqt_loses_the_quality_not_the_size() {
        let frame = seg(0xC0, &sof_payload(8, 8, 8, 1));
        let ok = dqt_table(0, &[1; 64], false);
        let cases = [
            dqt_table(4, &[1; 64], false),                           // table index above 3
            [&[0x20][..], &[1; 64]].concat(),                        // precision 2
            ok[..40].to_vec(),                                       // ends inside a table
            [ok.clone(), dqt_table(0x0F, &[1; 64], false)].concat(), // second table bad
        ];
        for bad in cases {
            let data = [vec![0xFF, SOI], seg(DQT, &bad), frame.clone(), vec![0xFF, SOS]].concat();
            let p = probe(&data).unwrap();
            assert_eq!((p.width, p.jpeg_quality), (8, None));
        }
        // A later DQT redefines the slot.
        let data = [vec![0xFF, SOI], seg(DQT, &dqt_table(0, &[200; 64], false)), seg(DQT, &ok), frame, vec![0xFF, SOS]]
            .concat();
        assert_eq!(probe(&data).unwrap().jpeg_quality, Some(100));
    }

    #[test]
    fn exif_and_icc_detection() {
        let frame = seg(0xC0, &sof_payload(8, 8, 8, 3));
        let with = |segments: &[Vec<u8>]| {
            let mut data = vec![0xFF, SOI];
            data.extend(segments.concat());
            data.extend(&frame);
            data.extend([0xFF, SOS]);
            probe(&data).unwrap()
        };
        // Only the first EXIF APP1 counts; XMP APP1 and MPF APP2 are neither EXIF nor ICC.
        let p = with(&[
            seg(APP1, b"http://ns.adobe.com/xap/1.0/\0"),
            seg(APP1, &exif_payload(3)),
            seg(APP1, &exif_payload(8)),
        ]);
        assert_eq!((p.has_exif, p.orientation), (true, Orientation::BottomRight));
        let p = with(&[seg(APP2, b"MPF\0MM\0*"), seg(APP1, b"http://ns.adobe.com/xap/1.0/\0")]);
        assert!(!p.has_exif && !p.has_icc);
        // An EXIF block without a valid orientation: upright.
        let p = with(&[seg(APP1, &exif_payload(9))]);
        assert_eq!((p.has_exif, p.orientation), (true, Orientation::TopLeft));
        let p = with(&[seg(APP1, b"Exif\0\0")]);
        assert_eq!((p.has_exif, p.orientation), (true, Orientation::TopLeft));
        // ICC in APP2 only.
        assert!(with(&[seg(APP2, b"ICC_PROFILE\0\x01\x01")]).has_icc);
        assert!(!with(&[seg(APP1, b"ICC_PROFILE\0\x01\x01")]).has_icc);
    }
}
