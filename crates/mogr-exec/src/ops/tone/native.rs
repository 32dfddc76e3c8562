//! The scalar twins of the tone kernels: a 256-entry table per colour channel (bright,
//! contrast), and BT.601 luma in integers, `(299·R + 587·G + 114·B + 500) / 1000`, written to
//! R, G and B (grayscale); alpha copied.

use crate::picture::CHANNELS;

/// `row` = the pixels of `source` in grayscale.
pub(super) fn grayscale_row(source: &[u8], row: &mut [u8]) {
    for (to, from) in row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)) {
        to.copy_from_slice(&gray(from));
    }
}

/// One pixel in grayscale.
pub(super) fn gray(pixel: &[u8]) -> [u8; CHANNELS] {
    match *pixel {
        [r, g, b, a] => {
            let luma = ((299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000) as u8;
            [luma, luma, luma, a]
        }
        _ => [0; CHANNELS],
    }
}

/// `row` = the pixels of `source` with R, G and B mapped through `table`.
pub(super) fn map_row(source: &[u8], row: &mut [u8], table: &[u8; 256]) {
    for (to, from) in row.chunks_exact_mut(CHANNELS).zip(source.chunks_exact(CHANNELS)) {
        to.copy_from_slice(&mapped(from, table));
    }
}

/// One pixel with R, G and B mapped through `table`.
pub(super) fn mapped(pixel: &[u8], table: &[u8; 256]) -> [u8; CHANNELS] {
    match *pixel {
        [r, g, b, a] => [table[usize::from(r)], table[usize::from(g)], table[usize::from(b)], a],
        _ => [0; CHANNELS],
    }
}
