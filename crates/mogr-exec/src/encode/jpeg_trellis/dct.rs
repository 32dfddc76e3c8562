//! The forward 8×8 DCT, in floating point.
//!
//! This file owns the transform from 64 level-shifted samples to 64 DCT coefficients: the
//! orthonormal DCT-II of T.81 A.3.3, `F(u,v) = ¼ C(u) C(v) Σ f(x,y) cos((2x+1)uπ/16)
//! cos((2y+1)vπ/16)` with `C(0) = 1/√2`, in `f32` (no integer rounding inside: accurate to
//! far better than any quantiser step). Orthonormal means Parseval holds: the squared error
//! of a coefficient is the squared error it adds to the block's pixels, which is what the
//! trellis minimises.
//!
//! It is computed with the Arai–Agui–Nakajima factorisation (5 multiplications and 29
//! additions per 8 points), whose outputs are the DCT scaled by `8 · s(u) · s(v)` with
//! `s(0) = 1`, `s(k) = √2 cos(kπ/16)`: the scale is undone by one multiplication per
//! coefficient. The 1-D transform runs on whole rows of 8 values at once (the columns in
//! parallel, which the compiler turns into vector code), then on the transpose.
//!
//! Data flow: `blocks.rs` gathers a block of samples from its strip (already level-shifted),
//! [`Dct::forward`] transforms it in place, and the coefficients are stored in zig-zag order.

/// A block of 8×8 values, rows of 8.
pub(super) type Block = [[f32; 8]; 8];

/// A row of 8 values, the unit the 1-D transform works on.
type Row = [f32; 8];

/// The undoing of the AAN output scale, computed once per encode.
pub(super) struct Dct {
    /// `1 / (8 s(u) s(v))` at `[v][u]`.
    scale: Block,
}

#[inline(always)]
fn add(a: Row, b: Row) -> Row {
    std::array::from_fn(|i| a[i] + b[i])
}

#[inline(always)]
fn sub(a: Row, b: Row) -> Row {
    std::array::from_fn(|i| a[i] - b[i])
}

#[inline(always)]
fn mul(a: Row, c: f32) -> Row {
    a.map(|v| v * c)
}

/// The 1-D AAN transform of the 8 rows `d`, element-wise (so each column is transformed).
#[inline(always)]
fn aan(d: &Block) -> Block {
    let [d0, d1, d2, d3, d4, d5, d6, d7] = *d;
    let (t0, t7) = (add(d0, d7), sub(d0, d7));
    let (t1, t6) = (add(d1, d6), sub(d1, d6));
    let (t2, t5) = (add(d2, d5), sub(d2, d5));
    let (t3, t4) = (add(d3, d4), sub(d3, d4));
    // Even part.
    let (e10, e13) = (add(t0, t3), sub(t0, t3));
    let (e11, e12) = (add(t1, t2), sub(t1, t2));
    let z1 = mul(add(e12, e13), std::f32::consts::FRAC_1_SQRT_2);
    // Odd part.
    let o10 = add(t4, t5);
    let o11 = add(t5, t6);
    let o12 = add(t6, t7);
    let z5 = mul(sub(o10, o12), 0.382_683_43); // cos(3π/8)
    let z2 = add(mul(o10, 0.541_196_1), z5); // cos(π/8) − cos(3π/8)
    let z4 = add(mul(o12, 1.306_562_9), z5); // cos(π/8) + cos(3π/8)
    let z3 = mul(o11, std::f32::consts::FRAC_1_SQRT_2);
    let (z11, z13) = (add(t7, z3), sub(t7, z3));
    [add(e10, e11), add(z11, z4), add(e13, z1), sub(z13, z2), sub(e10, e11), add(z13, z2), sub(e13, z1), sub(z11, z4)]
}

/// The transpose of `b`.
#[inline(always)]
fn transpose(b: &Block) -> Block {
    std::array::from_fn(|i| std::array::from_fn(|j| b[j][i]))
}

impl Dct {
    /// The output scale.
    pub(super) fn new() -> Dct {
        let s = |k: usize| {
            if k == 0 { 1.0 } else { std::f64::consts::SQRT_2 * (k as f64 * std::f64::consts::PI / 16.0).cos() }
        };
        let scale = std::array::from_fn(|v| std::array::from_fn(|u| (1.0 / (8.0 * s(u) * s(v))) as f32));
        Dct { scale }
    }

    /// Replaces the samples `block[y][x]` by the coefficients `block[v][u]` (row = vertical
    /// frequency, natural order).
    pub(super) fn forward(&self, block: &mut Block) {
        // Vertical transform (rows combined element-wise), then horizontal on the transpose.
        let vertical = aan(block);
        let horizontal = aan(&transpose(&vertical));
        let out = transpose(&horizontal);
        for ((dst, src), scale) in block.iter_mut().zip(out.iter()).zip(self.scale.iter()) {
            *dst = std::array::from_fn(|i| src[i] * scale[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook double sum, in f64.
    #[allow(clippy::needless_range_loop)]
    fn reference(block: &Block) -> [[f64; 8]; 8] {
        let mut out = [[0f64; 8]; 8];
        let c = |k: usize| if k == 0 { std::f64::consts::FRAC_1_SQRT_2 } else { 1.0 };
        for v in 0..8 {
            for u in 0..8 {
                let mut sum = 0.0;
                for y in 0..8 {
                    for x in 0..8 {
                        let cx = (((2 * x + 1) * u) as f64 * std::f64::consts::PI / 16.0).cos();
                        let cy = (((2 * y + 1) * v) as f64 * std::f64::consts::PI / 16.0).cos();
                        sum += f64::from(block[y][x]) * cx * cy;
                    }
                }
                out[v][u] = 0.25 * c(u) * c(v) * sum;
            }
        }
        out
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn matches_the_definition() {
        let dct = Dct::new();
        let mut block = [[0f32; 8]; 8];
        for (y, row) in block.iter_mut().enumerate() {
            for (x, s) in row.iter_mut().enumerate() {
                *s = ((x * 37 + y * 91 + x * y * 13) % 256) as f32 - 128.0;
            }
        }
        let expected = reference(&block);
        dct.forward(&mut block);
        for v in 0..8 {
            for u in 0..8 {
                assert!((f64::from(block[v][u]) - expected[v][u]).abs() < 1e-3, "({u},{v})");
            }
        }
    }

    #[test]
    fn flat_block_is_dc_only() {
        let dct = Dct::new();
        let mut block = [[10f32; 8]; 8];
        dct.forward(&mut block);
        assert!((block[0][0] - 80.0).abs() < 1e-4);
        assert!(block.iter().flatten().skip(1).all(|c| c.abs() < 1e-4));
    }
}
