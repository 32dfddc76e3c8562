//! Lossless JPEG (SOF3, ITU-T T.81 annex H) of more than 8 bits, which libjpeg-turbo decodes
//! only through a 16-bit API the `turbojpeg` crate does not bind: our own decoder, for one
//! greyscale component of 2 to 16 bits (what medical and raw-camera files hold).
//!
//! ```text
//! SOI, then markers up to the scan:
//!   SOF3  precision P(u8) height(u16) width(u16) 1 component: id, sampling 1x1, (table)
//!   DHT   class 0 (DC) tables: 16 code counts, then the values (bit lengths of differences)
//!   DRI   restart interval, in samples: a whole number of rows
//!   SOS   1 component, its table; Ss = predictor 1-7, Se = 0, Al = point transform Pt
//!   other SOFn ──▶ ExecError::Unsupported (12-bit DCT JPEG and the like)
//! scan: for every sample, a Huffman code t, then t bits of the difference (t = 16: 32768);
//!   sample = (prediction + difference) mod 2¹⁶, the prediction (T.81 table H.1) from the
//!   left (Ra), upper (Rb) and upper-left (Rc) samples:
//!     first sample (and the first after each restart): 2^(P − Pt − 1)
//!     rest of that row: Ra; first column: Rb; elsewhere by Ss: 1 Ra, 2 Rb, 3 Rc,
//!     4 Ra + Rb − Rc, 5 Ra + ((Rb − Rc) >> 1), 6 Rb + ((Ra − Rc) >> 1), 7 (Ra + Rb) / 2
//! ──▶ value = sample << Pt, to 8 bits: (value × 255 + max / 2) / max, max = 2^P − 1
//! ──▶ grey RGBA rows, into the frame, or (shrink_on_load > 1) through jpeg.rs's box average
//!     row by row, which gives what `box_shrink` gives on the whole picture
//! ```
//!
//! Memory: two rows of samples, one RGBA row and the frame of the plan's size (the box
//! average keeps one output row of sums), whatever the shrink. Bad data (a marker cut short,
//! a code no table has, a scan that ends before its last sample, a restart marker out of
//! sequence) is an [`ExecError::Decode`]; colour, subsampled, multi-scan, hierarchical and
//! arithmetic-coded lossless files are [`ExecError::Unsupported`].

use super::Target;
use super::jpeg::BoxShrink;
use crate::{ExecError, Frame, Metadata, Picture};

/// SOF markers that are not lossless Huffman sequential (SOF3): DCT ones and the rest.
const OTHER_SOFS: [u8; 12] = [0xC0, 0xC1, 0xC2, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF];

/// Decodes a lossless JPEG whose first frame header says `precision` bits, at 1/`shrink`.
pub(super) fn decode(
    data: &[u8],
    precision: u8,
    shrink: u8,
    target: &Target,
    metadata: Metadata,
) -> Result<Picture, ExecError> {
    let header = read_header(data, precision)?;
    let shrink = u32::from(shrink.max(1));
    let scaled = (u32::from(header.width).div_ceil(shrink), u32::from(header.height).div_ceil(shrink));
    target.check_size("scaled JPEG", scaled)?;
    let frame = decode_scan(data, &header, shrink)?;
    Ok(Picture::still(frame, metadata))
}

/// What the markers before the scan say.
#[derive(Debug)]
struct Header {
    precision: u8,
    width: u16,
    height: u16,
    /// The scan's Huffman table.
    table: Huffman,
    predictor: u8,
    point_transform: u8,
    /// Restart interval in samples (0: none).
    restart_interval: u32,
    /// Where the entropy-coded data starts.
    scan_start: usize,
}

/// A JPEG error: the data is damaged.
fn bad(what: impl Into<String>) -> ExecError {
    ExecError::Decode(format!("lossless JPEG: {}", what.into()))
}

/// Walks the markers from SOI to the first SOS.
fn read_header(data: &[u8], precision: u8) -> Result<Header, ExecError> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(bad("no SOI marker"));
    }
    let mut frame: Option<(u8, u16, u16, u8)> = None; // precision, height, width, component id
    let mut tables: [Option<Huffman>; 4] = [None, None, None, None];
    let mut restart_interval = 0u32;
    let mut at = 2usize;
    loop {
        let (marker, payload, next) = segment(data, at)?;
        match marker {
            0xC3 => frame = Some(read_sof3(payload)?),
            m if OTHER_SOFS.contains(&m) => return Err(unsupported_frame(m, precision)),
            0xC4 => read_dht(payload, &mut tables)?,
            0xDD => restart_interval = u32::from(be16(payload, 0)?),
            0xDA => {
                let (p, height, width, id) = frame.ok_or_else(|| bad("a scan before the frame header"))?;
                let (table, predictor, point_transform) = read_sos(payload, id, &mut tables, p)?;
                if !restart_interval.is_multiple_of(u32::from(width)) {
                    return Err(ExecError::Unsupported("a lossless JPEG restarting inside rows".to_owned()));
                }
                return Ok(Header {
                    precision: p,
                    width,
                    height,
                    table,
                    predictor,
                    point_transform,
                    restart_interval,
                    scan_start: next,
                });
            }
            0xD9 => return Err(bad("the image ends before its scan")),
            _ => {}
        }
        at = next;
    }
}

