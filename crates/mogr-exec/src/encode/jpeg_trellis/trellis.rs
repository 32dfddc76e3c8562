//! Rate-distortion optimised quantisation (trellis quantisation) of one block's AC
//! coefficients, and of one component's chain of DC coefficients.
//!
//! Plain JPEG quantisation rounds each `c / Q` to the nearest integer: the least error, not
//! the fewest bits. Here the values are chosen to minimise
//!
//! ```text
//! J = D + λ · R
//! D = Σ w (c − v Q)²      squared error (pixels², by Parseval: the DCT is orthonormal),
//!                          w = 1 for luma, Params::chroma_weight for chroma
//! R = bits                Huffman code lengths of the symbols + magnitude bits
//! ```
//!
//! **AC trellis** ([`quantise_block`]). In zig-zag order, coefficient `k` rounds to
//! `m = round(|c_k| / Q_k)`. If `m` is 0 it stays 0. Otherwise it is a node with the
//! candidates `m` and `m − 1` (one less can save a size category; the sign is kept), and it
//! may also be zeroed (the node is skipped). Node `k` with value `v` reached from the
//! previous non-zero node `j` (or from the DC, position 0) costs
//!
//! ```text
//! J(k, v) = J(j) + Σ_{j<i<k} w c_i² + w (|c_k| − v Q_k)² + λ (⌊r/16⌋ len(ZRL) + len(r/s) + s)
//! ```
//!
//! with run `r = k − j − 1` and `s` the size category of `v`. Each node keeps its cheapest
//! predecessor (dynamic programming over the earlier nodes, O(nodes²) per block, usually a
//! handful of nodes), and the block ends after the node `j` that minimises
//! `J(j) + Σ_{i>j} w c_i² + λ len(EOB)` (no EOB after position 63), possibly the DC itself
//! (every AC coefficient zeroed). Squared error rather than error in quantiser steps
//! (mozjpeg's weighting) because it gives the most PSNR per byte; the quantisation tables
//! still decide where the error may go, through the candidates.
//!
//! **DC trellis** ([`quantise_dc`]). DC coefficients are coded as differences along a chain
//! (the scan order), so they are chosen together: each is the integer just below or just
//! above `c / Q`, and a Viterbi search over the chain minimises the same `J` with the bits of
//! the differences. It saves 0.1–1 % more.
//!
//! **λ** comes from the caller (`rdo.rs` calibrates it per image). Its natural unit is the
//! high-rate slope of a uniform quantiser, `λ₀ = (ln 2 / 6) Q̄²` (Q̄ the mean AC step of the
//! luma table): the calibrated λ is typically 0.05–0.15 λ₀, as JPEG works far from high rate.
//!
//! Data flow: blocks arrive as coefficients × 8 (`i16`, zig-zag) and leave quantised, in
//! place; [`plain_block`] gives plain rounding's error and symbols for the statistics and
//! the calibration.

use super::huffman::{Frequencies, HuffmanTable};
use super::quant::QuantTable;

/// Tuning of the trellis.
#[derive(Clone, Copy, Debug)]
pub(super) struct Params {
    /// The weight of a chroma coefficient's squared error against a luma one's.
    pub(super) chroma_weight: f32,
    /// The PSNR loss (dB, against plain rounding) that λ is calibrated to.
    pub(super) target_loss_db: f32,
    /// The largest λ, as a factor of the high-rate λ₀.
    pub(super) max_lambda_factor: f32,
    /// λ of the DC trellis relative to the AC one (0: DC rounded to nearest).
    pub(super) dc_lambda_factor: f32,
}

impl Default for Params {
    fn default() -> Self {
        Params { chroma_weight: 3.8, target_loss_db: 0.3, max_lambda_factor: 1.0, dc_lambda_factor: 1.0 }
    }
}

/// One quantisation table prepared for the trellis (zig-zag order).
pub(super) struct Quantiser {
    /// `Q_k`.
    step: [f32; 64],
    /// `1 / Q_k`.
    inverse: [f32; 64],
    /// The distortion weight `w_k`.
    weight: [f32; 64],
    /// The high-rate λ₀ = (ln 2 / 6) · Q̄² × the component weight, Q̄ the mean AC step.
    pub(super) high_rate_lambda: f32,
}

impl Quantiser {
    /// The trellis constants for `table`, errors weighted by `component_weight`.
    pub(super) fn new(table: &QuantTable, component_weight: f32) -> Quantiser {
        let mut step = [1f32; 64];
        let mut inverse = [1f32; 64];
        let mut weight = [1f32; 64];
        for (((s, i), w), &q) in step.iter_mut().zip(inverse.iter_mut()).zip(weight.iter_mut()).zip(table.steps.iter())
        {
            let q = f32::from(q.max(1));
            *s = q;
            *i = 1.0 / q;
            *w = component_weight;
        }
        let mean_ac = table.steps.iter().skip(1).map(|&q| f32::from(q)).sum::<f32>() / 63.0;
        let high_rate_lambda = component_weight * std::f32::consts::LN_2 / 6.0 * mean_ac * mean_ac;
        Quantiser { step, inverse, weight, high_rate_lambda }
    }

