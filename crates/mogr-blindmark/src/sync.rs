//! Finding the tile in a received image: its scale and its phase (hence the crop offset), as a
//! ranked list of hypotheses, then reading every cell.
//!
//! 1. Scale candidates: the tile repeats, so the whitened residual's autocorrelation along rows
//!    and along columns (computed with FFTs) has a peak at the period. The strongest local maxima
//!    between [`MIN_PERIOD`] and [`MAX_PERIOD`] received pixels, refined to sub-pixel by a
//!    parabola and with their harmonics, and their halves, are candidates, and so is scale 1 (the
//!    untouched image). When none of them reaches [`DENSE_TRIGGER`] sigmas in step 2 (small
//!    images, whose few tile copies do not show in the autocorrelation, or heavy attacks), every
//!    scale of a 0.5 % geometric grid over 0.31x-2.25x is tried too, on the centre
//!    [`DENSE_WINDOW`] px. No size information from embedding time is used, so a resize to any
//!    scale in range (and crops) leaves the search unchanged.
//! 2. Phase: for each scale the residual is folded: every received pixel is mapped back to
//!    tile coordinates (`x / scale mod 128`) and averaged into a 64 x 64 grid of 2 x 2-pixel bins,
//!    which adds up all the tile copies in the window. The folded grid is cyclically correlated
//!    with the template of the cells the reader knows (the pilots, plus the mark's cells when the
//!    reader knows the mark) through a 2-D FFT; the best offsets' heights above the mean over
//!    offsets, in standard deviations (`pilot_z`), score the hypotheses. The best scales are
//!    refined in 0.25 % steps on the whole window, and the [`HYPOTHESES`] best distinct
//!    (scale, offset) pairs go to the payload decoders, which can check them (CRC, registration).
//!    When the dense grid was searched, up to [`EXTENDED_HYPOTHESES`] more of its pairs are
//!    offered to decoders whose check is strong enough to try that many (short texts).
//! 3. Cells: each cell's response is the folded grid, shifted by the offset, weighted by the
//!    bump, times the cell's chip.

use crate::fft::{fft, fft_2d};
use crate::layout::{CELL, CELL_COUNT, CELLS_PER_SIDE, Layout, TILE, bump};
use crate::plane::Plane;

/// Tile pixels per fold bin.
const BIN: usize = 2;
/// Fold bins along a side of the tile.
pub(crate) const BINS: usize = TILE / BIN;
/// Bins along a side of a cell.
const CELL_BINS: usize = CELL / BIN;
/// Shortest period searched, in received pixels (scale 0.31).
const MIN_PERIOD: usize = 40;
/// Longest period searched, in received pixels (scale 2.25).
const MAX_PERIOD: usize = 288;
/// Smallest scale searched.
const MIN_SCALE: f64 = MIN_PERIOD as f64 / TILE as f64;
/// Largest scale searched.
const MAX_SCALE: f64 = MAX_PERIOD as f64 / TILE as f64;
/// Side of the window the autocorrelation is computed on.
const PERIOD_WINDOW: usize = 1024;
/// High-pass radius at scale 1, in pixels (scaled with the candidate scale).
const RESIDUAL_RADIUS: f64 = 1.5;
/// Best coarse candidates whose scale is refined.
const CANDIDATES_REFINED: usize = 8;
/// Relative scale step of the refinement.
const REFINE_STEP: f64 = 0.0025;
/// Refinement steps on each side.
const REFINE_STEPS: i32 = 3;
/// Autocorrelation peaks tried.
const PEAKS_TRIED: usize = 10;
/// Synchronisation hypotheses handed to the payload decoders.
pub(crate) const HYPOTHESES: usize = 16;
/// Further (unrefined) hypotheses of the dense scale grid offered to strong decoders.
pub(crate) const EXTENDED_HYPOTHESES: usize = 256;
/// Offsets kept per scale tried.
const OFFSETS_PER_SCALE: usize = 3;
/// Pilot peak (sigmas) below which the dense scale grid is searched too.
const DENSE_TRIGGER: f64 = 7.0;
/// Relative step of the dense scale grid.
const DENSE_STEP: f64 = 0.005;
/// Side of the centred window the dense scale grid is tried on (bounds its work).
const DENSE_WINDOW: usize = 512;