/// The error for a frame header other than SOF3.
fn unsupported_frame(marker: u8, precision: u8) -> ExecError {
    let kind = match marker {
        0xC7 | 0xCF => "hierarchical lossless",
        0xCB => "arithmetic-coded lossless",
        _ => "DCT",
    };
    ExecError::Unsupported(format!(
        "{precision}-bit JPEG samples with {kind} coding (this build decodes 8-bit DCT JPEGs and lossless ones of \
         2 to 16 bits)"
    ))
}

/// The marker at `at` (after any fill bytes), its payload and where the next one starts.
fn segment(data: &[u8], mut at: usize) -> Result<(u8, &[u8], usize), ExecError> {
    while data.get(at) == Some(&0xFF) && data.get(at + 1) == Some(&0xFF) {
        at += 1;
    }
    if data.get(at) != Some(&0xFF) {
        return Err(bad(format!("no marker at byte {at}")));
    }
    let marker = *data.get(at + 1).ok_or_else(|| bad("the file ends at a marker"))?;
    if matches!(marker, 0x01 | 0xD0..=0xD8) {
        return Ok((marker, &[], at + 2));
    }
    let length = usize::from(be16(data, at + 2)?);
    let end = (at + 2).checked_add(length).filter(|_| length >= 2);
    let payload =
        end.and_then(|end| data.get(at + 4..end)).ok_or_else(|| bad(format!("marker {marker:02X} is cut short")))?;
    Ok((marker, payload, at + 2 + length))
}

/// A big-endian u16 at `at`.
fn be16(data: &[u8], at: usize) -> Result<u16, ExecError> {
    match (data.get(at), data.get(at + 1)) {
        (Some(&hi), Some(&lo)) => Ok(u16::from_be_bytes([hi, lo])),
        _ => Err(bad("a marker is cut short")),
    }
}

/// The byte at `at` of a payload.
fn byte(payload: &[u8], at: usize) -> Result<u8, ExecError> {
    payload.get(at).copied().ok_or_else(|| bad("a marker is cut short"))
}

/// SOF3: precision, height, width and the single component's id.
fn read_sof3(payload: &[u8]) -> Result<(u8, u16, u16, u8), ExecError> {
    let precision = byte(payload, 0)?;
    let (height, width) = (be16(payload, 1)?, be16(payload, 3)?);
    let components = byte(payload, 5)?;
    if !(2..=16).contains(&precision) {
        return Err(bad(format!("a sample precision of {precision} bits")));
    }
    if components != 1 {
        return Err(ExecError::Unsupported(format!(
            "a lossless JPEG of {components} components and {precision} bits (this build decodes greyscale ones)"
        )));
    }
    if height == 0 || width == 0 {
        return Err(ExecError::Unsupported("a lossless JPEG whose height comes after the scan (DNL)".to_owned()));
    }
    if byte(payload, 7)? != 0x11 {
        return Err(ExecError::Unsupported("a subsampled lossless JPEG component".to_owned()));
    }
    Ok((precision, height, width, byte(payload, 6)?))
}

