//! CIE 1976 L\*a\*b\* samples (TIFF PhotometricInterpretation 8, "CIELab") to sRGB.
//!
//! Stored samples, as TIFF 6.0 section 23 defines them (a\* and b\* are two's complement):
//!
//! ```text
//!  8 bits:  L* = L × 100 / 255      a* = a (i8)          b* = b (i8)
//! 16 bits:  L* = L × 100 / 65535    a* = a (i16) / 256   b* = b (i16) / 256
//! ```
//!
//! The conversion (CIE 1976 inverse, white point D50 as TIFF and ICC take it, then Bradford
//! chromatic adaptation to sRGB's D65, then the sRGB transfer curve):
//!
//! ```text
//! fy = (L* + 16) / 116      fx = fy + a* / 500      fz = fy − b* / 200
//! f⁻¹(t) = t³ if t > 6/29, else 3 (6/29)² (t − 4/29)
//! X = 0.96422 f⁻¹(fx)       Y = f⁻¹(fy)             Z = 0.82521 f⁻¹(fz)        (D50 white)
//! ⎡R⎤   ⎡ 3.1338561 −1.6168667 −0.4906146⎤ ⎡X⎤      XYZ (D50) → linear sRGB: the sRGB
//! ⎢G⎥ = ⎢−0.9787684  1.9161415  0.0334540⎥ ⎢Y⎥      matrix with Bradford D50 → D65 folded
//! ⎣B⎦   ⎣ 0.0719453 −0.2289914  1.4052427⎦ ⎣Z⎦      in (Lindbloom's table)
//! each channel c clamped to 0..1, then 12.92 c if c ≤ 0.0031308, else 1.055 c^(1/2.4) − 0.055,
//! × 255 and rounded
//! ```
//!
//! Colours outside sRGB are clipped channel by channel (no gamut mapping). L\* = 100, a\* =
//! b\* = 0 is white (255, 255, 255).

/// D50 white: X and Z (Y is 1).
const D50: [f64; 2] = [0.96422, 0.82521];

/// XYZ (D50) to linear sRGB, Bradford-adapted to D65.
const XYZ_D50_TO_SRGB: [[f64; 3]; 3] = [
    [3.133_856_1, -1.616_866_7, -0.490_614_6],
    [-0.978_768_4, 1.916_141_5, 0.033_454_0],
    [0.071_945_3, -0.228_991_4, 1.405_242_7],
];

/// One 8-bit TIFF CIELab pixel (L, a, b as stored) as sRGB.
pub(crate) fn from_8bit([l, a, b]: [u8; 3]) -> [u8; 3] {
    let signed = |v: u8| f64::from(v.cast_signed());
    to_srgb(f64::from(l) * 100.0 / 255.0, signed(a), signed(b))
}

/// One 16-bit TIFF CIELab pixel (L, a, b as stored) as sRGB.
pub(crate) fn from_16bit([l, a, b]: [u16; 3]) -> [u8; 3] {
    let signed = |v: u16| f64::from(v.cast_signed()) / 256.0;
    to_srgb(f64::from(l) * 100.0 / 65535.0, signed(a), signed(b))
}

/// L\*, a\*, b\* (D50) as 8-bit sRGB.
fn to_srgb(l: f64, a: f64, b: f64) -> [u8; 3] {
    let fy = (l + 16.0) / 116.0;
    let xyz = [D50[0] * inverse_f(fy + a / 500.0), inverse_f(fy), D50[1] * inverse_f(fy - b / 200.0)];
    XYZ_D50_TO_SRGB.map(|row| encode(row[0] * xyz[0] + row[1] * xyz[1] + row[2] * xyz[2]))
}

/// The inverse of CIE 1976's companding function f.
fn inverse_f(t: f64) -> f64 {
    const DELTA: f64 = 6.0 / 29.0;
    if t > DELTA { t * t * t } else { 3.0 * DELTA * DELTA * (t - 4.0 / 29.0) }
}

/// A linear sRGB channel, clamped, through the sRGB curve, to 8 bits.
fn encode(linear: f64) -> u8 {
    let c = if linear.is_nan() { 0.0 } else { linear.clamp(0.0, 1.0) };
    let v = if c <= 0.003_130_8 { 12.92 * c } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_black_and_grey_are_neutral() {
        assert_eq!(from_8bit([255, 0, 0]), [255, 255, 255]);
        assert_eq!(from_16bit([65535, 0, 0]), [255, 255, 255]);
        assert_eq!(from_8bit([0, 0, 0]), [0, 0, 0]);
        // L* 50 is sRGB 119 (Y = 0.1842).
        assert_eq!(from_16bit([32768, 0, 0]), [119, 119, 119]);
    }

    #[test]
    fn primaries_come_back() {
        // sRGB red, green and blue as L*a*b* (D50, Bradford), rounded: 54.29 80.81 69.89,
        // 87.82 −79.29 80.99, 29.57 68.30 −112.03.
        let signed = |v: f64| ((v * 256.0).round() as i16).cast_unsigned();
        let lab16 = |l: f64, a: f64, b: f64| from_16bit([(l / 100.0 * 65535.0).round() as u16, signed(a), signed(b)]);
        let near = |got: [u8; 3], want: [u8; 3]| got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 1);
        assert!(near(lab16(54.29, 80.81, 69.89), [255, 0, 0]), "{:?}", lab16(54.29, 80.81, 69.89));
        assert!(near(lab16(87.82, -79.29, 80.99), [0, 255, 0]), "{:?}", lab16(87.82, -79.29, 80.99));
        assert!(near(lab16(29.57, 68.30, -112.03), [0, 0, 255]), "{:?}", lab16(29.57, 68.30, -112.03));
        // a* and b* are signed: 0x80 is −128, far outside sRGB, clipped.
        assert_eq!(from_8bit([128, 0x80, 0]), [0, 156, 116]);
    }
}
