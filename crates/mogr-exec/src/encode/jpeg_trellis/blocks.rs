//! From samples to DCT coefficient blocks: colour conversion, 4:2:0 subsampling, edge
//! padding and the forward DCT.
//!
//! This file owns the frame's geometry ([`Component`]: sampling factors, block grids) and
//! the first pass over the pixels. The image is read one MCU row (16 rows for colour, 8 for
//! grey) at a time:
//!
//! ```text
//! RGB rows ──Y = 0.299 R + 0.587 G + 0.114 B − 128──────────────▶ Y strip (16 × padded width)
//!          ──2×2 average of R, G, B, then Cb, Cr (JFIF, libjpeg's ──▶ Cb, Cr strips (8 × half)
//!            coefficients; linear, so the same as averaging Cb, Cr)
//! grey rows ──sample − 128──▶ Y strip (8 × padded width)
//! strip ──8×8 blocks──▶ DCT (dct.rs) ──× 8, rounded, zig-zag──▶ Component::blocks
//! ```
//!
//! Y is rounded to 8 bits as libjpeg's integer conversion does (decoders output integers:
//! encoding the same lattice measurably helps PSNR at high qualities); the chroma averages
//! stay fractional. Partial MCUs are padded by replicating the last column and the last row (before the
//! chroma averaging, as libjpeg does), so every block of the MCU grid holds real-looking
//! samples. The
//! coefficients are stored × 8 in `i16` (the range fits with room to spare: |F| ≤ 1024), an
//! eighth of a unit being far below any quantiser step.

use super::dct::{Block, Dct};
use super::quant::NATURAL_ORDER;
use crate::ExecError;

/// One colour component of the frame.
pub(super) struct Component {
    /// Component identifier in SOF and SOS (1 = Y, 2 = Cb, 3 = Cr).
    pub(super) id: u8,
    /// Horizontal and vertical sampling factors.
    pub(super) sampling: u8,
    /// Quantisation (and Huffman) table: 0 for Y, 1 for chroma.
    pub(super) table: usize,
    /// Blocks across the MCU grid (what an interleaved scan codes).
    pub(super) blocks_wide: usize,
    /// Blocks down the MCU grid.
    pub(super) blocks_high: usize,
    /// Blocks across that cover the component's samples (what a non-interleaved scan codes).
    pub(super) used_wide: usize,
    /// Blocks down that cover the component's samples.
    pub(super) used_high: usize,
    /// The blocks of the grid in raster order, zig-zag order within a block.
    pub(super) blocks: Vec<[i16; 64]>,
}

impl Component {
    /// Block (`x`, `y`) of the grid.
    #[inline]
    pub(super) fn block(&self, x: usize, y: usize) -> Option<&[i16; 64]> {
        self.blocks.get(y * self.blocks_wide + x)
    }
}

/// The frame: its components and MCU grid.
pub(super) struct Frame {
    /// Y, or Y, Cb, Cr.
    pub(super) components: Vec<Component>,
    /// MCUs across.
    pub(super) mcus_wide: usize,
    /// MCUs down.
    pub(super) mcus_high: usize,
}

/// `ceil(a / b)`.
fn ceil_div(a: usize, b: usize) -> usize {
    a.div_ceil(b)
}

/// A component with its grid allocated (zeroed blocks).
fn component(
    id: u8,
    sampling: u8,
    table: usize,
    grid: (usize, usize),
    used: (usize, usize),
) -> Result<Component, ExecError> {
    let count = grid.0.checked_mul(grid.1).ok_or_else(|| ExecError::Internal("JPEG block grid overflows".into()))?;
    let mut blocks = Vec::new();
    blocks
        .try_reserve_exact(count)
        .map_err(|_| ExecError::OutOfMemory(format!("JPEG coefficients ({count} blocks)")))?;
    blocks.resize(count, [0i16; 64]);
    Ok(Component {
        id,
        sampling,
        table,
        blocks_wide: grid.0,
        blocks_high: grid.1,
        used_wide: used.0,
        used_high: used.1,
        blocks,
    })
}