/// DHT: every DC table it defines (AC tables have no use in lossless coding and are skipped).
fn read_dht(payload: &[u8], tables: &mut [Option<Huffman>; 4]) -> Result<(), ExecError> {
    let mut at = 0;
    while at < payload.len() {
        let class_id = byte(payload, at)?;
        let counts = payload.get(at + 1..at + 17).ok_or_else(|| bad("a Huffman table is cut short"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let values = payload.get(at + 17..at + 17 + total).ok_or_else(|| bad("a Huffman table is cut short"))?;
        let (class, id) = (class_id >> 4, usize::from(class_id & 15));
        if class == 0 {
            let slot = tables.get_mut(id).ok_or_else(|| bad(format!("Huffman table {id}")))?;
            *slot = Some(Huffman::new(counts, values)?);
        }
        at += 17 + total;
    }
    Ok(())
}

/// SOS: the scan's table, predictor and point transform, for a one-component frame.
fn read_sos(
    payload: &[u8],
    component: u8,
    tables: &mut [Option<Huffman>; 4],
    precision: u8,
) -> Result<(Huffman, u8, u8), ExecError> {
    if byte(payload, 0)? != 1 || byte(payload, 1)? != component {
        return Err(bad("the scan is not of the frame's component"));
    }
    let table = usize::from(byte(payload, 2)? >> 4);
    let table = tables.get_mut(table).and_then(Option::take).ok_or_else(|| bad(format!("no Huffman table {table}")))?;
    let (predictor, point_transform) = (byte(payload, 3)?, byte(payload, 5)? & 15);
    if !(1..=7).contains(&predictor) {
        return Err(bad(format!("predictor {predictor}")));
    }
    if point_transform >= precision {
        return Err(bad(format!("a point transform of {point_transform} bits for {precision}-bit samples")));
    }
    Ok((table, predictor, point_transform))
}

/// A canonical Huffman table decoded bit by bit (T.81 F.2.2.3).
#[derive(Debug)]
struct Huffman {
    /// For each code length 1-16: the largest code of that length (-1: none), and where its
    /// values start in `values` less the smallest code.
    max_code: [i32; 17],
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    /// The table of a DHT's 16 code counts and its values.
    fn new(counts: &[u8], values: &[u8]) -> Result<Huffman, ExecError> {
        let mut max_code = [-1i32; 17];
        let mut offset = [0i32; 17];
        let (mut code, mut index) = (0i32, 0i32);
        for (length, &count) in (1..=16).zip(counts) {
            let count = i32::from(count);
            if count > 0 {
                offset[length] = index - code;
                code += count;
                index += count;
                max_code[length] = code - 1;
                if code > 1 << length {
                    return Err(bad("a Huffman table with more codes than its lengths allow"));
                }
            }
            code <<= 1;
        }
        Ok(Huffman { max_code, offset, values: values.to_vec() })
    }

    /// The next value from the entropy-coded data.
    fn decode(&self, bits: &mut EntropyBits) -> Option<u8> {
        let mut code = 0i32;
        for length in 1..=16 {
            code = (code << 1) | i32::from(bits.bit()?);
            if code <= self.max_code[length] {
                let index = usize::try_from(code + self.offset[length]).ok()?;
                return self.values.get(index).copied();
            }
        }
        None
    }
}

/// Entropy-coded data: bytes with `FF 00` standing for `FF`, up to the next marker.
struct EntropyBits<'a> {
    data: &'a [u8],
    at: usize,
    byte: u8,
    left: u8,
}

impl EntropyBits<'_> {
    /// The next bit, or `None` at a marker or the end of the file.
    fn bit(&mut self) -> Option<u8> {
        if self.left == 0 {
            let byte = *self.data.get(self.at)?;
            if byte == 0xFF {
                if *self.data.get(self.at + 1)? != 0 {
                    return None;
                }
                self.at += 1;
            }
            self.at += 1;
            (self.byte, self.left) = (byte, 8);
        }
        self.left -= 1;
        Some((self.byte >> self.left) & 1)
    }

    /// `count` bits as an unsigned number.
    fn bits(&mut self, count: u8) -> Option<u32> {
        (0..count).try_fold(0u32, |v, _| Some((v << 1) | u32::from(self.bit()?)))
    }

    /// Skips the bits left in the byte and the restart marker RSTn that must follow.
    fn restart(&mut self, n: u8) -> Option<()> {
        self.left = 0;
        while self.data.get(self.at) == Some(&0xFF) && self.data.get(self.at + 1) == Some(&0xFF) {
            self.at += 1;
        }
        (self.data.get(self.at..self.at + 2)? == [0xFF, 0xD0 + n]).then(|| self.at += 2)
    }
}

/// The next difference: a Huffman-coded bit length, then that many bits (T.81 H.1.2.2).
fn difference(table: &Huffman, bits: &mut EntropyBits) -> Option<i32> {
    match table.decode(bits)? {
        0 => Some(0),
        16 => Some(32768),
        t @ 1..=15 => {
            let v = i32::try_from(bits.bits(t)?).ok()?;
            Some(if v < 1 << (t - 1) { v - (1 << t) + 1 } else { v })
        }
        _ => None,
    }
}

