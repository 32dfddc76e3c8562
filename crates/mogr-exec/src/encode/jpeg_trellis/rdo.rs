//! The image-level rate-distortion decisions: the rate model, λ, and running the trellis
//! over every block.
//!
//! This file owns what the trellis (`trellis.rs`, one block or one DC chain at a time) is
//! told:
//!
//! 1. **Rates.** The symbols that plain rounding would code are counted on an evenly spread
//!    sample of about [`STATISTICS_BLOCKS`] blocks per image; the code lengths of the optimal
//!    Huffman tables for those counts are the trellis's bit costs (`trellis::AcRates`, one
//!    per table). The DC differences along each DC chain are counted the same way
//!    (`trellis::DcRates`). The final tables are built later from the trellis's own output.
//! 2. **λ** ([`calibrate`]). A fixed λ would cost some photos 0.1 dB and others 0.8: the
//!    PSNR lost depends on how much error the image already has. So λ is chosen per image
//!    for a predicted PSNR loss of [`Params::target_loss_db`] (0.3 dB): the trellis runs on a
//!    sample of about [`CALIBRATION_BLOCKS`] blocks for a few λ on a quarter-octave ladder
//!    (binary search), and the error it adds is compared with the error the decoded image
//!    has anyway: plain rounding's (on the sample), the chroma subsampling's (measured by
//!    `blocks.rs`, halved for the decoder's interpolation) and the decoder's rounding to
//!    integers. On the test photos the PSNR comes out 0.2-0.4 dB below libjpeg-turbo's at
//!    the same quality.
//! 3. **Running it.** Every block's AC coefficients go through `trellis::quantise_block`,
//!    then each component's DC chain through `trellis::quantise_dc`.
//!
//! All errors are in the trellis's weighted units: a luma coefficient's squared error
//! counts 1 (it appears in each of R, G and B), a chroma coefficient's
//! [`Params::chroma_weight`] (JFIF's inverse conversion and the 4:2:0 upsampling spread it
//! over four pixels' R, G, B: about 3.8 times as much).

use super::blocks::Frame;
use super::entropy;
use super::huffman::Frequencies;
use super::trellis::{self, AcRates, DcRates, Params, Quantiser};
use crate::ExecError;

/// About how many blocks the rate model's statistics are gathered from.
const STATISTICS_BLOCKS: usize = 20_000;

/// Replaces every block's coefficients by their trellis-quantised values. The rates come
/// from the plain rounding's statistics of an evenly spread sample of blocks (symbol
/// frequencies settle long before the whole image is counted), λ from [`calibrate`].
pub(super) fn quantise(
    frame: &mut Frame,
    quantisers: &[Quantiser; 2],
    params: Params,
    other_error: f64,
) -> Result<(), ExecError> {
    let total: usize = frame.components.iter().map(|c| c.blocks.len()).sum();
    let stride = (total / STATISTICS_BLOCKS).max(1);
    let mut freq = [[0u64; 256]; 2];
    for component in &frame.components {
        if let (Some(f), Some(q)) = (freq.get_mut(component.table), quantisers.get(component.table)) {
            for block in component.blocks.iter().step_by(stride) {
                trellis::plain_block(block, q, Some(f));
            }
        }
    }
    let lambda = calibrate(frame, quantisers, &freq, params, other_error);
    // The DC chains, their unquantised values and the rates of their differences.
    let mut chains = Vec::new();
    let mut dc_freq = [[0u64; 256]; 2];
    for (index, component) in frame.components.iter().enumerate() {
        let order = entropy::dc_order(frame, index);
        let mut originals = Vec::new();
        originals
            .try_reserve_exact(component.blocks.len())
            .map_err(|_| ExecError::OutOfMemory("JPEG DC coefficients".into()))?;
        originals.extend(component.blocks.iter().map(|b| b[0]));
        if let (Some(f), Some(q)) = (dc_freq.get_mut(component.table), quantisers.get(component.table)) {
            trellis::plain_dc_frequencies(&originals, &order, q, f);
        }
        chains.push((order, originals));
    }
    let rates = [0, 1].map(|t| AcRates::new(&freq[t], lambda));
    let dc_rates = [0, 1].map(|t| DcRates::new(&dc_freq[t], lambda * params.dc_lambda_factor));
    for (component, (order, originals)) in frame.components.iter_mut().zip(chains.iter()) {
        let t = component.table;
        if let (Some(q), Some(r), Some(dc)) = (quantisers.get(t), rates.get(t), dc_rates.get(t)) {
            for block in &mut component.blocks {
                trellis::quantise_block(block, q, r);
            }
            if params.dc_lambda_factor > 0.0 {
                trellis::quantise_dc(&mut component.blocks, originals, order, q, dc)?;
            }
        }
    }
    Ok(())
}

/// About how many blocks the calibration of λ tries.
const CALIBRATION_BLOCKS: usize = 3000;

/// The largest λ on a ladder of quarter-octave steps below `max_lambda_factor × λ₀` (λ₀ the
/// luma table's high-rate λ) whose predicted PSNR loss stays within `target_loss_db`: the
/// trellis runs on every n-th block, and the loss is `10 log10((D + ΔD) / D)` with `ΔD` the
/// error it adds there and `D` the sample's plain-rounding error plus its share of
/// `other_error`. The loss grows with λ, so a binary search over the ladder finds the step.
fn calibrate(
    frame: &Frame,
    quantisers: &[Quantiser; 2],
    freq: &[Frequencies; 2],
    params: Params,
    other_error: f64,
) -> f32 {
    let total: usize = frame.components.iter().map(|c| c.blocks.len()).sum();
    let stride = (total / CALIBRATION_BLOCKS).max(1);
    let mut sample: Vec<(usize, [i16; 64])> = Vec::new();
    for component in &frame.components {
        for block in component.blocks.iter().step_by(stride) {
            sample.push((component.table, *block));
        }
    }
    let plain_distortion: f64 = sample
        .iter()
        .filter_map(|(t, block)| quantisers.get(*t).map(|q| f64::from(trellis::plain_block(block, q, None))))
        .sum();
    let share = sample.len() as f64 / total.max(1) as f64;
    let before = plain_distortion + other_error * share;
    let allowed = before * (10f64.powf(f64::from(params.target_loss_db) / 10.0) - 1.0);
    let base = quantisers[0].high_rate_lambda * params.max_lambda_factor;
    // λ = base · 2^(−step/4), step 0 (largest) to LADDER (smallest).
    const LADDER: i32 = 40;
    let lambda_at = |step: i32| base * 2f32.powf(-(step as f32) / 4.0);
    let added = |lambda: f32| -> f64 {
        let rates = [0, 1].map(|t| AcRates::new(&freq[t], lambda));
        let mut distortion = 0.0;
        for (t, block) in &sample {
            if let (Some(q), Some(r)) = (quantisers.get(*t), rates.get(*t)) {
                let mut copy = *block;
                distortion += f64::from(trellis::quantise_block(&mut copy, q, r));
            }
        }
        distortion - plain_distortion
    };
    if added(lambda_at(0)) <= allowed {
        return lambda_at(0);
    }
    // Invariant: step `high` (smaller λ) is within the target, step `low` (larger λ) is not.
    let (mut low, mut high) = (0, LADDER);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if added(lambda_at(mid)) <= allowed { high = mid } else { low = mid }
    }
    lambda_at(high)
}