/// Where the tile is in a received image.
#[derive(Clone)]
pub(crate) struct Located {
    /// Received pixels per embedded pixel.
    pub(crate) scale: f64,
    /// Bin offset of the tile's origin in the folded grid.
    pub(crate) offset: (usize, usize),
    /// Height of the pilot correlation peak over the other offsets, in standard deviations.
    pub(crate) pilot_z: f64,
    /// The folded residual, `BINS x BINS`.
    pub(crate) folded: Vec<f32>,
}

/// The [`HYPOTHESES`] most likely (scale, offset) pairs for the tile in `window`, best correlation
/// with the known cells first; empty when the window is too small to search. `known` is the bit
/// of every cell the searcher knows (+1 for pilots, the expected bit of a data cell when the
/// payload is known, 0 when it is not); `pilot_z` is then the correlation with all of them.
///
/// Candidates come from the autocorrelation peaks and scale 1; when none of them has a pilot
/// peak of [`DENSE_TRIGGER`] sigmas (small or heavily attacked images, whose autocorrelation is
/// too noisy to show the period), every scale of a geometric grid is tried on the centre of the
/// window as well. The best candidates' scales are then refined on the whole window.
pub(crate) fn hypotheses(window: &Plane, layout: &Layout, known: &[f32; CELL_COUNT]) -> Vec<Located> {
    hypotheses_extended(window, layout, known).0
}

/// [`hypotheses`], and when the dense scale grid was searched (the pilots did not stand out),
/// up to [`EXTENDED_HYPOTHESES`] more of its unrefined (scale, offset) pairs, best first, for a
/// decoder whose own check is strong enough to try that many (short texts and their 32-bit CRC).
/// Measured on the 320 x 480 photo after crop 10 % + 50 % + brightness + JPEG q70: for some keys
/// the true pair ranks 70th-250th of the grid's 1191 by pilot correlation alone, while a short
/// text reads there.
pub(crate) fn hypotheses_extended(
    window: &Plane,
    layout: &Layout,
    known: &[f32; CELL_COUNT],
) -> (Vec<Located>, Vec<Located>) {
    if window.width < 2 * MIN_PERIOD || window.height < 2 * MIN_PERIOD {
        return (Vec::new(), Vec::new());
    }
    let mut search = Search::new(layout, known);
    let mut periods = candidate_periods(&window.centre(PERIOD_WINDOW).whitened_residual(4));
    periods.push(TILE as f64);
    let mut coarse: Vec<Located> =
        periods.iter().flat_map(|period| search.evaluate(window, period / TILE as f64)).collect();
    let dense = coarse.iter().all(|located| located.pilot_z < DENSE_TRIGGER);
    if dense {
        let centre = window.centre(DENSE_WINDOW);
        let steps = ((MAX_PERIOD as f64 / MIN_PERIOD as f64).ln() / DENSE_STEP.ln_1p()).ceil() as i32;
        for step in 0..=steps {
            let scale = MIN_PERIOD as f64 / TILE as f64 * (1.0 + DENSE_STEP).powi(step);
            coarse.extend(search.evaluate(&centre, scale));
        }
    }
    coarse.sort_by(|a, b| b.pilot_z.total_cmp(&a.pilot_z));
    let mut refined: Vec<Located> = Vec::new();
    let mut scales_refined: Vec<f64> = Vec::new();
    for candidate in &coarse {
        if scales_refined.len() >= CANDIDATES_REFINED {
            break;
        }
        if scales_refined.iter().any(|s| (s / candidate.scale - 1.0).abs() < REFINE_STEP) {
            continue;
        }
        scales_refined.push(candidate.scale);
        for step in -REFINE_STEPS..=REFINE_STEPS {
            refined.extend(search.evaluate(window, candidate.scale * (1.0 + REFINE_STEP * f64::from(step))));
        }
    }
    refined.sort_by(|a, b| b.pilot_z.total_cmp(&a.pilot_z));
    let best = distinct(refined);
    let extended = if dense {
        coarse.into_iter().filter(|c| !best.iter().any(|b| same_place(b, c))).take(EXTENDED_HYPOTHESES).collect()
    } else {
        Vec::new()
    };
    (best, extended)
}