    /// The DC coefficient (× 8) rounded to nearest in quantiser steps.
    #[inline]
    pub(super) fn dc(&self, scaled: i16) -> i16 {
        round(f32::from(scaled) * 0.125 * self.inverse[0]).clamp(-2047, 2047) as i16
    }
}

/// Rounds half away from zero (without `f32::round`, which is a library call on plain x86-64).
#[inline]
fn round(x: f32) -> i32 {
    (x + 0.5f32.copysign(x)) as i32
}

/// λ × code length of each AC symbol.
pub(super) struct AcRates {
    /// `run_size[s][r]`: λ × the bits of a coefficient of size `s` after `r` zeros (ZRL codes
    /// for every 16 zeros, the run/size code, `s` magnitude bits).
    run_size: [[f32; 64]; 11],
    /// λ × the length of EOB.
    eob: f32,
}

impl AcRates {
    /// Rates for `lambda` from the statistics `freq`: code lengths of the optimal table for
    /// the counts plus one for every valid AC symbol (so that every symbol has a length).
    pub(super) fn new(freq: &Frequencies, lambda: f32) -> AcRates {
        let mut smoothed = *freq;
        for (symbol, f) in smoothed.iter_mut().enumerate() {
            let size = symbol & 15;
            if size <= 10 && (size > 0 || symbol == 0 || symbol == 0xF0) {
                *f += 1;
            }
        }
        let lengths = HuffmanTable::from_frequencies(&smoothed).lengths();
        let bits = |symbol: usize| f32::from(lengths.get(symbol).copied().filter(|&l| l > 0).unwrap_or(16));
        let mut run_size = [[0f32; 64]; 11];
        for (size, row) in run_size.iter_mut().enumerate().skip(1) {
            for (run, cost) in row.iter_mut().enumerate() {
                let zrl = (run / 16) as f32 * bits(0xF0);
                *cost = lambda * (zrl + bits(((run % 16) << 4) | size) + size as f32);
            }
        }
        AcRates { run_size, eob: lambda * bits(0x00) }
    }
}

/// The size category of a non-zero magnitude (bits needed).
#[inline]
fn size_of(magnitude: u32) -> u32 {
    32 - magnitude.leading_zeros()
}

/// The weighted squared error of rounding every coefficient of `block` to nearest, and the
/// AC symbols that would code it (into `freq` when given).
pub(super) fn plain_block(block: &[i16; 64], quantiser: &Quantiser, freq: Option<&mut Frequencies>) -> f32 {
    let mut rounded = [0i32; 64];
    let mut errors = [0f32; 64];
    for ((((r, e), &c), &inverse), (&step, &w)) in rounded
        .iter_mut()
        .zip(errors.iter_mut())
        .zip(block.iter())
        .zip(quantiser.inverse.iter())
        .zip(quantiser.step.iter().zip(quantiser.weight.iter()))
    {
        let c = f32::from(c) * 0.125;
        *r = round(c * inverse);
        let error = c - *r as f32 * step;
        *e = w * error * error;
    }
    if let Some(freq) = freq {
        let mut mask = nonzero_mask(&rounded) & !1;
        let mut last = 0u32;
        while mask != 0 {
            let k = mask.trailing_zeros();
            mask &= mask - 1;
            let mut run = k - last - 1;
            while run > 15 {
                freq[0xF0] += 1;
                run -= 16;
            }
            let size = size_of(rounded[k as usize & 63].unsigned_abs().min(1023));
            freq[((run << 4) | size) as usize & 0xFF] += 1;
            last = k;
        }
        if last < 63 {
            freq[0] += 1;
        }
    }
    errors.iter().sum()
}

/// Bit `k` set where `values[k]` is not zero.
#[inline]
fn nonzero_mask(values: &[i32; 64]) -> u64 {
    values.iter().enumerate().fold(0u64, |mask, (k, &v)| mask | (u64::from(v != 0) << k))
}