impl Frame {
    /// The geometry for a `width`×`height` image: one component for grey, Y at 2×2 and Cb,
    /// Cr at 1×1 for colour.
    pub(super) fn new(gray: bool, width: usize, height: usize) -> Result<Frame, ExecError> {
        if gray {
            let (mw, mh) = (ceil_div(width, 8), ceil_div(height, 8));
            let y = component(1, 0x11, 0, (mw, mh), (mw, mh))?;
            return Ok(Frame { components: vec![y], mcus_wide: mw, mcus_high: mh });
        }
        let (mw, mh) = (ceil_div(width, 16), ceil_div(height, 16));
        let y = component(1, 0x22, 0, (2 * mw, 2 * mh), (ceil_div(width, 8), ceil_div(height, 8)))?;
        let chroma_used = (ceil_div(ceil_div(width, 2), 8), ceil_div(ceil_div(height, 2), 8));
        let cb = component(2, 0x11, 1, (mw, mh), chroma_used)?;
        let cr = component(3, 0x11, 1, (mw, mh), chroma_used)?;
        Ok(Frame { components: vec![y, cb, cr], mcus_wide: mw, mcus_high: mh })
    }
}

/// Strips of level-shifted samples for one MCU row.
struct Strips {
    /// Padded width of the Y strip.
    width: usize,
    /// Y rows (16 for colour, 8 for grey), `width` each.
    y: Vec<f32>,
    /// Cb rows (8), `width / 2` each (empty for grey).
    cb: Vec<f32>,
    /// Cr rows.
    cr: Vec<f32>,
}

/// Allocates `n` zeroed floats, fallibly.
fn floats(n: usize) -> Result<Vec<f32>, ExecError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| ExecError::OutOfMemory("JPEG sample strips".into()))?;
    v.resize(n, 0.0);
    Ok(v)
}

/// Every how many MCU rows the chroma subsampling error is measured.
const SUBSAMPLING_ERROR_ROWS: usize = 4;

/// Converts, subsamples and transforms every sample of `samples` into `frame`'s blocks.
/// `samples` is `width × height` pixels of 3 (RGB) or 1 (grey) bytes, checked by the caller.
/// Returns the squared error (RGB, summed over the image) that the chroma subsampling
/// causes, estimated on every 4th MCU row (0 for grey).
pub(super) fn transform(samples: &[u8], width: usize, height: usize, frame: &mut Frame) -> Result<f64, ExecError> {
    let gray = frame.components.len() == 1;
    let channels = if gray { 1 } else { 3 };
    let mcu = if gray { 8 } else { 16 };
    let padded = frame.mcus_wide * mcu;
    let mut strips = Strips {
        width: padded,
        y: floats(padded * mcu)?,
        cb: if gray { Vec::new() } else { floats(padded / 2 * 8)? },
        cr: if gray { Vec::new() } else { floats(padded / 2 * 8)? },
    };
    let stride = width * channels;
    let row = |y: usize| -> &[u8] {
        let y = y.min(height - 1);
        samples.get(y * stride..(y + 1) * stride).unwrap_or(&[])
    };
    let dct = Dct::new();
    let (mut subsampling_error, mut measured_rows) = (0f64, 0usize);
    for my in 0..frame.mcus_high {
        let top = my * mcu;
        // Y rows.
        for (r, out) in strips.y.chunks_exact_mut(padded).enumerate() {
            let src = row(top + r);
            if gray {
                for (o, &s) in out.iter_mut().zip(src.iter()) {
                    *o = f32::from(s) - 128.0;
                }
            } else {
                for (o, p) in out.iter_mut().zip(src.chunks_exact(3)) {
                    let (r, g, b) = (u32::from(p[0]), u32::from(p[1]), u32::from(p[2]));
                    *o = ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16) as f32 - 128.0;
                }
            }
            replicate_tail(out, width);
        }
        // Chroma rows: each from two source rows, two columns per sample.
        if !gray {
            let half = padded / 2;
            let chroma_width = ceil_div(width, 2);
            for (r, (cb, cr)) in strips.cb.chunks_exact_mut(half).zip(strips.cr.chunks_exact_mut(half)).enumerate() {
                let (a, b) = (row(top + 2 * r), row(top + 2 * r + 1));
                chroma_row(a, b, width, cb, cr);
                replicate_tail(cb, chroma_width);
                replicate_tail(cr, chroma_width);
                if my % SUBSAMPLING_ERROR_ROWS == 0 && top + 2 * r < height {
                    subsampling_error += f64::from(chroma_detail(a, b, width));
                    measured_rows += 2;
                }
            }
        }
        blocks_of_strips(&strips, &dct, frame, my);
    }
    Ok(subsampling_error * height as f64 / measured_rows.max(1) as f64)
}