/// The prediction of sample `x` of a row (T.81 table H.1); `first_row` is the first of the
/// image or of a restart interval, `row` the samples decoded so far, `above` the row above.
fn predict(header: &Header, x: usize, first_row: bool, row: &[u16], above: &[u16]) -> i32 {
    let sample = |r: &[u16], i: usize| i32::from(r.get(i).copied().unwrap_or(0));
    match (x, first_row) {
        (0, true) => 1 << (header.precision - header.point_transform - 1),
        (_, true) => sample(row, x - 1),
        (0, false) => sample(above, 0),
        _ => {
            let (ra, rb, rc) = (sample(row, x - 1), sample(above, x), sample(above, x - 1));
            match header.predictor {
                1 => ra,
                2 => rb,
                3 => rc,
                4 => ra + rb - rc,
                5 => ra + ((rb - rc) >> 1),
                6 => rb + ((ra - rc) >> 1),
                _ => (ra + rb) / 2,
            }
        }
    }
}

/// Decodes the scan into a frame of ⌈width / shrink⌉ × ⌈height / shrink⌉ grey pixels.
fn decode_scan(data: &[u8], header: &Header, shrink: u32) -> Result<Frame, ExecError> {
    let mut rgba = zeroed::<u8>(usize::from(header.width) * 4)?;
    let mut sink = Sink::new(u32::from(header.width), u32::from(header.height), shrink)?;
    decode_rows(data, header, |row| {
        to_grey_rgba(header, row, &mut rgba);
        sink.push_row(&rgba);
    })?;
    Ok(sink.finish())
}

/// Decodes the scan, handing each row of samples (before the point transform's shift) to
/// `each_row`.
fn decode_rows(data: &[u8], header: &Header, mut each_row: impl FnMut(&[u16])) -> Result<(), ExecError> {
    let width = usize::from(header.width);
    let mut above = zeroed::<u16>(width)?;
    let mut row = zeroed::<u16>(width)?;
    let mut bits = EntropyBits { data, at: header.scan_start, byte: 0, left: 0 };
    let rows_per_interval = header.restart_interval as usize / width;
    let mut restarts = 0u8;
    for y in 0..usize::from(header.height) {
        let restart_here = rows_per_interval > 0 && y > 0 && y.is_multiple_of(rows_per_interval);
        if restart_here {
            bits.restart(restarts % 8)
                .ok_or_else(|| bad(format!("no restart marker RST{} at row {y}", restarts % 8)))?;
            restarts = restarts.wrapping_add(1);
        }
        let first_row = y == 0 || restart_here;
        for x in 0..width {
            let diff =
                difference(&header.table, &mut bits).ok_or_else(|| bad(format!("the scan breaks off at row {y}")))?;
            let sample = (predict(header, x, first_row, &row, &above) + diff) & 0xFFFF;
            if let Some(slot) = row.get_mut(x) {
                *slot = sample as u16;
            }
        }
        each_row(&row);
        std::mem::swap(&mut row, &mut above);
    }
    Ok(())
}

/// A row of samples as grey RGBA8: shifted back by the point transform, scaled to 8 bits.
fn to_grey_rgba(header: &Header, row: &[u16], rgba: &mut [u8]) {
    let max = (1u64 << header.precision) - 1;
    for (&sample, out) in row.iter().zip(rgba.chunks_exact_mut(4)) {
        let value = (u64::from(sample) << header.point_transform).min(max);
        let grey = ((value * 255 + max / 2) / max) as u8;
        out.copy_from_slice(&[grey, grey, grey, 255]);
    }
}

/// A zeroed buffer of `len` elements, failing instead of aborting.
fn zeroed<T: Clone + Default>(len: usize) -> Result<Vec<T>, ExecError> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).map_err(|_| ExecError::OutOfMemory(format!("a JPEG row of {len} samples")))?;
    buffer.resize(len, T::default());
    Ok(buffer)
}

/// Where decoded rows go: straight into the frame, or through the box average.
enum Sink {
    Frame { frame: Frame, next_row: usize },
    Shrunk(BoxShrink),
}

impl Sink {
    fn new(width: u32, height: u32, shrink: u32) -> Result<Sink, ExecError> {
        if shrink > 1 {
            return Ok(Sink::Shrunk(BoxShrink::new(width, height, shrink)?));
        }
        Ok(Sink::Frame { frame: Frame::new(width, height)?, next_row: 0 })
    }

    fn push_row(&mut self, rgba: &[u8]) {
        match self {
            Sink::Frame { frame, next_row } => {
                let at = *next_row * rgba.len();
                if let Some(out) = frame.pixels.get_mut(at..at + rgba.len()) {
                    out.copy_from_slice(rgba);
                }
                *next_row += 1;
            }
            Sink::Shrunk(shrink) => shrink.push_row(rgba),
        }
    }

