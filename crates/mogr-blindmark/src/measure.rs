//! Measuring how much a known text watermark still carries after an attack: the per-cell
//! signal-to-noise ratio at the tile's position and the channel capacity that ratio allows,
//! against the bits the text needs.
//!
//! Data flow: received RGBA -> centred luma window -> the hypotheses of the search with every
//! cell known (pilots and the text's channel) and of the pilots' search, each at its offset and
//! the 8 neighbouring ones -> the data cells' responses times their true bits -> mean /
//! standard deviation = the amplitude signal-to-noise ratio `s` of one cell, the best over those
//! readings -> the capacity of 192 binary cells in Gaussian noise at `s`, and their reach.
//!
//! Shannon's capacity is what codes approach as they grow without end; a code as short as the
//! tile's 192 cells carries less. The reach is the finite-length bound (Polyanskiy, Poor and
//! Verdu's normal approximation): the most information bits any code of 192 uses carries at `s`
//! while failing at most one read in ten, 10-20 bits below the capacity here. A text whose
//! payload (6 bits a character plus its CRC) is above the reach cannot be read reliably by any
//! decoder, so the robustness example counts such runs apart from the decoder's misses; below
//! it, it is a question of how close the code comes to the bound. The estimate is an estimate:
//! it comes from 192 cells (good to about +/- 7 % in `s`) and assumes Gaussian noise.

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
    /// Capacity of the tile's data cells at that ratio, in bits: what infinitely long codes
    /// would approach (an upper bound).
    pub capacity_bits: f64,
    /// The most bits any code of the tile's 192 data cells carries at that ratio with at most
    /// one failed read in ten (the finite-length bound's normal approximation): an estimate of
    /// the most that can be read reliably, 10-20 bits below the capacity.
    pub reach_bits: f64,
    /// Information bits the text needs: 6 a character plus the CRC (32 bits for texts of up to
    /// 6 characters, 30 beyond).
    pub payload_bits: usize,
}

impl TextChannel {
    /// Whether the channel can carry the text at all (capacity at least the payload).
    pub fn within_capacity(&self) -> bool {
        self.capacity_bits >= self.payload_bits as f64
    }

