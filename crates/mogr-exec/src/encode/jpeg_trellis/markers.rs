//! The marker segments of the JFIF file.
//!
//! This file owns every byte outside the entropy-coded data: SOI, the APP0 JFIF segment
//! (version 1.01, no density unit, 1:1 aspect, no thumbnail: what libjpeg writes), DQT (8-bit
//! entries in zig-zag order), SOF0 (baseline) or SOF2 (progressive), DHT, SOS and EOI. It
//! writes no other metadata: the caller inserts EXIF, ICC and XMP after the APP0 segment.
//!
//! Data flow: `mod.rs` writes SOI, APP0, DQT and SOF once; `entropy.rs` writes the DHT and
//! SOS of each scan before its data; `mod.rs` ends the file with EOI.

use super::huffman::HuffmanTable;
use super::quant::QuantTable;

/// Start of image.
pub(super) fn soi(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0xFF, 0xD8]);
}

/// End of image.
pub(super) fn eoi(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0xFF, 0xD9]);
}

/// Appends marker `code` and the segment length for `payload` bytes after it.
fn segment_header(out: &mut Vec<u8>, code: u8, payload: usize) {
    let length = u16::try_from(payload + 2).unwrap_or(u16::MAX);
    out.extend_from_slice(&[0xFF, code]);
    out.extend_from_slice(&length.to_be_bytes());
}

/// APP0 JFIF 1.01, aspect ratio 1:1 without unit, no thumbnail.
pub(super) fn app0_jfif(out: &mut Vec<u8>) {
    segment_header(out, 0xE0, 14);
    out.extend_from_slice(b"JFIF\0");
    out.extend_from_slice(&[1, 1, 0, 0, 1, 0, 1, 0, 0]);
}

/// One DQT segment holding `tables` (id = index), 8-bit entries in zig-zag order.
pub(super) fn dqt(out: &mut Vec<u8>, tables: &[&QuantTable]) {
    segment_header(out, 0xDB, tables.len() * 65);
    for (id, table) in tables.iter().enumerate() {
        out.push(u8::try_from(id).unwrap_or(0) & 0x0F);
        out.extend_from_slice(&table.steps);
    }
}

/// A frame component: identifier, sampling factors, quantisation table.
#[derive(Clone, Copy, Debug)]
pub(super) struct FrameComponent {
    /// Component identifier (1 = Y, 2 = Cb, 3 = Cr).
    pub(super) id: u8,
    /// Horizontal sampling factor.
    pub(super) h: u8,
    /// Vertical sampling factor.
    pub(super) v: u8,
    /// Quantisation table id.
    pub(super) table: u8,
}

/// SOF0 (baseline) or SOF2 (progressive), 8-bit precision.
pub(super) fn sof(out: &mut Vec<u8>, progressive: bool, width: u16, height: u16, components: &[FrameComponent]) {
    segment_header(out, if progressive { 0xC2 } else { 0xC0 }, 6 + 3 * components.len());
    out.push(8);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.push(u8::try_from(components.len()).unwrap_or(0));
    for c in components {
        out.extend_from_slice(&[c.id, (c.h << 4) | c.v, c.table]);
    }
}

/// Table class of a DHT entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    /// DC differences.
    Dc = 0,
    /// AC run/size symbols.
    Ac = 1,
}

/// One DHT segment defining `tables` (class, id, table).
pub(super) fn dht(out: &mut Vec<u8>, tables: &[(Class, u8, &HuffmanTable)]) {
    let payload: usize = tables.iter().map(|(_, _, t)| 17 + t.values.len()).sum();
    segment_header(out, 0xC4, payload);
    for &(class, id, table) in tables {
        out.push(((class as u8) << 4) | (id & 0x0F));
        out.extend_from_slice(&table.counts);
        out.extend_from_slice(&table.values);
    }
}

/// A scan component: identifier and DC/AC table ids.
#[derive(Clone, Copy, Debug)]
pub(super) struct ScanComponent {
    /// Component identifier.
    pub(super) id: u8,
    /// DC table id.
    pub(super) dc: u8,
    /// AC table id.
    pub(super) ac: u8,
}

/// SOS for `components`, spectral selection `ss..=se`, successive approximation `ah`/`al`.
pub(super) fn sos(out: &mut Vec<u8>, components: &[ScanComponent], ss: u8, se: u8, ah: u8, al: u8) {
    segment_header(out, 0xDA, 4 + 2 * components.len());
    out.push(u8::try_from(components.len()).unwrap_or(0));
    for c in components {
        out.extend_from_slice(&[c.id, (c.dc << 4) | (c.ac & 0x0F)]);
    }
    out.extend_from_slice(&[ss, se, (ah << 4) | (al & 0x0F)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jfif_header() {
        let mut out = Vec::new();
        soi(&mut out);
        app0_jfif(&mut out);
        assert_eq!(&out[..6], &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]);
        assert_eq!(out.len(), 2 + 18);
    }
}