/// Replaces the coefficients × 8 of `block` (zig-zag) by their quantised values: DC rounded,
/// AC chosen by the trellis. Returns the block's weighted squared error.
pub(super) fn quantise_block(block: &mut [i16; 64], quantiser: &Quantiser, rates: &AcRates) -> f32 {
    // Magnitudes in true units, their rounding, and the cost of zeroing each.
    let mut c_abs = [0f32; 64];
    let mut rounded = [0i32; 64];
    let mut zero_cost = [0f32; 64];
    for ((((a, r), z), &c), (&inverse, &w)) in c_abs
        .iter_mut()
        .zip(rounded.iter_mut())
        .zip(zero_cost.iter_mut())
        .zip(block.iter())
        .zip(quantiser.inverse.iter().zip(quantiser.weight.iter()))
    {
        *a = f32::from(c).abs() * 0.125;
        *r = round(*a * inverse).min(1023);
        *z = w * *a * *a;
    }
    // zeroed[k]: the cost of zeroing every AC coefficient from 1 to k.
    let mut zeroed = [0f32; 64];
    let mut sum = 0f32;
    for (z, &c) in zeroed.iter_mut().zip(zero_cost.iter()).skip(1) {
        sum += c;
        *z = sum;
    }
    // Node 0 is the start (the DC position); nodes 1..count are the AC positions with m > 0.
    let mut position = [0usize; 64];
    // J(node) − Z(position): the best cost through the node, less the zeroing cost up to it.
    let mut key = [0f32; 64];
    let mut value = [0u16; 64];
    let mut predecessor = [0usize; 64];
    let mut count = 1usize;
    let mut mask = nonzero_mask(&rounded) & !1;
    while mask != 0 {
        let k = mask.trailing_zeros() as usize & 63;
        mask &= mask - 1;
        let (a, q, w) = (c_abs[k], quantiser.step[k], quantiser.weight[k]);
        let before = zeroed[k - 1];
        let m = rounded[k] as u32;
        let (mut best, mut best_value, mut best_from) = (f32::INFINITY, 0u32, 0usize);
        // Candidates m and m − 1; the best predecessor depends on the size only.
        let mut searched = (0u32, f32::INFINITY, 0usize);
        for v in [m, m - 1] {
            if v == 0 {
                break;
            }
            let size = size_of(v);
            if size != searched.0 {
                let costs = &rates.run_size[(size as usize).min(10)];
                let mut min = (f32::INFINITY, 0usize);
                for (j, (&p, &kj)) in position.iter().zip(key.iter()).take(count).enumerate() {
                    let cost = kj + costs[(k - 1 - p) & 63];
                    if cost < min.0 {
                        min = (cost, j);
                    }
                }
                searched = (size, min.0, min.1);
            }
            let error = a - v as f32 * q;
            let total = w * error * error + before + searched.1;
            if total < best {
                (best, best_value, best_from) = (total, v, searched.2);
            }
        }
        position[count] = k;
        key[count] = best - zeroed[k];
        value[count] = best_value as u16;
        predecessor[count] = best_from;
        count += 1;
    }
    let zeroed = zeroed[63];

    // The last non-zero coefficient: the node that ends the block most cheaply.
    let mut best = (f32::INFINITY, 0usize);
    for (j, (&p, &kj)) in position.iter().zip(key.iter()).take(count).enumerate() {
        let cost = kj + zeroed + if p < 63 { rates.eob } else { 0.0 };
        if cost < best.0 {
            best = (cost, j);
        }
    }

    let signs = *block;
    block[0] = quantiser.dc(block[0]);
    for c in block.iter_mut().skip(1) {
        *c = 0;
    }
    let mut node = best.1;
    while node != 0 {
        let k = position[node] & 63;
        let v = value[node] as i16;
        block[k] = if signs[k] < 0 { -v } else { v };
        node = predecessor[node] & 63;
    }
    let dc_error = c_abs[0] - f32::from(block[0]).abs() * quantiser.step[0];
    let mut distortion = quantiser.weight[0] * dc_error * dc_error;
    for (((&a, &v), &q), &w) in
        c_abs.iter().zip(block.iter()).zip(quantiser.step.iter()).zip(quantiser.weight.iter()).skip(1)
    {
        let error = a - f32::from(v).abs() * q;
        distortion += w * error * error;
    }
    distortion
}

/// λ × the bits of each DC difference size (the size code and as many magnitude bits).
pub(super) struct DcRates {
    /// Indexed by size 0..=11.
    size: [f32; 12],
}

impl DcRates {
    /// Rates for `lambda` from the counts of DC difference sizes (plus one for each size, so
    /// that every size has a length).
    pub(super) fn new(freq: &Frequencies, lambda: f32) -> DcRates {
        let mut smoothed = *freq;
        for f in smoothed.iter_mut().take(12) {
            *f += 1;
        }
        let lengths = HuffmanTable::from_frequencies(&smoothed).lengths();
        let mut size = [0f32; 12];
        for (s, (cost, &len)) in size.iter_mut().zip(lengths.iter()).enumerate() {
            *cost = lambda * (f32::from(if len == 0 { 16 } else { len }) + s as f32);
        }
        DcRates { size }
    }

