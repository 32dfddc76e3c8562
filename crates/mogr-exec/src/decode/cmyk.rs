//! CMYK pixels (from a 4-component JPEG) to RGB, in place, without a colour profile.
//!
//! Photoshop, and so most CMYK and YCCK JPEGs (those with an Adobe APP14 marker), store the
//! ink amounts inverted: a stored 255 is no ink. On the stored values `c m y k`:
//!
//! ```text
//! Adobe (inverted):   R = c·k / 255          G = m·k / 255          B = y·k / 255
//! plain (ink 0-255):  R = (255-c)(255-k)/255 G = (255-m)(255-k)/255 B = (255-y)(255-k)/255
//! ```
//!
//! rounded to the nearest integer. This is the naive conversion browsers and most decoders
//! (libvips without a profile, Pillow, pdf.js) use: exact to that formula (±0), but not
//! colour-managed, so a print profile's gamut is not reproduced; against a colour-managed
//! conversion through the embedded CMYK profile, colours differ by up to tens of levels.

/// Converts a buffer of CMYK pixels to RGBA (alpha 255), in place.
pub(crate) fn to_rgba(pixels: &mut [u8], adobe_inverted: bool) {
    for pixel in pixels.chunks_exact_mut(4) {
        let ink = |v: u8| if adobe_inverted { v } else { 255 - v };
        let k = u32::from(ink(pixel[3]));
        let channel = |v: u8| ((u32::from(ink(v)) * k + 127) / 255) as u8;
        let rgb = [channel(pixel[0]), channel(pixel[1]), channel(pixel[2]), 255];
        pixel.copy_from_slice(&rgb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adobe_values_are_inverted_ink() {
        let mut pixels = [255, 255, 255, 255, 0, 255, 255, 255, 128, 64, 255, 128];
        to_rgba(&mut pixels, true);
        assert_eq!(pixels, [255, 255, 255, 255, 0, 255, 255, 255, 64, 32, 128, 255]);
    }

    #[test]
    fn plain_values_are_ink() {
        let mut pixels = [0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255];
        to_rgba(&mut pixels, false);
        assert_eq!(pixels, [255, 255, 255, 255, 0, 255, 255, 255, 0, 0, 0, 255]);
    }
}