/// The squared error (RGB) of replacing the chroma of each 2×2 group of rows `a` and `b` by
/// its average: `3.26 ΔCb² + 2.48 ΔCr²` per pixel (JFIF's inverse conversion puts
/// `0.344² + 1.772²` of a Cb error and `1.402² + 0.714²` of a Cr error into R, G, B). The
/// decoder's interpolation is left out: this is the least it can lose.
fn chroma_detail(a: &[u8], b: &[u8], width: usize) -> f32 {
    let mut sum = 0f32;
    for (pa, pb) in a.chunks_exact(6).zip(b.chunks_exact(6)).take(width / 2) {
        let pixels = [&pa[..3], &pa[3..], &pb[..3], &pb[3..]];
        let mean = |i: usize| pixels.iter().map(|p| f32::from(p[i])).sum::<f32>() * 0.25;
        let (mr, mg, mb) = (mean(0), mean(1), mean(2));
        for p in pixels {
            let (r, g, bl) = (f32::from(p[0]) - mr, f32::from(p[1]) - mg, f32::from(p[2]) - mb);
            let cb = -0.168_735_89 * r - 0.331_264_1 * g + 0.5 * bl;
            let cr = 0.5 * r - 0.418_687_6 * g - 0.081_312_41 * bl;
            sum += 3.26 * cb * cb + 2.48 * cr * cr;
        }
    }
    sum
}

/// Copies `row[filled - 1]` over the rest of the row.
fn replicate_tail(row: &mut [f32], filled: usize) {
    if let Some(&last) = row.get(filled.saturating_sub(1)) {
        for s in row.iter_mut().skip(filled) {
            *s = last;
        }
    }
}

/// Cb and Cr (level-shifted, i.e. without the +128) of the 2×2 averages of rows `a` and
/// `b` (RGB), for the `ceil(width / 2)` chroma samples; an odd last column is paired with
/// itself.
fn chroma_row(a: &[u8], b: &[u8], width: usize, cb: &mut [f32], cr: &mut [f32]) {
    let convert = |r: f32, g: f32, bl: f32, cb: &mut f32, cr: &mut f32| {
        *cb = -0.168_735_89 * r - 0.331_264_1 * g + 0.5 * bl;
        *cr = 0.5 * r - 0.418_687_6 * g - 0.081_312_41 * bl;
    };
    let pairs = width / 2;
    for (((pa, pb), cb), cr) in
        a.chunks_exact(6).zip(b.chunks_exact(6)).zip(cb.iter_mut()).zip(cr.iter_mut()).take(pairs)
    {
        let sum = |i: usize| f32::from(pa[i]) + f32::from(pa[i + 3]) + f32::from(pb[i]) + f32::from(pb[i + 3]);
        convert(sum(0) * 0.25, sum(1) * 0.25, sum(2) * 0.25, cb, cr);
    }
    if width % 2 == 1 {
        let at = (width - 1) * 3;
        if let (Some(pa), Some(pb), Some(cb), Some(cr)) =
            (a.get(at..at + 3), b.get(at..at + 3), cb.get_mut(pairs), cr.get_mut(pairs))
        {
            let sum = |i: usize| (f32::from(pa[i]) + f32::from(pb[i])) * 0.5;
            convert(sum(0), sum(1), sum(2), cb, cr);
        }
    }
}

/// Transforms the blocks of MCU row `my` from the strips into the frame.
fn blocks_of_strips(strips: &Strips, dct: &Dct, frame: &mut Frame, my: usize) {
    for component in frame.components.iter_mut() {
        let (plane, plane_width, rows) = match component.id {
            1 => (&strips.y, strips.width, component.blocks_high / frame.mcus_high),
            2 => (&strips.cb, strips.width / 2, 1),
            _ => (&strips.cr, strips.width / 2, 1),
        };
        let across = component.blocks_wide;
        for by in 0..rows {
            let start = (my * rows + by) * across;
            let Some(out_row) = component.blocks.get_mut(start..start + across) else { continue };
            for (bx, out) in out_row.iter_mut().enumerate() {
                let mut block: Block = [[0f32; 8]; 8];
                for (y, dst) in block.iter_mut().enumerate() {
                    let at = (by * 8 + y) * plane_width + bx * 8;
                    if let Some(src) = plane.get(at..at + 8) {
                        dst.copy_from_slice(src);
                    }
                }
                dct.forward(&mut block);
                store_zigzag(&block, out);
            }
        }
    }
}

/// Stores the coefficients × 8, rounded, in zig-zag order.
#[inline]
fn store_zigzag(block: &Block, out: &mut [i16; 64]) {
    let flat = block.as_flattened();
    for (o, &natural) in out.iter_mut().zip(NATURAL_ORDER.iter()) {
        let c = flat.get(natural).copied().unwrap_or(0.0) * 8.0;
        *o = (c + 0.5f32.copysign(c)) as i16;
    }
}