/// Whether two hypotheses put the tile at the same offset and nearly the same scale.
fn same_place(a: &Located, b: &Located) -> bool {
    a.offset == b.offset && (a.scale / b.scale - 1.0).abs() < 2.5 * REFINE_STEP
}

/// The best hypotheses near each of `scales` (each refined like a search candidate), best first:
/// for a reader that can guess the scale, such as the semi-blind one from the images' sizes.
pub(crate) fn hypotheses_near(
    window: &Plane,
    layout: &Layout,
    known: &[f32; CELL_COUNT],
    scales: &[f64],
) -> Vec<Located> {
    if window.width < 2 * MIN_PERIOD || window.height < 2 * MIN_PERIOD {
        return Vec::new();
    }
    let mut search = Search::new(layout, known);
    let mut found: Vec<Located> = Vec::new();
    for &scale in scales.iter().filter(|s| (MIN_SCALE..=MAX_SCALE).contains(*s)) {
        for step in -REFINE_STEPS..=REFINE_STEPS {
            found.extend(search.evaluate(window, scale * (1.0 + REFINE_STEP * f64::from(step))));
        }
    }
    found.sort_by(|a, b| b.pilot_z.total_cmp(&a.pilot_z));
    distinct(found)
}

/// The best [`HYPOTHESES`] of `sorted`, dropping any that repeats a better one's offset at
/// nearly the same scale.
fn distinct(sorted: Vec<Located>) -> Vec<Located> {
    let mut kept: Vec<Located> = Vec::new();
    for located in sorted {
        let repeated = kept.iter().any(|k| same_place(k, &located));
        if !repeated {
            kept.push(located);
        }
        if kept.len() >= HYPOTHESES {
            break;
        }
    }
    kept
}

/// The state of one synchronisation search: the pilot template's spectrum and the residuals
/// already computed, by plane origin, size and high-pass radius.
struct Search {
    template: Spectrum,
    residuals: Vec<((usize, usize, usize, usize), Plane)>,
}

impl Search {
    fn new(layout: &Layout, known: &[f32; CELL_COUNT]) -> Self {
        Self { template: Spectrum::of(&template_grid(layout, known)), residuals: Vec::new() }
    }

    /// The best [`OFFSETS_PER_SCALE`] offsets of the tile in `plane` at `scale`.
    fn evaluate(&mut self, plane: &Plane, scale: f64) -> Vec<Located> {
        let radius = residual_radius(scale);
        let tag = (plane.origin.0, plane.origin.1, plane.width, radius);
        let index = match self.residuals.iter().position(|(t, _)| *t == tag) {
            Some(index) => index,
            None => {
                self.residuals.push((tag, plane.whitened_residual(radius)));
                self.residuals.len() - 1
            }
        };
        let folded = fold(&self.residuals[index].1, scale);
        let scores = self.template.correlation(&folded);
        best_offsets(&scores, OFFSETS_PER_SCALE)
            .into_iter()
            .map(|(offset, pilot_z)| Located { scale, offset, pilot_z, folded: folded.clone() })
            .collect()
    }
}

/// The high-pass radius for a scale: 2 pixels at scale 1. A short radius whitens the photo
/// (whose spectrum falls steeply with frequency) more than it weakens the bumps; measured on the
/// corpus, radius 2 gave about twice the pilot peak of a radius of one cell.
pub(crate) fn residual_radius(scale: f64) -> usize {
    ((RESIDUAL_RADIUS * scale).round() as usize).clamp(1, 16)
}

