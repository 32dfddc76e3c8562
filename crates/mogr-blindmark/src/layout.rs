//! The keyed tile: geometry, chip signs, and which cells are pilots and which carry data.
//!
//! The watermark is one 128 x 128 tile repeated over the whole image from its top-left corner.
//! The tile is a 16 x 16 grid of 8 x 8 cells; each cell holds one smooth bump
//! `sin(pi t/8)` in x times the same in y, multiplied by the cell's value: its keyed chip sign
//! times +1 for the 64 pilot cells (a known pattern the extractor synchronises on) or times the
//! +/-1 of the channel bit the cell carries for the 192 data cells.

use crate::key::{KeyStream, purpose};

/// Side of a cell in pixels of the embedded image.
pub(crate) const CELL: usize = 8;
/// Cells along one side of the tile.
pub(crate) const CELLS_PER_SIDE: usize = 16;
/// Side of the tile in pixels of the embedded image.
pub(crate) const TILE: usize = CELL * CELLS_PER_SIDE;
/// Number of cells in a tile.
pub(crate) const CELL_COUNT: usize = CELLS_PER_SIDE * CELLS_PER_SIDE;
/// Cells carrying the known synchronisation pattern.
pub(crate) const PILOT_COUNT: usize = 64;
/// Cells carrying channel bits.
pub(crate) const DATA_COUNT: usize = CELL_COUNT - PILOT_COUNT;

/// The bump's value at continuous position `t` (0..8) inside a cell.
pub(crate) fn bump(t: f64) -> f64 {
    (std::f64::consts::PI * t / CELL as f64).sin()
}

/// The keyed arrangement of a tile.
pub(crate) struct Layout {
    /// Chip sign of every cell (index `row * 16 + column`).
    pub(crate) chips: [f32; CELL_COUNT],
    /// Cell indices of the pilots.
    pub(crate) pilots: Vec<usize>,
    /// Cell indices of the data slots, in the keyed order channel bits are spread over them.
    pub(crate) data: Vec<usize>,
}

impl Layout {
    /// The layout for `key`.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut chip_stream = KeyStream::new(key, purpose::CHIPS);
        let mut chips = [0.0; CELL_COUNT];
        chips.iter_mut().for_each(|chip| *chip = chip_stream.sign());
        let mut cells: Vec<usize> = (0..CELL_COUNT).collect();
        KeyStream::new(key, purpose::CELLS).shuffle(&mut cells);
        let data = cells.split_off(PILOT_COUNT);
        Self { chips, pilots: cells, data }
    }

    /// The bit of every cell (+1 for pilots, the channel's +/-1 values spread round-robin over the
    /// data slots; 0 for data cells when the channel is empty).
    pub(crate) fn cell_bits(&self, channel: &[f32]) -> [f32; CELL_COUNT] {
        let mut bits = [0.0; CELL_COUNT];
        for &cell in &self.pilots {
            bits[cell] = 1.0;
        }
        if !channel.is_empty() {
            for (slot, &cell) in self.data.iter().enumerate() {
                bits[cell] = channel[slot % channel.len()];
            }
        }
        bits
    }

    /// The bit of every cell as far as a reader who does not know the payload knows it: +1 for
    /// pilots, 0 for data cells.
    pub(crate) fn pilot_bits(&self) -> [f32; CELL_COUNT] {
        self.cell_bits(&[])
    }

    /// Gathers per-cell responses (already multiplied by their chips) back into `length` soft
    /// channel values, summing the slots that carry each channel bit.
    pub(crate) fn gather(&self, responses: &[f32; CELL_COUNT], length: usize) -> Vec<f32> {
        let mut soft = vec![0.0; length];
        if length == 0 {
            return soft;
        }
        for (slot, &cell) in self.data.iter().enumerate() {
            soft[slot % length] += responses[cell];
        }
        soft
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pilots_and_data_partition_the_cells() {
        let layout = Layout::new(b"key");
        let mut all: Vec<usize> = layout.pilots.iter().chain(&layout.data).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..CELL_COUNT).collect::<Vec<_>>());
        assert_eq!(layout.pilots.len(), PILOT_COUNT);
    }

    #[test]
    fn gather_inverts_cell_values() {
        let layout = Layout::new(b"key");
        let channel: Vec<f32> = (0..50).map(|i| if i % 3 == 0 { 1.0 } else { -1.0 }).collect();
        let responses = layout.cell_bits(&channel);
        let soft = layout.gather(&responses, channel.len());
        for (s, c) in soft.iter().zip(&channel) {
            assert!(s * c > 0.0);
        }
    }
}