    fn finish(self) -> Frame {
        match self {
            Sink::Frame { frame, .. } => frame,
            Sink::Shrunk(shrink) => shrink.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit lossless JPEG of `width`×`height` (predictor `predictor`) whose every
    /// difference is coded with the one-entry table {t = 0 → code 0}: every sample is its
    /// prediction, so the picture is flat 2^15 (grey 128).
    fn flat_jpeg(width: u16, height: u16, predictor: u8) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        f.extend([0xFF, 0xC3, 0, 11, 16]);
        f.extend(height.to_be_bytes());
        f.extend(width.to_be_bytes());
        f.extend([1, 1, 0x11, 0]);
        f.extend([0xFF, 0xC4, 0, 20, 0x00, 1]);
        f.extend([0; 15]);
        f.push(0);
        f.extend([0xFF, 0xDA, 0, 8, 1, 1, 0x00, predictor, 0, 0]);
        let bits = usize::from(width) * usize::from(height);
        f.extend(vec![0u8; bits.div_ceil(8)]);
        f.extend([0xFF, 0xD9]);
        f
    }

    fn target(width: u32, height: u32) -> Target {
        Target { width, height, frames: 1 }
    }

    #[test]
    fn flat_pictures_decode_and_shrink() {
        let jpeg = flat_jpeg(5, 3, 1);
        let picture = decode(&jpeg, 16, 1, &target(5, 3), Metadata::default()).unwrap();
        assert!(picture.frames[0].pixels.chunks_exact(4).all(|p| p == [128, 128, 128, 255]));
        let picture = decode(&jpeg, 16, 2, &target(3, 2), Metadata::default()).unwrap();
        assert!(picture.frames[0].pixels.chunks_exact(4).all(|p| p == [128, 128, 128, 255]));
        assert!(matches!(decode(&jpeg, 16, 1, &target(3, 2), Metadata::default()), Err(ExecError::Decode(_))));
    }

    #[test]
    fn differences_are_sign_extended() {
        // Eight codes of three bits: 000 is t = 0, … 111 is t = 7.
        let table = Huffman::new(&[0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
        assert!(Huffman::new(&[0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[0; 9]).is_err());
        // Code 010 is t = 2; then bits 01: 1 < 2, so 1 - 4 + 1 = -2. Code 011 is t = 3; 101 = 5.
        let data = [0b0100_1011, 0b1010_0000];
        let mut bits = EntropyBits { data: &data, at: 0, byte: 0, left: 0 };
        assert_eq!(difference(&table, &mut bits), Some(-2));
        assert_eq!(difference(&table, &mut bits), Some(5));
    }

    /// See the test below.
    const REFERENCE_MD5: &str = "17a305fe50ed901d05fa4bfabf249be1";

    #[test]
    fn the_corpus_file_has_the_samples_another_decoder_finds() {
        // MD5 of the 256x256 16-bit samples (big-endian, rows top down) of
        // jpeg/lossless_sof3_sel1.jpg as the jpeg-decoder crate (0.3.2) decodes them; they lie
        // in 1024..=1284.
        use md5::{Digest, Md5};
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/testimages/jpeg/lossless_sof3_sel1.jpg");
        let data = std::fs::read(path).unwrap();
        let header = read_header(&data, 16).unwrap();
        let (mut md5, mut range) = (Md5::new(), (u16::MAX, 0));
        decode_rows(&data, &header, |row| {
            row.iter().for_each(|v| md5.update(v.to_be_bytes()));
            range = row.iter().fold(range, |(lo, hi), &v| (lo.min(v), hi.max(v)));
        })
        .unwrap();
        assert_eq!(format!("{:x}", md5.finalize()), REFERENCE_MD5);
        assert_eq!(range, (1024, 1284));
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let jpeg = flat_jpeg(16, 16, 7);
        assert!(decode(&jpeg, 16, 1, &target(16, 16), Metadata::default()).is_ok());
        for n in 0..jpeg.len() - 2 {
            let result = decode(&jpeg[..n], 16, 1, &target(16, 16), Metadata::default());
            assert!(matches!(result, Err(ExecError::Decode(_))), "{n}: {result:?}");
        }
        for at in 0..jpeg.len() {
            for value in [0x00, 0x01, 0x7F, 0xFF] {
                let mut broken = jpeg.clone();
                broken[at] = value;
                let _ = decode(&broken, 16, 2, &target(8, 8), Metadata::default());
            }
        }
        let mut dct = jpeg.clone();
        dct[3] = 0xC1;
        assert!(matches!(decode(&dct, 12, 1, &target(16, 16), Metadata::default()), Err(ExecError::Unsupported(_))));
    }
}