/// Candidate periods (received pixels) from the residual's row and column autocorrelation.
fn candidate_periods(residual: &Plane) -> Vec<f64> {
    let max_lag = MAX_PERIOD.min(residual.width.max(residual.height) / 2);
    let rows = autocorrelation(&residual.data, residual.width, residual.height, max_lag);
    let columns = autocorrelation(&transpose(residual), residual.height, residual.width, max_lag);
    let combined: Vec<f64> = rows.iter().zip(&columns).map(|(a, b)| a + b).collect();
    let mut peaks: Vec<(f64, f64)> = Vec::new();
    for lag in MIN_PERIOD..max_lag.saturating_sub(max_lag / 12 + 3) {
        let (before, here, after) = (combined[lag - 1], combined[lag], combined[lag + 1]);
        if here < before || here < after {
            continue;
        }
        let gap = (lag / 12).max(3);
        let shoulders = [lag - gap - 2, lag - gap - 1, lag - gap, lag + gap, lag + gap + 1, lag + gap + 2];
        let baseline = shoulders.iter().map(|&l| combined[l]).sum::<f64>() / shoulders.len() as f64;
        let curvature = before - 2.0 * here + after;
        let shift = if curvature < 0.0 { (0.5 * (before - after) / curvature).clamp(-0.5, 0.5) } else { 0.0 };
        peaks.push((here - baseline, lag as f64 + shift));
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut periods = Vec::new();
    for &(_, peak) in peaks.iter().take(PEAKS_TRIED) {
        let period = harmonic_period(&combined, peak);
        periods.push(period);
        if period / 2.0 >= MIN_PERIOD as f64 {
            periods.push(period / 2.0);
        }
    }
    periods
}

/// A period refined with its harmonics: the peaks near 2, 3, ... times `period` (each located to
/// sub-pixel by a parabola) divided by their order, averaged with weights equal to the order.
fn harmonic_period(combined: &[f64], period: f64) -> f64 {
    let (mut weighted, mut weights) = (period, 1.0);
    for order in 2..=8u32 {
        let centre = (period * f64::from(order)).round() as usize;
        if centre < 3 || centre + 3 >= combined.len() {
            break;
        }
        let Some(lag) = (centre - 2..=centre + 2).max_by(|&a, &b| combined[a].total_cmp(&combined[b])) else { break };
        let (before, here, after) = (combined[lag - 1], combined[lag], combined[lag + 1]);
        let curvature = before - 2.0 * here + after;
        let shift = if curvature < 0.0 { (0.5 * (before - after) / curvature).clamp(-0.5, 0.5) } else { 0.0 };
        let estimate = (lag as f64 + shift) / f64::from(order);
        weighted += estimate * f64::from(order);
        weights += f64::from(order);
    }
    weighted / weights
}

fn transpose(plane: &Plane) -> Vec<f32> {
    let mut out = vec![0.0; plane.data.len()];
    for y in 0..plane.height {
        for x in 0..plane.width {
            out[x * plane.height + y] = plane.data[y * plane.width + x];
        }
    }
    out
}

/// The autocorrelation along rows of a `width x height` array for lags `0..=max_lag`, each lag
/// divided by its overlap and the result by lag 0; lags beyond half the width are 0.
fn autocorrelation(data: &[f32], width: usize, height: usize, max_lag: usize) -> Vec<f64> {
    let size = (2 * width).next_power_of_two();
    let mut power = vec![0.0f64; size];
    let (mut re, mut im) = (vec![0.0f64; size], vec![0.0f64; size]);
    // Two real rows share one complex FFT: with z = a + i b, |A_k|^2 + |B_k|^2 is
    // (|Z_k|^2 + |Z_(n-k)|^2) / 2.
    for pair in data.chunks(2 * width.max(1)).take(height.div_ceil(2)) {
        re.iter_mut().for_each(|v| *v = 0.0);
        im.iter_mut().for_each(|v| *v = 0.0);
        let (first, second) = pair.split_at(width.min(pair.len()));
        re.iter_mut().zip(first).for_each(|(r, &v)| *r = f64::from(v));
        im.iter_mut().zip(second).for_each(|(i, &v)| *i = f64::from(v));
        fft(&mut re, &mut im, false);
        for k in 0..size {
            let mirror = (size - k) % size;
            let (zk, zm) = (re[k] * re[k] + im[k] * im[k], re[mirror] * re[mirror] + im[mirror] * im[mirror]);
            power[k] += 0.5 * (zk + zm);
        }
    }
    im.iter_mut().for_each(|v| *v = 0.0);
    fft(&mut power, &mut im, true);
    let zero = power[0].max(f64::MIN_POSITIVE);
    (0..=max_lag)
        .map(|lag| match power.get(lag) {
            Some(value) if 2 * lag <= width => value / zero * width as f64 / (width - lag).max(1) as f64,
            _ => 0.0,
        })
        .collect()
}

/// Averages `residual` into `BINS x BINS` bins of tile coordinates at `scale`.
pub(crate) fn fold(residual: &Plane, scale: f64) -> Vec<f32> {
    let bin_of = |position: usize| -> usize {
        let tile_coordinate = (position as f64 + 0.5) / scale;
        ((tile_coordinate / BIN as f64).floor().rem_euclid(BINS as f64) as usize).min(BINS - 1)
    };
    let columns: Vec<usize> = (0..residual.width).map(|x| bin_of(residual.origin.0 + x)).collect();
    let rows: Vec<usize> = (0..residual.height).map(|y| bin_of(residual.origin.1 + y)).collect();
    let mut sums = vec![0.0f64; BINS * BINS];
    let mut counts = vec![0u32; BINS * BINS];
    for (y, &row_bin) in rows.iter().enumerate() {
        let line = &residual.data[y * residual.width..(y + 1) * residual.width];
        for (&value, &column_bin) in line.iter().zip(&columns) {
            sums[row_bin * BINS + column_bin] += f64::from(value);
            counts[row_bin * BINS + column_bin] += 1;
        }
    }
    sums.iter().zip(&counts).map(|(&s, &c)| if c == 0 { 0.0 } else { (s / f64::from(c)) as f32 }).collect()
}

/// The bump weights of the 4 x 4 bins of a cell (the residual is already high-passed, so the
/// weights keep the bump's mean, which carries most of its energy).
fn cell_weights() -> [f32; CELL_BINS * CELL_BINS] {
    let profile: Vec<f64> = (0..CELL_BINS).map(|i| bump((i * BIN) as f64 + BIN as f64 / 2.0)).collect();
    let mut weights = [0.0f32; CELL_BINS * CELL_BINS];
    for j in 0..CELL_BINS {
        for i in 0..CELL_BINS {
            weights[j * CELL_BINS + i] = (profile[i] * profile[j]) as f32;
        }
    }
    weights
}

/// The template of the `known` cell bits as a `BINS x BINS` grid: each cell's bump weights times
/// its chip and its known bit.
fn template_grid(layout: &Layout, known: &[f32; CELL_COUNT]) -> Vec<f64> {
    let weights = cell_weights();
    let mut grid = vec![0.0f64; BINS * BINS];
    for (cell, (&chip, &bit)) in layout.chips.iter().zip(known).enumerate() {
        let (cell_x, cell_y) = (cell % CELLS_PER_SIDE, cell / CELLS_PER_SIDE);
        for j in 0..CELL_BINS {
            for i in 0..CELL_BINS {
                let weight = weights[j * CELL_BINS + i] * chip * bit;
                grid[(cell_y * CELL_BINS + j) * BINS + cell_x * CELL_BINS + i] = f64::from(weight);
            }
        }
    }
    grid
}

/// The 2-D spectrum of a `BINS x BINS` template, for cyclic correlations.
struct Spectrum {
    re: Vec<f64>,
    im: Vec<f64>,
}

impl Spectrum {
    fn of(grid: &[f64]) -> Self {
        let (mut re, mut im) = (grid.to_vec(), vec![0.0; grid.len()]);
        fft_2d(&mut re, &mut im, BINS, false);
        Self { re, im }
    }

    /// The template's correlation with `folded` at every cyclic offset (row-major by offset):
    /// `score(d) = sum_p template(p) folded(p + d)`, the inverse transform of
    /// `F(folded) x conj(F(template))`.
    fn correlation(&self, folded: &[f32]) -> Vec<f64> {
        let mut re: Vec<f64> = folded.iter().map(|&v| f64::from(v)).collect();
        let mut im = vec![0.0; re.len()];
        fft_2d(&mut re, &mut im, BINS, false);
        for k in 0..re.len() {
            let (a, b) = (re[k], im[k]);
            let (c, d) = (self.re[k], -self.im[k]);
            re[k] = a * c - b * d;
            im[k] = a * d + b * c;
        }
        fft_2d(&mut re, &mut im, BINS, true);
        re
    }
}

/// Mean and (population) standard deviation of the scores.
pub(crate) fn moments(scores: &[f64]) -> (f64, f64) {
    let count = scores.len().max(1) as f64;
    let mean = scores.iter().sum::<f64>() / count;
    let deviation = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / count).sqrt();
    (mean, deviation)
}

