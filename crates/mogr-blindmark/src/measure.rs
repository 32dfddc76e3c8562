//! Measuring how much a known text watermark still carries after an attack: the per-cell
//! signal-to-noise ratio at the tile's position and the channel capacity that ratio allows,
//! against the bits the text needs.
//!
//! Data flow: received RGBA -> centred luma window -> the hypotheses of the search with every
//! cell known (pilots and the text's channel) and of the pilots' search, each at its offset and
//! the 8 neighbouring ones -> the data cells' responses times their true bits -> mean /
//! standard deviation = the amplitude signal-to-noise ratio `s` of one cell, the best over those
//! readings -> the capacity of 192 binary cells in Gaussian noise at `s`, in bits.
//!
//! Shannon's bound says no code carries more than the capacity through a channel reliably, so a
//! text whose payload (6 bits a character plus its CRC) is well above it cannot be read by any
//! decoder, and one near it is read by luck if at all; below it, it is a question of how close
//! the code comes to the bound (the rate-1/3 K=7 code with soft Viterbi needs roughly 1.5-2 dB
//! more than the bound at these lengths). The robustness example uses this to tell attacks that
//! leave too few bits from the decoder's misses. The estimate is an estimate: it comes from 192
//! cells (good to about +/- 7 %) and assumes Gaussian noise.

use crate::coding;
use crate::layout::{CELL_COUNT, DATA_COUNT, Layout};
use crate::plane::Plane;
use crate::sync;

/// How a known text watermark reads in an image (see [`measure_text`](crate::measure_text)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextChannel {
    /// Mean over standard deviation of the data cells' responses signed by their true bits, at
    /// the best alignment found (about 0.4 without the watermark: a maximum over readings).
    pub snr: f64,
    /// Capacity of the tile's data cells at that ratio, in bits: an estimate of the most any
    /// code could carry reliably.
    pub capacity_bits: f64,
    /// Information bits the text needs: 6 a character plus the CRC (32 bits for texts of up to
    /// 6 characters, 24 beyond).
    pub payload_bits: usize,
}

impl TextChannel {
    /// Whether the channel can carry the text at all (capacity at least the payload).
    pub fn within_capacity(&self) -> bool {
        self.capacity_bits >= self.payload_bits as f64
    }
}

/// Measures the channel of `symbols` (a validated text) in a validated luma window; `None` when
/// the window is too small to search. The reading is the best alignment the searches offer:
/// every hypothesis of the search with every cell known and of the pilots' search, each at its
/// offset and the 8 neighbouring ones, scored by the data cells' ratio. That is a maximum over
/// about 300 readings, so without a watermark it is not 0 but about 0.4 (18 bits, below the
/// 38 of the shortest text).
pub(crate) fn text_channel(key: &[u8], window: &Plane, symbols: &[u8]) -> Option<TextChannel> {
    let layout = Layout::new(key);
    let bits = layout.cell_bits(&coding::text_channel(key, symbols));
    let known = sync::hypotheses(window, &layout, &bits);
    let piloted = sync::hypotheses(window, &layout, &layout.pilot_bits());
    let snr = known
        .iter()
        .chain(&piloted)
        .flat_map(|located| neighbours(located.offset).map(move |offset| (located, offset)))
        .map(|(located, offset)| {
            signal_to_noise(&layout, &bits, &sync::cell_responses(&located.folded, &layout, offset))
        })
        .reduce(f64::max)?;
    Some(TextChannel {
        snr,
        capacity_bits: DATA_COUNT as f64 * binary_capacity(snr),
        payload_bits: coding::payload_bits(symbols.len()),
    })
}

/// `offset` and its 8 neighbours in the folded grid (cyclic).
fn neighbours(offset: (usize, usize)) -> impl Iterator<Item = (usize, usize)> {
    let step = |value: usize, delta: usize| (value + delta) % sync::BINS;
    (0..9).map(move |i| (step(offset.0, sync::BINS - 1 + i % 3), step(offset.1, sync::BINS - 1 + i / 3)))
}

/// Mean over standard deviation of the data cells' responses times their true bits.
fn signal_to_noise(layout: &Layout, bits: &[f32; CELL_COUNT], responses: &[f32; CELL_COUNT]) -> f64 {
    let signed: Vec<f64> = layout.data.iter().map(|&cell| f64::from(responses[cell] * bits[cell])).collect();
    let (mean, deviation) = sync::moments(&signed);
    if deviation > f64::EPSILON { mean / deviation } else { 0.0 }
}

/// Capacity (bits per use) of a +/-1 input in Gaussian noise with amplitude signal-to-noise ratio
/// `snr` (signal 1, noise standard deviation `1 / snr`): `1 - E[log2(1 + exp(-2y / sigma^2))]`
/// for `y ~ N(1, sigma^2)`, integrated numerically over +/- 10 sigma. 0 for `snr <= 0`.
pub(crate) fn binary_capacity(snr: f64) -> f64 {
    if snr <= 0.0 || !snr.is_finite() {
        return 0.0;
    }
    const STEPS: usize = 4000;
    let sigma = 1.0 / snr;
    let (mut total, mut weights) = (0.0, 0.0);
    for step in 0..STEPS {
        let z = -10.0 + 20.0 * (step as f64 + 0.5) / STEPS as f64;
        let weight = (-0.5 * z * z).exp();
        let received = 1.0 + sigma * z;
        total += weight * softplus(-2.0 * received / (sigma * sigma)) / std::f64::consts::LN_2;
        weights += weight;
    }
    (1.0 - total / weights).clamp(0.0, 1.0)
}

/// `ln(1 + e^t)` without overflow.
fn softplus(t: f64) -> f64 {
    if t > 30.0 { t + (-t).exp().ln_1p() } else { t.exp().ln_1p() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_capacity_matches_known_values() {
        assert_eq!(binary_capacity(0.0), 0.0);
        assert_eq!(binary_capacity(-1.0), 0.0);
        // Amplitude ratio 1 is Es/N0 = -3 dB, where BPSK carries 0.486 bits per use (rate 1/2
        // needs Eb/N0 = 0.19 dB, i.e. Es/N0 = -2.8 dB); at ratio 3 (Es/N0 = 6.5 dB) it is saturated.
        assert!((binary_capacity(1.0) - 0.486).abs() < 0.002, "{}", binary_capacity(1.0));
        assert!(binary_capacity(0.98) < 0.5 && binary_capacity(1.04) > 0.5);
        assert!(binary_capacity(3.0) > 0.99);
        assert!(binary_capacity(0.5) < binary_capacity(0.7));
        // Low-SNR slope: C ~ snr^2 / (2 ln 2) = 0.0072 bits at snr 0.1.
        assert!((binary_capacity(0.1) - 0.0072).abs() < 0.0005, "{}", binary_capacity(0.1));
    }
}