    /// λ × the bits of the difference `diff`.
    #[inline]
    fn of(&self, diff: i32) -> f32 {
        self.size.get(size_of(diff.unsigned_abs()) as usize).copied().unwrap_or(f32::INFINITY)
    }
}

/// Counts the sizes of the DC differences plain rounding gives along `order`.
pub(super) fn plain_dc_frequencies(originals: &[i16], order: &[usize], quantiser: &Quantiser, freq: &mut Frequencies) {
    let mut previous = 0i32;
    for &i in order {
        let value = originals.get(i).map_or(0, |&c| quantiser.dc(c).into());
        freq[size_of((value - previous).unsigned_abs()) as usize & 0xFF] += 1;
        previous = value;
    }
}

/// Chooses the DC values of the blocks along `order` (the chain of DC predictions) by a
/// Viterbi search: each block's DC is the integer just below or just above `c / Q` (its
/// unquantised value, × 8, in `originals`), and the path minimises the weighted squared
/// error plus λ × the bits of the differences. Writes the values into `blocks`.
pub(super) fn quantise_dc(
    blocks: &mut [[i16; 64]],
    originals: &[i16],
    order: &[usize],
    quantiser: &Quantiser,
    rates: &DcRates,
) -> Result<(), crate::ExecError> {
    let mut back: Vec<u8> = Vec::new();
    back.try_reserve_exact(order.len()).map_err(|_| crate::ExecError::OutOfMemory("JPEG DC trellis".into()))?;
    // Per state (0: below, 1: above): its value and the best cost of a path ending there.
    let mut states = [(0i32, 0f32), (0i32, f32::INFINITY)];
    let (q, w) = (quantiser.step[0], quantiser.weight[0]);
    let candidates = |i: usize| {
        let c = originals.get(i).map_or(0.0, |&c| f32::from(c) * 0.125);
        let low = (c * quantiser.inverse[0]).floor().clamp(-2047.0, 2046.0);
        (c, low as i32)
    };
    for &i in order {
        let (c, low) = candidates(i);
        let mut next = [(low, 0f32), (low + 1, 0f32)];
        let mut choice = 0u8;
        for (s, (value, cost)) in next.iter_mut().enumerate() {
            let error = c - *value as f32 * q;
            let via = states.map(|(previous, so_far)| so_far + rates.of(*value - previous));
            let from = usize::from(via[1] < via[0]);
            *cost = w * error * error + via[from];
            choice |= (from as u8) << s;
        }
        back.push(choice);
        states = next;
    }
    // Backtrack from the cheaper end.
    let mut state = usize::from(states[1].1 < states[0].1);
    for (&i, &choice) in order.iter().zip(back.iter()).rev() {
        let (_, low) = candidates(i);
        if let Some(block) = blocks.get_mut(i) {
            block[0] = (low + state as i32) as i16;
        }
        state = usize::from((choice >> state) & 1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::quant::TableKind;
    use super::*;

    fn setup(quality: u8, lambda_factor: f32) -> (Quantiser, AcRates) {
        let q = Quantiser::new(&QuantTable::for_quality(TableKind::Luminance, quality), 1.0);
        let mut freq = [0u64; 256];
        freq[0] = 100;
        freq[0x01] = 200;
        freq[0x02] = 100;
        freq[0x11] = 50;
        let rates = AcRates::new(&freq, lambda_factor * q.high_rate_lambda);
        (q, rates)
    }

    #[test]
    fn exact_multiples_are_kept() {
        let (q, rates) = setup(50, 0.05);
        let mut block = [0i16; 64];
        block[0] = 8 * 16 * 5;
        block[1] = 8 * 11 * 3;
        block[2] = -8 * 12 * 2;
        quantise_block(&mut block, &q, &rates);
        assert_eq!(&block[..4], &[5, 3, -2, 0]);
    }

    #[test]
    fn isolated_small_coefficient_far_away_is_dropped() {
        let (q, rates) = setup(50, 0.2);
        let mut block = [0i16; 64];
        // 0.55 steps at the last position: rounding gives 1, the trellis zeroes it.
        block[63] = (8.0 * 99.0 * 0.55) as i16;
        quantise_block(&mut block, &q, &rates);
        assert!(block.iter().all(|&c| c == 0));
    }

    #[test]
    fn never_increases_a_magnitude() {
        let (q, rates) = setup(90, 0.1);
        let mut block = [0i16; 64];
        for (k, c) in block.iter_mut().enumerate() {
            *c = ((k as i32 * 7919) % 1201 - 600) as i16;
        }
        let original = block;
        quantise_block(&mut block, &q, &rates);
        for k in 1..64 {
            let rounded = round(f32::from(original[k]) * 0.125 / q.step[k]);
            assert!(i32::from(block[k]).abs() <= rounded.abs(), "{k}");
            assert!(block[k] == 0 || (block[k] > 0) == (original[k] > 0));
        }
    }
}