/// The `count` highest-scoring offsets at least 3 bins apart (a peak spreads over its
/// neighbours), each with its height above the mean in standard deviations.
fn best_offsets(scores: &[f64], count: usize) -> Vec<((usize, usize), f64)> {
    let (mean, deviation) = moments(scores);
    if deviation <= f64::EPSILON {
        return vec![((0, 0), 0.0)];
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let cyclic = |a: usize, b: usize| (a + BINS - b) % BINS;
    let near = |a: usize, b: usize| {
        let (dx, dy) = (cyclic(a % BINS, b % BINS), cyclic(a / BINS, b / BINS));
        dx.min(BINS - dx) < 3 && dy.min(BINS - dy) < 3
    };
    let mut chosen: Vec<usize> = Vec::new();
    for index in order {
        if chosen.len() >= count {
            break;
        }
        if !chosen.iter().any(|&c| near(c, index)) {
            chosen.push(index);
        }
    }
    chosen.into_iter().map(|i| ((i % BINS, i / BINS), (scores[i] - mean) / deviation)).collect()
}

/// The pilot correlation at a fixed `offset` of `folded`, in standard deviations of the
/// correlation over all offsets (used when the offset was found on another signal).
pub(crate) fn pilot_z_at(folded: &[f32], layout: &Layout, offset: (usize, usize)) -> f64 {
    let scores = Spectrum::of(&template_grid(layout, &layout.pilot_bits())).correlation(folded);
    let (mean, deviation) = moments(&scores);
    let at = scores[(offset.1 % BINS) * BINS + offset.0 % BINS];
    if deviation <= f64::EPSILON { 0.0 } else { (at - mean) / deviation }
}

/// Every cell's response at `offset`, multiplied by its chip (so a data cell's sign is its bit).
pub(crate) fn cell_responses(folded: &[f32], layout: &Layout, offset: (usize, usize)) -> [f32; CELL_COUNT] {
    let weights = cell_weights();
    let mut responses = [0.0f32; CELL_COUNT];
    for (cell, response) in responses.iter_mut().enumerate() {
        let (cell_x, cell_y) = (cell % CELLS_PER_SIDE, cell / CELLS_PER_SIDE);
        let mut sum = 0.0;
        for j in 0..CELL_BINS {
            for i in 0..CELL_BINS {
                let x = (cell_x * CELL_BINS + i + offset.0) % BINS;
                let y = (cell_y * CELL_BINS + j + offset.1) % BINS;
                sum += weights[j * CELL_BINS + i] * folded[y * BINS + x];
            }
        }
        *response = sum * layout.chips[cell];
    }
    responses
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocorrelation_matches_the_direct_sum_with_paired_rows() {
        let (width, height) = (20, 7);
        let data: Vec<f32> = (0..width * height).map(|i| ((i * 37 + 11) % 23) as f32 - 11.0).collect();
        let fast = autocorrelation(&data, width, height, 10);
        let direct = |lag: usize| -> f64 {
            let mut sum = 0.0;
            for row in data.chunks(width) {
                for x in 0..width - lag {
                    sum += f64::from(row[x]) * f64::from(row[x + lag]);
                }
            }
            sum / (width - lag) as f64
        };
        for (lag, value) in fast.iter().enumerate() {
            let expected = direct(lag) / direct(0);
            assert!((value - expected).abs() < 1e-9, "lag {lag}: {value} vs {expected}");
        }
    }

    #[test]
    fn fold_averages_tile_copies_at_a_scale() {
        let (width, height) = (2 * TILE, TILE);
        let data: Vec<f32> = (0..width * height).map(|i| ((i % width) % TILE / BIN) as f32).collect();
        let plane = Plane { width, height, data, origin: (0, 0) };
        let folded = fold(&plane, 1.0);
        for (bin, value) in folded.iter().enumerate() {
            assert_eq!(*value, (bin % BINS) as f32);
        }
        let layout = Layout::new(b"k");
        let narrow = Plane { width: 10, height: 500, data: vec![0.0; 5000], origin: (0, 0) };
        assert!(hypotheses(&narrow, &layout, &layout.pilot_bits()).is_empty());
    }
}
