//! A high-compression JPEG encoder in pure Rust: trellis quantisation and optimal Huffman
//! tables (the ideas of mozjpeg, which cannot be linked beside libjpeg-turbo's `jpeg_*`
//! symbols), for an optional "smaller files" JPEG mode.
//!
//! `quality` means what it means for libjpeg-turbo (the same quantisation tables, so the
//! probe reads it back); the files come out 10-30 % smaller than libjpeg-turbo's baseline
//! 4:2:0 output at the same quality, for about 0.3 dB of PSNR (λ is calibrated per image for
//! that), at 25-45 MP/s on one core.
//!
//! ```text
//! RGB / grey samples
//!   ──blocks.rs: YCbCr (JFIF), 4:2:0 by 2×2 averaging, edges replicated to whole MCUs;
//!                dct.rs: float DCT──▶ coefficient blocks (× 8, zig-zag)
//!   ──rdo.rs: rate model from sampled statistics (huffman.rs), λ calibrated on a sample;
//!             trellis.rs: AC trellis per block, DC Viterbi per chain──▶ quantised blocks
//!   ──entropy.rs: per scan, count symbols → optimal tables (huffman.rs) → DHT, SOS, codes (bits.rs)
//!   ──markers.rs: SOI, APP0 JFIF, DQT (quant.rs), SOF0/SOF2 … EOI──▶ JFIF bytes
//! ```
//!
//! - Colour is 4:2:0 (Y 2×2, Cb and Cr 1×1), grey is one component; any size from 1×1 to
//!   65535×65535.
//! - Baseline (SOF0) is one interleaved scan; progressive (SOF2) is a DC scan, then AC bands
//!   per component, each band with successive approximation where counting finds it pays,
//!   every scan with its own optimal tables (1-3 % smaller than baseline).
//! - Nothing but the JFIF segment is written: the caller inserts EXIF, ICC and XMP.
//! - Deterministic: the same input gives the same bytes. Single-threaded. Memory: the
//!   coefficients (2 bytes a coefficient, 1.5 coefficients a pixel for colour) plus the
//!   output.

mod bits;
mod blocks;
mod dct;
mod entropy;
mod huffman;
mod markers;
mod quant;
mod rdo;
mod trellis;

use self::blocks::Frame;
use self::entropy::Script;
use self::markers::FrameComponent;
use self::quant::{QuantTable, TableKind};
use self::trellis::{Params, Quantiser};
use crate::ExecError;

/// Encodes `samples` (RGB, 3 bytes a pixel, or grey, 1 byte; rows without padding, as
/// `encode/pixels.rs`'s `Layout` describes) as a JFIF file at libjpeg `quality` (1-100; 0 is
/// taken as 1), baseline or progressive.
pub(crate) fn encode(
    samples: &[u8],
    gray: bool,
    width: u32,
    height: u32,
    quality: u8,
    progressive: bool,
) -> Result<Vec<u8>, ExecError> {
    encode_with(samples, gray, width, height, quality, progressive.then_some(Script::Optimised))
}

/// [`encode`], progressive with `script` when given.
fn encode_with(
    samples: &[u8],
    gray: bool,
    width: u32,
    height: u32,
    quality: u8,
    script: Option<Script>,
) -> Result<Vec<u8>, ExecError> {
    let params = Params::default();
    let (w16, h16) = check(samples, gray, width, height)?;
    let (w, h) = (usize::from(w16), usize::from(h16));
    let mut frame = Frame::new(gray, w, h)?;
    let subsampling_error = blocks::transform(samples, w, h, &mut frame)?;

    let quality = quality.clamp(1, 100);
    let tables = [
        QuantTable::for_quality(TableKind::Luminance, quality),
        QuantTable::for_quality(TableKind::Chrominance, quality),
    ];
    let quantisers = [Quantiser::new(&tables[0], 1.0), Quantiser::new(&tables[1], params.chroma_weight)];
    // What the decoded RGB (or grey) will be off by besides the quantisation, in the
    // trellis's weighted units (a luma coefficient's squared error counts once, and puts it
    // into each of R, G and B): the chroma subsampling and the decoder's rounding to integers.
    let pixels = (w * h) as f64;
    // The subsampling error is measured against the 2×2 average; decoders interpolate the
    // chroma (libjpeg's "fancy" upsampling), which recovers about half of it on photos.
    let other_error = if gray { pixels / 12.0 } else { (0.5 * subsampling_error + pixels * 3.0 / 12.0) / 3.0 };
    rdo::quantise(&mut frame, &quantisers, params, other_error)?;

    let mut out = Vec::new();
    out.try_reserve(w * h / 4 + 1024).map_err(|_| ExecError::OutOfMemory("the JPEG output".into()))?;
    markers::soi(&mut out);
    markers::app0_jfif(&mut out);
    if gray {
        markers::dqt(&mut out, &[&tables[0]]);
    } else {
        markers::dqt(&mut out, &[&tables[0], &tables[1]]);
    }
    let components: Vec<FrameComponent> = frame
        .components
        .iter()
        .map(|c| FrameComponent { id: c.id, h: c.sampling >> 4, v: c.sampling & 15, table: c.table as u8 })
        .collect();
    markers::sof(&mut out, script.is_some(), w16, h16, &components);
    match script {
        Some(script) => entropy::write_progressive(&frame, script, &mut out),
        None => entropy::write_baseline(&frame, &mut out),
    }
    markers::eoi(&mut out);
    Ok(out)
}

/// Checks the input and gives the sides as `u16`.
fn check(samples: &[u8], gray: bool, width: u32, height: u32) -> Result<(u16, u16), ExecError> {
    let side = |v: u32, name: &str| {
        u16::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| ExecError::Internal(format!("JPEG (trellis): the {name} {v} is not from 1 to 65535 pixels")))
    };
    let (w, h) = (side(width, "width")?, side(height, "height")?);
    let channels = if gray { 1 } else { 3 };
    let expected = usize::from(w) * usize::from(h) * channels;
    if samples.len() != expected {
        return Err(ExecError::Internal(format!(
            "JPEG (trellis): {} bytes of samples for {width}x{height} {}, expected {expected}",
            samples.len(),
            if gray { "grey" } else { "RGB" }
        )));
    }
    Ok((w, h))
}

// The tests decode with libjpeg-turbo, the reference decoder.
#[cfg(test)]
#[cfg(feature = "jpeg-turbo")]
mod tests;
