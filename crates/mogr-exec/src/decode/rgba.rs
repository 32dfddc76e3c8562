//! The pixel layouts the `image` crate's decoders hand over, converted to RGBA8 frames.
//!
//! Grey expands to R = G = B; a missing alpha is 255; 16-bit samples round to 8 bits
//! (`(v × 255 + 32767) / 65535`, the nearest 8-bit value); 32-bit float samples are clamped
//! to 0..1 and rounded (NaN is 0). Samples come in native byte order, as
//! [`image::ImageDecoder::read_image`] delivers them.

use image::ColorType;

use crate::{ExecError, Frame};

/// A decoded buffer of `color` pixels turned into an RGBA8 frame (moved, not copied, when it
/// already is RGBA8).
pub(crate) fn to_frame(color: ColorType, width: u32, height: u32, native: Vec<u8>) -> Result<Frame, ExecError> {
    if color == ColorType::Rgba8 {
        return Frame::from_pixels(width, height, native);
    }
    let mut frame = Frame::new(width, height)?;
    let expected = (frame.pixels.len() / 4).checked_mul(usize::from(color.bytes_per_pixel()));
    if expected != Some(native.len()) {
        return Err(ExecError::Internal(format!("{} bytes of {color:?} for a {width}x{height} frame", native.len())));
    }
    let out = frame.pixels.chunks_exact_mut(4);
    match color {
        ColorType::L8 => out.zip(native.chunks_exact(1)).for_each(|(o, p)| o.copy_from_slice(&[p[0], p[0], p[0], 255])),
        ColorType::La8 => {
            out.zip(native.chunks_exact(2)).for_each(|(o, p)| o.copy_from_slice(&[p[0], p[0], p[0], p[1]]))
        }
        ColorType::Rgb8 => {
            out.zip(native.chunks_exact(3)).for_each(|(o, p)| o.copy_from_slice(&[p[0], p[1], p[2], 255]))
        }
        ColorType::L16 => out.zip(native.chunks_exact(2)).for_each(|(o, p)| grey16(o, p, None)),
        ColorType::La16 => out.zip(native.chunks_exact(4)).for_each(|(o, p)| grey16(o, &p[..2], Some(&p[2..]))),
        ColorType::Rgb16 => out.zip(native.chunks_exact(6)).for_each(|(o, p)| samples16(o, p)),
        ColorType::Rgba16 => out.zip(native.chunks_exact(8)).for_each(|(o, p)| samples16(o, p)),
        ColorType::Rgb32F => out.zip(native.chunks_exact(12)).for_each(|(o, p)| samples32f(o, p)),
        ColorType::Rgba32F => out.zip(native.chunks_exact(16)).for_each(|(o, p)| samples32f(o, p)),
        other => return Err(ExecError::Unsupported(format!("pixels of type {other:?}"))),
    }
    Ok(frame)
}

/// A 16-bit sample (native byte order) to the nearest 8-bit value.
pub(crate) fn to8(sample: [u8; 2]) -> u8 {
    let v = u32::from(u16::from_ne_bytes(sample));
    ((v * 255 + 32767) / 65535) as u8
}

/// The 16-bit sample at `at` of `p`, reduced to 8 bits.
fn sample16(p: &[u8], at: usize) -> u8 {
    to8([p[at * 2], p[at * 2 + 1]])
}

/// Grey (and alpha), 16 bits each, to RGBA8.
fn grey16(out: &mut [u8], grey: &[u8], alpha: Option<&[u8]>) {
    let g = sample16(grey, 0);
    out.copy_from_slice(&[g, g, g, alpha.map_or(255, |a| sample16(a, 0))]);
}

/// RGB or RGBA, 16 bits each, to RGBA8.
fn samples16(out: &mut [u8], p: &[u8]) {
    let alpha = if p.len() == 8 { sample16(p, 3) } else { 255 };
    out.copy_from_slice(&[sample16(p, 0), sample16(p, 1), sample16(p, 2), alpha]);
}

/// RGB or RGBA, 32-bit float each, to RGBA8.
fn samples32f(out: &mut [u8], p: &[u8]) {
    let sample = |at: usize| {
        let v = f32::from_ne_bytes([p[at * 4], p[at * 4 + 1], p[at * 4 + 2], p[at * 4 + 3]]);
        if v.is_nan() { 0 } else { (v.clamp(0.0, 1.0) * 255.0).round() as u8 }
    };
    let alpha = if p.len() == 16 { sample(3) } else { 255 };
    out.copy_from_slice(&[sample(0), sample(1), sample(2), alpha]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bits_round_to_the_nearest_eight_bit_value() {
        assert_eq!(to8(0u16.to_ne_bytes()), 0);
        assert_eq!(to8(65535u16.to_ne_bytes()), 255);
        assert_eq!(to8(128u16.to_ne_bytes()), 0);
        assert_eq!(to8(129u16.to_ne_bytes()), 1);
        assert_eq!(to8(0x8080u16.to_ne_bytes()), 128);
    }

    #[test]
    fn layouts_expand_to_rgba() {
        let grey_alpha = to_frame(ColorType::La8, 2, 1, vec![10, 20, 30, 40]).unwrap();
        assert_eq!(grey_alpha.pixels, [10, 10, 10, 20, 30, 30, 30, 40]);
        let rgb16: Vec<u8> = [65535u16, 0, 0x8080].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(to_frame(ColorType::Rgb16, 1, 1, rgb16).unwrap().pixels, [255, 0, 128, 255]);
        let float: Vec<u8> = [2.0f32, -1.0, f32::NAN, 0.5].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(to_frame(ColorType::Rgba32F, 1, 1, float).unwrap().pixels, [255, 0, 0, 128]);
        assert!(to_frame(ColorType::Rgb8, 2, 2, vec![0; 11]).is_err());
    }
}