    /// Whether some code could read the text in at least nine images of ten at this ratio
    /// (reach at least the payload): the line between an attack that is feasible for this
    /// channel and one that is not.
    pub fn within_reach(&self) -> bool {
        self.reach_bits >= self.payload_bits as f64
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
        reach_bits: finite_length_reach(snr, DATA_COUNT),
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
/// `snr` (signal 1, noise standard deviation `1 / snr`). 0 for `snr <= 0`.
pub(crate) fn binary_capacity(snr: f64) -> f64 {
    information_density_moments(snr).0
}

/// Mean (the capacity) and variance (the channel dispersion) of the information density
/// `1 - log2(1 + exp(-2y / sigma^2))` of a +/-1 input in Gaussian noise, for `y ~ N(1, sigma^2)`
/// and `sigma = 1 / snr`, integrated numerically over +/- 10 sigma. `(0, 0)` for `snr <= 0`.
fn information_density_moments(snr: f64) -> (f64, f64) {
    if snr <= 0.0 || !snr.is_finite() {
        return (0.0, 0.0);
    }
    const STEPS: usize = 4000;
    let sigma = 1.0 / snr;
    let (mut first, mut second, mut weights) = (0.0, 0.0, 0.0);
    for step in 0..STEPS {
        let z = -10.0 + 20.0 * (step as f64 + 0.5) / STEPS as f64;
        let weight = (-0.5 * z * z).exp();
        let received = 1.0 + sigma * z;
        let density = 1.0 - softplus(-2.0 * received / (sigma * sigma)) / std::f64::consts::LN_2;
        first += weight * density;
        second += weight * density * density;
        weights += weight;
    }
    let mean = first / weights;
    (mean.clamp(0.0, 1.0), (second / weights - mean * mean).max(0.0))
}

/// The most information bits a code of `uses` binary channel uses at amplitude ratio `snr` can
/// carry with a block error rate of at most 10 %: the normal approximation of the
/// finite-length bound (Polyanskiy, Poor and Verdu, 2010),
/// `n C - sqrt(n V) Q^-1(failure) + log2(n) / 2`, with capacity `C` and dispersion `V`. At 192
/// uses it sits 10-20 bits below `n C`: the capacity is only reached by infinitely long codes.
/// Never above `n C` (where the approximation's last term would put it on saturated channels);
/// 0 when the channel carries nothing.
pub(crate) fn finite_length_reach(snr: f64, uses: usize) -> f64 {
    let (capacity, dispersion) = information_density_moments(snr);
    if capacity <= 0.0 {
        return 0.0;
    }
    let n = uses as f64;
    (n * capacity - (n * dispersion).sqrt() * READ_FAILURE_QUANTILE + 0.5 * n.log2()).clamp(0.0, n * capacity)
}

/// `Q^-1(0.1)`: the standard normal quantile with 10 % above it, for [`finite_length_reach`]'s
/// block error rate (a payload beyond the reach fails at least one read in ten whatever the code).
const READ_FAILURE_QUANTILE: f64 = 1.281_551_565_5;

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

    #[test]
    fn dispersion_matches_a_sampled_information_density_and_the_low_snr_limit() {
        // Low SNR: the dispersion tends to AWGN's, (log2 e)^2 P (P + 2) / (2 (P + 1)^2), 0.0205 at
        // snr 0.1 (P = 0.01).
        let (_, low) = information_density_moments(0.1);
        assert!((low - 0.0205).abs() < 0.001, "{low}");
        assert_eq!(information_density_moments(0.0), (0.0, 0.0));
        // At the ratios attacked small photos leave, against 200 000 sampled densities.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut uniform = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        for snr in [0.9, 1.1] {
            let sigma = 1.0 / snr;
            let samples: Vec<f64> = (0..100_000)
                .flat_map(|_| {
                    let (u, v) = (uniform(), uniform());
                    let radius = (-2.0 * u.ln()).sqrt();
                    let angle = std::f64::consts::TAU * v;
                    [radius * angle.cos(), radius * angle.sin()]
                })
                .map(|z| 1.0 - softplus(-2.0 * (1.0 + sigma * z) / (sigma * sigma)) / std::f64::consts::LN_2)
                .collect();
            let (mean, deviation) = crate::sync::moments(&samples);
            let (capacity, dispersion) = information_density_moments(snr);
            assert!((mean - capacity).abs() < 0.005, "snr {snr}: {mean} vs {capacity}");
            assert!((deviation * deviation - dispersion).abs() < 0.01, "snr {snr}: {deviation} vs {dispersion}");
        }
    }

    #[test]
    fn reach_is_below_capacity_by_the_finite_length_penalty() {
        // The quantile: the standard normal tail above it holds 10 %.
        let tail: f64 = (0..100_000)
            .map(|i| READ_FAILURE_QUANTILE + (i as f64 + 0.5) * 1e-4)
            .map(|z| (-0.5 * z * z).exp() * 1e-4)
            .sum::<f64>()
            / (std::f64::consts::TAU).sqrt();
        assert!((tail - 0.1).abs() < 1e-6, "{tail}");
        assert_eq!(finite_length_reach(0.0, 192), 0.0);
        for snr in [0.8, 1.0, 1.2, 1.5] {
            let capacity = 192.0 * binary_capacity(snr);
            let reach = finite_length_reach(snr, 192);
            assert!(reach < capacity - 8.0 && reach > capacity - 22.0, "snr {snr}: {reach} of {capacity}");
            // Longer codes come closer to the capacity.
            let long = finite_length_reach(snr, 192 * 100) / 100.0;
            assert!(long > reach && long < capacity, "snr {snr}: {long} per 192 uses");
        }
        assert!(finite_length_reach(5.0, 192) <= 192.0 * binary_capacity(5.0));
    }
}
